/**
 * Prepared statements of one connection, and the blob forms the ledger's tables use.
 */
import type Database from 'better-sqlite3';

export class Statements {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  /** Prepared once per connection: preparing costs more than running these small statements. */
  sql(text: string): Database.Statement {
    let st = this.cache.get(text);
    if (!st) this.cache.set(text, (st = this.db.prepare(text)));
    return st;
  }

  /**
   * Opens (creating) the ledger. A file that is not a database, or a schema this version cannot
   * migrate, is moved aside and rebuilt with a notice; a newer schema is refused (an older ccost must
   * not damage a newer one's ledger).
   */
}

/** A group of tables of one connection (the ledger's parts by role), sharing its statements. */
export class Tables {
  protected readonly sql: Statements['sql'];

  constructor(
    protected readonly db: Database.Database,
    statements: Statements,
  ) {
    this.sql = (text) => statements.sql(text);
  }
}

// SQLite's blobs need not be 8-byte aligned: numbers are copied out into arrays of their own.
export function aligned(blob: Buffer): Float64Array {
  return new Float64Array(new Uint8Array(blob).buffer);
}

export function bigints(blob: Buffer): BigUint64Array {
  return new BigUint64Array(new Uint8Array(blob).buffer);
}

/** The bytes of a typed array, as a blob (no copy). */
export function bytesOf(a: Float64Array | BigUint64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

