import { defineDomainError } from '../../common/errors/domain-error';

export enum CryptoErrorCode {
  DecryptionFailed = 'DECRYPTION_FAILED',
  KeyRetired = 'KEY_RETIRED',
  KeyUnknown = 'KEY_UNKNOWN',
  KeyringInvalid = 'KEYRING_INVALID',
}

/** All of these are the operator's to fix (keys, data), never the caller's: 500 with a clear message. */
export const CryptoError = defineDomainError<CryptoErrorCode>('CryptoError', {
  [CryptoErrorCode.DecryptionFailed]: 500,
  [CryptoErrorCode.KeyRetired]: 500,
  [CryptoErrorCode.KeyUnknown]: 500,
  [CryptoErrorCode.KeyringInvalid]: 500,
});
