/**
 * Controller end to end: the bench server (own process) writes MODIFIED
 * events at a fixed rate, each stamped with its write time; a kubeloop
 * Controller (informer with validation on → rate-limited work queue →
 * `upsert`) runs here. Latency = upsert callback time − server write time of
 * the object version the callback sees. Several events for one key that
 * arrive while the key waits are merged into one callback (by design).
 *
 * Run: node --expose-gc --import tsx scripts/bench/controller.ts [--quick]
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createInformer } from "../../src/cache/mod.ts";
import { KubeClient } from "../../src/client/mod.ts";
import { Controller, newResource } from "../../src/controller/mod.ts";
import { type Pod, Pods } from "../../src/resources/mod.ts";
import { readLines } from "./harness.ts";

const quick = process.argv.includes("--quick");
/** `--raw`: the same measurement with the raw baseline (fetch + JSON.parse, callback per event, no queue). */
const raw = process.argv.includes("--raw");
const PODS = quick ? 200 : 1000;
const EVENTS = quick ? 2000 : 10_000;
const RATE = quick ? 500 : 1000;
const root = fileURLToPath(new URL("../..", import.meta.url));

const server = spawn(
  process.execPath,
  ["--import", "tsx", "scripts/bench/server.ts", String(PODS), String(EVENTS), String(RATE)],
  {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const info = await new Promise<{ port: number }>((resolve, reject) => {
  createInterface({ input: server.stdout! }).once("line", (l) =>
    resolve(JSON.parse(l) as { port: number }),
  );
  server.once("exit", (c) => reject(new Error(`server exited ${c}`)));
});

if (raw) {
  const url = `http://127.0.0.1:${info.port}/api/v1/pods`;
  const map = new Map<string, Pod>();
  let cont: string | undefined;
  let rv = "";
  do {
    const res = await fetch(`${url}?limit=500${cont ? `&continue=${cont}` : "&resourceVersion=0"}`);
    const list = JSON.parse(await res.text()) as {
      metadata: { resourceVersion: string; continue?: string };
      items: Pod[];
    };
    for (const o of list.items) map.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
    cont = list.metadata.continue || undefined;
    rv = list.metadata.resourceVersion;
  } while (cont);
  const lat: number[] = [];
  let first = 0;
  let last = 0;
  const res = await fetch(`${url}?watch=true&resourceVersion=${rv}`);
  await readLines(res.body!, (line) => {
    const ev = JSON.parse(line) as { object: Pod };
    const o = ev.object;
    map.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
    const now = Number(process.hrtime.bigint()) / 1e6;
    lat.push(now - Number(o.metadata.annotations?.["bench/sent"]));
    if (!first) first = now;
    last = now;
  });
  server.kill("SIGTERM");
  report(lat, lat.length, first, last, undefined);
}

const client = new KubeClient({ server: `http://127.0.0.1:${info.port}` });
const informer = createInformer(client, Pods, {});
let eventsSeen = 0;
let lastActivity = performance.now();
informer.addEventHandler({
  onUpdate: () => {
    eventsSeen++;
    lastActivity = performance.now();
  },
});
const latencies: number[] = [];
let firstCb = 0;
let lastCb = 0;
const resource = newResource<Pod>(
  informer,
  (_key, pod) => {
    const sent = pod.metadata.annotations?.["bench/sent"];
    if (!sent) return;
    const now = Number(process.hrtime.bigint()) / 1e6;
    latencies.push(now - Number(sent));
    if (!firstCb) firstCb = now;
    lastCb = now;
    lastActivity = performance.now();
  },
  () => {},
);
const controller = new Controller({ resource, workers: 1 });
const ac = new AbortController();
const running = controller.run(ac.signal);
let error: string | undefined;
const deadline = performance.now() + (EVENTS / RATE) * 1000 + 60_000;
for (;;) {
  await new Promise((r) => setTimeout(r, 50));
  if (eventsSeen >= EVENTS && performance.now() - lastActivity > 300) break;
  if (
    performance.now() > deadline ||
    (eventsSeen > 0 && performance.now() - lastActivity > 10_000)
  ) {
    error = `stalled: ${eventsSeen}/${EVENTS} events seen`;
    break;
  }
}
ac.abort();
await running.catch(() => {});
server.kill("SIGTERM");

report(latencies, eventsSeen, firstCb, lastCb, error);

function report(
  latencies: number[],
  eventsSeen: number,
  firstCb: number,
  lastCb: number,
  error: string | undefined,
): never {
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ??
    Number.NaN;
  const result = {
    pods: PODS,
    events: EVENTS,
    rate: RATE,
    eventsSeen,
    reconciles: latencies.length,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    callbacksPerSec: latencies.length / ((lastCb - firstCb) / 1000 || 1),
    ...(error || eventsSeen !== EVENTS
      ? { error: error ?? `events seen ${eventsSeen} != ${EVENTS}` }
      : {}),
  };
  console.log(JSON.stringify({ client: raw ? "raw" : "kubeloop-controller", ...result }));
  process.exit(0);
}
