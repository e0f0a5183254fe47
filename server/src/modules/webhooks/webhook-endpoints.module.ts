import { Module, OnModuleInit } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { KeyRewrapService } from '../crypto/key-rewrap.service';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';

/**
 * The webhook_endpoints table's owner on its own, so the command line (keys:rewrap) can load it
 * without queues and events.
 */
@Module({ imports: [CryptoModule], providers: [WebhookEndpointsRepository], exports: [WebhookEndpointsRepository] })
export class WebhookEndpointsModule implements OnModuleInit {
  constructor(
    private readonly keyRewrap: KeyRewrapService,
    private readonly repo: WebhookEndpointsRepository,
  ) {}

  /** keys:rewrap re-encrypts endpoint secrets through their repository, the table's one writer. */
  onModuleInit(): void {
    this.keyRewrap.register(this.repo.encryptedRows);
  }
}
