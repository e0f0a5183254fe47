import { Global, Module } from '@nestjs/common';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { UsersService } from './users.service';

@Global()
@Module({
  providers: [UsersService, AdminBootstrapService],
  exports: [UsersService],
})
export class TenantsModule {}
