/** Helpers shared by the CLI's commands. */
import path from 'node:path';
import type { Command } from 'commander';
import { DB_FILE_NAME, openDb, type Db } from '@/server/db/client';
import { readEnv } from '@/server/env';

/** The data directory: `--data-dir` when given, else `CORE_CURATOR_DATA_DIR` / `./data`. */
export function resolveDataDir(option: string | undefined): string {
  return option ? path.resolve(option) : readEnv().dataDir;
}

/** Progress on stderr: a bar on a terminal, a line every 10% otherwise (logs, CI). */
export function progressPrinter() {
  const isTty = process.stderr.isTTY;
  let lastPct = -1;
  return (fraction: number, message: string) => {
    const pct = Math.floor(fraction * 100);
    if (isTty) {
      process.stderr.write(
        `\r[${'#'.repeat(Math.floor(pct / 5)).padEnd(20, '.')}] ${String(pct).padStart(3)}% ${message.padEnd(40).slice(0, 40)}`,
      );
      if (fraction >= 1) process.stderr.write('\n');
    } else if (pct >= lastPct + 10 || fraction >= 1) {
      lastPct = pct;
      process.stderr.write(`${pct}% ${message}\n`);
    }
  };
}

/** Opens the database of the program's data directory for `fn`, and closes it afterwards. */
export async function withDb<T>(program: Command, fn: (db: Db, dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = resolveDataDir(program.opts<{ dataDir?: string }>().dataDir);
  const db = openDb(path.join(dataDir, DB_FILE_NAME));
  try {
    return await fn(db, dataDir);
  } finally {
    db.$client.close();
  }
}
