import type { Plugin } from "esbuild";
import { defineConfig } from "tsup";
import { entrypoints } from "./scripts/entrypoints.mjs";

// Entry points come from the one manifest (scripts/entrypoints.mjs): `out` names the file under dist/.
const all = entrypoints();
const entry = Object.fromEntries(all.map((e) => [e.out, e.source]));
const edgeEntry = Object.fromEntries(all.filter((e) => e.edge).map((e) => [e.out, e.source]));

/**
 * The edge build (workerd, workers, browsers) replaces the Node/Deno/Bun runtime
 * modules with empty ones. They are only reached through dynamic imports guarded
 * by runtime detection, so behaviour is unchanged, and bundlers for edge runtimes
 * never see a `node:` import.
 */
const edgeRuntimeStub: Plugin = {
  name: "kubeloop-edge-runtime-stub",
  setup(build) {
    build.onResolve({ filter: /^\.\.?\/.*(node|deno|bun|serve-node)\.ts$/ }, (args) =>
      args.importer.includes("/src/runtime/") ||
      /runtime\/(serve-node|node|deno|bun)\.ts$/.test(args.path)
        ? { path: args.path, namespace: "kubeloop-edge-stub" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "kubeloop-edge-stub" }, () => ({
      contents: "export {};",
      loader: "js",
    }));
  },
};

export default defineConfig([
  {
    entry,
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    target: "es2022",
    platform: "neutral",
    external: [/^node:/, /^zod(\/|$)/, "yaml", "kubernetes-fluent-client"],
    splitting: true,
    treeshake: true,
  },
  {
    entry: edgeEntry,
    outDir: "dist/edge",
    format: ["esm"],
    dts: false,
    target: "es2022",
    platform: "neutral",
    external: [/^zod(\/|$)/, "yaml"],
    splitting: true,
    treeshake: true,
    esbuildPlugins: [edgeRuntimeStub],
  },
  {
    // The package's commands: `kubeloop` (generate crd) and `kubeloop-fake-apiserver`.
    entry: { kubeloop: "scripts/kubeloop.ts", "fake-apiserver": "scripts/fake-apiserver.ts" },
    outDir: "dist/bin",
    format: ["esm"],
    dts: false,
    target: "node20",
    platform: "node",
    external: [/^zod(\/|$)/, "yaml"],
    splitting: false, // the script's own shebang is kept
  },
]);
