/**
 * What a {@link Controller} reconciles: a {@link Resource} bundles an informer
 * with the user's `upsert` and `delete` callbacks (consul-kubernetes'
 * controller API, in TypeScript idiom).
 *
 * @module
 */
import type { InformerSnapshot } from "../cache/checkpoint.ts";
import type { KubernetesObject } from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";

/**
 * The part of an informer a controller uses. `Informer` from `kubeloop`'s
 * cache satisfies it; anything else with the same shape (a test double, a
 * filtered view) works too.
 *
 * @example
 * ```ts
 * import type { ControllerInformer, KubernetesObject } from "kubeloop";
 * function describe(informer: ControllerInformer<KubernetesObject>): string {
 *   return `${informer.store.keys().length} objects, synced: ${informer.hasSynced()}`;
 * }
 * ```
 */
export interface ControllerInformer<T extends KubernetesObject> {
  /** Register handlers; `remove()` unregisters them. */
  addEventHandler(handler: {
    onAdd?(
      obj: T,
      info?: {
        fromCheckpoint: boolean;
        pending?: boolean | undefined;
        dueAt?: number | undefined;
        attempts?: number | undefined;
      },
    ): void;
    onUpdate?(oldObj: T, newObj: T): void;
    onDelete?(
      obj: T,
      info: {
        finalStateUnknown: boolean;
        dueAt?: number | undefined;
        attempts?: number | undefined;
      },
    ): void;
  }): { remove(): void };
  /** Run until `signal` aborts (or the informer fails permanently). */
  run(signal: AbortSignal): Promise<void>;
  /** Whether the initial list has been delivered to the store. */
  hasSynced(): boolean;
  /** Resolve `true` once synced, `false` if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  /** The resource version of the last list or watch event the store saw. */
  lastSyncResourceVersion(): string | undefined;
  /** Read-only view of the informer's cache, keyed by `namespace/name` (or `name`). */
  readonly store: {
    get(key: string): T | undefined;
    list(): T[];
    keys(): string[];
  };
  /** The kind being watched (optional for test doubles; used in log fields). */
  readonly resourceType?: ResourceType<T> | undefined;
  /**
   * How long the connected watch has been quiet (ms), `undefined` while not
   * watching (optional; `runUntilIdle` waits for it when present).
   */
  quietMs?(): number | undefined;
  /** The cache as a checkpoint (optional; `runUntilIdle` returns and stores it). */
  snapshot?(options?: {
    pending?: Iterable<string> | undefined;
    deleted?: Iterable<T> | undefined;
    pendingDueAt?: ReadonlyMap<string, number> | undefined;
    pendingAttempts?: ReadonlyMap<string, number> | undefined;
  }): InformerSnapshot<T> | undefined;
}

/**
 * What a reconcile callback may return: `requeueAfter` (ms) adds the key
 * again after that long (0: right away), for periodic checks.
 *
 * @example
 * ```ts
 * import type { ConfigMap, ReconcileResult } from "kubeloop";
 * async function upsert(key: string, cm: ConfigMap): Promise<ReconcileResult> {
 *   // ... reconcile, then look again in five minutes
 *   return { requeueAfter: 5 * 60_000 };
 * }
 * ```
 */
export interface ReconcileResult {
  /** Add the key to the queue again after this many ms (0: right away). */
  requeueAfter?: number | undefined;
}

/**
 * What an upsert callback returns: nothing, or a {@link ReconcileResult},
 * directly or as a promise (`async` callbacks with no `return` fit).
 *
 * @example
 * ```ts
 * import type { ReconcileReturn } from "kubeloop";
 * const upsert = (key: string): ReconcileReturn => (key.startsWith("tmp/") ? { requeueAfter: 1000 } : undefined);
 * ```
 */
// biome-ignore lint/suspicious/noConfusingVoidType: `async () => {}` returns Promise<void>
export type ReconcileReturn = Promise<void | ReconcileResult> | void | ReconcileResult;

/**
 * Third argument the controller passes to the callbacks (optional in the
 * signatures, so callbacks may ignore it and tests may call them without it): `signal` aborts when the
 * controller stops (the controller still waits for the callback to return);
 * `attempt` is 1 for the first try and counts up on retries.
 *
 * @example
 * ```ts
 * import type { ConfigMap, ReconcileContext } from "kubeloop";
 * async function upsert(key: string, cm: ConfigMap, ctx?: ReconcileContext) {
 *   await fetch(`https://example.com/sync/${key}`, {
 *     method: "POST",
 *     ...(ctx ? { signal: ctx.signal } : {}),
 *   });
 * }
 * ```
 */
export interface ReconcileContext {
  /** Aborts when the controller stops. */
  readonly signal: AbortSignal;
  /** 1 on the first try for this key, counting up on each retry. */
  readonly attempt: number;
}

/**
 * Called with the key and the latest cached object when an object was added
 * or changed (or is being retried). Throw to retry with backoff.
 *
 * @example
 * ```ts
 * import type { ConfigMap, ResourceUpsertFunc } from "kubeloop";
 * const upsert: ResourceUpsertFunc<ConfigMap> = async (key, cm, ctx) => {
 *   console.log(`reconciling ${key} (attempt ${ctx?.attempt})`, cm.data);
 * };
 * ```
 */
