// The one list of kubeloop's entry points. package.json `exports`, deno.json `exports`/`imports`,
// tsup.config.ts and scripts/check-docs.mjs all derive from it; test/kinds/entrypoints.test.ts checks
// that package.json and deno.json match, and `npm run generate` rewrites them.
//
// Hand-written entries are listed here. Generated kinds add one entry per module under src/kinds/
// (`kubeloop/kinds/<group>/<version>`), found on disk, so a new group-version needs no edit anywhere.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/**
 * @typedef {object} Entrypoint
 * @property {string} subpath   package subpath, e.g. "." or "./kinds/apps/v1"
 * @property {string} source    source file, e.g. "src/mod.ts"
 * @property {string} out       build output name under dist/, e.g. "mod" or "kinds/apps/v1"
 * @property {boolean} edge     also built for workerd/browsers (dist/edge/) and exported under those conditions
 * @property {boolean} jsr      exported from deno.json (published to JSR)
 * @property {boolean} docs     checked by scripts/check-docs.mjs
 * @property {boolean} generated  a generated kinds module
 */

/** @type {Entrypoint[]} */
export const handwritten = [
  { subpath: ".", source: "src/mod.ts", out: "mod", edge: true, jsr: true, docs: true },
  {
    subpath: "./testing",
    source: "src/testing/mod.ts",
    out: "testing",
    edge: true,
    jsr: true,
    docs: true,
  },
  {
    subpath: "./kubeconfig",
    source: "src/client/kubeconfig.ts",
    out: "kubeconfig",
    edge: true,
    jsr: true,
    docs: true,
  },
  // kubeloop/fluent adapts kubernetes-fluent-client models: Node only, not published to JSR.
  {
    subpath: "./fluent",
    source: "src/fluent/mod.ts",
    out: "fluent",
    edge: false,
    jsr: false,
    docs: true,
  },
  // kubeloop/envtest starts etcd and kube-apiserver processes: Node, Deno and Bun only, not in the edge build.
  {
    subpath: "./envtest",
    source: "src/envtest/mod.ts",
    out: "envtest",
    edge: false,
    jsr: true,
    docs: true,
  },
].map((e) => ({ ...e, generated: false }));

/**
 * Entry points of the generated kinds modules, from `modules` (e.g. ["apps/v1", ...]) or from disk.
 * @param {string[]} [modules]
 * @returns {Entrypoint[]}
 */
export function kindsEntrypoints(modules) {
  const list = modules ?? kindsOnDisk();
  return [...list].sort().map((m) => ({
    subpath: `./kinds/${m}`,
    source: `src/kinds/${m}.ts`,
    out: `kinds/${m}`,
    edge: true,
    jsr: true,
    docs: true,
    generated: true,
  }));
}

function kindsOnDisk() {
  const dir = join(root, "src", "kinds");
  if (!existsSync(dir)) return [];
  const out = [];
  for (const group of readdirSync(dir, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    for (const f of readdirSync(join(dir, group.name))) {
      if (f.endsWith(".ts")) out.push(`${group.name}/${f.slice(0, -3)}`);
    }
  }
  return out;
}

/**
 * Every entry point: hand-written ones, then the generated kinds.
 * @param {string[]} [modules]
 * @returns {Entrypoint[]}
 */
export function entrypoints(modules) {
  return [...handwritten, ...kindsEntrypoints(modules)];
}

/** package.json `exports` for `entries`. */
export function packageExports(entries) {
  const exports = {};
  for (const e of entries) {
    const cond = {};
    if (e.edge) {
      for (const c of ["workerd", "worker", "browser"]) {
        cond[c] = { types: `./dist/${e.out}.d.ts`, default: `./dist/edge/${e.out}.js` };
      }
    }
    cond.import = { types: `./dist/${e.out}.d.ts`, default: `./dist/${e.out}.js` };
    cond.require = { types: `./dist/${e.out}.d.cts`, default: `./dist/${e.out}.cjs` };
    exports[e.subpath] = cond;
  }
  exports["./package.json"] = "./package.json";
  return exports;
}

const specifier = (e) => (e.subpath === "." ? "kubeloop" : `kubeloop/${e.subpath.slice(2)}`);

/**
 * package.json and deno.json with their entry points rewritten from `entries` (other fields kept).
 * @param {string[] | undefined} modules generated kinds modules
 * @param {Record<string, unknown>} packageJson
 * @param {Record<string, unknown>} denoJson
 */
export function syncManifests(modules, packageJson, denoJson) {
  const entries = entrypoints(modules);
  const pkg = { ...packageJson, exports: packageExports(entries) };
  const exports = {};
  for (const e of entries) if (e.jsr) exports[e.subpath] = `./${e.source}`;
  const imports = {};
  for (const [k, v] of Object.entries(denoJson.imports ?? {})) {
    if (k !== "kubeloop" && !k.startsWith("kubeloop/")) imports[k] = v;
  }
  for (const e of entries) imports[specifier(e)] = `./${e.source}`;
  const deno = { ...denoJson, exports, imports };
  return { packageJson: pkg, denoJson: deno };
}
