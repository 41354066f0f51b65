// A deterministic, in-memory world for the sharding property test: simulated
// time, simulated processes that can stall or die, and a tiny API server for
// Leases and objects with per-request latency and per-watcher delivery lag.
//
// Everything is driven by one event queue; between events the microtask queue
// is drained, so the real ShardMembership, filteredInformer and
// shardedResource code runs unchanged on top (no real timers, no sockets).
import { ApiError } from "../../src/client/errors.ts";
import type { ControllerInformer } from "../../src/controller/resource.ts";
import type { LeaseStore } from "../../src/election/lease-store.ts";
import type { Lease } from "../../src/resources/coordination.ts";
import { type KubernetesObject, objectKey } from "../../src/resources/meta.ts";
import type { Clock, Timer } from "../../src/util/clock.ts";

interface SimEvent {
  at: number;
  seq: number;
  fn: () => void | Promise<void>;
  cancelled: boolean;
}

/**
 * Let pending promise continuations run: `turns` rounds of the microtask
 * queue, with one promise (cheap under node:test's async hooks) and no
 * macrotask (the sim stays fast and deterministic).
 */
export function drainMicrotasks(turns = 8): Promise<void> {
  return new Promise<void>((resolve) => {
    let n = 0;
    const tick = (): void => {
      if (++n >= turns) resolve();
      else queueMicrotask(tick);
    };
    queueMicrotask(tick);
  });
}

export class Sim {
  now = 0;
  #heap: SimEvent[] = [];
  #seq = 0;

  /** Run `fn` at `at`; an async `fn` finishes before the next event runs. */
  schedule(at: number, fn: () => void | Promise<void>): { cancel(): void } {
    const ev: SimEvent = { at: Math.max(at, this.now), seq: this.#seq++, fn, cancelled: false };
    this.#push(ev);
    return {
      cancel: () => {
        ev.cancelled = true;
      },
    };
  }

  /** Run every event due up to `until`, draining microtasks and calling `afterEach` after each. */
  async run(until: number, afterEach: () => void): Promise<void> {
    for (;;) {
      const top = this.#heap[0];
      if (!top || top.at > until) break;
      this.#pop();
      if (top.cancelled) continue;
      this.now = top.at;
      await top.fn();
      await drainMicrotasks();
      afterEach();
    }
    this.now = until;
  }

  #push(ev: SimEvent): void {
    const h = this.#heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

function less(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * One simulated process. While stalled, its timers and incoming I/O wait; on
 * resume the I/O runs first, then the overdue timers (the order in which a
 * real event loop may run them, and the worse one for ownership). A dead
 * process runs nothing, ever again.
 */
export class SimProcess {
  state: "up" | "stalled" | "dead" = "up";
  readonly clock: Clock;
  readonly #sim: Sim;
  #io: (() => void)[] = [];
  #timers: { fn: () => void; cancelled: boolean }[] = [];

  constructor(sim: Sim) {
    this.#sim = sim;
    const self = this;
    this.clock = {
      now: () => sim.now,
      setTimer(fn: () => void, ms: number): Timer {
        const entry = { fn, cancelled: false };
        const h = sim.schedule(sim.now + Math.max(0, ms), () => self.#fire(entry));
        return {
          cancel: () => {
            entry.cancelled = true;
            h.cancel();
          },
        };
      },
      sleep(ms: number, signal?: AbortSignal): Promise<void> {
        if (signal?.aborted) return Promise.reject(signal.reason);
        return new Promise<void>((resolve, reject) => {
          const onAbort = (): void => {
            t.cancel();
            reject(signal?.reason);
          };
          const t = this.setTimer(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          }, ms);
          signal?.addEventListener("abort", onAbort, { once: true });
        });
      },
    };
  }

  #fire(entry: { fn: () => void; cancelled: boolean }): void {
    if (entry.cancelled || this.state === "dead") return;
    if (this.state === "stalled") this.#timers.push(entry);
    else entry.fn();
  }

  /** Deliver I/O to this process at `at`. */
  io(at: number, fn: () => void): void {
    this.#sim.schedule(at, () => {
      if (this.state === "up") fn();
      else if (this.state === "stalled") this.#io.push(fn);
    });
  }

  stall(): void {
    if (this.state === "up") this.state = "stalled";
  }

