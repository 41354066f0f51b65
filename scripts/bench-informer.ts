// Informer benchmark against the fake API server (in-process fetch and HTTP):
// initial sync of 10k and 50k realistic Pods (~2.5 KB each), heap per cached
// object, and watch events per second, each with validation on and off.
//
//   node --expose-gc --import tsx scripts/bench-informer.ts [--pods 10000,50000] [--events 20000] [--transport inproc,http] [--json]
//
// Numbers are end to end: they include the fake API server's own work
// (serialising lists and watch events), which runs in the same process.
import { parseArgs } from "node:util";
import { createInformer, type Informer } from "../src/cache/mod.ts";
import { KubeClient } from "../src/client/client.ts";
import { type Pod, Pods } from "../src/resources/core.ts";
import { FakeApiServer } from "../src/testing/mod.ts";
import { makePod } from "./bench/pods.ts";

const { values } = parseArgs({
  options: {
    pods: { type: "string", default: "10000,50000" },
    events: { type: "string", default: "20000" },
    transport: { type: "string", default: "inproc,http" },
    json: { type: "boolean", default: false },
  },
});
const podCounts = values.pods.split(",").map(Number);
const EVENTS = Number(values.events);
const transports = values.transport.split(",") as ("inproc" | "http")[];

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn("run with --expose-gc for meaningful heap numbers");

async function settleHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 5));
  }
  return process.memoryUsage().heapUsed;
}

interface Env {
  server: FakeApiServer;
  client: KubeClient;
  close(): Promise<void>;
}

async function makeEnv(n: number, transport: "inproc" | "http"): Promise<Env> {
  const server = new FakeApiServer({ historyLimit: 1000, watchBufferLimit: 50_000 });
  for (let i = 0; i < n; i++) {
    const pod = makePod(i, "1") as unknown as Pod;
    delete pod.metadata.resourceVersion;
    server.create(Pods, pod);
  }
  if (transport === "inproc") {
    return {
      server,
      client: new KubeClient({ server: "http://fake", fetch: server.fetch }),
      close: () => server.close(),
    };
  }
  const listener = await server.listen();
  return {
    server,
    client: new KubeClient({ server: listener.url }),
    close: async () => {
      await listener.close();
      await server.close();
    },
  };
}

interface SyncResult {
  pods: number;
  transport: string;
  validate: boolean;
  syncMs: number;
  podsPerSec: number;
  heapPerObjectBytes: number;
}

async function benchSync(
  env: Env,
  n: number,
  transport: string,
  validate: boolean,
): Promise<SyncResult> {
  const before = await settleHeap();
  const informer = createInformer(env.client, Pods, { validate });
  let adds = 0;
  informer.addEventHandler({ onAdd: () => adds++ });
  const ac = new AbortController();
  const t0 = performance.now();
  const done = informer.run(ac.signal);
  if (!(await informer.waitForSync())) throw new Error(`no sync: ${String(informer.lastError())}`);
  const syncMs = performance.now() - t0;
  if (informer.store.size !== n || adds !== n)
    throw new Error(`synced ${informer.store.size}/${adds} of ${n}`);
  const after = await settleHeap();
  const heapPerObjectBytes = (after - before) / n;
  ac.abort();
  await done;
  return {
    pods: n,
    transport,
    validate,
    syncMs,
    podsPerSec: (n / syncMs) * 1000,
    heapPerObjectBytes,
  };
}

interface WatchResult {
  transport: string;
  validate: boolean;
  events: number;
  ms: number;
  eventsPerSec: number;
}

async function benchWatch(transport: "inproc" | "http", validate: boolean): Promise<WatchResult> {
  const N = 1000;
  const env = await makeEnv(N, transport);
  const informer: Informer<Pod> = createInformer(env.client, Pods, { validate });
  let updates = 0;
  informer.addEventHandler({ onUpdate: () => updates++ });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  await informer.waitForSync();
  while (env.server.watcherCount() === 0) await new Promise((r) => setTimeout(r, 1));
  const pods = env.server.list(Pods);
  const t0 = performance.now();
  const batch = 1000;
  for (let sent = 0; sent < EVENTS; ) {
    for (let i = 0; i < batch && sent < EVENTS; i++, sent++) {
      const pod = pods[sent % N]!;
      pod.metadata.labels = { ...pod.metadata.labels, rev: String(sent) };
      delete pod.metadata.resourceVersion;
      env.server.update(Pods, pod);
    }
    await env.server.flushWatches();
  }
  while (updates < EVENTS) await new Promise((r) => setTimeout(r, 0));
  const ms = performance.now() - t0;
  ac.abort();
  await done;
  await env.close();
  return { transport, validate, events: EVENTS, ms, eventsPerSec: (EVENTS / ms) * 1000 };
}

async function main(): Promise<void> {
  const sync: SyncResult[] = [];
  const watch: WatchResult[] = [];
  for (const n of podCounts) {
    for (const transport of transports) {
      const env = await makeEnv(n, transport);
      // warm-up (JIT) on the same server, not measured
      await benchSync(env, n, transport, true);
      for (const validate of [true, false]) {
        const r = await benchSync(env, n, transport, validate);
        sync.push(r);
        console.error(
          `sync ${n} pods ${transport.padEnd(6)} validate=${String(validate).padEnd(5)} ${r.syncMs.toFixed(0).padStart(6)} ms  ${r.podsPerSec.toFixed(0).padStart(7)} pods/s  heap/object ${(r.heapPerObjectBytes / 1024).toFixed(2)} KiB`,
        );
      }
      await env.close();
    }
  }
  for (const transport of transports) {
    for (const validate of [true, false]) {
      const r = await benchWatch(transport, validate);
      watch.push(r);
      console.error(
        `watch ${r.events} events ${transport.padEnd(6)} validate=${String(validate).padEnd(5)} ${r.ms.toFixed(0).padStart(6)} ms  ${r.eventsPerSec.toFixed(0).padStart(7)} events/s`,
      );
    }
  }
  if (values.json) console.log(JSON.stringify({ node: process.version, sync, watch }, null, 2));
  else {
    console.log("\n| pods | transport | validate | sync ms | pods/s | heap/object KiB |");
    console.log("|---:|---|---|---:|---:|---:|");
    for (const r of sync) {
      console.log(
        `| ${r.pods} | ${r.transport} | ${r.validate} | ${r.syncMs.toFixed(0)} | ${r.podsPerSec.toFixed(0)} | ${(r.heapPerObjectBytes / 1024).toFixed(2)} |`,
      );
    }
    console.log("\n| watch events | transport | validate | ms | events/s |");
    console.log("|---:|---|---|---:|---:|");
    for (const r of watch) {
      console.log(
        `| ${r.events} | ${r.transport} | ${r.validate} | ${r.ms.toFixed(0)} | ${r.eventsPerSec.toFixed(0)} |`,
      );
    }
  }
}

await main();
