/** An error answered as rpc_error (core.telegram.org/api/errors). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    readonly errorMessage: string,
  ) {
    super(`${code} ${errorMessage}`);
    this.name = 'RpcError';
  }
}
