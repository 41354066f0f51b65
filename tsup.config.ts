import { defineConfig } from "tsup";

export default defineConfig({
  entry: { mod: "src/mod.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: false,
  target: "es2022",
  platform: "neutral",
  external: [/^node:/, "zod"],
  splitting: true,
  treeshake: true,
});
