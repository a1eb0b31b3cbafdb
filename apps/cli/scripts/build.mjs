// Compiles the gradtrace command and its training thread into dist/ with esbuild: the workspace's
// TypeScript bundled, third-party packages left to node_modules. `import.meta.url` in a bundled
// source file is rewritten to that file's own URL (relative to the bundle), so files it locates
// beside its source (migrations, the dashboard's directory, the Prisma client's engine) still resolve.
import { readFile } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const cli = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${cli}dist`;

/** @type {import("esbuild").Plugin} */
const sourceUrls = {
  name: "source-urls",
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      const own = `new URL(${JSON.stringify(relative(outdir, path).split("\\").join("/"))}, import.meta.url).href`;
      return { contents: source.replaceAll("import.meta.url", own), loader: "ts", resolveDir: dirname(path) };
    });
  },
};

/** @type {import("esbuild").Plugin} */
const thirdPartyExternal = {
  name: "third-party-external",
  setup(b) {
    // Third-party packages load from node_modules at run time, as from source. One that npm nested
    // under a workspace package (not hoisted to the root) is imported by its path, since node would
    // not find it from dist/.
    b.onResolve({ filter: /^[^./]/ }, async ({ path, importer, resolveDir, kind, pluginData }) => {
      if (path.startsWith("@gradtrace/") || path.startsWith("node:") || pluginData === "inner") return undefined;
      const here = await b.resolve(path, { resolveDir, kind, importer, pluginData: "inner" });
      const there = await b.resolve(path, { resolveDir: outdir, kind, importer: `${outdir}/main.js`, pluginData: "inner" });
      if (here.errors.length > 0 || here.external || here.path === there.path) return { path, external: true };
      return { path: `./${relative(outdir, here.path).split("\\").join("/")}`, external: true };
    });
  },
};

await build({
  entryPoints: { main: `${cli}src/main.ts`, "train-thread": `${cli}../../packages/worker-cpu/src/train-thread.ts` },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  plugins: [thirdPartyExternal, sourceUrls],
});
