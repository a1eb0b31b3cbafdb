// Prisma's schema engine as WebAssembly (@prisma/schema-engine-wasm), instantiated by hand: the
// CLI's native engine is a binary downloaded at run time, which this project cannot rely on.
// Diffs between Prisma schemas need no database: the engine only probes the server version when it
// starts, and an offline adapter answers that probe and refuses every other query.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum, type SqlQuery } from "@prisma/driver-adapter-utils";

/** The PostgreSQL version the offline engine plans for (this project's servers run 15). */
const OFFLINE_SERVER_VERSION = 150_000;

interface Engine {
  diff(params: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
}
interface EngineModule {
  SchemaEngine: { new: (options: unknown, log: (line: string) => void, adapter: unknown) => Promise<Engine> };
  __wbg_set_wasm(exports: unknown): void;
}

let loaded: Promise<EngineModule> | undefined;

async function loadEngine(): Promise<EngineModule> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  // The engine reports Rust panics through this global; without it a panic is an opaque trap.
  const panics = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  panics.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message: string) {
      throw new Error(`prisma schema engine panicked: ${message}`);
    },
  };
  const bindings = (await import(entry)) as EngineModule;
  const bytes = readFileSync(entry.replace(/\.js$/, ".wasm"));
  const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": bindings });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  return bindings;
}

function offlineAdapter() {
  const refuse = async (): Promise<never> => {
    throw new Error("the offline schema engine has no database");
  };
  const queryable = {
    provider: "postgres" as const,
    adapterName: "gradtrace-offline",
    async queryRaw(query: SqlQuery) {
      if (!query.sql.includes("server_version_num")) return refuse();
      return {
        columnNames: ["exists", "version", "numeric_version"],
        columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
        rows: [[true, `PostgreSQL ${OFFLINE_SERVER_VERSION / 10_000}`, OFFLINE_SERVER_VERSION]],
      };
    },
    executeRaw: refuse,
    executeScript: refuse,
    startTransaction: refuse,
    dispose: async () => {},
  };
  const factory = {
    provider: "postgres" as const,
    adapterName: "gradtrace-offline",
    connect: async () => queryable,
    connectToShadowDb: async () => queryable,
  };
  return bindMigrationAwareSqlAdapterFactory(factory as never);
}

/**
 * The SQL that takes a database from schema `from` (null: empty) to schema `to`, both Prisma
 * schema texts; an empty string when they describe the same database.
 */
export async function diffSchemas(from: string | null, to: string): Promise<string> {
  loaded ??= loadEngine();
  const { SchemaEngine } = await loaded;
  const target = (content: string) => ({ tag: "schemaDatamodel", files: [{ path: "schema.prisma", content }] });
  const engine = await SchemaEngine.new({ datamodels: [["schema.prisma", to]] }, () => {}, offlineAdapter());
  try {
    const result = await engine.diff({
      from: from === null ? { tag: "empty" } : target(from),
      to: target(to),
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    const sql = result.stdout ?? "";
    return /^\s*(--[^\n]*\n?\s*)*$/.test(sql) ? "" : sql;
  } finally {
    engine.free();
  }
}
