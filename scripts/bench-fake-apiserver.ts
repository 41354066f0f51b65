// Memory and throughput of the fake API server: 100,000 objects held, 50 watchers streaming events.
//
//   node --expose-gc --import tsx scripts/bench-fake-apiserver.ts [--objects 100000] [--watchers 50] [--events 20000] [--http] [--no-validate]
//
// Prints heap/RSS after each phase. Phases:
//   1. empty server
//   2. N objects created (held in the store)
//   3. W watchers streaming E modifications (each watcher reads and counts every line)
//   4. the same again (memory should not grow: history and queues are bounded)
//   5. W watchers that never read while E more modifications happen (dropped at the buffer limit)
import { parseArgs } from "node:util";
import { ConfigMaps } from "../src/resources/core.ts";
import { FakeApiServer } from "../src/testing/mod.ts";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "100000" },
    watchers: { type: "string", default: "50" },
    events: { type: "string", default: "20000" },
    http: { type: "boolean", default: false },
    "no-validate": { type: "boolean", default: false },
  },
});
const N = Number(values.objects);
const W = Number(values.watchers);
const E = Number(values.events);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn("run with --expose-gc for meaningful numbers");

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

async function snapshot(label: string): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 10));
  }
  const m = process.memoryUsage();
  console.log(
    `${label.padEnd(48)} heapUsed ${mb(m.heapUsed).padStart(9)}  rss ${mb(m.rss).padStart(9)}  external ${mb(m.external + m.arrayBuffers).padStart(8)}`,
  );
  return m.heapUsed;
}

async function main(): Promise<void> {
  const base = await snapshot("start");
  const server = new FakeApiServer({ watchBufferLimit: 10_000, validate: !values["no-validate"] });
  const listener = values.http ? await server.listen() : undefined;
  const baseUrl = listener?.url ?? "http://fake.local";
  const doFetch = (path: string): Promise<Response> =>
    listener ? fetch(baseUrl + path) : server.fetch(baseUrl + path);
  await snapshot("empty server");

  let t = performance.now();
  for (let i = 0; i < N; i++) {
    server.create(ConfigMaps, {
      metadata: {
        name: `cm-${i}`,
        namespace: `ns-${i % 100}`,
        labels: { app: `app-${i % 10}`, tier: i % 2 ? "web" : "db" },
      },
      data: { key: `value-${i}`, other: "x".repeat(64) },
    });
  }
  console.log(`created ${N} objects in ${(performance.now() - t).toFixed(0)} ms`);
  const afterObjects = await snapshot(`${N} objects held`);
  console.log(`  ≈ ${((afterObjects - base) / N).toFixed(0)} bytes per object (heap)`);

  t = performance.now();
  const list = await doFetch("/api/v1/configmaps?limit=500");
  const page = (await list.json()) as {
    items: unknown[];
    metadata: { remainingItemCount?: number };
  };
  console.log(
    `first page of 500 in ${(performance.now() - t).toFixed(0)} ms (remainingItemCount ${page.metadata.remainingItemCount})`,
  );
  {
    t = performance.now();
    const full = await doFetch("/api/v1/configmaps");
    const length = (await full.text()).length;
    console.log(`full list (${mb(length)} JSON) in ${(performance.now() - t).toFixed(0)} ms`);
  }
  await snapshot(`${N} objects held, after listing`);

  const counts = new Array<number>(W).fill(0);
  const readers: Promise<void>[] = [];
  const cancels: (() => Promise<void>)[] = [];
  for (let w = 0; w < W; w++) {
    const res = await doFetch(
      `/api/v1/configmaps?watch=true&resourceVersion=${server.resourceVersion()}`,
    );
    const reader = res.body!.getReader();
    cancels.push(() => reader.cancel());
    readers.push(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          for (const b of value) if (b === 10) counts[w]!++;
        }
      })().catch(() => {}),
    );
  }
  console.log(`${server.watcherCount()} watchers open`);

  const round = async (label: string): Promise<void> => {
    const before = counts.reduce((a, b) => a + b, 0);
    const start = performance.now();
    for (let i = 0; i < E; i++) {
      const n = (i * 7919) % N;
      server.patch(
        ConfigMaps,
        `cm-${n}`,
        { data: { key: `round-${label}-${i}` } },
        { namespace: `ns-${n % 100}` },
      );
      if (i % 1000 === 999) await server.flushWatches();
    }
    await server.flushWatches();
    if (listener) {
      for (let i = 0; i < 2000 && counts.reduce((a, b) => a + b, 0) < before + E * W; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const ms = performance.now() - start;
    const delivered = counts.reduce((a, b) => a + b, 0) - before;
    console.log(
      `${label}: ${E} modifications × ${W} watchers = ${delivered} events delivered in ${ms.toFixed(0)} ms (${((delivered / ms) * 1000).toFixed(0)} events/s)`,
    );
  };
  await round("round 1");
  const afterRound1 = await snapshot(`${N} objects + ${W} watchers, after ${E} events`);
  await round("round 2");
  const afterRound2 = await snapshot(`${N} objects + ${W} watchers, after ${2 * E} events`);
  console.log(`  growth between rounds: ${mb(afterRound2 - afterRound1)}`);
  for (const c of cancels) await c();
  await Promise.all(readers);

  // Slow consumers: watchers that never read. They are dropped at watchBufferLimit events.
  const slow: ReadableStreamDefaultReader<Uint8Array>[] = [];
  for (let w = 0; w < W; w++) {
    const res = await doFetch(
      `/api/v1/configmaps?watch=true&resourceVersion=${server.resourceVersion()}`,
    );
    slow.push(res.body!.getReader());
  }
  const openBefore = server.watcherCount();
  for (let i = 0; i < E; i++) {
    const n = (i * 104729) % N;
    server.patch(
      ConfigMaps,
      `cm-${n}`,
      { data: { key: `slow-${i}` } },
      { namespace: `ns-${n % 100}` },
    );
  }
  console.log(
    `slow watchers: ${openBefore} open before, ${server.watcherCount()} open after ${E} unread events`,
  );
  await snapshot(`${W} non-reading watchers after ${E} events`);
  for (const r of slow) await r.cancel().catch(() => {});

  await listener?.close();
  await server.close();
  await snapshot("closed");
}

await main();
