// Shared by the *.edge.ts suites: bundle a worker the way a Cloudflare user's bundler
// would (workerd conditions), with `kubeloop` resolved to the built edge bundle.
import assert from "node:assert/strict";
import { build, type Plugin } from "esbuild";

const root = new URL("../..", import.meta.url).pathname;

/** Examples import `../../src/mod.ts`; a user's worker imports `kubeloop`. Both become dist/edge/mod.js. */
const useBuiltKubeloop: Plugin = {
  name: "use-built-kubeloop",
  setup(b) {
    b.onResolve({ filter: /(^kubeloop$)|(\/src\/mod\.ts$)/ }, () => ({
      path: `${root}dist/edge/mod.js`,
    }));
  },
};

/** Bundle `entry` (a path) for workerd; fails if the bundle imports a `node:` module. */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "import"],
    plugins: [useBuiltKubeloop],
    // workerd's own modules (a Durable Object's base class) are provided at run time
    external: ["cloudflare:*"],
    write: false,
    logLevel: "silent",
  });
  const text = result.outputFiles[0]!.text;
  assert.ok(!/from\s*["']node:/.test(text), "the edge bundle must not import node: modules");
  return text;
}
