/**
 * Shared measurement loop of every benchmark client process.
 *
 * A client calls {@link runClient} with a `start` function that begins the
 * list + watch and returns when the initial list is cached. The client then
 * calls `h.event()` once per watch event delivered to user code. The harness
 * records time to sync, watch events/s, and heap / RSS after a forced GC with
 * the objects cached, and prints one JSON line on stdout.
 */

export interface BenchConfig {
  url: string;
  pods: number;
  events: number;
  /** Client-specific variant (e.g. "validate", "novalidate", "metadata"). */
  variant: string;
  /** Give up waiting for watch events after this long without progress (ms). */
  idleMs: number;
  /** Give up waiting for the initial sync after this long (ms). */
  syncTimeoutMs: number;
}

export interface Harness {
  readonly cfg: BenchConfig;
  /** Count one watch event delivered to the client's callback. */
  event(): void;
  /** Count one initial object delivered (ADDED during the initial list). */
  added(): void;
}

export interface Started {
  /** Number of objects in the client's cache. */
  size(): number;
  stop(): Promise<void> | void;
}

export interface ClientResult {
  client: string;
  ok: boolean;
  error?: string | undefined;
  syncMs: number;
  watchMs: number;
  eventsPerSec: number;
  eventsSeen: number;
  eventsExpected: number;
  added: number;
  cached: number;
  heapMB: number;
  rssMB: number;
  heapDeltaMB: number;
  rssDeltaMB: number;
  /**
   * CPU time (user + system) this client process spent from start to initial sync, in ms. Unlike the
   * wall-clock columns it hardly moves with other load on the machine (the bench prints both).
   */
  syncCpuMs?: number | undefined;
  /** CPU time of this process per watch event, in µs (from sync to the M-th event). */
  cpuUsPerEvent?: number | undefined;
  /** Bytes received (ceiling client only). */
  bytes?: number | undefined;
  extra?: Record<string, unknown> | undefined;
}

export function config(): BenchConfig {
  const raw = process.env.BENCH_CONFIG;
  if (!raw) throw new Error("BENCH_CONFIG not set");
  return JSON.parse(raw) as BenchConfig;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function settleGc(): Promise<NodeJS.MemoryUsage> {
  if (!gc) throw new Error("run with --expose-gc");
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage();
}

const MB = 1024 * 1024;

/**
 * BENCH_PROFILE_DIR: write a V8 CPU profile of the sync window (start → synced) and of the watch window
 * (synced → M-th event) of this process, via the inspector, as `<client>-sync.cpuprofile` and
 * `<client>-watch.cpuprofile` (module loading and the harness's own GCs stay out of them).
 */
const profileDir = process.env.BENCH_PROFILE_DIR;
let session: import("node:inspector").Session | undefined;
async function post(method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    session!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
  );
}
async function profileStart(): Promise<void> {
  if (!profileDir) return;
  const inspector = await import("node:inspector");
  session ??= new inspector.Session();
  session.connect();
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
}
async function profileStop(name: string): Promise<void> {
  if (!profileDir || !session) return;
  const { profile } = (await post("Profiler.stop")) as { profile: unknown };
  const { writeFileSync, mkdirSync } = await import("node:fs");
  mkdirSync(profileDir, { recursive: true });
  writeFileSync(`${profileDir}/${name}.cpuprofile`, JSON.stringify(profile));
  session.disconnect();
}

const cpuMs = (now: NodeJS.CpuUsage, from: NodeJS.CpuUsage): number =>
  (now.user - from.user + now.system - from.system) / 1000;

