import type { Plugin } from "esbuild";
import { defineConfig } from "tsup";

const entry = { mod: "src/mod.ts", testing: "src/testing/mod.ts" };

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
      args.importer.includes("/src/runtime/") || /runtime\/(serve-node|node|deno|bun)\.ts$/.test(args.path)
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
    external: [/^node:/, "zod"],
    splitting: true,
    treeshake: true,
  },
  {
    entry,
    outDir: "dist/edge",
    format: ["esm"],
    dts: false,
    target: "es2022",
    platform: "neutral",
    external: ["zod"],
    splitting: true,
    treeshake: true,
    esbuildPlugins: [edgeRuntimeStub],
  },
]);
