// A minimal in-test informer implementing ControllerInformer, driven by hand:
// add/update/remove change the store and call handlers synchronously, like a
// real informer delivering watch events.
import type { ControllerInformer } from "../../src/controller/resource.ts";
import { type KubernetesObject, objectKey } from "../../src/resources/meta.ts";

type Handler<T> = Parameters<ControllerInformer<T & KubernetesObject>["addEventHandler"]>[0];

export class FakeInformer<T extends KubernetesObject> implements ControllerInformer<T> {
  readonly objects = new Map<string, T>();
  readonly handlers = new Set<Handler<T>>();
  runs = 0;
  running = false;
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #stop: ((err?: unknown) => void) | undefined;
  rv = "0";

  readonly store = {
    get: (key: string): T | undefined => this.objects.get(key),
    list: (): T[] => [...this.objects.values()],
    keys: (): string[] => [...this.objects.keys()],
  };

  constructor(initial: T[] = [], autoSync = true) {
    for (const o of initial) this.objects.set(objectKey(o), o);
    this.autoSync = autoSync;
  }
  autoSync: boolean;

  addEventHandler(h: Handler<T>): { remove(): void } {
    this.handlers.add(h);
    return { remove: () => this.handlers.delete(h) };
  }

  run(signal: AbortSignal): Promise<void> {
    this.runs++;
    this.running = true;
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: unknown): void => {
        this.running = false;
        this.#stop = undefined;
        signal.removeEventListener("abort", onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = (): void => finish();
      this.#stop = finish;
      signal.addEventListener("abort", onAbort, { once: true });
      if (this.autoSync) queueMicrotask(() => this.sync());
    });
  }

  /** Deliver the initial list: an add per object, then mark synced. */
  sync(): void {
    if (this.#synced) return;
    for (const o of this.objects.values()) for (const h of this.handlers) h.onAdd?.(o);
    this.#synced = true;
    for (const w of this.#syncWaiters.splice(0)) w();
  }

  /** Simulate the informer stopping on its own (optionally failing). */
  stop(err?: unknown): void {
    this.#stop?.(err);
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.#syncWaiters.push(() => resolve(true));
      signal?.addEventListener("abort", () => resolve(false), { once: true });
    });
  }

  lastSyncResourceVersion(): string | undefined {
    return this.#synced ? this.rv : undefined;
  }

  #bump(obj: T): T {
    this.rv = String(Number(this.rv) + 1);
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: this.rv } };
  }

  add(obj: T): T {
    const o = this.#bump(obj);
    this.objects.set(objectKey(o), o);
    if (this.#synced) for (const h of this.handlers) h.onAdd?.(o);
    return o;
  }

  update(obj: T): T {
    const key = objectKey(obj);
    const old = this.objects.get(key);
    const o = this.#bump(obj);
    this.objects.set(key, o);
    if (this.#synced) for (const h of this.handlers) h.onUpdate?.(old ?? o, o);
    return o;
  }

  /** Deliver a delete as a client-go style `{ key, obj }` tombstone. */
  removeAsTombstone(obj: T): void {
    const key = objectKey(obj);
    const last = this.objects.get(key) ?? obj;
    this.objects.delete(key);
    const tombstone = { key, obj: last } as unknown as T;
    for (const h of this.handlers) h.onDelete?.(tombstone, { finalStateUnknown: true });
  }

  remove(obj: T, finalStateUnknown = false): void {
    const key = objectKey(obj);
    const last = this.objects.get(key) ?? obj;
    this.objects.delete(key);
    if (this.#synced) for (const h of this.handlers) h.onDelete?.(last, { finalStateUnknown });
  }
}

export interface TestObject extends KubernetesObject {
  data?: Record<string, string> | undefined;
}

export function obj(
  name: string,
  data: Record<string, string> = {},
  namespace = "default",
): TestObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data };
}

/** Wait (real time, bounded) until `cond()` holds. */
export async function eventually(
  cond: () => boolean,
  what = "condition",
  tries = 500,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A promise with its resolve function exposed. */
export function deferred<V = void>(): { promise: Promise<V>; resolve: (v: V) => void } {
  let resolve!: (v: V) => void;
  const promise = new Promise<V>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