export async function runClient(
  name: string,
  start: (h: Harness) => Promise<Started>,
  extra?: () => Record<string, unknown>,
): Promise<void> {
  const cfg = config();
  let events = 0;
  let added = 0;
  let lastProgress = performance.now();
  let doneResolve: (() => void) | undefined;
  let tEvents = 0;
  let cpuAtEvents: NodeJS.CpuUsage | undefined;
  const h: Harness = {
    cfg,
    event() {
      events++;
      lastProgress = performance.now();
      if (events === cfg.events) {
        tEvents = lastProgress;
        cpuAtEvents = process.cpuUsage();
        doneResolve?.();
      }
    },
    added() {
      added++;
      lastProgress = performance.now();
    },
  };
  // Module loading stays out of the timed window for every client: the peers load their HTTP stacks
  // (node-fetch, undici from npm) when imported, but Node loads the undici behind its global fetch,
  // Headers and Response lazily on first use (about 20 ms of CPU on Node 20): touch them here.
  void globalThis.fetch;
  void new Headers();
  void new Response(null);
  const before = await settleGc();
  await profileStart();
  const result: ClientResult = {
    client: name,
    ok: true,
    syncMs: 0,
    watchMs: 0,
    eventsPerSec: 0,
    eventsSeen: 0,
    eventsExpected: cfg.events,
    added: 0,
    cached: 0,
    heapMB: 0,
    rssMB: 0,
    heapDeltaMB: 0,
    rssDeltaMB: 0,
  };
  let started: Started | undefined;
  const watchdog = (label: string, until: () => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const t = setInterval(() => {
        if (until()) {
          clearInterval(t);
          resolve();
        } else if (performance.now() - lastProgress > cfg.idleMs) {
          clearInterval(t);
          reject(new Error(`${label}: no progress for ${cfg.idleMs} ms`));
        }
      }, 20);
    });
  try {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    lastProgress = t0;
    // Informers may deliver nothing until the whole paged list is in: bound the sync by total time.
    const syncTimer = setInterval(() => {
      if (performance.now() - t0 > cfg.syncTimeoutMs) {
        process.stdout.write(
          `${JSON.stringify({ ...result, ok: false, error: "sync timed out" })}\n`,
        );
        process.exit(2);
      }
    }, 100);
    started = await start(h);
    clearInterval(syncTimer);
    const tSync = performance.now();
    const cpuSync = process.cpuUsage();
    result.syncMs = tSync - t0;
    result.syncCpuMs = cpuMs(cpuSync, cpu0);
    await profileStop(`${name}-sync`);
    await profileStart();
    if (cfg.events > 0) {
      if (events < cfg.events) {
        const done = new Promise<void>((r) => {
          doneResolve = r;
        });
        lastProgress = performance.now();
        await Promise.race([done, watchdog("watch", () => events >= cfg.events)]);
      } else {
        tEvents = performance.now();
      }
      result.cpuUsPerEvent =
        (cpuMs(cpuAtEvents ?? process.cpuUsage(), cpuSync) * 1000) / cfg.events;
      result.watchMs = tEvents - tSync;
      await profileStop(`${name}-watch`);
      result.eventsPerSec = cfg.events / (result.watchMs / 1000);
      // Short grace period: a client that replays or duplicates events shows up as eventsSeen > expected.
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    result.ok = false;
    result.error = err instanceof Error ? err.message : String(err);
  }
  result.eventsSeen = events;
  result.added = added;
  result.cached = started ? started.size() : 0;
  const after = await settleGc();
  result.heapMB = after.heapUsed / MB;
  result.rssMB = after.rss / MB;
  result.heapDeltaMB = (after.heapUsed - before.heapUsed) / MB;
  result.rssDeltaMB = (after.rss - before.rss) / MB;
  if (extra) result.extra = extra();
  if (result.cached !== cfg.pods && result.ok) {
    result.ok = false;
    result.error = `cached ${result.cached} objects, expected ${cfg.pods}`;
  }
  if (result.eventsSeen !== cfg.events && !result.error) {
    result.error = `events seen ${result.eventsSeen} != expected ${cfg.events}`;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  try {
    await Promise.race([started?.stop(), new Promise((r) => setTimeout(r, 500))]);
  } catch {
    // ignore
  }
  process.exit(0);
}

/**
 * Split a byte stream into lines and call `onLine` for each (the raw baseline's watch decoder).
 * Splits on bytes (no string concatenation of chunks) and decodes each line once.
 */
export async function readLines(
  body: ReadableStream<Uint8Array>,
  // biome-ignore lint/suspicious/noConfusingVoidType: callers may return nothing
  onLine: (line: string) => boolean | undefined | void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending: Uint8Array | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    let start = 0;
    let nl = value.indexOf(10);
    if (pending !== undefined && nl >= 0) {
      const line = new Uint8Array(pending.length + nl);
      line.set(pending);
      line.set(value.subarray(0, nl), pending.length);
      pending = undefined;
      if (line.length && onLine(decoder.decode(line)) === false)
        return void (await reader.cancel());
      start = nl + 1;
      nl = value.indexOf(10, start);
    }
    while (nl >= 0) {
      if (nl > start && onLine(decoder.decode(value.subarray(start, nl))) === false) {
        return void (await reader.cancel());
      }
      start = nl + 1;
      nl = value.indexOf(10, start);
    }
    if (start < value.length) {
      const rest = value.subarray(start);
      if (pending === undefined) pending = rest.slice();
      else {
        const joined = new Uint8Array(pending.length + rest.length);
        joined.set(pending);
        joined.set(rest, pending.length);
        pending = joined;
      }
    }
  }
}
