#!/usr/bin/env node
// Fails when code under src/ (outside src/runtime/) uses a runtime-specific API:
// a `node:` import, a bare Node built-in import, or the `Deno.` / `Bun.` globals.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const srcDir = join(root, "src");
const runtimeDir = join(srcDir, "runtime") + sep;
const builtins = [
  "fs",
  "path",
  "http",
  "https",
  "net",
  "tls",
  "os",
  "child_process",
  "crypto",
  "stream",
  "url",
  "util",
  "events",
  "buffer",
  "process",
  "zlib",
  "dns",
  "timers",
  "worker_threads",
];
const patterns = [
  { re: /\bfrom\s+["']node:[^"']+["']|\bimport\s*\(\s*["']node:/g, what: "node: import" },
  {
    re: new RegExp(`\\bfrom\\s+["'](?:${builtins.join("|")})(?:/[^"']*)?["']`, "g"),
    what: "Node built-in import",
  },
  { re: /(?<![\w.$"'`])Deno\s*\.\s*\w/g, what: "Deno global" },
  { re: /(?<![\w.$"'`])Bun\s*\.\s*\w/g, what: "Bun global" },
  { re: /(?<![\w.$"'`])process\s*\.\s*\w/g, what: "process global" },
  { re: /(?<![\w.$"'`])Buffer\s*\.\s*\w/g, what: "Buffer global" },
  { re: /\brequire\s*\(/g, what: "require()" },
  {
    re: /Symbol\.for\(\s*["'](?:Deno|nodejs|Bun)\./g,
    what: "runtime inspector symbol (use src/runtime/inspect.ts)",
  },
];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

function stripComments(text) {
  // Remove block and line comments (keeping line numbers) so documentation may mention them.
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, (m, p) => p + " ".repeat(m.length - p.length));
}

const problems = [];
let files = 0;
for (const file of walk(srcDir)) {
  if (file.startsWith(runtimeDir)) continue;
  files++;
  const text = stripComments(readFileSync(file, "utf8"));
  for (const { re, what } of patterns) {
    for (const m of text.matchAll(re)) {
      const line = text.slice(0, m.index).split("\n").length;
      problems.push(`${relative(root, file)}:${line}: ${what}: ${m[0].trim()}`);
    }
  }
}
if (problems.length) {
  console.error(
    `runtime-agnostic check failed: ${problems.length} problem(s) outside src/runtime/:`,
  );
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(
  `runtime-agnostic check: ${files} files outside src/runtime/ use only web-standard APIs`,
);
