/**
 * Summarise V8 CPU profiles (from `npm run bench -- --profile DIR`): the top
 * self-time frames of each profile, with file:line.
 *
 * Run: node --import tsx scripts/bench/top-frames.ts DIR [count] [--filter text]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2] ?? ".";
const count = Number(process.argv[3] ?? 25);
const fi = process.argv.indexOf("--filter");
const filter = fi > 0 ? process.argv[fi + 1] : undefined;
/** `--by-file`: also sum self time per script (zod, undici, src/... files). */
const byFile = process.argv.includes("--by-file");

function files(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    if (statSync(p).isDirectory()) return files(p);
    return f.endsWith(".cpuprofile") ? [p] : [];
  });
}

for (const file of files(dir)) {
  if (filter && !file.includes(filter)) continue;
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const perNode = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    perNode.set(id, (perNode.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, t] of perNode) {
    const cf = byId.get(id)!.callFrame;
    const where = cf.url
      ? `${cf.url.replace(/^.*\/work\/main\//, "").replace(/^file:\/\//, "")}:${cf.lineNumber + 1}`
      : "";
    const key = `${cf.functionName || "(anonymous)"} ${where}`;
    self.set(key, (self.get(key) ?? 0) + t);
    const file = cf.url
      ? cf.url
          .replace(/^.*\/work\/main\//, "")
          .replace(/^file:\/\//, "")
          .replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*$/, "node_modules/$1")
      : cf.functionName;
    files.set(file, (files.get(file) ?? 0) + t);
    total += t;
    if (cf.functionName === "(idle)") idle += t;
  }
  console.log(
    `\n== ${file}: ${(total / 1000).toFixed(0)} ms sampled, ${((total - idle) / 1000) | 0} ms busy`,
  );
  if (byFile) {
    console.log("  -- by file --");
    for (const [k, t] of [...files].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      console.log(
        `${((t / total) * 100).toFixed(1).padStart(5)}% ${(t / 1000).toFixed(0).padStart(6)} ms  ${k}`,
      );
    }
    console.log("  -- by function --");
  }
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(
      `${((t / total) * 100).toFixed(1).padStart(5)}% ${(t / 1000).toFixed(0).padStart(6)} ms  ${k}`,
    );
  }
}
