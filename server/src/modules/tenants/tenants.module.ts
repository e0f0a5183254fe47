import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [AuditModule],
  providers: [UsersRepository, UsersService, AdminBootstrapService],
  exports: [UsersService],
})
export class TenantsModule {}
