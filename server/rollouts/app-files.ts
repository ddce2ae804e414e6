/**
 * The one rule for files read from a State-API app folder (`real-tasks.json`, `verify` files,
 * `expert-demos.json`, `seed-state.json`, `index.html` and every file the app server serves):
 * the path is resolved with `fs.realpath` (every symbolic link followed) and must lie inside the
 * real path of the folder, compared with `path.relative`, not by string prefix. A symlink inside the
 * folder that points outside it is refused, as is a `..` path.
 *
 * The check runs where the file is used (registration and every rollout), so a link swapped in
 * after registration is caught at run time too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '@/lib/core/errors';

/** True when `child` is `parent` itself or lies below it (both absolute, already real). */
export function isPathInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

/**
 * The folder's real path.
 * @throws DomainError('BAD_INPUT') naming the folder when it does not exist.
 */
export function realAppFolder(folder: string): string {
  try {
    return fs.realpathSync(path.resolve(folder));
  } catch (error) {
    throw new DomainError(
      'BAD_INPUT',
      `${folder}: the app folder cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/**
 * Resolves `relative` inside the app `folder`, following symbolic links.
 * @param what names the file in errors (`verify 'verify_001.py'`, `expert-demos.json`).
 * @returns the real absolute path when the file exists; when it does not (nor a link to it), the
 *   lexical path inside the real folder, for the caller to report as missing.
 * @throws DomainError('BAD_INPUT') naming `what` when the path, or the file a link points to, lies
 *   outside the folder.
 */
export function resolveAppFile(folder: string, relative: string, what: string): string {
  const root = realAppFolder(folder);
  const lexical = path.resolve(root, relative);
  if (lexical === root || !isPathInside(root, lexical))
    throw new DomainError('BAD_INPUT', `${what} points outside the app folder ${root}`);
  let real: string;
  try {
    real = fs.realpathSync(lexical);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // A dangling link is reported as what it is, not as a missing file.
      if (isSymlink(lexical))
        throw new DomainError('BAD_INPUT', `${what} is a symbolic link to a missing file`);
      return lexical;
    }
    throw error;
  }
  if (!isPathInside(root, real))
    throw new DomainError(
      'BAD_INPUT',
      `${what} resolves to ${real}, outside the app folder ${root} (symbolic links must stay inside it)`,
    );
  return real;
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
