import { Module, OnModuleInit } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CryptoModule } from '../crypto/crypto.module';
import { RedisModule } from '../redis/redis.module';
import { KeyRewrapService } from '../crypto/key-rewrap.service';
import { CredentialsRepository } from './credentials.repository';
import { CredentialsService } from './credentials.service';

@Module({
  imports: [AuditModule, CryptoModule, RedisModule],
  providers: [CredentialsRepository, CredentialsService],
  exports: [CredentialsService],
})
export class CredentialsModule implements OnModuleInit {
  constructor(
    private readonly keyRewrap: KeyRewrapService,
    private readonly repo: CredentialsRepository,
  ) {}

  /** keys:rewrap re-encrypts this table's secrets through its repository, the table's one writer. */
  onModuleInit(): void {
    this.keyRewrap.register(this.repo.encryptedRows);
  }
}
