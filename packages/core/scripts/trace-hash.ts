// Prints the SHA-256 of the JSON trace of the RunSpec given as argument (determinism across processes).
import { createHash } from "node:crypto";
import { train } from "../src/index.ts";

const trace = train(JSON.parse(process.argv[2] ?? "null"));
process.stdout.write(`${createHash("sha256").update(JSON.stringify(trace)).digest("hex")}\n`);
