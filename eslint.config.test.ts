import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: import.meta.dirname });

/** The messages lint gives a file with this source at this path (the file need not exist). */
async function lint(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe("package boundaries, enforced by lint", () => {
  it.each([
    ["packages/worker-cpu/src/x.test.ts", 'import { getPrisma } from "@gradtrace/db";\nvoid getPrisma;', "workers need only Redis"],
    ["packages/worker-gpu/src/x.ts", 'import { submitSweep } from "@gradtrace/control";\nvoid submitSweep;', "workers need only Redis"],
    ["packages/core/src/x.ts", 'import { readFileSync } from "node:fs";\nvoid readFileSync;', "the core is pure"],
    ["packages/core/src/x.ts", 'import { QUEUE_NAMES } from "@gradtrace/queue";\nvoid QUEUE_NAMES;', "the core is pure"],
    ["packages/queue/src/x.ts", 'import { getPrisma } from "@gradtrace/db";\nvoid getPrisma;', "not storage"],
    ["packages/db/src/x.ts", 'import { QUEUE_NAMES } from "@gradtrace/queue";\nvoid QUEUE_NAMES;', "the data layer knows Postgres only"],
    ["packages/control/src/x.ts", 'import { main } from "../../../apps/cli/src/main.ts";\nvoid main;', "libraries never import the apps"],
    ["packages/control/src/x.ts", 'import { Worker } from "bullmq";\nvoid Worker;', "every BullMQ and Redis object comes from @gradtrace/queue"],
    ["apps/web/lib/x.ts", 'import { QueueEvents } from "bullmq";\nvoid QueueEvents;', "every BullMQ and Redis object comes from @gradtrace/queue"],
    ["apps/web/app/components/x.tsx", '"use client";\nimport { getSweep } from "@gradtrace/db";\nvoid getSweep;', "is server code"],
    ["apps/web/app/components/x.tsx", '"use client";\nimport { train } from "@gradtrace/core";\nvoid train;', "is server code"],
    ["apps/web/app/components/x.tsx", '"use client";\nimport { control } from "../../lib/server.ts";\nvoid control;', "is server code"],
  ])("%s: %s is refused", async (path, code, why) => {
    expect((await lint(path, code)).join("\n")).toContain(why);
  });

  it.each([
    ["packages/worker-cpu/src/x.ts", 'import type { PrismaClient } from "@gradtrace/db";\nexport type P = PrismaClient;'],
    ["packages/core/src/x.test.ts", 'import { readFileSync } from "node:fs";\nvoid readFileSync;'],
    [
      "apps/web/app/components/x.tsx",
      '"use client";\nimport { ACTIVATIONS } from "@gradtrace/core/vocabulary";\nimport type { GridCell } from "@gradtrace/db";\nexport const n: GridCell | number = ACTIVATIONS.length;',
    ],
    ["apps/web/app/api/x/route.ts", 'import { getSweep } from "@gradtrace/db";\nvoid getSweep;'],
  ])("%s: %s is allowed", async (path, code) => {
    expect(await lint(path, code)).toEqual([]);
  });
});
