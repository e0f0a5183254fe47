import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CryptoModule } from '../crypto/crypto.module';
import { CredentialsService } from './credentials.service';

@Module({ imports: [AuditModule, CryptoModule], providers: [CredentialsService], exports: [CredentialsService] })
export class CredentialsModule {}
