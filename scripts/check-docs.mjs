#!/usr/bin/env node
// API documentation checks, run by `npm test`:
//  1. `deno doc --lint` over every public entry point (scripts/entrypoints.mjs): no missing docs. The one
//     accepted finding is a public symbol naming a zod type (zod's types cannot be re-exported cleanly);
//     it is counted, not hidden.
//  2. every hand-written public symbol has an @example (from `deno doc --json`). Generated kinds
//     (src/kinds/**, thousands of symbols) follow their own rule, checked here: every generated
//     ResourceType carries a generated @example; generated types and schemas carry no example, but
//     their TSDoc must name the kind, its API version and (for objects) its scope, and link the
//     Kubernetes API reference.
//  3. every example in src/ type-checks (`deno check --doc-only`; `kubeloop/*` maps to the sources in deno.json).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { entrypoints } from "./entrypoints.mjs";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
const deno = join(root, "node_modules", ".bin", "deno");
const entries = entrypoints()
  .filter((e) => e.docs)
  .map((e) => e.source);
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const strip = (s) => s.replace(/\u001b\[[0-9;]*m/g, "");
const run = (args) => {
  const r = spawnSync(deno, args, {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (r.error) throw r.error;
  return { code: r.status, out: strip(`${r.stdout}${r.stderr}`), stdout: r.stdout };
};
let failed = false;

// 1. deno doc --lint
const lint = run(["doc", "--lint", ...entries]);
const findings = [...lint.out.matchAll(/^error\[([\w-]+)\]: (.*)$/gm)].map((m) => ({
  rule: m[1],
  text: m[2],
}));
const zodRef = (f) =>
  f.rule === "private-type-ref" &&
  /references private type '(Zod\w*|output|input|\$Zod\w*)'/.test(f.text);
const accepted = findings.filter(zodRef);
const problems = findings.filter((f) => !zodRef(f));
if (problems.length) {
  failed = true;
  console.error(`deno doc --lint: ${problems.length} problem(s):`);
  for (const p of problems) console.error(`  ${p.rule}: ${p.text}`);
} else {
  console.log(`deno doc --lint: clean (${accepted.length} accepted references to zod types)`);
}

// 2. an @example on every hand-written public symbol; the generated-kinds rule for src/kinds/**
const json = run(["doc", "--json", ...entries]);
const doc = JSON.parse(json.stdout);
const missing = [];
const badGenerated = [];
const seen = new Set();
let total = 0;
let generatedResources = 0;
let generatedExempt = 0;
const REFERENCE = "https://kubernetes.io/docs/reference/generated/kubernetes-api/";
const docText = (decl) => decl.jsDoc?.doc ?? "";
for (const mod of Object.values(doc.nodes ?? {})) {
  for (const sym of mod.symbols ?? []) {
    for (const decl of sym.declarations ?? []) {
      // "reference": a re-export of a symbol documented where it is declared (another entry point)
      if (decl.kind === "import" || decl.kind === "moduleDoc" || decl.kind === "reference")
        continue;
      const where = relative(root, new URL(decl.location.filename).pathname);
      const id = `${where}:${sym.name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const hasExample = (decl.jsDoc?.tags ?? []).some((t) => t.kind === "example");
      if (!where.startsWith("src/kinds/")) {
        total++;
        if (!hasExample) missing.push(id);
        continue;
      }
      const text = docText(decl);
      const apiVersion = /`([a-z0-9.-]+\/)?v\d+(alpha\d+|beta\d+)?`/.test(text);
      const isResource =
        decl.kind === "variable" && /^ResourceType\b/.test(decl.def?.tsType?.repr ?? "");
      const isSchema =
        decl.kind === "variable" && /ZodMiniType\b/.test(decl.def?.tsType?.repr ?? "");
      if (decl.kind === "variable" && !isResource && !isSchema) {
        // other generated constants (the registry lists) follow the hand-written rule
        total++;
        if (!hasExample) missing.push(id);
      } else if (isResource) {
        generatedResources++;
        const scoped = /namespaced|cluster-scoped/.test(text);
        if (!hasExample || !apiVersion || !scoped || !text.includes(REFERENCE)) {
          badGenerated.push(
            `${id}: a generated ResourceType needs an example, its API version, scope and reference link`,
          );
        }
      } else if (decl.kind === "function" && /^is[A-Z]/.test(sym.name)) {
        generatedExempt++;
        const type = sym.name.slice(2);
        if (
          !text.includes(`{@link ${type}}`) ||
          !text.includes(`{@link ${type}Schema}`) ||
          !apiVersion
        ) {
          badGenerated.push(
            `${id}: a generated guard must link its type and schema and name its API version`,
          );
        }
      } else if (isSchema) {
        generatedExempt++;
        if (!/\{@link \w+\}/.test(text) || !apiVersion) {
          badGenerated.push(
            `${id}: a generated schema must link its type and name its API version`,
          );
        }
      } else {
        generatedExempt++;
        const object = decl.def?.extends?.some((e) => e.repr === "KubernetesObject");
        const scoped = !object || /namespaced|cluster-scoped|subresource/.test(text);
        if (
          !apiVersion ||
          !scoped ||
          !text.includes(REFERENCE) ||
          !text.includes(`\`${sym.name}\``)
        ) {
          badGenerated.push(
            `${id}: a generated type must name itself, its API version${object ? ", its scope" : ""} and link the API reference`,
          );
        }
      }
    }
  }
}
if (missing.length) {
  failed = true;
  console.error(`@example: ${missing.length} of ${total} hand-written public symbols have none:`);
  for (const m of missing) console.error(`  ${m}`);
} else {
  console.log(`@example: all ${total} hand-written public symbols have one`);
}
if (badGenerated.length) {
  failed = true;
  console.error(`generated kinds: ${badGenerated.length} symbol(s) break the generated-docs rule:`);
  for (const m of badGenerated.slice(0, 50)) console.error(`  ${m}`);
} else {
  console.log(
    `generated kinds: ${generatedResources} ResourceTypes carry a generated @example; ` +
      `${generatedExempt} generated types, schemas and guards are exempt from @example by rule ` +
      "(their TSDoc names the kind, API version and scope and links the Kubernetes API reference: checked)",
  );
}

// 3. the examples type-check
const files = [];
const walk = (d) => {
  for (const n of readdirSync(d).sort()) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".ts")) files.push(relative(root, p));
  }
};
walk(join(root, "src"));
const check = run(["check", "--doc-only", ...files]);
const errors = (check.out.match(/^TS\d+ \[ERROR\]/gm) ?? []).length;
if (check.code !== 0) {
  failed = true;
  console.error(
    check.out
      .split("\n")
      .filter((l) => !l.startsWith("Check "))
      .join("\n"),
  );
  console.error(`doc examples: ${errors} type error(s)`);
} else {
  const blocks = (check.out.match(/^Check /gm) ?? []).length;
  console.log(`doc examples: ${blocks} code blocks type-check`);
}
process.exit(failed ? 1 : 0);
