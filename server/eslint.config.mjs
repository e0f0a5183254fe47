import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Outside systems and the one place each may be imported from (see docs/architecture.md). */
const OUTSIDE = {
  telegraf: 'the Bot API adapter (modules/bot/telegram-bot-api.ts) or the bot registry',
  telegram: 'the MTProto adapter (modules/user-mtproto/telegram-user-session.ts)',
  ioredis: 'the Redis module (modules/redis/): inject a named client',
  bullmq: 'the queue module (modules/queue/) and @nestjs/bullmq; type-only imports are fine',
  pg: 'the database module (modules/database/)',
  busboy: 'the multipart adapter (common/http/multipart-body.ts)',
};
const RESTRICTED_PATHS = Object.entries(OUTSIDE).map(([name, where]) => ({
  name,
  message: `Use ${where}.`,
  ...(name === 'bullmq' ? { allowTypeImports: true } : {}),
}));
const RESTRICTED_PATTERNS = Object.entries(OUTSIDE).map(([name, where]) => ({
  group: [`${name}/*`],
  message: `Use ${where}.`,
}));
/** The adapter files: each may import the packages it adapts, nothing else on the list. */
const ADAPTERS = [
  {
    allow: ['telegraf'],
    files: [
      'src/modules/bot/telegram-bot-api.ts',
      'src/modules/bot/telegram-bot-api.failure.ts',
      'src/modules/bot/bot-registry.service.ts',
      'src/modules/bot/bot-poller.ts',
      'src/modules/bot/tenant-bot-handlers.ts',
      'src/modules/system-bot/system-bot.launcher.ts',
      'src/modules/system-bot/system-bot.update.ts',
    ],
  },
  {
    allow: ['telegram'],
    files: [
      'src/modules/user-mtproto/telegram-user-session.ts',
      'src/modules/user-mtproto/telegram-errors.ts',
      'src/modules/user-mtproto/mtproto-client.factory.ts',
    ],
  },
  { allow: ['ioredis'], files: ['src/modules/redis/**/*.ts'] },
  { allow: ['bullmq'], files: ['src/modules/queue/**/*.ts'] },
  { allow: ['pg'], files: ['src/modules/database/**/*.ts'] },
  { allow: ['busboy'], files: ['src/common/http/multipart-body.ts'] },
];

export default tseslint.config(
  { ignores: ['dist/**', 'jest.config.js', 'eslint.config.mjs', 'scripts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  // One owner per outside system: these packages are imported only by their adapter files (below).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/sandbox/**', 'src/**/*.spec.ts'],
    // typescript-eslint's version of the rule: it knows `import type` (allowed for bullmq).
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: RESTRICTED_PATHS, patterns: RESTRICTED_PATTERNS }],
    },
  },
  ...ADAPTERS.map(({ files, allow }) => ({
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: RESTRICTED_PATHS.filter((p) => !allow.includes(p.name)),
          patterns: RESTRICTED_PATTERNS.filter((p) => !allow.some((a) => p.group[0].startsWith(`${a}/`))),
        },
      ],
    },
  })),
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'off',
    },
  },
);
