// Work queue benchmark: add/get/done cycles per second with 100k distinct keys.
// Run: node --import tsx scripts/bench-queue.ts [keys] [cycles]
//      (also: npx bun scripts/bench-queue.ts, npx deno run -A scripts/bench-queue.ts)
// The machine is shared: compare runs taken under similar load (see `uptime`).
import { InMemoryQueueMetrics } from "../src/queue/metrics.ts";
import { RateLimitingQueue } from "../src/queue/rate-limiting.ts";
import { WorkQueue } from "../src/queue/workqueue.ts";

const KEYS = Number(process.argv[2] ?? 100_000);
const CYCLES = Number(process.argv[3] ?? 5_000_000);
const keys = Array.from({ length: KEYS }, (_, i) => `namespace-${i % 100}/object-${i}`);

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Wall and CPU time of one measured section (CPU time is less affected by a busy machine). */
interface Rate {
  wall: number;
  cpu: number | undefined;
}

function cpuMs(): number | undefined {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } })
    .process;
  if (typeof p?.cpuUsage !== "function") return undefined;
  const u = p.cpuUsage();
  return (u.user + u.system) / 1000;
}

function startTimer(): (cycles: number) => Rate {
  const wall0 = performance.now();
  const cpu0 = cpuMs();
  return (cycles) => {
    const wallMs = performance.now() - wall0;
    const cpu1 = cpuMs();
    return {
      wall: (cycles / wallMs) * 1000,
      cpu: cpu0 === undefined || cpu1 === undefined ? undefined : (cycles / (cpu1 - cpu0)) * 1000,
    };
  };
}

function fill(q: WorkQueue<string>): void {
  for (const k of keys) q.add(k);
}

// Steady state: the queue holds all keys; each cycle takes one, adds a key
// (a duplicate of a waiting one half the time, the taken key itself — dirty — otherwise), and finishes.
function syncCycles(q: WorkQueue<string>, cycles: number): Rate {
  fill(q);
  const stop = startTimer();
  for (let i = 0; i < cycles; i++) {
    const k = q.tryGet()!;
    q.add(k); // dirty: re-queued on done
    q.done(k);
  }
  const rate = stop(cycles);
  q.shutDown();
  return rate;
}

async function asyncCycles(q: WorkQueue<string>, cycles: number): Promise<Rate> {
  fill(q);
  const stop = startTimer();
  for (let i = 0; i < cycles; i++) {
    const k = (await q.get())!;
    q.done(k);
    q.add(k);
  }
  const rate = stop(cycles);
  q.shutDown();
  return rate;
}

// Workers waiting in get(): every add hands the key straight to a waiting worker.
async function workersCycles(workers: number, cycles: number): Promise<Rate> {
  const q = new WorkQueue<string>();
  let remaining = cycles;
  let next = 0;
  const stop = startTimer();
  const worker = async (): Promise<void> => {
    for (;;) {
      const k = await q.get();
      if (k === undefined) return;
      q.done(k);
      if (--remaining <= 0) q.shutDown();
      else q.add(keys[next++ % KEYS]!);
    }
  };
  const running = Array.from({ length: workers }, worker);
  for (let i = 0; i < workers * 4; i++) q.add(keys[next++ % KEYS]!);
  await Promise.all(running);
  return stop(cycles);
}

const runs = 3;
console.log(
  `work queue benchmark: ${fmt(KEYS)} distinct keys, ${fmt(CYCLES)} cycles per run, best of ${runs}`,
);
const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
const runtime = g.Bun
  ? `bun ${g.Bun.version}`
  : g.Deno
    ? `deno ${g.Deno.version.deno}`
    : `node ${process.versions.node}`;
console.log(`runtime: ${runtime}`);

// Output format (parsed by scripts/bench.ts): "<name>  <wall rate> cycles/s ...".
const measure = async (name: string, f: () => Rate | Promise<Rate>): Promise<void> => {
  await f(); // warm-up
  let wall = 0;
  let cpu: number | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await f();
    wall = Math.max(wall, r.wall);
    if (r.cpu !== undefined) cpu = Math.max(cpu ?? 0, r.cpu);
  }
  const cpuText = cpu === undefined ? "" : `  (per CPU-second: ${fmt(cpu)})`;
  console.log(`${name.padEnd(52)} ${fmt(wall).padStart(12)} cycles/s${cpuText}`);
};

await measure("WorkQueue add/tryGet/done (sync)", () => syncCycles(new WorkQueue(), CYCLES));
await measure("WorkQueue await get()/done/add", () => asyncCycles(new WorkQueue(), CYCLES));
await measure("RateLimitingQueue await get()/done/add", () =>
  asyncCycles(new RateLimitingQueue(), CYCLES),
);
await measure("WorkQueue + InMemoryQueueMetrics-like hooks (sync)", () =>
  syncCycles(
    new WorkQueue({
      metrics: Object.assign(new InMemoryQueueMetrics(), {
        queueLatency() {},
        workDuration() {},
      }),
      unfinishedWorkUpdateMs: 0,
    }),
    CYCLES / 5,
  ),
);
await measure("4 workers awaiting get(), handoff on add", () => workersCycles(4, CYCLES / 5));
