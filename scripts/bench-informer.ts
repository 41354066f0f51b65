// Informer benchmark against the fake API server (in-process fetch and HTTP):
// initial sync of 10k and 50k realistic Pods (~2.5 KB each), heap per cached
// object, and watch events per second, each with validation on and off.
//
//   node --expose-gc --import tsx scripts/bench-informer.ts [--pods 10000,50000] [--events 20000] [--transport inproc,http] [--json]
//
// Numbers are end to end: they include the fake API server's own work
// (serialising lists and watch events), which runs in the same process. The
// "baseline" rows do the same requests with raw fetch + JSON.parse and keep
// nothing: the difference is the informer's cost (client, validation, store,
// handlers).
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
  /** Raw GET for the baselines (no client, no validation, no cache). */
  get(path: string, signal?: AbortSignal): Promise<Response>;
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
      get: (path, signal) => server.fetch(`http://fake${path}`, signal ? { signal } : {}),
      close: () => server.close(),
    };
  }
  const listener = await server.listen();
  return {
    server,
    client: new KubeClient({ server: listener.url }),
    get: (path, signal) => fetch(`${listener.url}${path}`, signal ? { signal } : {}),
    close: async () => {
      await listener.close();
      await server.close();
    },
  };
}

interface SyncResult {
  pods: number;
  transport: string;
  validate: boolean | "baseline";
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

/** Baseline: the same paged list with raw fetch + JSON.parse, nothing kept. */
async function baselineSync(env: Env, n: number): Promise<number> {
  const t0 = performance.now();
  let cont = "";
  let count = 0;
  do {
    const q = cont
      ? `limit=500&continue=${encodeURIComponent(cont)}`
      : "limit=500&resourceVersion=0";
    const page = (await (await env.get(`/api/v1/pods?${q}`)).json()) as {
      items: unknown[];
      metadata: { continue?: string };
    };
    count += page.items.length;
    cont = page.metadata.continue ?? "";
  } while (cont);
  if (count !== n) throw new Error(`baseline listed ${count} of ${n}`);
  return performance.now() - t0;
}

interface WatchResult {
  transport: string;
  validate: string;
  events: number;
  ms: number;
  eventsPerSec: number;
}

async function benchWatch(
  transport: "inproc" | "http",
  validate: boolean | "baseline",
): Promise<WatchResult> {
  const N = 1000;
  const env = await makeEnv(N, transport);
  let updates = 0;
  const ac = new AbortController();
  let done: Promise<void>;
  if (validate === "baseline") {
    // raw watch: read the stream and count lines, no decoding into objects kept
    const res = await env.get(
      `/api/v1/pods?watch=true&resourceVersion=${env.server.resourceVersion()}`,
      ac.signal,
    );
    const reader = res.body!.getReader();
    // cancel the body as well as aborting: the in-process fake server may not see the abort
    ac.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
    done = (async () => {
      const dec = new TextDecoder();
      let buf = "";
      try {
        for (;;) {
          const { done: end, value } = await reader.read();
          if (end) return;
          buf += dec.decode(value, { stream: true });
          let nl = buf.indexOf("\n");
          while (nl >= 0) {
            JSON.parse(buf.slice(0, nl));
            updates++;
            buf = buf.slice(nl + 1);
            nl = buf.indexOf("\n");
          }
        }
      } catch (err) {
        if (!ac.signal.aborted) console.error("baseline watch failed:", err);
      }
    })();
  } else {
    const informer: Informer<Pod> = createInformer(env.client, Pods, { validate });
    informer.addEventHandler({ onUpdate: () => updates++ });
    done = informer.run(ac.signal);
    await informer.waitForSync();
  }
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
  return {
    transport,
    validate: validate === "baseline" ? "baseline" : String(validate),
    events: EVENTS,
    ms,
    eventsPerSec: (EVENTS / ms) * 1000,
  };
}

async function main(): Promise<void> {
  const sync: SyncResult[] = [];
  const watch: WatchResult[] = [];
  for (const n of podCounts) {
    for (const transport of transports) {
      const env = await makeEnv(n, transport);
      // warm-up (JIT) on the same server, not measured
      await benchSync(env, n, transport, true);
      await baselineSync(env, n);
      const baseMs = baselineSync(env, n);
      const b = await baseMs;
      console.error(
        `sync ${n} pods ${transport.padEnd(6)} baseline (raw fetch + JSON.parse) ${b.toFixed(0).padStart(6)} ms`,
      );
      sync.push({
        pods: n,
        transport,
        validate: "baseline",
        syncMs: b,
        podsPerSec: (n / b) * 1000,
        heapPerObjectBytes: Number.NaN,
      });
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
    for (const validate of ["baseline", true, false] as const) {
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
        `| ${r.pods} | ${r.transport} | ${r.validate} | ${r.syncMs.toFixed(0)} | ${r.podsPerSec.toFixed(0)} | ${Number.isNaN(r.heapPerObjectBytes) ? "-" : (r.heapPerObjectBytes / 1024).toFixed(2)} |`,
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
