#!/usr/bin/env node
// Entry point of `npx core-curator …`: runs the TypeScript CLI through tsx, with the repo's
// tsconfig (for the `@/` paths) wherever it is called from.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
register({ tsconfig: path.join(root, 'tsconfig.json') });
await import(path.join(root, 'server/cli/main.ts'));
