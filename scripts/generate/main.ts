#!/usr/bin/env node
// `npm run generate`: regenerate the built-in kinds (src/kinds/**) and the entry points of
// package.json / deno.json from the committed OpenAPI extract.
//
//   npm run generate                                  # from scripts/generate/spec/kubernetes-*.json
//   npm run generate -- --spec path/to/swagger.json   # re-extract from a full upstream document first
//   KUBELOOP_OPENAPI_SPEC=path/to/swagger.json npm run generate
//   npm run generate -- --check                       # exit 1 if anything generated is stale
//
// The full document is Kubernetes' api/openapi-spec/swagger.json of the release
// (--kubernetes-version vX.Y.Z when its file name does not say).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { syncManifests } from "../entrypoints.mjs";
import { generateBuiltins } from "./builtin.ts";
import { extractSpec, kubernetesVersionOf, type OpenApiDocument, serializeSpec } from "./spec.ts";

const root = join(dirname(new URL(import.meta.url).pathname), "..", "..");
const specDir = join(root, "scripts", "generate", "spec");

/** The committed extract: the one `kubernetes-*.json` in scripts/generate/spec/. */
export function extractPath(): string {
  const files = readdirSync(specDir).filter((f) => /^kubernetes-v[\d.]+\.json$/.test(f));
  if (files.length !== 1) {
    throw new Error(`expected one kubernetes-vX.Y.Z.json in ${specDir}, found ${files.length}`);
  }
  return join(specDir, files[0]!);
}

/** Everything `npm run generate` writes, as path → content (paths relative to the repository root). */
export function generatedFiles(doc: OpenApiDocument): Map<string, string> {
  const out = generateBuiltins(doc);
  const files = new Map<string, string>();
  for (const f of out.files) files.set(f.path, f.content);
  const pkgPath = join(root, "package.json");
  const denoPath = join(root, "deno.json");
  const synced = syncManifests(
    out.modules,
    JSON.parse(readFileSync(pkgPath, "utf8")),
    JSON.parse(readFileSync(denoPath, "utf8")),
  );
  files.set("package.json", `${JSON.stringify(synced.packageJson, null, 2)}\n`);
  files.set("deno.json", `${JSON.stringify(synced.denoJson, null, 2)}\n`);
  return files;
}

/** Generated files that differ from the repository (missing, changed, or stale extras under src/kinds). */
export function staleFiles(files: Map<string, string>): string[] {
  const stale: string[] = [];
  for (const [path, content] of files) {
    const abs = join(root, path);
    if (!existsSync(abs) || readFileSync(abs, "utf8") !== content) stale.push(path);
  }
  for (const path of listKinds())
    if (!files.has(path)) stale.push(`${path} (not generated any more)`);
  return stale.sort();
}

function listKinds(): string[] {
  const dir = join(root, "src", "kinds");
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      if (name.isDirectory()) walk(join(d, name.name), `${rel}/${name.name}`);
      else if (name.name.endsWith(".ts")) out.push(`${rel}/${name.name}`);
    }
  };
  walk(dir, "src/kinds");
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      spec: { type: "string" },
      "kubernetes-version": { type: "string" },
      check: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(
      "usage: npm run generate [-- --spec swagger.json [--kubernetes-version vX.Y.Z]] [--check]",
    );
    return;
  }
  const spec = values.spec ?? process.env.KUBELOOP_OPENAPI_SPEC;
  if (spec) {
    const full = JSON.parse(readFileSync(spec, "utf8")) as OpenApiDocument;
    const version = values["kubernetes-version"] ?? kubernetesVersionOf(full, basename(spec));
    const extract = extractSpec(full, version);
    mkdirSync(specDir, { recursive: true });
    for (const f of readdirSync(specDir)) {
      if (/^kubernetes-v[\d.]+\.json$/.test(f)) rmSync(join(specDir, f));
    }
    writeFileSync(join(specDir, `kubernetes-${version}.json`), serializeSpec(extract));
    console.log(
      `extracted ${spec} (${version}) into scripts/generate/spec/kubernetes-${version}.json`,
    );
  }
  const doc = JSON.parse(readFileSync(extractPath(), "utf8")) as OpenApiDocument;
  const files = generatedFiles(doc);
  if (values.check) {
    const stale = staleFiles(files);
    if (stale.length) {
      console.error(`generated files are stale (run npm run generate):\n  ${stale.join("\n  ")}`);
      process.exit(1);
    }
    console.log(`generated files are up to date (${files.size} files)`);
    return;
  }
  for (const path of listKinds()) if (!files.has(path)) rmSync(join(root, path));
  let changed = 0;
  for (const [path, content] of files) {
    const abs = join(root, path);
    if (existsSync(abs) && readFileSync(abs, "utf8") === content) continue;
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
    changed++;
  }
  console.log(`generated ${files.size} files (${changed} changed) from ${basename(extractPath())}`);
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) await main();