export type ResourceUpsertFunc<T> = (
  key: string,
  obj: T,
  ctx?: ReconcileContext,
) => ReconcileReturn;

/**
 * Called with the key and the last known object once an object is gone from
 * the cache. Throw to retry with backoff. The object is already deleted: this
 * cannot hold the deletion up, and it does not run if the controller was
 * down when the object went. Cleanup that must finish before the object goes
 * (an external registry, a cloud resource) belongs in a finalizer:
 * `withFinalizer`.
 *
 * @example
 * ```ts
 * import type { ConfigMap, ResourceDeleteFunc } from "kubeloop";
 * const del: ResourceDeleteFunc<ConfigMap> = async (key, lastKnown) => {
 *   console.log(`${key} is gone; it had`, lastKnown.data);
 * };
 * ```
 */
export type ResourceDeleteFunc<T> = (
  key: string,
  obj: T,
  ctx?: ReconcileContext,
) => Promise<void> | void;

/**
 * A kind of object to reconcile: its informer and the two callbacks.
 * Implement it directly, or build one with {@link newResource}. A resource
 * that also implements {@link Backgrounder} has `run` called for the
 * controller's lifetime.
 *
 * @example
 * ```ts
 * import type { ConfigMap, ControllerInformer, Resource } from "kubeloop";
 * class ConfigMapMirror implements Resource<ConfigMap> {
 *   constructor(readonly cmInformer: ControllerInformer<ConfigMap>) {}
 *   informer() { return this.cmInformer; }
 *   async upsert(key: string, obj: ConfigMap) { console.log("upsert", key, obj.data); }
 *   async delete(key: string) { console.log("delete", key); }
 * }
 * ```
 */
export interface Resource<T extends KubernetesObject> {
  /** The informer whose events drive the controller (called once per run). */
  informer(): ControllerInformer<T>;
  /** Reconcile an object that exists: `obj` is the latest cached version. */
  upsert(key: string, obj: T, ctx?: ReconcileContext): ReconcileReturn;
  /**
   * Clean up after an object that was deleted: `obj` is its last known state.
   * For cleanup that must finish before the object goes, use `withFinalizer`.
   */
  delete(key: string, obj: T, ctx?: ReconcileContext): Promise<void> | void;
}

/**
 * Something that runs in the background for as long as a controller runs.
 * The controller aborts `signal` when it stops and waits for `run` to settle.
 *
 * @example
 * ```ts
 * import type { Backgrounder } from "kubeloop";
 * const heartbeat: Backgrounder = {
 *   async run(signal) {
 *     while (!signal.aborted) await new Promise((r) => setTimeout(r, 1000));
 *   },
 * };
 * ```
 */
export interface Backgrounder {
  /** Do the background work until `signal` aborts; the controller awaits the promise. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * Whether `x` has a `run(signal)` method, i.e. is a {@link Backgrounder}.
 *
 * @example
 * ```ts
 * import { isBackgrounder } from "kubeloop";
 * isBackgrounder({ run: async () => {} }); // true
 * isBackgrounder({}); // false
 * ```
 */
export function isBackgrounder(x: unknown): x is Backgrounder {
  return typeof x === "object" && x !== null && typeof (x as { run?: unknown }).run === "function";
}

/**
 * A controller event: the object's key (`namespace/name`, or `name` when
 * cluster-scoped) and the object as it was in the event. The controller's
 * queue holds keys only (so a burst of events for one object collapses into
 * one reconcile); this type names the pair for code built around it.
 *
 * @example
 * ```ts
 * import { objectKey, type ConfigMap, type Event } from "kubeloop";
 * const cm: ConfigMap = { metadata: { name: "a", namespace: "default" } };
 * const ev: Event<ConfigMap> = { key: objectKey(cm), obj: cm };
 * ```
 */
export interface Event<T> {
  /** The object's key: `namespace/name`, or `name` when cluster-scoped. */
  key: string;
  /** The object as it was in the event. */
  obj: T;
}

/**
 * An alias of {@link Event}, for code that also imports the Kubernetes
 * `Event` kind (which `kubeloop` exports as `CoreEvent`).
 *
 * @example
 * ```ts
 * import type { ConfigMap, ControllerEvent } from "kubeloop";
 * const ev: ControllerEvent<ConfigMap> = { key: "default/a", obj: { metadata: { name: "a" } } };
 * ```
 */
export type ControllerEvent<T> = Event<T>;

/**
 * Build a {@link Resource} from an informer and two callbacks.
 *
 * @example
 * ```ts
 * import { newResource, type ConfigMap, type ControllerInformer } from "kubeloop";
 * declare const informer: ControllerInformer<ConfigMap>;
 * const resource = newResource(
 *   informer,
 *   async (key, cm) => { console.log("upsert", key, cm.data); },
 *   async (key) => { console.log("deleted", key); },
 * );
 * ```
 */
export function newResource<T extends KubernetesObject>(
  informer: ControllerInformer<T>,
  upsert: ResourceUpsertFunc<T>,
  del: ResourceDeleteFunc<T>,
): Resource<T> {
  return {
    informer: () => informer,
    upsert: (key, obj, ctx) => upsert(key, obj, ctx),
    delete: (key, obj, ctx) => del(key, obj, ctx),
  };
}
