/**
 * Everything under the data directory is readable by its owner only: the SQLite database (and its
 * `-wal` / `-shm` files), `auth-secret`, screenshots, thumbnails, exports, staged uploads, run logs.
 *
 * Three layers:
 * 1. {@link applyPrivateUmask}: the server (`instrumentation.ts`) and the CLI set the process
 *    umask to 0o077 before opening anything, so every file and folder they create is 0600 / 0700
 *    whichever code creates it (child processes inherit it).
 * 2. {@link ensurePrivateDir} and {@link openDb} / `resolveAuthSecret` create the data directory
 *    0700 and the database and secret 0600 explicitly, so code run without the umask (tests,
 *    scripts) does not leave them open either. SQLite gives `-wal` and `-shm` the database file's
 *    own permissions.
 * 3. On start-up, a data directory or database file left group/world-accessible by an older
 *    version is tightened (`chmod`), once, with a line on stderr. Only the data directory itself
 *    and those files are changed: a 0700 data directory already keeps other users out of
 *    everything below it.
 */
import fs from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/** The process umask: no permissions for group and others. */
export const PRIVATE_UMASK = 0o077;
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Sets the process umask to {@link PRIVATE_UMASK} (a no-op in worker threads, which share it). */
export function applyPrivateUmask(): void {
  if (isMainThread) process.umask(PRIVATE_UMASK);
}

/** Removes group/other bits from `target` if it exists, is ours and has any; reports the change. */
export function tightenMode(target: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return;
  }
  if ((stat.mode & 0o077) === 0) return;
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return;
  const mode = stat.mode & (stat.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE);
  try {
    fs.chmodSync(target, mode);
    console.warn(
      `core-curator: ${target} was readable by other users (mode ${(stat.mode & 0o777).toString(8)}); now ${mode.toString(8)}`,
    );
  } catch (error) {
    console.warn(`core-curator: could not make ${target} private: ${(error as Error).message}`);
  }
}

/** Creates `dir` (and missing parents) with mode 0700, or tightens it if it exists. */
export function ensurePrivateDir(dir: string): void {
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  else tightenMode(dir);
}

/** Creates `file` empty with mode 0600 if it does not exist; tightens it if it does. */
export function ensurePrivateFile(file: string): void {
  try {
    fs.closeSync(
      fs.openSync(
        file,
        fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY,
        PRIVATE_FILE_MODE,
      ),
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    tightenMode(file);
  }
}
