/**
 * Port 1 (tcpmux) is reserved and nothing on a development machine or CI runner
 * listens there, so a test that forgets to give the sandbox's ports gets a
 * connection refused instead of talking to a sandbox `npm start` runs on 8081/8443.
 */
export const CLOSED_PORT = '1';

/** The product's default ports (app, sandbox Bot API, sandbox MTProto), which tests must never use. */
export const DEFAULT_PORTS = [3000, 8081, 8443] as const;

/** The environment every test config starts from: listen on a free port, talk to no sandbox by default. */
export const TEST_SAFE_PORTS = {
  PORT: '0',
  SANDBOX_HTTP_PORT: CLOSED_PORT,
  SANDBOX_MTPROTO_PORT: CLOSED_PORT,
  SANDBOX_EMBED: 'false',
} as const;
