import { loadConfig } from '../src/config/app-config';
import { TelegramBotApi } from '../src/modules/bot/telegram-bot-api';
import { testConfig } from './helpers/test-app';
import { DEFAULT_PORTS } from './helpers/test-ports';

const ports = (c: ReturnType<typeof loadConfig>): number[] => [
  c.http.port,
  c.telegram.sandbox.httpPort,
  c.telegram.sandbox.mtprotoPort,
];

describe('test configuration', () => {
  it('never resolves to a default port, so tests cannot reach a product started with npm start', () => {
    const config = testConfig();
    for (const port of ports(config)) expect(DEFAULT_PORTS).not.toContain(port);
    expect(config.telegram.sandbox.embed).toBe(false);
    const api = new TelegramBotApi(config);
    expect(DEFAULT_PORTS).not.toContain(Number(new URL(api.apiRoot).port));
    api.onModuleDestroy();
  });

  it('never resolves to a default port for a config read from the environment (a worker child, a CLI)', () => {
    const config = loadConfig();
    for (const port of ports(config)) expect(DEFAULT_PORTS).not.toContain(port);
    expect(config.telegram.sandbox.embed).toBe(false);
  });
});
