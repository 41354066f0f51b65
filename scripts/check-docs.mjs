#!/usr/bin/env node
// API documentation checks, run by `npm test`:
//  1. `deno doc --lint` over every public entry point: no missing docs. The one accepted finding is a
//     public symbol naming a zod type (zod's types cannot be re-exported cleanly); it is counted, not hidden.
//  2. every public symbol has an @example (from `deno doc --json`);
//  3. every example in src/ type-checks (`deno check --doc-only`; `kubeloop/*` maps to the sources in deno.json).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
const deno = join(root, "node_modules", ".bin", "deno");
const entries = [
  "src/mod.ts",
  "src/testing/mod.ts",
  "src/client/kubeconfig.ts",
  "src/fluent/mod.ts",
  "src/envtest/mod.ts",
];
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

// 2. an @example on every public symbol
const json = run(["doc", "--json", ...entries]);
const doc = JSON.parse(json.stdout);
const missing = [];
const seen = new Set();
let total = 0;
for (const mod of Object.values(doc.nodes ?? {})) {
  for (const sym of mod.symbols ?? []) {
    for (const decl of sym.declarations ?? []) {
      if (decl.kind === "import" || decl.kind === "moduleDoc") continue;
      const where = relative(root, new URL(decl.location.filename).pathname);
      const id = `${where}:${sym.name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      total++;
      if (!(decl.jsDoc?.tags ?? []).some((t) => t.kind === "example")) missing.push(id);
    }
  }
}
if (missing.length) {
  failed = true;
  console.error(`@example: ${missing.length} of ${total} public symbols have none:`);
  for (const m of missing) console.error(`  ${m}`);
} else {
  console.log(`@example: all ${total} public symbols have one`);
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
