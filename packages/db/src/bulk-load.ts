import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { PrismaClient } from "./client.ts";
import type { Prisma } from "./generated/client.ts";
import { ident, idents } from "./sql-params.ts";

/**
 * One connection in a transaction, for what Prisma cannot do: COPY, the fastest way in (no SQL to
 * parse per row, numbers and bytes as they are), with statements around it on the same
 * connection. Statements are Prisma's tagged templates, bound as parameters; table and column
 * names of a COPY come from the code's own constants.
 */
export interface CopyTransaction {
  query<T>(sql: Prisma.Sql): Promise<T[]>;
  /** Loads rows in PostgreSQL's binary COPY format (see CopyWriter) into `columns` of `table`. */
  copy(table: string, columns: readonly string[], rows: Uint8Array): Promise<void>;
}

/** Runs `work` in a transaction on one connection: committed when it resolves, rolled back when it throws. */
export type CopyRunner = <T>(work: (tx: CopyTransaction) => Promise<T>) => Promise<T>;

const runners = new WeakMap<PrismaClient, CopyRunner>();

/** Gives a client the COPY transactions of its database (createPrismaClient and openEmbeddedDatabase do). */
export function registerCopyRunner(prisma: PrismaClient, runner: CopyRunner): void {
  runners.set(prisma, runner);
}

/** The COPY transactions of the client's database; a client made otherwise has none. */
export function copyRunnerOf(prisma: PrismaClient): CopyRunner {
  const runner = runners.get(prisma);
  if (!runner) throw new Error("this Prisma client cannot COPY: make clients with createPrismaClient or openEmbeddedDatabase");
  return runner;
}

const copyStatement = (table: string, columns: readonly string[], source: string): string =>
  `COPY ${ident(table).text} (${idents(columns).text}) FROM ${source} (FORMAT binary)`;

/** COPY transactions on connections of a node-postgres pool (COPY FROM STDIN through pg-copy-streams). */
export function pgCopyRunner(pool: pg.Pool): CopyRunner {
  return async (work) => {
    const client = await pool.connect();
    // A connection lost while checked out (Postgres restarting) emits `error` on it: without a
    // listener that would end the process. The error also fails the work, and the client is dropped.
    let lost: Error | undefined;
    const onError = (error: Error): void => {
      lost = error;
    };
    client.on("error", onError);
    const tx: CopyTransaction = {
      query: async <T>(sql: Prisma.Sql) => (await client.query(sql.text, sql.values)).rows as T[],
      copy: (table, columns, rows) =>
        new Promise<void>((resolve, reject) => {
          const stream = client.query(copyFrom(copyStatement(table, columns, "STDIN")));
          stream.on("finish", resolve);
          stream.on("error", reject);
          stream.end(Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength));
        }),
    };
    try {
      await client.query("BEGIN");
      const result = await work(tx);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      lost ??= error as Error;
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.off("error", onError);
      client.release(lost);
    }
  };
}

/** COPY transactions on PGlite (COPY FROM a blob, its way of feeding COPY). */
export function pgliteCopyRunner(db: PGlite): CopyRunner {
  return (work) =>
    db.transaction((t) =>
      work({
        query: async <T>(sql: Prisma.Sql) => (await t.query<T>(sql.text, sql.values)).rows,
        copy: async (table, columns, rows) => {
          await t.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob([rows as Uint8Array<ArrayBuffer>]) });
        },
      }),
    );
}

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];

/** Rows in PostgreSQL's binary COPY format (big-endian, each field its length then its bytes), built into one growing buffer. */
export class CopyWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private at = 0;
  /** Parsed uuids: a batch names each run once per epoch. */
  private readonly uuids = new Map<string, Uint8Array>();

  /** `capacity`: the bytes the rows are expected to take (the buffer grows beyond it when needed). */
  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(SIGNATURE.length + 10 + capacity);
    this.view = new DataView(this.bytes.buffer);
    this.bytes.set(SIGNATURE);
    // Flags and header extension length, both 0.
    this.at = SIGNATURE.length + 8;
  }

  private reserve(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(2 * this.bytes.length, this.at + n));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Starts a row of `fields` fields. */
  row(fields: number): this {
    this.reserve(2);
    this.view.setInt16(this.at, fields);
    this.at += 2;
    return this;
  }

  /** A uuid from its canonical text. */
  uuid(text: string): this {
    let bytes = this.uuids.get(text);
    if (!bytes) {
      const hex = text.replaceAll("-", "");
      if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a uuid: ${text}`);
      bytes = Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
      this.uuids.set(text, bytes);
    }
    this.reserve(20);
    this.view.setInt32(this.at, 16);
    this.bytes.set(bytes, this.at + 4);
    this.at += 20;
    return this;
  }

  int4(value: number): this {
    this.reserve(8);
    this.view.setInt32(this.at, 4);
    this.view.setInt32(this.at + 4, value);
    this.at += 8;
    return this;
  }

  /** A float8, NaN and ±Infinity included; null as SQL NULL. */
  float8(value: number | null): this {
    this.reserve(12);
    if (value === null) {
      this.view.setInt32(this.at, -1);
      this.at += 4;
      return this;
    }
    this.view.setInt32(this.at, 8);
    this.view.setFloat64(this.at + 4, value);
    this.at += 12;
    return this;
  }

  bytea(value: Uint8Array): this {
    this.reserve(4 + value.byteLength);
    this.view.setInt32(this.at, value.byteLength);
    this.bytes.set(value, this.at + 4);
    this.at += 4 + value.byteLength;
    return this;
  }

  /** The finished payload (the trailer added); the writer is done. */
  finish(): Uint8Array {
    this.reserve(2);
    this.view.setInt16(this.at, -1);
    this.at += 2;
    return this.bytes.subarray(0, this.at);
  }
}
