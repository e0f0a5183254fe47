import { Global, Module } from '@nestjs/common';
import { CryptoService } from './crypto.service';
import { KeyRewrapService } from './key-rewrap.service';

@Global()
@Module({
  providers: [CryptoService, KeyRewrapService],
  exports: [CryptoService, KeyRewrapService],
})
export class CryptoModule {}
