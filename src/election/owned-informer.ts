/**
 * An informer that caches only the objects this replica owns: memory per
 * replica falls with the number of shard members. The watch still delivers
 * every object (the API server cannot filter by rendezvous hash); objects of
 * other members are dropped before validation and never stored.
 *
 * @module
 */
import type {
  EventHandler,
  EventHandlerRegistration,
  Informer,
  InformerOptions,
  InformerStats,
} from "../cache/informer.ts";
import {
  emptyStats,
  type ListWatchClient,
  Reflector,
  type ReflectorListOptions,
  type ReflectorSink,
  type ReflectorWatchOptions,
} from "../cache/reflector.ts";
import { type IndexFunc, Store, type StoreReader } from "../cache/store.ts";
import type { KubernetesObject, ObjectList, WatchEvent } from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";
import { defaultLogger, type Logger } from "../util/logger.ts";
import type { ShardFilter } from "./shard-view.ts";
import { errorMessage, type LinkedSignal, linkSignals } from "./signals.ts";

/**
 * Options of {@link OwnedInformer}: those of an informer, without periodic
 * resync, metadata-only or streaming lists.
 *
 * @example
 * ```ts
 * import { type ConfigMap, type OwnedInformerOptions } from "kubeloop";
 * const options: OwnedInformerOptions<ConfigMap> = { namespace: "default", pageSize: 500 };
 * ```
 */
export type OwnedInformerOptions<T extends KubernetesObject> = Omit<
  InformerOptions<T>,
  "resyncPeriodMs" | "metadataOnly" | "streamingList" | "streamingListTimeoutMs"
>;

