// The slice of the WebAssembly JS API this repository uses (the kernels here, the schema engine in
// packages/db): @types/node 20 does not declare it, and the DOM library would bring browser
// globals into a core that must not touch them.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  function instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ module: Module; instance: Instance }>;
}
