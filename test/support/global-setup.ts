/**
 * Vitest global setup: one real PostgreSQL cluster for the whole run.
 * Test files create their own databases in it (see test/support/pg.ts).
 */
import type { TestProject } from 'vitest/node';
import { startPgServer, type PgServer } from './pg-server.js';

let server: PgServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startPgServer();
  project.provide('pgAdminUrl', server.url('postgres'));
  project.provide('pgDataDir', server.dataDir);
  project.provide('pgBinDir', server.binDir);
  project.provide('pgPassword', server.password);
}

export async function teardown(): Promise<void> {
  server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgDataDir: string;
    pgBinDir: string;
    pgPassword: string;
  }
}
