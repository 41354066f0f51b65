// The seeded chaos loop shared by test/reliability/chaos.test.ts and
// scripts/soak.ts (not a test file itself).
//
// A Controller (real SharedInformer + real KubeClient) runs against the
// FakeApiServer over real HTTP on 127.0.0.1 while a driver applies random
// creates / updates / deletes and random faults. When the faults stop, the
// informer's cache must equal the server's state and, for every key, the last
// callback the user saw must carry the server's final object (or be a delete
// for a key that is gone). The seed fixes the schedule of operations and
// faults (network timing still varies between runs); it is printed so that a
// failing schedule can be replayed with CHAOS_SEED.
import type { InformerStats } from "../../src/cache/informer.ts";
import { SharedInformer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import { Controller } from "../../src/controller/controller.ts";
import { newResource, type ReconcileContext } from "../../src/controller/resource.ts";
import { ItemExponentialRateLimiter } from "../../src/queue/rate-limiters.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { type FailRule, FakeApiServer } from "../../src/testing/mod.ts";
import type { Logger } from "../../src/util/logger.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { serverState, tick } from "./harness.ts";
import { prng } from "./support.ts";

/** Faults the driver injects. */
export const FAULTS = [
  "watch-closed",
  "watch-cut-mid-line",
  "watch-reset",
  "http-500",
  "http-503",
  "http-429-retry-after",
  "watch-410",
  "watch-error-event",
  "list-410",
  "continue-410",
  "compaction",
  "slow-responses",
  "watch-stalled",
] as const;
export type Fault = (typeof FAULTS)[number];

/**
 * Faults are drawn from a seeded, shuffled deck holding every kind (the
 * common ones twice), so that every kind is injected once the run has seen
 * a deck's worth of faults, whatever the seed.
 */
export const DECK: readonly Fault[] = [
  ...FAULTS,
  "watch-closed",
  "watch-cut-mid-line",
  "watch-reset",
  "http-500",
  "http-503",
  "watch-410",
];

export interface ChaosOptions {
  seed: number;
  /** Random operations (mutations and faults) to apply; ignored when `until` is given. */
  ops: number;
  /** Keep going until this returns true (soak mode); checked every batch. */
  until?: (() => boolean) | undefined;
  /** Distinct object names (bounds the server's state). Default 40. */
  keys?: number | undefined;
  /** Probability that an operation is a fault. Default 0.02. */
  faultRate?: number | undefined;
  /** Operations between (1 ms) yields to the event loop: the driver's pace. Default 4. */
  batch?: number | undefined;
  /** Cap on the driver's pace (soak mode); default none (as fast as `batch` allows). */
  opsPerSecond?: number | undefined;
  /**
   * Objects get a random `tier` label (a or b) on each write and the informer
   * watches `tier=a` only: objects move in and out of its view.
   */
  selector?: boolean | undefined;
  /** Informer uses a streaming list (sendInitialEvents) instead of list + watch. */
  streamingList?: boolean | undefined;
  /** Events the fake server keeps for watch replay (default 400). */
  historyLimit?: number | undefined;
  /** Upper bound for convergence after the faults stop, in ms. Default 30 000. */
  convergeMs?: number | undefined;
  /** Called every `progressEvery` operations (soak mode prints memory there). */
  onProgress?: ((done: number, state: ChaosProgress) => void | Promise<void>) | undefined;
  progressEvery?: number | undefined;
  /** Logger for client, informer and controller. Default silent. */
  logger?: Logger | undefined;
  /** Longest Retry-After to send, in seconds (default 1). */
  maxRetryAfterSeconds?: number | undefined;
}

export interface ChaosProgress {
  stats: InformerStats;
  injected: Record<Fault, number>;
  callbacks: number;
}

export interface ChaosResult {
  seed: number;
  ops: number;
  mutations: { creates: number; updates: number; deletes: number };
  /** Faults injected, by kind. */
  injected: Record<Fault, number>;
  /** Faults that actually hit a request or an open watch, by kind. */
  hit: Record<Fault, number>;
  /** Informer counters at the end. */
  stats: InformerStats;
  controller: { upserts: number; deletes: number; throws: number; handlerThrows: number };
  /** Objects on the server at the end. */
  finalObjects: number;
  convergeMs: number;
  durationMs: number;
  /** Whether the cache and the callbacks converged within `convergeMs`. */
  converged: boolean;
  /** When not converged: what differs. */
  diff: string[];
}

const NS = "chaos";
const SELECTOR = "tier=a";
/** The informer's idle timeout: a stalled watch is aborted and resumed after it. */
const IDLE_MS = 800;

function zeroFaults(): Record<Fault, number> {
  return Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
}

/** Deterministic per-key hash (FNV-1a) so flaky keys do not depend on timing. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

interface Seen {
  op: "upsert" | "delete";
  rv: string | undefined;
  data: Record<string, string> | undefined;
}

/** Run one chaos session; never throws for a failed convergence (see `converged`, `diff`). */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const rng = prng(options.seed);
  const informerRandom = prng(options.seed ^ 0x5bd1e995);
  const keys = options.keys ?? 40;
  const faultRate = options.faultRate ?? 0.02;
  const batch = options.batch ?? 4;
  const logger = options.logger ?? silentLogger;
  const maxRetryAfter = options.maxRetryAfterSeconds ?? 1;
  const injected = zeroFaults();
  const hit = zeroFaults();
  const rules: { fault: Fault; rule: FailRule }[] = [];
  const mutations = { creates: 0, updates: 0, deletes: 0 };
  const flakySalt = String(options.seed);
  const selector = options.selector ? SELECTOR : undefined;

  const server = new FakeApiServer({
    historyLimit: options.historyLimit ?? 400,
    bookmarkIntervalMs: 400,
  });
  const listener = await server.listen();

  // "410 on continue": when armed, the server's history is compacted right
  // before a continue request reaches it, so the server itself answers
  // 410 Expired for the continue token.
  let armedContinue = 0;
  let noise = 0;
  const fetchThrough = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if (armedContinue > 0) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.searchParams.has("continue")) {
        armedContinue--;
        hit["continue-410"]++;
        server.create(ConfigMaps, { metadata: { name: `noise-${noise++}`, namespace: "noise" } });
        server.faults.compact();
      }
    }
    return globalThis.fetch(input, init);
  };
  const client = new KubeClient({
    server: listener.url,
    fetch: fetchThrough,
    timeoutMs: 10_000,
    logger,
  });

  const informer = new SharedInformer(client, ConfigMaps, {
    namespace: NS,
    labelSelector: options.selector ? SELECTOR : undefined,
    pageSize: 10,
    backoff: { initialMs: 2, maxMs: 80, jitter: 0.5, resetAfterMs: 2000 },
    random: informerRandom,
    idleTimeoutMs: IDLE_MS,
    watchTimeoutSeconds: { min: 2, max: 6 },
    streamingList: options.streamingList ?? false,
    streamingListTimeoutMs: 3000,
    logger,
  });

  // an informer event handler that throws for some keys: the informer goes on
  let handlerThrows = 0;
  informer.addEventHandler({
    onUpdate: (_old, obj) => {
      if (hash(`h${flakySalt}${obj.metadata.name}`) % 9 === 0) {
        handlerThrows++;
        throw new Error(`handler refuses ${obj.metadata.name}`);
      }
    },
  });

  // the user's callbacks: record what they saw; some keys fail their first attempts
  const seen = new Map<string, Seen>();
  const counts = { upserts: 0, deletes: 0, throws: 0 };
  const flaky = (key: string, ctx: ReconcileContext | undefined): void => {
    const h = hash(`c${flakySalt}${key}`);
    if (h % 5 === 0 && (ctx?.attempt ?? 1) <= 1 + (h % 3)) {
      counts.throws++;
      throw new Error(`reconcile of ${key} failed (attempt ${ctx?.attempt})`);
    }
  };
  const resource = newResource<ConfigMap>(
    informer,
    async (key, obj, ctx) => {
      counts.upserts++;
      seen.set(key, { op: "upsert", rv: obj.metadata.resourceVersion, data: obj.data });
      if (counts.upserts % 13 === 0) await tick(0);
      flaky(key, ctx);
    },
    async (key, obj, ctx) => {
      counts.deletes++;
      seen.set(key, { op: "delete", rv: obj.metadata.resourceVersion, data: obj.data });
      flaky(key, ctx);
    },
  );
  const controller = new Controller({
    resource,
    workers: 3,
    maxRetries: 100,
    rateLimiter: new ItemExponentialRateLimiter<string>(1, 40),
    logger,
  });
  const stop = new AbortController();
  const running = controller.run(stop.signal);

  const fail = (fault: Fault, rule: FailRule): void => {
    rules.push({ fault, rule });
  };
  let slowUntil = -1;
  let stalledAt: number | undefined;
  let stallsBefore = 0;

  let deck: Fault[] = [];
  const draw = (): Fault => {
    if (deck.length === 0) {
      deck = [...DECK];
      for (let i = deck.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [deck[i], deck[j]] = [deck[j]!, deck[i]!];
      }
    }
    return deck.pop()!;
  };

  const inject = (op: number): void => {
    const fault = draw();
    injected[fault]++;
    const watchers = server.watcherCount();
    const watchOrList = rng() < 0.5;
    switch (fault) {
      case "watch-closed":
        hit[fault] += watchers;
        server.faults.closeWatches();
        break;
      case "watch-cut-mid-line":
        hit[fault] += watchers;
        server.faults.cutWatches();
        break;
      case "watch-reset":
        hit[fault] += watchers;
        server.faults.cutWatches({ reset: true });
        break;
      case "http-500":
      case "http-503":
        fail(
          fault,
          server.faults.failNext({
            status: fault === "http-500" ? 500 : 503,
            ...(watchOrList ? { watch: true } : { verb: "list" }),
            times: 1 + Math.floor(rng() * 3),
          }),
        );
        if (watchOrList) server.faults.closeWatches();
        break;
      case "http-429-retry-after":
        fail(
          fault,
          server.faults.failNext({
            status: 429,
            retryAfterSeconds: rng() < 0.15 ? maxRetryAfter : 0,
            plainText: rng() < 0.5,
            ...(watchOrList ? { watch: true } : {}),
          }),
        );
        if (watchOrList) server.faults.closeWatches();
        break;
      case "watch-410":
        fail(fault, server.faults.failNext({ watch: true, status: 410 }));
        server.faults.closeWatches();
        break;
      case "watch-error-event":
        // HTTP 200 and an ERROR event carrying a 500 Status, as a real server may send
        fail(fault, server.faults.failNext({ watch: true, status: 500, asWatchEvent: true }));
        server.faults.closeWatches();
        break;
      case "list-410":
        fail(fault, server.faults.failNext({ verb: "list", status: 410, reason: "Expired" }));
        break;
      case "continue-410":
        armedContinue++;
        break;
      case "compaction":
        hit[fault]++;
        server.faults.compact();
        if (rng() < 0.5) server.faults.closeWatches();
        break;
      case "slow-responses": {
        hit[fault]++;
        server.faults.delay(1 + Math.floor(rng() * 25));
        slowUntil = op + 20 + Math.floor(rng() * 60);
        break;
      }
      case "watch-stalled":
        hit[fault] += watchers;
        server.faults.stallWatches();
        if (watchers > 0 && stalledAt === undefined) {
          stalledAt = Date.now();
          stallsBefore = informer.stats().stalls;
        }
        break;
    }
  };

  const names = Array.from({ length: keys }, (_, i) => `k-${i}`);
  const mutate = (op: number): void => {
    const name = names[Math.floor(rng() * names.length)]!;
    const existing = server.get(ConfigMaps, name, NS);
    const data = { op: String(op), r: rng().toString(36).slice(2, 8) };
    const metadata = options.selector
      ? { name, namespace: NS, labels: { tier: rng() < 0.5 ? "a" : "b" } }
      : { name, namespace: NS };
    if (existing === undefined) {
      server.create(ConfigMaps, { metadata, data });
      mutations.creates++;
    } else if (rng() < 0.65) {
      server.update(ConfigMaps, { metadata, data });
      mutations.updates++;
    } else {
      server.delete(ConfigMaps, name, NS);
      mutations.deletes++;
    }
  };

  // the starting state; the driver starts once the controller has synced
  for (let i = 0; i < Math.min(keys, 15); i++) mutate(-1);
  await informer.waitForSync(AbortSignal.timeout(10_000));

  let op = 0;
  const driverStart = Date.now();
  const progressEvery = options.progressEvery ?? 1000;
  const done = (): boolean => (options.until ? options.until() : op >= options.ops);
  while (!done()) {
    // while a watch is stalled, no other fault breaks it before the idle timeout does
    if (rng() < faultRate && stalledAt === undefined) inject(op);
    else mutate(op);
    op++;
    if (op === slowUntil) server.faults.delay(0);
    // stalled watches stay silent until the informer's idle timeout aborts them (or 3 s)
    if (
      stalledAt !== undefined &&
      (informer.stats().stalls > stallsBefore || Date.now() - stalledAt > 3000)
    ) {
      server.faults.resumeWatches();
      stalledAt = undefined;
    }
    if (op % 500 === 0) {
      // fold exhausted rules into the hit counts (bounded memory in soak mode)
      for (let i = rules.length - 1; i >= 0; i--) {
        const { fault, rule } = rules[i]!;
        if (rule.remaining <= 0) {
          hit[fault] += rule.hits;
          rules.splice(i, 1);
        }
      }
    }
    if (op % batch === 0) {
      await tick(rng() < 0.05 ? 5 : 1);
      if (options.opsPerSecond !== undefined) {
        const ahead = driverStart + (op / options.opsPerSecond) * 1000 - Date.now();
        if (ahead > 0) await tick(ahead);
      }
    }
    if (options.onProgress && op % progressEvery === 0) {
      await options.onProgress(op, {
        stats: informer.stats(),
        injected: { ...injected },
        callbacks: counts.upserts + counts.deletes,
      });
    }
  }

  // the faults stop
  for (const { fault, rule } of rules) hit[fault] += rule.hits;
  server.faults.reset();
  armedContinue = 0;
  const quiet = Date.now();
  const convergeMs = options.convergeMs ?? 30_000;
  const diff: string[] = [];
  let converged = false;
  while (Date.now() - quiet < convergeMs) {
    diff.length = 0;
    check(server, informer, seen, diff, selector);
    if (diff.length === 0) {
      converged = true;
      break;
    }
    await tick(5);
  }
  const convergedAfter = Date.now() - quiet;

  stop.abort();
  await running;
  await listener.close();
  await server.close();
  return {
    seed: options.seed,
    ops: op,
    mutations,
    injected,
    hit,
    stats: informer.stats(),
    controller: { ...counts, handlerThrows },
    finalObjects: serverState(server, NS, ConfigMaps, selector).size,
    convergeMs: convergedAfter,
    durationMs: Date.now() - started,
    converged,
    diff: diff.slice(0, 20),
  };
}

