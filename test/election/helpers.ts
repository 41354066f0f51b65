// Shared helpers for the election, sharding and manager tests: one fake API
// server driven by a FakeClock, one KubeClient per replica whose transport can
// be cut ("partitioned") to simulate a replica that stops talking to the API
// server, and a way to advance fake time while letting real I/O finish.
import { KubeClient } from "../../src/client/client.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { type Clock, FakeClock, type Timer } from "../../src/util/clock.ts";

export type Mode = "in-process" | "http";

/** A per-replica transport: counts in-flight requests, can hang or fail them. */
export class Link {
  /** Requests hang (until aborted) while true. */
  paused = false;
  /** Requests for which this returns true hang (until resumed or aborted). */
  holdIf: ((method: string, url: string) => boolean) | undefined;
  /** Number of requests currently held. */
  held = 0;
  /** Requests fail with a network error while true. */
  broken = false;
  /** Count of non-watch requests sent through this link. */
  requests = 0;
  readonly #world: World;
  readonly #waiters = new Set<() => void>();

  constructor(world: World) {
    this.#world = world;
  }

  /** While true, open watch streams deliver nothing more (bytes wait until resume). */
  watchesHeld = false;

  pause(): void {
    this.paused = true;
  }

  /** A full partition: new requests hang and open watch streams stop delivering. */
  partition(): void {
    this.paused = true;
    this.watchesHeld = true;
  }

  resume(): void {
    this.paused = false;
    this.watchesHeld = false;
    this.holdIf = undefined;
    for (const w of [...this.#waiters]) w();
  }

  #whileHeld(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        resolve();
      };
      this.#waiters.add(done);
    });
  }

  /** A watch body that stops passing bytes on while {@link Link.watchesHeld}. */
  #gate(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const reader = body.getReader();
    return new ReadableStream<Uint8Array>({
      pull: async (ctl) => {
        while (this.watchesHeld) await this.#whileHeld();
        const { done, value } = await reader.read();
        while (this.watchesHeld) await this.#whileHeld();
        if (done) ctl.close();
        else ctl.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }

  readonly fetch: typeof fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const isWatch = url.includes("watch=true");
    const signal = init?.signal ?? undefined;
    if (!isWatch) {
      this.requests++;
      this.#world.inflight++;
    }
    try {
      const method = (init?.method ?? "GET").toUpperCase();
      if (this.paused || this.holdIf?.(method, url)) {
        this.held++;
        this.#world.held++;
        await new Promise<void>((resolve, reject) => {
          const done = (): void => {
            this.#waiters.delete(done);
            signal?.removeEventListener("abort", onAbort);
            resolve();
          };
          const onAbort = (): void => {
            this.#waiters.delete(done);
            reject(signal?.reason ?? new DOMException("aborted", "AbortError"));
          };
          this.#waiters.add(done);
          signal?.addEventListener("abort", onAbort, { once: true });
        }).finally(() => {
          this.held--;
          this.#world.held--;
        });
      }
      if (this.broken) throw new TypeError("fetch failed: connection refused (test link broken)");
      const target = this.#world.base + new URL(url).pathname + new URL(url).search;
      const res = await this.#world.transport(target, init);
      if (isWatch) {
        if (!res.body) return res;
        return new Response(this.#gate(res.body), {
          status: res.status,
          statusText: res.statusText,
          headers: res.headers,
        });
      }
      // Buffer the body so "in flight" covers the whole exchange.
      const body = await res.arrayBuffer();
      return new Response(res.status === 204 ? null : body, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    } finally {
      if (!isWatch) this.#world.inflight--;
    }
  }) as typeof fetch;
}

export class World {
  readonly clock: FakeClock;
  readonly server: FakeApiServer;
  readonly mode: Mode;
  base = "http://fake.local";
  inflight = 0;
  /** Requests deliberately held by a paused link (not waited for by settle). */
  held = 0;
  transport: (input: string, init?: RequestInit) => Promise<Response>;
  #closeListener: (() => Promise<void>) | undefined;
  readonly #links: Link[] = [];

