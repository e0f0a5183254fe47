import { Global, Module } from '@nestjs/common';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Global()
@Module({
  providers: [UsersRepository, UsersService, AdminBootstrapService],
  exports: [UsersService],
})
export class TenantsModule {}
