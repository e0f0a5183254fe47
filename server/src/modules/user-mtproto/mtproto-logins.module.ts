import { Module, OnModuleInit } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { KeyRewrapService } from '../crypto/key-rewrap.service';
import { MtprotoLoginsRepository } from './mtproto-logins.repository';

/**
 * The mtproto_logins table's owner, on its own so the command line (keys:rewrap) can load it
 * without the session plumbing of UserMtprotoModule.
 */
@Module({ imports: [CryptoModule], providers: [MtprotoLoginsRepository], exports: [MtprotoLoginsRepository] })
export class MtprotoLoginsModule implements OnModuleInit {
  constructor(
    private readonly keyRewrap: KeyRewrapService,
    private readonly repo: MtprotoLoginsRepository,
  ) {}

  /** keys:rewrap re-encrypts pending logins through their repository, the table's one writer. */
  onModuleInit(): void {
    this.keyRewrap.register(this.repo.encryptedRows);
  }
}