function rawKey(raw: unknown): string | undefined {
  const meta = (raw as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  if (typeof meta?.name !== "string") return undefined;
  return typeof meta.namespace === "string" && meta.namespace !== ""
    ? `${meta.namespace}/${meta.name}`
    : meta.name;
}

function rawRv(raw: unknown): string | undefined {
  const rv = (raw as { metadata?: { resourceVersion?: unknown } } | null)?.metadata
    ?.resourceVersion;
  return typeof rv === "string" ? rv : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * An {@link Informer} whose cache holds only the keys `filter` owns.
 *
 * - List pages and watch events of keys this replica does not own are
 *   dropped before validation (a watch event becomes a bookmark, so the
 *   resource version still advances). The keys of all objects are kept (a
 *   set of strings) to notice gains.
 * - When ownership changes, objects no longer owned are dropped from the
 *   cache silently (no delete event: they still exist); if the replica now
 *   owns keys it has not cached, it relists (a consistent read) and adds them,
 *   with `onAdd`.
 * - Deletes of owned keys are delivered as usual, also for keys not cached yet.
 *
 * Memory per replica is about `K / N` objects plus `K` keys for `K` objects
 * and `N` members; each gain costs one full list (a member joins, leaves or
 * dies). Use it with {@link shardedResource} (or the manager's
 * `ownedInformer`), which still filters the events.
 *
 * @example
 * ```ts
 * import { ConfigMaps, Controller, type KubeClient, newResource, OwnedInformer, ShardMembership, shardedResource } from "kubeloop";
 * declare const client: KubeClient;
 * const membership = new ShardMembership({ client, namespace: "ops", group: "cms", identity: "pod-a" });
 * const informer = new OwnedInformer(client, ConfigMaps, membership, { namespace: "default" });
 * const resource = newResource(informer, async (key) => console.log("mine:", key), async () => {});
 * const controller = new Controller({ resource: shardedResource(resource, membership) });
 * ```
 */
export class OwnedInformer<T extends KubernetesObject> implements Informer<T> {
  readonly resourceType: ResourceType<T>;
  readonly #client: ListWatchClient;
  readonly #filter: ShardFilter;
  readonly #opts: OwnedInformerOptions<T>;
  readonly #logger: Logger;
  readonly #store: Store<T>;
  readonly #stats: InformerStats = emptyStats();
  readonly #known = new Set<string>();
  readonly #wrapped: ListWatchClient;
  #listing: Set<string> | undefined;
  #handlers: EventHandler<T>[] = [];
  #synced = false;
  #started = false;
  #stopped = false;
  #syncWaiters = new Set<(ok: boolean) => void>();
  #reflector: Reflector<T> | undefined;
  #cycle: LinkedSignal | undefined;
  #relistWanted = false;
  #consistent = false;
  #relists = 0;

  /** Create the informer (not started: call {@link OwnedInformer.run}). */
  constructor(
    client: ListWatchClient,
    type: ResourceType<T>,
    filter: ShardFilter,
    options: OwnedInformerOptions<T> = {},
  ) {
    this.resourceType = type;
    this.#client = client;
    this.#filter = filter;
    this.#opts = options;
    this.#logger = options.logger ?? defaultLogger;
    this.#store = new Store<T>({
      freeze: options.freeze,
      indexers: options.indexers,
      onIndexError: (name, obj, err) =>
        this.#logger.error("index function threw", {
          kind: type.kind,
          index: name,
          key: this.#store.keyOf(obj),
          error: describe(err),
        }),
    });
    this.#wrapped = this.#filteringClient();
  }

  get store(): StoreReader<T> {
    return this.#store;
  }

  /** Number of keys that exist (owned or not), as last seen. */
  get knownKeys(): number {
    return this.#known.size;
  }

  /** Number of relists caused by ownership gains. */
  get relists(): number {
    return this.#relists;
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.#store.addIndexer(name, fn);
  }

  addEventHandler(handler: EventHandler<T>): EventHandlerRegistration {
    if (handler.onAdd) for (const obj of this.#store.list()) this.#call(handler, "onAdd", obj);
    this.#handlers = [...this.#handlers, handler];
    return {
      remove: () => {
        this.#handlers = this.#handlers.filter((h) => h !== handler);
      },
    };
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (this.#stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.#syncWaiters.delete(done);
        signal?.removeEventListener("abort", onAbort);
        resolve(ok);
      };
      const onAbort = (): void => done(false);
      this.#syncWaiters.add(done);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  lastSyncResourceVersion(): string | undefined {
    return this.#reflector?.lastSyncResourceVersion() ?? this.#store.resourceVersion;
  }

  lastError(): unknown {
    return this.#reflector?.lastError();
  }

  stats(): InformerStats {
    return { ...this.#stats };
  }

  /** Always `undefined`: a cache of some keys is no checkpoint of the whole state. */
  snapshot(): undefined {
    return undefined;
  }

  quietMs(): number | undefined {
    return this.#reflector?.quietMs();
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.#started)
      throw new Error(`informer for ${this.resourceType.kind} was already started`);
    this.#started = true;
    const unsubscribe = this.#filter.subscribe(() => this.#ownershipChanged());
    const sink: ReflectorSink<T> = {
      replace: (objects, rv, invalidKeys) => this.#replace(objects, rv, invalidKeys),
      apply: (type, obj) => this.#apply(type, obj),
      deleteKey: (key) => {
        this.#known.delete(key);
        const old = this.#store.delete(key);
        if (old !== undefined) this.#dispatchDelete(old, false);
      },
      bookmark: (rv) => this.#store.setResourceVersion(rv),
    };
    try {
      while (!signal.aborted) {
        const cycle = linkSignals([signal]);
        this.#cycle = cycle;
        const o = this.#opts;
        const reflector = new Reflector<T>(this.#wrapped, this.resourceType, sink, {
          namespace: o.namespace,
          labelSelector: o.labelSelector,
          fieldSelector: o.fieldSelector,
          pageSize: o.pageSize,
          idleTimeoutMs: o.idleTimeoutMs,
          watchTimeoutSeconds: o.watchTimeoutSeconds,
          validate: o.validate,
          transform: o.transform,
          clock: o.clock,
          random: o.random,
          backoff: o.backoff,
          logger: this.#logger,
          onError: o.onError,
          stats: this.#stats,
        });
        this.#reflector = reflector;
        try {
          await reflector.run(cycle.signal);
        } finally {
          cycle.dispose();
          this.#cycle = undefined;
        }
        if (!signal.aborted) {
          this.#relists++;
          this.#consistent = true; // a relist for a gain must not be older than what we saw
        }
      }
    } finally {
      unsubscribe();
      this.#stopped = true;
      for (const w of [...this.#syncWaiters]) w(this.#synced);
    }
  }

  /** The client the reflector uses: drops what this replica does not own, keeps every key. */
  #filteringClient(): ListWatchClient {
    const client = this.#client;
    return {
      list: async <U extends KubernetesObject>(
        type: ResourceType<U>,
        opts: ReflectorListOptions = {},
      ): Promise<ObjectList<U>> => {
        let o = opts;
        if (this.#consistent && o.continue === undefined && o.resourceVersion === "0") {
          const { resourceVersion: _rv, ...rest } = o;
          o = rest;
        }
        const page = await client.list(type, o);
        if (o.continue === undefined) this.#listing = new Set();
        const listing = this.#listing;
        const items: U[] = [];
        for (const item of page.items) {
          const key = rawKey(item);
          if (key === undefined) {
            items.push(item);
            continue;
          }
          listing?.add(key);
          if (this.#filter.owns(key)) items.push(item);
        }
        return { ...page, items };
      },
      watch: <U extends KubernetesObject>(
        type: ResourceType<U>,
        opts?: ReflectorWatchOptions,
      ): AsyncIterable<WatchEvent<U>> => this.#filterWatch(client.watch(type, opts)),
    };
  }

  async *#filterWatch<U extends KubernetesObject>(
    events: AsyncIterable<WatchEvent<U>>,
  ): AsyncIterable<WatchEvent<U>> {
    for await (const ev of events) {
      if (ev.type === "ADDED" || ev.type === "MODIFIED") {
        const key = rawKey(ev.object);
        if (key !== undefined) {
          this.#known.add(key);
          if (!this.#filter.owns(key) && !this.#store.has(key)) {
            const rv = rawRv(ev.object);
            if (rv !== undefined)
              yield { type: "BOOKMARK", object: { metadata: { resourceVersion: rv } } };
            continue;
          }
        }
      }
      yield ev;
    }
  }

  #ownershipChanged(): void {
    for (const key of this.#store.keys()) {
      if (!this.#filter.owns(key)) this.#store.delete(key); // still exists: no event
    }
    this.#relistIfMissing();
  }

  /** Relist when this replica owns keys it has not cached. */
  #relistIfMissing(): void {
    if (this.#relistWanted || !this.#synced) return;
    for (const key of this.#known) {
      if (!this.#store.has(key) && this.#filter.owns(key)) {
        this.#relistWanted = true;
        this.#logger.debug("owned informer: gained keys; relisting", {
          kind: this.resourceType.kind,
        });
        this.#cycle?.abort();
        return;
      }
    }
  }

  #replace(objects: T[], rv: string | undefined, invalidKeys: ReadonlySet<string>): void {
    const listing = this.#listing ?? new Set<string>();
    this.#listing = undefined;
    for (const k of invalidKeys) listing.add(k);
    this.#known.clear();
    for (const k of listing) this.#known.add(k);
    // gone from the server: a delete with its last known state
    for (const [key, old] of this.#store.keys().map((k) => [k, this.#store.get(k)!] as const)) {
      if (!listing.has(key)) {
        this.#store.delete(key);
        this.#dispatchDelete(old, true);
      } else if (!this.#filter.owns(key) && !invalidKeys.has(key)) {
        this.#store.delete(key); // not ours any more
      }
    }
    for (const obj of objects) {
      const key = this.#store.keyOf(obj);
      if (!this.#filter.owns(key)) continue;
      const old = this.#store.get(key);
      if (
        old !== undefined &&
        old.metadata.resourceVersion !== undefined &&
        old.metadata.resourceVersion === obj.metadata.resourceVersion &&
        old.metadata.uid === obj.metadata.uid
      ) {
        continue;
      }
      this.#store.update(obj);
      if (old === undefined) this.#dispatch("onAdd", obj);
      else if (
        old.metadata.uid !== undefined &&
        obj.metadata.uid !== undefined &&
        old.metadata.uid !== obj.metadata.uid
      ) {
        this.#dispatchDelete(old, true);
        this.#dispatch("onAdd", obj);
      } else this.#dispatch("onUpdate", old, obj);
    }
    this.#store.setResourceVersion(rv);
    this.#relistWanted = false;
    if (!this.#synced) {
      this.#synced = true;
      this.#logger.info("owned informer synced", {
        kind: this.resourceType.kind,
        objects: this.#store.size,
        known: this.#known.size,
      });
      for (const w of [...this.#syncWaiters]) w(true);
    }
    this.#relistIfMissing();
  }

  #apply(type: "ADDED" | "MODIFIED" | "DELETED", obj: T): void {
    const key = this.#store.keyOf(obj);
    if (type === "DELETED") {
      this.#known.delete(key);
      const old = this.#store.delete(key);
      if (old !== undefined || this.#filter.owns(key)) this.#dispatchDelete(old ?? obj, false);
      return;
    }
    this.#known.add(key);
    if (!this.#filter.owns(key)) {
      this.#store.delete(key);
      return;
    }
    const old = this.#store.update(obj);
    if (old === undefined) this.#dispatch("onAdd", obj);
    else this.#dispatch("onUpdate", old, obj);
  }

  #dispatch(method: "onAdd", obj: T): void;
  #dispatch(method: "onUpdate", oldObj: T, newObj: T): void;
  #dispatch(method: "onAdd" | "onUpdate", a: T, b?: T): void {
    for (const h of this.#handlers) this.#call(h, method, a, b);
  }

  #dispatchDelete(obj: T, finalStateUnknown: boolean): void {
    for (const h of this.#handlers) this.#call(h, "onDelete", obj, undefined, finalStateUnknown);
  }

  #call(
    h: EventHandler<T>,
    method: "onAdd" | "onUpdate" | "onDelete",
    a: T,
    b?: T,
    finalStateUnknown = false,
  ): void {
    try {
      if (method === "onAdd") h.onAdd?.(a);
      else if (method === "onUpdate") h.onUpdate?.(a, b!);
      else h.onDelete?.(a, { finalStateUnknown });
    } catch (err) {
      this.#stats.handlerErrors++;
      this.#stats.errors++;
      this.#logger.error(`event handler ${method} threw`, {
        kind: this.resourceType.kind,
        key: this.#store.keyOf(a),
        error: errorMessage(err),
      });
    }
  }
}
