import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Examples import the package by name, as an application would; tests run them on the sources
    // (no build needed). Anchored so that `sip-registrant/testing` is not caught by the first rule.
    alias: [
      { find: /^sip-registrant$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      {
        find: /^sip-registrant\/testing$/,
        replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Interop tests start real processes; keep every test bounded.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
