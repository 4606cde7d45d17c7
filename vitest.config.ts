import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Native modules (better-sqlite3, hnswlib-node) and local HTTP servers are safest in forks.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A throwaway PostgreSQL server for the storage contract and cluster tests (TEST_DATABASE_URL).
    globalSetup: ['tests/support/postgres-global-setup.ts'],
  },
});