/** Compare the cache and the last callbacks with the server; push differences into `diff`. */
function check(
  server: FakeApiServer,
  informer: SharedInformer<ConfigMap>,
  seen: Map<string, Seen>,
  diff: string[],
  selector: string | undefined,
): void {
  const want = serverState(server, NS, ConfigMaps, selector);
  const have = new Map(informer.store.list().map((o) => [`${NS}/${o.metadata.name}`, o]));
  for (const [k, o] of want) {
    const mine = have.get(k);
    if (!mine) diff.push(`cache lacks ${k}`);
    else if (mine.metadata.resourceVersion !== o.metadata.resourceVersion)
      diff.push(
        `cache has ${k}@${mine.metadata.resourceVersion}, server @${o.metadata.resourceVersion}`,
      );
    const s = seen.get(k);
    if (s?.op !== "upsert" || s.rv !== o.metadata.resourceVersion)
      diff.push(
        `last callback for ${k}: ${s ? `${s.op}@${s.rv}` : "none"}, server @${o.metadata.resourceVersion}`,
      );
    else if (JSON.stringify(s.data) !== JSON.stringify(o.data)) diff.push(`callback data of ${k}`);
  }
  for (const k of have.keys()) if (!want.has(k)) diff.push(`cache has deleted ${k}`);
  for (const [k, s] of seen)
    if (!want.has(k) && s.op !== "delete") diff.push(`no delete callback for ${k}`);
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** One line per counter, for logs and docs. */
export function formatChaos(r: ChaosResult): string {
  const lines = [
    `chaos seed=${r.seed} ops=${r.ops} converged=${r.converged} in ${r.convergeMs} ms (total ${r.durationMs} ms)`,
    `  mutations: ${JSON.stringify(r.mutations)}; objects at the end: ${r.finalObjects}`,
    `  faults injected: ${JSON.stringify(r.injected)}`,
    `  faults hit:      ${JSON.stringify(r.hit)}`,
    `  faults: ${sum(r.injected)} injected, ${sum(r.hit)} hits on requests or open watches (a 5xx rule fails 1-3 requests); ${r.converged ? "all survived: converged" : "NOT converged"}`,
    `  informer: ${JSON.stringify(r.stats)}`,
    `  controller: ${JSON.stringify(r.controller)}`,
  ];
  if (!r.converged) lines.push(`  diff: ${r.diff.join("; ")}`);
  return lines.join("\n");
}
