import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Interop tests start real processes; keep every test bounded.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