  private constructor(mode: Mode, start: number) {
    this.mode = mode;
    this.clock = new FakeClock(start);
    this.server = new FakeApiServer({ clock: this.clock });
    this.transport = (input, init) => this.server.fetch(input, init);
  }

  static async create(mode: Mode = "in-process", start = 1_700_000_000_000): Promise<World> {
    const w = new World(mode, start);
    if (mode === "http") {
      const l = await w.server.listen();
      w.base = l.url;
      w.#closeListener = () => l.close();
      w.transport = (input, init) => fetch(input, init);
    }
    return w;
  }

  /** A client with its own {@link Link} (and, for a stallable process, its own clock). */
  client(clock: Clock = this.clock): { client: KubeClient; link: Link } {
    const link = new Link(this);
    this.#links.push(link);
    const client = new KubeClient({
      server: "http://fake.local",
      fetch: link.fetch,
      clock,
    });
    return { client, link };
  }

  /** Called after every step of {@link World.advance} / {@link World.advanceUntil} (invariant checks). */
  onStep: (() => void) | undefined;

  /** Wait (in real time, bounded) until no request is in flight. */
  async settle(maxTurns = 5000): Promise<void> {
    let quiet = 0;
    for (let i = 0; i < maxTurns; i++) {
      await new Promise((r) => setTimeout(r, this.mode === "http" ? 1 : 0));
      if (this.inflight - this.held === 0) {
        if (++quiet >= 3) return;
      } else quiet = 0;
    }
    throw new Error(`settle: ${this.inflight} requests still in flight`);
  }

  /** Advance fake time by `ms` in steps, letting requests finish after each step. */
  async advance(ms: number, step = 100): Promise<void> {
    await this.settle();
    let left = ms;
    while (left > 0) {
      const d = Math.min(step, left);
      await this.clock.advance(d);
      await this.settle();
      this.onStep?.();
      left -= d;
    }
  }

  /** Advance in steps until `cond()` holds; returns the fake time it took. Throws after `maxMs`. */
  async advanceUntil(cond: () => boolean, maxMs: number, step = 100): Promise<number> {
    const start = this.clock.now();
    await this.settle();
    while (!cond()) {
      if (this.clock.now() - start > maxMs) {
        throw new Error(`advanceUntil: condition not met within ${maxMs} ms of fake time`);
      }
      await this.clock.advance(step);
      await this.settle();
      this.onStep?.();
    }
    return this.clock.now() - start;
  }

  async close(): Promise<void> {
    for (const l of this.#links) l.resume();
    await this.#closeListener?.();
    await this.server.close();
  }
}

/** Poll (real time, bounded count) until `cond()` holds. */
export async function waitFor(cond: () => boolean, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error("waitFor: condition not met");
}

/**
 * The clock of one simulated process on top of the world's {@link FakeClock}:
 * time is shared, but while the process is stalled (a GC pause, CPU
 * throttling) none of its timers run; they all run, in order, on
 * {@link ProcessClock.resume}.
 */
export class ProcessClock implements Clock {
  readonly base: FakeClock;
  stalled = false;
  #deferred: { fn: () => void; cancelled: boolean }[] = [];

  constructor(base: FakeClock) {
    this.base = base;
  }

  now(): number {
    return this.base.now();
  }

  setTimer(fn: () => void, ms: number): Timer {
    const entry = { fn, cancelled: false };
    const timer = this.base.setTimer(() => {
      if (entry.cancelled) return;
      if (this.stalled) this.#deferred.push(entry);
      else fn();
    }, ms);
    return {
      cancel: () => {
        entry.cancelled = true;
        timer.cancel();
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        timer.cancel();
        reject(signal?.reason);
      };
      const timer = this.setTimer(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  stall(): void {
    this.stalled = true;
  }

  /** End the stall: run every timer that fell due meanwhile, in order. */
  resume(): void {
    this.stalled = false;
    for (const e of this.#deferred.splice(0)) if (!e.cancelled) e.fn();
  }
}
