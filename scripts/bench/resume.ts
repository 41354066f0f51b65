/**
 * Resume from a file checkpoint vs a full sync, one measurement per process
 * (run by `npm run bench -- --scenario resume`, against scripts/bench/server.ts
 * serving N pods over HTTP).
 *
 *   node --import tsx scripts/bench/resume.ts <url> prepare <dir>   sync, write <dir>/pods.json, print its size
 *   node --import tsx scripts/bench/resume.ts <url> sync            time a full sync (paged list) until the watch is connected
 *   node --import tsx scripts/bench/resume.ts <url> resume <dir>    time read + parse + restore until the watch is connected
 *   … controller-sync / controller-resume <dir>: a restarted controller (no-op reconcile) until `runUntilIdle` is idle
 *
 * The informer timings end at the same point: the cache is complete and the
 * watch that keeps it current is connected (`informer.quietMs()` is
 * defined). The controller timings end when `runUntilIdle` returns idle
 * (settle 100 ms): from scratch every object is reconciled once, from the
 * checkpoint none is (nothing changed). Prints one JSON line.
 */

import { loadSnapshot, saveSnapshot } from "../../src/cache/checkpoint.ts";
import { FileCheckpointStore } from "../../src/cache/checkpoint-stores.ts";
import { createInformer, type Informer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import type { ClusterConfig } from "../../src/client/config.ts";
import { Controller } from "../../src/controller/controller.ts";
import type { Pod } from "../../src/resources/core.ts";
import { Pods } from "../../src/resources/core.ts";

const [url, mode, dir] = process.argv.slice(2);
if (!url || !mode || (mode !== "sync" && !dir)) {
  console.error("usage: resume.ts <url> prepare|sync|resume [dir]");
  process.exit(2);
}

/** Wait until the informer's watch is connected (polling: I/O, not time-based behaviour). */
async function connected(informer: Informer<Pod>): Promise<void> {
  const deadline = performance.now() + 120_000;
  while (informer.quietMs() === undefined && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1));
  }
  if (informer.quietMs() === undefined) throw new Error("the watch never connected");
}

const onError = (err: unknown): void => console.error("informer error:", err);
// BENCH_CLUSTER: a whole ClusterConfig as JSON (scripts/bench/resume-real.ts: a real API server with TLS and a token)
const client = new KubeClient(
  process.env.BENCH_CLUSTER
    ? (JSON.parse(process.env.BENCH_CLUSTER) as ClusterConfig)
    : { server: url },
);
const ac = new AbortController();
const store = dir ? new FileCheckpointStore(dir) : undefined;
let result: Record<string, unknown>;

if (mode === "prepare" || mode === "sync") {
  const t0 = performance.now();
  const informer = createInformer(client, Pods, { onError });
  const done = informer.run(ac.signal);
  if (!(await informer.waitForSync(AbortSignal.timeout(300_000)))) {
    throw new Error(`no sync within 5 minutes: ${String(informer.lastError())}`);
  }
  const syncedMs = performance.now() - t0;
  await connected(informer);
  const totalMs = performance.now() - t0;
  result = { mode, objects: informer.store.size, listMs: syncedMs, totalMs };
  if (mode === "prepare") {
    const snapshot = informer.snapshot();
    if (!snapshot) throw new Error("no snapshot");
    const t1 = performance.now();
    await saveSnapshot(store!, "pods", snapshot);
    result.saveMs = performance.now() - t1;
    result.bytes = JSON.stringify(snapshot).length;
  }
  ac.abort();
  await done;
} else if (mode === "resume") {
  const t0 = performance.now();
  const snapshot = await loadSnapshot<Pod>(store!, "pods");
  const loadedMs = performance.now() - t0;
  const informer = createInformer(client, Pods, { onError, initialState: snapshot });
  if (!informer.hasSynced()) throw new Error("the checkpoint was not resumed from");
  const restoredMs = performance.now() - t0;
  const done = informer.run(ac.signal);
  await connected(informer);
  const totalMs = performance.now() - t0;
  const lists = informer.stats().lists;
  if (lists !== 0) throw new Error(`resume listed ${lists} time(s)`);
  result = {
    mode,
    objects: informer.store.size,
    loadMs: loadedMs,
    restoreMs: restoredMs - loadedMs,
    totalMs,
  };
  ac.abort();
  await done;
} else if (mode === "controller-sync" || mode === "controller-resume") {
  const t0 = performance.now();
  const initialState =
    mode === "controller-resume" ? await loadSnapshot<Pod>(store!, "pods") : undefined;
  const informer = createInformer(client, Pods, { onError, initialState });
  let reconciles = 0;
  const controller = new Controller<Pod>({
    workers: 4,
    resource: {
      informer: () => informer,
      upsert: () => {
        reconciles++;
      },
      delete: () => {},
    },
  });
  const summary = await controller.runUntilIdle({ settleMs: 100, maxMs: 600_000 });
  const totalMs = performance.now() - t0;
  if (summary.stoppedBy !== "idle") throw new Error(`not idle: ${summary.stoppedBy}`);
  result = {
    mode,
    objects: informer.store.size,
    reconciles,
    lists: informer.stats().lists,
    totalMs,
  };
} else {
  throw new Error(`unknown mode ${mode}`);
}
console.log(JSON.stringify(result));
