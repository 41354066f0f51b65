// A seeded chaos run against a real API server, shared by test/real/chaos.real.ts (sized for CI)
// and scripts/chaos.ts (`npm run chaos`, as long as you like). Not a test file itself.
//
// A Controller (real informer, real client) talks to the server through a TCP proxy while a
// driver writes random creates / updates / deletes straight to the server and injects faults at
// the proxy: connections cut (reset), refused for a while, stalled (open, silent) for a while,
// and, when the cluster is our own, kube-apiserver restarts with etcd's data kept. When the faults
// stop, the informer's cache must equal the server's state and every key's last callback must
// carry the server's final object (or be a delete for a key that is gone). The seed fixes the
// schedule of writes and faults; timing still varies from run to run.
import type { InformerStats } from "../../src/cache/informer.ts";
import { createInformer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import type { ClusterConfig } from "../../src/client/config.ts";
import { isNotFound } from "../../src/client/errors.ts";
import { Controller } from "../../src/controller/controller.ts";
import { newResource } from "../../src/controller/resource.ts";
import { ItemExponentialRateLimiter } from "../../src/queue/rate-limiters.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { seededRandom } from "../../src/testing/random.ts";
import { type Logger, silentLogger } from "../../src/util/logger.ts";
import { removeNamespace, TcpProxy, testNamespace } from "./support.ts";

/** Faults the driver injects. */
export const CHAOS_FAULTS = ["cut", "refuse", "stall", "restart"] as const;
export type ChaosFault = (typeof CHAOS_FAULTS)[number];

export interface RealChaosOptions {
  /** The server to run against (admin rights in one namespace of its own). */
  config: ClusterConfig;
  seed: number;
  /** How long the driver writes and injects faults, in ms. */
  durationMs: number;
  /** Restart kube-apiserver (etcd data kept); only for a cluster of one's own. */
  restart?: (() => Promise<void>) | undefined;
  /** Distinct object names (default 30). */
  keys?: number | undefined;
  /** Writes per second (default 20). */
  opsPerSecond?: number | undefined;
  /** Mean time between faults in ms (default 2500). */
  faultEveryMs?: number | undefined;
  /** Upper bound for convergence after the faults stop (default 60 000 ms). */
  convergeMs?: number | undefined;
  /** Logger for the informer and controller (default silent: the faults are on purpose). */
  logger?: Logger | undefined;
  /** A progress line now and then (default none). */
  progress?: ((line: string) => void) | undefined;
}

export interface RealChaosResult {
  seed: number;
  durationMs: number;
  writes: { creates: number; updates: number; deletes: number; failed: number };
  faults: Record<ChaosFault, number>;
  stats: InformerStats;
  controller: { upserts: number; deletes: number; throws: number };
  proxy: { lists: number; watches: number; refused: number };
  finalObjects: number;
  converged: boolean;
  convergeMs: number;
  diff: string[];
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One chaos session. Never throws for a failed convergence (see `converged` and `diff`). */
export async function runRealChaos(options: RealChaosOptions): Promise<RealChaosResult> {
  const started = Date.now();
  const rng = seededRandom(options.seed);
  const keys = options.keys ?? 30;
  const opsPerSecond = options.opsPerSecond ?? 20;
  const faultEveryMs = options.faultEveryMs ?? 2_500;
  const logger = options.logger ?? silentLogger;
  const admin = new KubeClient({ ...options.config, timeoutMs: 30_000 });
  const ns = await testNamespace(admin, "chaos", options.config);
  const proxy = await TcpProxy.start(options.config);
  const client = new KubeClient({ ...proxy.configFor(options.config), timeoutMs: 10_000 });
  const faults = Object.fromEntries(CHAOS_FAULTS.map((f) => [f, 0])) as Record<ChaosFault, number>;
  const writes = { creates: 0, updates: 0, deletes: 0, failed: 0 };

  const informer = createInformer(client, ConfigMaps, {
    namespace: ns.name,
    pageSize: 10,
    watchTimeoutSeconds: { min: 2, max: 6 },
    backoff: { initialMs: 100, maxMs: 2_000, resetAfterMs: 5_000 },
    random: seededRandom(options.seed ^ 0x5bd1e995),
    logger,
  });
  const seen = new Map<string, { op: "upsert" | "delete"; rv: string | undefined }>();
  const counts = { upserts: 0, deletes: 0, throws: 0 };
  const flaky = (key: string, attempt: number): void => {
    const h = hash(`${options.seed}${key}`);
    if (h % 5 === 0 && attempt <= 1 + (h % 3)) {
      counts.throws++;
      throw new Error(`reconcile of ${key} failed (attempt ${attempt})`);
    }
  };
  const controller = new Controller<ConfigMap>({
    workers: 3,
    maxRetries: 50,
    rateLimiter: new ItemExponentialRateLimiter<string>(5, 500),
    logger,
    resource: newResource(
      informer,
      (key, obj, ctx) => {
        counts.upserts++;
        seen.set(key, { op: "upsert", rv: obj.metadata.resourceVersion });
        flaky(key, ctx?.attempt ?? 1);
      },
      (key, obj, ctx) => {
        counts.deletes++;
        seen.set(key, { op: "delete", rv: obj.metadata.resourceVersion });
        flaky(key, ctx?.attempt ?? 1);
      },
    ),
  });
  const stop = new AbortController();
  const running = controller.run(stop.signal);

  const names = Array.from({ length: keys }, (_, i) => `k-${String(i).padStart(2, "0")}`);
  const exists = new Set<string>();
  const write = async (op: number): Promise<void> => {
    const name = names[Math.floor(rng() * names.length)]!;
    const data = { op: String(op), r: rng().toString(36).slice(2, 8) };
    const del = rng() < 0.35;
    try {
      if (!exists.has(name)) {
        await admin.create(ConfigMaps, { metadata: { name, namespace: ns.name }, data });
        exists.add(name);
        writes.creates++;
      } else if (!del) {
        await admin.patch(ConfigMaps, name, { data }, { type: "merge", namespace: ns.name });
        writes.updates++;
      } else {
        await admin.delete(ConfigMaps, name, { namespace: ns.name });
        exists.delete(name);
        writes.deletes++;
      }
    } catch {
      writes.failed++; // e.g. during a restart: the next write to this key sorts it out
      exists.clear();
      for (const c of (await admin.list(ConfigMaps, { namespace: ns.name }).catch(() => undefined))
        ?.items ?? [])
        exists.add(c.metadata.name!);
    }
  };

  // a fault's effect ends after a while (refuse / stall), while the writes go on
  let endFault: { at: number; run: () => void } | undefined;
  // faults come from a shuffled deck holding each kind once: every kind is injected once per deck
  const kinds: ChaosFault[] = options.restart ? [...CHAOS_FAULTS] : ["cut", "refuse", "stall"];
  let deck: ChaosFault[] = [];
  const inject = async (): Promise<void> => {
    if (deck.length === 0) {
      deck = [...kinds];
      for (let i = deck.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [deck[i], deck[j]] = [deck[j]!, deck[i]!];
      }
    }
    const fault = deck.pop()!;
    faults[fault]++;
    const forMs = 300 + Math.floor(rng() * 4_000);
    switch (fault) {
      case "cut":
        proxy.cut();
        break;
      case "refuse":
        proxy.refuse();
        proxy.cut();
        endFault = { at: Date.now() + forMs, run: () => proxy.refuse(false) };
        break;
      case "stall":
        // long enough, now and then, for the idle deadline (timeoutSeconds + 5 s) to find it
        proxy.stall();
        endFault = {
          at: Date.now() + (rng() < 0.3 ? 12_000 : forMs),
          run: () => proxy.resume(),
        };
        break;
      case "restart":
        proxy.refuse();
        proxy.cut();
        await options.restart?.();
        proxy.refuse(false);
        break;
    }
  };

  for (let i = 0; i < Math.min(keys, 10); i++) await write(-1);
  await informer.waitForSync(AbortSignal.timeout(30_000));
  const driverStart = Date.now();
  let nextFault = driverStart + faultEveryMs * (0.5 + rng());
  let op = 0;
  let lastProgress = driverStart;
  while (Date.now() - driverStart < options.durationMs) {
    if (endFault && Date.now() >= endFault.at) {
      endFault.run();
      endFault = undefined;
    }
    if (!endFault && Date.now() >= nextFault) {
      await inject();
      nextFault = Date.now() + faultEveryMs * (0.5 + rng());
    }
    await write(op++);
    const ahead = driverStart + (op / opsPerSecond) * 1000 - Date.now();
    if (ahead > 0) await sleep(ahead);
    if (options.progress && Date.now() - lastProgress > 10_000) {
      lastProgress = Date.now();
      const s = informer.stats();
      options.progress(
        `${((Date.now() - driverStart) / 1000).toFixed(0)} s: ${op} writes, faults ${JSON.stringify(faults)}, ` +
          `${s.events} events, ${s.reconnects} reconnects, ${s.relists} relists, ${s.stalls} stalls`,
      );
    }
  }

  // the faults stop
  endFault?.run();
  proxy.refuse(false);
  proxy.resume();
  const quiet = Date.now();
  const convergeMs = options.convergeMs ?? 60_000;
  let diff: string[] = [];
  let converged = false;
  let finalObjects = 0;
  while (Date.now() - quiet < convergeMs) {
    const server = new Map(
      (await admin.listAll(ConfigMaps, { namespace: ns.name })).items.map((c) => [
        `${ns.name}/${c.metadata.name}`,
        c.metadata.resourceVersion,
      ]),
    );
    finalObjects = server.size;
    diff = compare(server, informer, seen);
    if (diff.length === 0) {
      converged = true;
      break;
    }
    await sleep(250);
  }
  const convergedAfter = Date.now() - quiet;
  stop.abort();
  await running;
  const result: RealChaosResult = {
    seed: options.seed,
    durationMs: Date.now() - started,
    writes,
    faults,
    stats: informer.stats(),
    controller: counts,
    proxy: { lists: proxy.count("list"), watches: proxy.count("watch"), refused: proxy.refused },
    finalObjects,
    converged,
    convergeMs: convergedAfter,
    diff: diff.slice(0, 20),
  };
  await proxy.close();
  try {
    await removeNamespace(ns.name, options.config);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return result;
}

function compare(
  server: Map<string, string | undefined>,
  informer: { store: { keys(): string[]; get(k: string): ConfigMap | undefined } },
  seen: Map<string, { op: "upsert" | "delete"; rv: string | undefined }>,
): string[] {
  const diff: string[] = [];
  for (const [key, rv] of server) {
    const cached = informer.store.get(key);
    if (cached?.metadata.resourceVersion !== rv) {
      diff.push(`${key}: cache rv ${cached?.metadata.resourceVersion} != server ${rv}`);
    }
    const s = seen.get(key);
    if (s?.op !== "upsert" || s.rv !== rv)
      diff.push(`${key}: last callback ${s?.op} ${s?.rv}, server ${rv}`);
  }
  for (const key of informer.store.keys()) {
    if (!server.has(key)) diff.push(`${key}: cached but gone`);
  }
  for (const [key, s] of seen) {
    if (!server.has(key) && s.op !== "delete") diff.push(`${key}: gone but last callback ${s.op}`);
  }
  return diff;
}

/** A short report of a run. */
export function formatRealChaos(r: RealChaosResult): string {
  const s = r.stats;
  const faults = Object.entries(r.faults)
    .filter(([, n]) => n > 0)
    .map(([f, n]) => `${f} ${n}`)
    .join(", ");
  return [
    `seed ${r.seed}: ${(r.durationMs / 1000).toFixed(1)} s; ${r.writes.creates} creates, ${r.writes.updates} updates, ${r.writes.deletes} deletes (${r.writes.failed} failed during faults)`,
    `faults: ${faults || "none"}`,
    `informer: ${s.events} events, ${s.watches} watches, ${s.reconnects} reconnects, ${s.lists} lists (${s.relists} relists, ${s.gone} 410s), ${s.stalls} stalls, ${s.backoffs} backoffs, ${s.errors} errors, ${s.bookmarks} bookmarks`,
    `controller: ${r.controller.upserts} upserts, ${r.controller.deletes} deletes, ${r.controller.throws} throws retried`,
    `proxy: ${r.proxy.lists} list and ${r.proxy.watches} watch requests, ${r.proxy.refused} connections refused`,
    r.converged
      ? `converged ${(r.convergeMs / 1000).toFixed(1)} s after the faults stopped (${r.finalObjects} objects)`
      : `NOT converged after ${(r.convergeMs / 1000).toFixed(1)} s: ${r.diff.join("; ")}`,
  ].join("\n");
}
