/**
 * Types for the part of `dynalite` (plain JavaScript, no bundled declarations) that
 * `dynamodb-embedded.ts` uses.
 */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  /** Options of `dynalite()`; every one is optional. */
  interface DynaliteOptions {
    /** LevelDB folder; omitted: in memory. */
    path?: string;
    /** How long a new table stays CREATING (default 500 ms). */
    createTableMs?: number;
    /** How long a deleted table stays DELETING (default 500 ms). */
    deleteTableMs?: number;
    /** How long an updated table stays UPDATING (default 500 ms). */
    updateTableMs?: number;
  }

  /** An HTTP server that speaks DynamoDB's JSON protocol; `close()` also closes the database. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