  /** End a stall: pending I/O first, then overdue timers, each followed by `step`. */
  async resume(step: () => void): Promise<void> {
    if (this.state !== "stalled") return;
    this.state = "up";
    for (const fn of this.#io.splice(0)) {
      fn();
      await drainMicrotasks();
      step();
    }
    for (const t of this.#timers.splice(0)) {
      if (t.cancelled) continue;
      t.fn();
      await drainMicrotasks();
      step();
    }
  }

  kill(): void {
    this.state = "dead";
    this.#io = [];
    this.#timers = [];
  }
}

type Latency = (proc: SimProcess) => number;

interface Watcher<T> {
  proc: SimProcess;
  last: number;
  onList(items: T[]): void;
  onEvent(type: "ADDED" | "MODIFIED" | "DELETED", obj: T): void;
}

/** A collection on the simulated API server, with watchers. */
export class Feed<T extends KubernetesObject> {
  readonly items = new Map<string, T>();
  readonly #sim: Sim;
  readonly #lag: Latency;
  readonly #watchers = new Set<Watcher<T>>();

  constructor(sim: Sim, lag: Latency) {
    this.#sim = sim;
    this.#lag = lag;
  }

  emit(type: "ADDED" | "MODIFIED" | "DELETED", obj: T): void {
    const copy = structuredClone(obj);
    for (const w of this.#watchers) {
      w.last = Math.max(w.last, this.#sim.now + this.#lag(w.proc));
      w.proc.io(w.last, () => w.onEvent(type, copy));
    }
  }

  watch(w: Omit<Watcher<T>, "last">): () => void {
    const watcher: Watcher<T> = { ...w, last: this.#sim.now + this.#lag(w.proc) };
    const snapshot = [...this.items.values()].map((o) => structuredClone(o));
    watcher.proc.io(watcher.last, () => watcher.onList(snapshot));
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }
}

type Handler<T> = Parameters<ControllerInformer<T & KubernetesObject>["addEventHandler"]>[0];

/** An informer over a {@link Feed}, delivering on its process. */
export class SimInformer<T extends KubernetesObject> implements ControllerInformer<T> {
  readonly #feed: Feed<T>;
  readonly #proc: SimProcess;
  readonly #items = new Map<string, T>();
  #handlers: Handler<T>[] = [];
  #synced = false;
  readonly store: ControllerInformer<T>["store"];

  constructor(feed: Feed<T>, proc: SimProcess) {
    this.#feed = feed;
    this.#proc = proc;
    const items = this.#items;
    this.store = {
      get: (k) => items.get(k),
      list: () => [...items.values()],
      keys: () => [...items.keys()],
    };
  }

  addEventHandler(handler: Handler<T>): { remove(): void } {
    for (const o of this.#items.values()) handler.onAdd?.(o);
    this.#handlers.push(handler);
    return {
      remove: () => {
        this.#handlers = this.#handlers.filter((h) => h !== handler);
      },
    };
  }

  run(signal: AbortSignal): Promise<void> {
    const stop = this.#feed.watch({
      proc: this.#proc,
      onList: (items) => {
        for (const o of items) {
          const key = objectKey(o);
          const old = this.#items.get(key);
          this.#items.set(key, o);
          for (const h of this.#handlers) {
            if (old) h.onUpdate?.(old, o);
            else h.onAdd?.(o);
          }
        }
        this.#synced = true;
      },
      onEvent: (type, o) => {
        const key = objectKey(o);
        if (type === "DELETED") {
          this.#items.delete(key);
          for (const h of this.#handlers) h.onDelete?.(o, { finalStateUnknown: false });
          return;
        }
        const old = this.#items.get(key);
        this.#items.set(key, o);
        for (const h of this.#handlers) {
          if (old) h.onUpdate?.(old, o);
          else h.onAdd?.(o);
        }
      },
    });
    return new Promise<void>((resolve) => {
      const done = (): void => {
        stop();
        resolve();
      };
      if (signal.aborted) done();
      else signal.addEventListener("abort", done, { once: true });
    });
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  async waitForSync(): Promise<boolean> {
    return this.#synced;
  }

  lastSyncResourceVersion(): string | undefined {
    return undefined;
  }
}

function apiError(code: number, method: string, url: string): ApiError {
  return new ApiError({
    code,
    reason: code === 404 ? "NotFound" : "Conflict",
    message: "simulated",
    method,
    url,
    status: undefined,
    retryAfter: undefined,
  });
}

/** The simulated API server: Leases (for membership) and one kind of object. */
export class SimApi {
  readonly sim: Sim;
  readonly leases: Feed<Lease>;
  readonly objects: Feed<KubernetesObject>;
  /** Request latency one way, per process (slow windows are decided by the caller). */
  readonly latency: Latency;
  #rv = 0;
  requests = 0;

  constructor(sim: Sim, latency: Latency, lag: Latency) {
    this.sim = sim;
    this.latency = latency;
    this.leases = new Feed<Lease>(sim, lag);
    this.objects = new Feed<KubernetesObject>(sim, lag);
  }

  nextRv(): string {
    return String(++this.#rv);
  }

  /** Write an object directly (the workload). Returns its new resource version. */
  writeObject(key: string): string {
    const [namespace, name] = key.split("/") as [string, string];
    const existing = this.objects.items.get(key);
    const obj: KubernetesObject = {
      metadata: { namespace, name, resourceVersion: this.nextRv() },
    };
    this.objects.items.set(key, obj);
    this.objects.emit(existing ? "MODIFIED" : "ADDED", obj);
    return obj.metadata.resourceVersion!;
  }

  /** A request from `proc`: it reaches the server after one latency, the answer comes back after another. */
  #request<R>(proc: SimProcess, op: () => R, signal: AbortSignal | undefined): Promise<R> {
    this.requests++;
    return new Promise<R>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let settled = false;
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.sim.schedule(this.sim.now + this.latency(proc), () => {
        let result: R | undefined;
        let error: unknown;
        let failed = false;
        try {
          result = op();
        } catch (err) {
          failed = true;
          error = err;
        }
        proc.io(this.sim.now + this.latency(proc), () => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener("abort", onAbort);
          if (failed) reject(error);
          else resolve(result as R);
        });
      });
    });
  }

