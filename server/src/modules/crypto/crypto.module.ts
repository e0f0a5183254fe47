import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CryptoService } from './crypto.service';
import { KeyRewrapService } from './key-rewrap.service';

@Module({
  imports: [AuditModule],
  providers: [CryptoService, KeyRewrapService],
  exports: [CryptoService, KeyRewrapService],
})
export class CryptoModule {}
