import { EPOCH_SCALARS, ROLES, RUN_AXES, RUN_STATUSES, SWEEP_STATUSES, type RoleName, type RunStatusName, type SweepStatusName } from "@gradtrace/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { Prisma, Role, RunStatus, SweepStatus } from "./generated/client.ts";
import { RUN_METRICS } from "./repositories/run-table.ts";

describe("the schema speaks the core's vocabulary", () => {
  it("has the core's run statuses", () => {
    expectTypeOf<RunStatus>().toEqualTypeOf<RunStatusName>();
    expect(Object.values(RunStatus)).toEqual([...RUN_STATUSES]);
  });

  it("has the core's sweep statuses", () => {
    expectTypeOf<SweepStatus>().toEqualTypeOf<SweepStatusName>();
    expect(Object.values(SweepStatus)).toEqual([...SWEEP_STATUSES]);
  });

  it("has the core's roles, in the order of what they may do", () => {
    expectTypeOf<Role>().toEqualTypeOf<RoleName>();
    expect(Object.values(Role)).toEqual([...ROLES]);
  });

  it("has a Run column per axis and final metric, a TraceEpoch column per epoch scalar", () => {
    const runColumns = Object.values(Prisma.RunScalarFieldEnum) as string[];
    for (const column of [...RUN_AXES, ...RUN_METRICS]) expect(runColumns).toContain(column);
    const epochColumns = Object.values(Prisma.TraceEpochScalarFieldEnum) as string[];
    for (const column of EPOCH_SCALARS) expect(epochColumns).toContain(column);
  });
});
