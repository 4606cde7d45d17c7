/**
 * PostgreSQL for the tests: each caller gets a fresh database on the server of
 * TEST_DATABASE_URL (started by postgres-global-setup.ts or by .ci/run), so test
 * files never share state and may run in parallel.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server's URL, or undefined when PostgreSQL tests are skipped. */
export const PG_SERVER_URL: string | undefined = process.env.TEST_DATABASE_URL || undefined;

/** Creates an empty database; returns its URL and a function dropping it. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!PG_SERVER_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
