/** Bump with a migration (store.ts) when the ledger's tables change. Its own module: the replay path reads it without loading the store. */
export const SCHEMA_VERSION = 4;
