/**
 * Query inputs shared by the Import page (server prefetch) and its client components, so both use
 * the same query key. Kept out of the 'use client' modules: a server component importing a value
 * from one would receive a client reference, not the value.
 */

/** `jobs.list` input of the "Recent imports" table. */
export const RECENT_IMPORTS_INPUT = { kind: 'import' } as const;
