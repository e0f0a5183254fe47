import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { UsersService } from './users.service';

@Module({
  imports: [AuditModule],
  providers: [UsersService, AdminBootstrapService],
  exports: [UsersService],
})
export class TenantsModule {}
