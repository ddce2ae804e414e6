/**
 * The SQLite database: one file `<data dir>/core-curator.db` opened with better-sqlite3 in WAL
 * mode with foreign keys on, wrapped by drizzle. `getDb()` keeps one handle per process
 * (a `globalThis` singleton, so Next dev reloads do not open new handles — STACK.md).
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { readEnv } from '@/server/env';
import { migrateDb } from '@/server/db/migrate';
import * as schema from '@/server/db/schema';
import { ensurePrivateDir, ensurePrivateFile, tightenMode } from '@/server/private-files';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const DB_FILE_NAME = 'core-curator.db';

/**
 * Opens (creating if needed) the database at `file`, applies pragmas and pending migrations.
 * Use `':memory:'` for tests. Its folder is created 0700 and the file 0600 (SQLite gives `-wal`
 * and `-shm` the same mode); older, more open ones are tightened (server/private-files.ts).
 */
export function openDb(file: string): Db {
  if (file !== ':memory:') {
    ensurePrivateDir(path.dirname(file));
    ensurePrivateFile(file);
    for (const companion of [`${file}-wal`, `${file}-shm`]) tightenMode(companion);
  }
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db: Db = drizzle(sqlite, { schema });
  migrateDb(db);
  return db;
}

const globalForDb = globalThis as unknown as { coreCuratorDb?: Db };

/** The process-wide database for the configured data directory. */
export function getDb(): Db {
  if (!globalForDb.coreCuratorDb) {
    globalForDb.coreCuratorDb = openDb(path.join(readEnv().dataDir, DB_FILE_NAME));
  }
  return globalForDb.coreCuratorDb;
}

/**
 * Runs `fn` in one SQLite transaction (all-or-nothing: a throw rolls everything back), handing it
 * the transaction as a `Db` so the same `(db, params)` query functions work inside and outside.
 */
export function inTransaction<T>(db: Db, fn: (tx: Db) => T, options: { immediate?: boolean } = {}): T {
  return db.transaction((tx) => fn(tx as unknown as Db), options.immediate ? { behavior: 'immediate' } : {});
}