  /** A {@link LeaseStore} for `proc`, with (or without) the watch-based informer. */
  leaseStore(proc: SimProcess, withInformer = true): LeaseStore {
    const leases = this.leases;
    const store: LeaseStore = {
      get: (_ns, name, signal) =>
        this.#request(
          proc,
          () => {
            const l = leases.items.get(name);
            return l ? structuredClone(l) : undefined;
          },
          signal,
        ),
      create: (lease, signal) =>
        this.#request(
          proc,
          () => {
            const name = lease.metadata.name!;
            if (leases.items.has(name)) throw apiError(409, "POST", name);
            const stored: Lease = structuredClone(lease);
            stored.metadata.resourceVersion = this.nextRv();
            stored.metadata.uid = `uid-${stored.metadata.resourceVersion}`;
            leases.items.set(name, stored);
            leases.emit("ADDED", stored);
            return structuredClone(stored);
          },
          signal,
        ),
      replace: (lease, signal) =>
        this.#request(
          proc,
          () => {
            const name = lease.metadata.name!;
            const cur = leases.items.get(name);
            if (!cur) throw apiError(404, "PUT", name);
            if (cur.metadata.resourceVersion !== lease.metadata.resourceVersion) {
              throw apiError(409, "PUT", name);
            }
            const stored: Lease = structuredClone(lease);
            stored.metadata.uid = cur.metadata.uid;
            stored.metadata.resourceVersion = this.nextRv();
            leases.items.set(name, stored);
            leases.emit("MODIFIED", stored);
            return structuredClone(stored);
          },
          signal,
        ),
      list: (_ns, _selector, signal) =>
        this.#request(
          proc,
          () => [...leases.items.values()].map((l) => structuredClone(l)),
          signal,
        ),
      delete: (_ns, name, signal, options?: { resourceVersion?: string | undefined }) =>
        this.#request(
          proc,
          () => {
            const cur = leases.items.get(name);
            if (!cur) return;
            const rv = options?.resourceVersion;
            if (rv !== undefined && rv !== cur.metadata.resourceVersion) {
              throw apiError(409, "DELETE", name);
            }
            leases.items.delete(name);
            leases.emit("DELETED", cur);
          },
          signal,
        ),
    };
    if (withInformer) {
      (store as { informer?: unknown }).informer = () => new SimInformer(leases, proc);
    }
    return store;
  }
}
