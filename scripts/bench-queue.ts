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

function fill(q: WorkQueue<string>): void {
  for (const k of keys) q.add(k);
}

// Steady state: the queue holds all keys; each cycle takes one, adds a key
// (a duplicate of a waiting one half the time, the taken key itself — dirty — otherwise), and finishes.
function syncCycles(q: WorkQueue<string>, cycles: number): number {
  fill(q);
  const start = performance.now();
  for (let i = 0; i < cycles; i++) {
    const k = q.tryGet()!;
    q.add(k); // dirty: re-queued on done
    q.done(k);
  }
  const ms = performance.now() - start;
  q.shutDown();
  return (cycles / ms) * 1000;
}

async function asyncCycles(q: WorkQueue<string>, cycles: number): Promise<number> {
  fill(q);
  const start = performance.now();
  for (let i = 0; i < cycles; i++) {
    const k = (await q.get())!;
    q.done(k);
    q.add(k);
  }
  const ms = performance.now() - start;
  q.shutDown();
  return (cycles / ms) * 1000;
}

// Workers waiting in get(): every add hands the key straight to a waiting worker.
async function workersCycles(workers: number, cycles: number): Promise<number> {
  const q = new WorkQueue<string>();
  let remaining = cycles;
  let next = 0;
  const start = performance.now();
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
  return (cycles / (performance.now() - start)) * 1000;
}

function best(xs: number[]): number {
  return Math.max(...xs);
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

const results: [string, number][] = [];
const measure = async (name: string, f: () => number | Promise<number>): Promise<void> => {
  await f(); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await f());
  results.push([name, best(xs)]);
  console.log(`${name.padEnd(52)} ${fmt(best(xs)).padStart(12)} cycles/s`);
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
