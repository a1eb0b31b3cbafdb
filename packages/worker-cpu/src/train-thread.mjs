// Worker threads start as plain JavaScript: register tsx here so the thread can load the TypeScript core.
import { register } from "tsx/esm/api";

register();
await import("./train-thread.ts");
