#!/usr/bin/env node
// Which public symbols lack TSDoc or an @example (deno doc --lint checks the
// first, not the second). Usage:
//   npx deno doc --json src/mod.ts src/testing/mod.ts src/fluent/mod.ts > /tmp/doc.json
//   node docs/tools/doc-coverage.mjs /tmp/doc.json [--md]
import { readFileSync } from "node:fs";

const [file, flag] = process.argv.slice(2);
if (!file) {
  console.error("usage: node docs/tools/doc-coverage.mjs <deno doc --json output> [--md]");
  process.exit(2);
}
const doc = JSON.parse(readFileSync(file, "utf8"));
const root = new URL("../..", import.meta.url).href;
const rows = [];
const seen = new Set();
for (const [entry, mod] of Object.entries(doc.nodes)) {
  for (const sym of mod.symbols ?? []) {
    for (const decl of sym.declarations ?? []) {
      if (decl.kind === "import" || decl.kind === "moduleDoc") continue;
      const where = decl.location.filename.replace(root, "");
      const id = `${where}:${sym.name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const js = decl.jsDoc ?? {};
      const hasDoc = Boolean(js.doc?.trim()) || (js.tags ?? []).length > 0;
      const hasExample = (js.tags ?? []).some((t) => t.kind === "example");
      rows.push({
        entry: entry.replace(root, ""),
        where,
        name: sym.name,
        kind: decl.kind,
        hasDoc,
        hasExample,
      });
    }
  }
}
const missing = rows.filter((r) => !r.hasExample);
const byFile = new Map();
for (const r of missing) byFile.set(r.where, [...(byFile.get(r.where) ?? []), r]);
const total = rows.length;
if (flag === "--md") {
  console.log(
    `${total} public symbols; ${total - missing.length} with an @example, ${missing.length} without.\n`,
  );
  for (const [where, rs] of [...byFile].sort()) {
    console.log(
      `- \`${where}\`: ${rs.map((r) => `${r.name}${r.hasDoc ? "" : " (no doc)"}`).join(", ")}`,
    );
  }
} else {
  for (const [where, rs] of [...byFile].sort()) {
    for (const r of rs)
      console.log(`${where}:${r.name}\t${r.kind}\t${r.hasDoc ? "no @example" : "no doc"}`);
  }
  console.log(`\n${total} public symbols, ${missing.length} without an @example`);
}
process.exitCode = missing.length ? 1 : 0;
