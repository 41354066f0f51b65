/**
 * The informer cache: a map from object key (`namespace/name` or `name`) to
 * the last known object, with secondary indexes kept up to date incrementally.
 *
 * Objects handed out by a store are the cached objects themselves, not
 * copies. Treat them as read-only: mutate a copy (`structuredClone(obj)`)
 * before sending an update. Pass `freeze: true` (for example in development
 * and tests) to deep-freeze every object on insert so an accidental write
 * throws in strict mode.
 *
 * @module
 */
import { type KubernetesObject, objectKey } from "../resources/meta.ts";

/**
 * Computes the index values of an object; an object may sit under several values or none.
 *
 * @example
 * ```ts
 * import { Store, type IndexFunc, type Pod } from "kubeloop";
 * const byNode: IndexFunc<Pod> = (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []);
 * const store = new Store<Pod>({ indexers: { byNode } });
 * store.byIndex("byNode", "node-1");
 * ```
 */
export type IndexFunc<T> = (obj: T) => string[];

/**
 * Name of the index every store has: objects by `metadata.namespace` (`""` for cluster-scoped).
 * It is built when first queried and kept up to date from then on, so a store whose namespace
 * index is never asked pays nothing for it.
 *
 * @example
 * ```ts
 * import { NAMESPACE_INDEX, Store, type ConfigMap } from "kubeloop";
 * const store = new Store<ConfigMap>();
 * store.add({ metadata: { namespace: "default", name: "a" } });
 * store.byIndex(NAMESPACE_INDEX, "default"); // [the ConfigMap]
 * ```
 */
export const NAMESPACE_INDEX = "namespace";

/**
 * The built-in namespace index function (client-go's `MetaNamespaceIndexFunc`).
 *
 * @example
 * ```ts
 * import { namespaceIndexFunc } from "kubeloop";
 * namespaceIndexFunc({ metadata: { name: "web", namespace: "default" } }); // ["default"]
 * ```
 */
export function namespaceIndexFunc(obj: KubernetesObject): string[] {
  return [obj.metadata.namespace ?? ""];
}

/**
 * The read-only view of a {@link Store}: what informers hand to controllers.
 *
 * @example
 * ```ts
 * import type { StoreReader, ConfigMap } from "kubeloop";
 * function countIn(store: StoreReader<ConfigMap>, ns: string): number {
 *   return store.byIndex("namespace", ns).length;
 * }
 * ```
 */
export interface StoreReader<T extends KubernetesObject> {
  /** The cached object under `key`, or `undefined`. Read-only: do not mutate. */
  get(key: string): T | undefined;
  /** Whether `key` is cached. */
  has(key: string): boolean;
  /** All cached objects (a new array; the objects are the cached ones). */
  list(): T[];
  /** All cached keys. */
  keys(): string[];
  /** Number of cached objects. */
  readonly size: number;
  /** Objects whose index `name` contains `value`. Throws `RangeError` for an unknown index. */
  byIndex(name: string, value: string): T[];
  /** Keys of the objects whose index `name` contains `value`. Throws `RangeError` for an unknown index. */
  indexKeys(name: string, value: string): string[];
  /** Every value index `name` currently holds. Throws `RangeError` for an unknown index. */
  indexValues(name: string): string[];
  /** Names of the indexes, including {@link NAMESPACE_INDEX}. */
  indexNames(): string[];
  /** The resource version of the last {@link Store.replace} or explicit set, if any. */
  readonly resourceVersion: string | undefined;
}

/**
 * Options of {@link Store}.
 *
 * @example
 * ```ts
 * import { Store, type ConfigMap, type StoreOptions } from "kubeloop";
 * const options: StoreOptions<ConfigMap> = {
 *   freeze: true,
 *   indexers: { byApp: (cm) => (cm.metadata.labels?.app ? [cm.metadata.labels.app] : []) },
 *   onIndexError: (index, cm, err) => console.warn(index, cm.metadata.name, err),
 * };
 * const store = new Store(options);
 * ```
 */
export interface StoreOptions<T extends KubernetesObject> {
  /** Deep-freeze objects on insert (default `false`): cheap insurance against accidental mutation in development. */
  freeze?: boolean | undefined;
  /** Extra indexes, by name, besides {@link NAMESPACE_INDEX}. */
  indexers?: Record<string, IndexFunc<T>> | undefined;
  /** Key function (default {@link objectKey}). */
  keyFunc?: ((obj: T) => string) | undefined;
  /**
   * Called when an index function throws; the object is then stored without
   * values for that index. Default: ignore.
   */
  onIndexError?: ((index: string, obj: T, err: unknown) => void) | undefined;
}

/**
 * One key that vanished in {@link Store.replace}, with its last known object.
 *
 * @example
 * ```ts
 * import { Store, type ConfigMap } from "kubeloop";
 * const store = new Store<ConfigMap>();
 * store.add({ metadata: { namespace: "default", name: "old" } });
 * const { deleted } = store.replace([], "42");
 * for (const { key, object } of deleted) console.log("gone:", key, object.metadata.name);
 * ```
 */
export interface StoreDeletion<T> {
  /** The vanished key. */
  key: string;
  /** The object last stored under `key`. */
  object: T;
}

/**
 * What {@link Store.replace} changed.
 *
 * @example
 * ```ts
 * import { Store, type ConfigMap, type ReplaceResult } from "kubeloop";
 * const store = new Store<ConfigMap>();
 * const result: ReplaceResult<ConfigMap> = store.replace(
 *   [{ metadata: { namespace: "default", name: "a", resourceVersion: "7" } }],
 *   "7",
 * );
 * console.log(result.added.length, result.updated.length, result.deleted.length, result.unchanged);
 * ```
 */
export interface ReplaceResult<T> {
  /** Keys present before and missing from the new set, with their last known objects. */
  deleted: StoreDeletion<T>[];
  /** Objects whose keys were not cached before. */
  added: T[];
  /**
   * Objects whose resource version or uid changed (or that had no resource
   * version), with the previous version. A different `metadata.uid` means the
   * name was deleted and recreated meanwhile.
   */
  updated: { oldObj: T; newObj: T }[];
  /** Number of objects whose uid and resource version were unchanged; the cached object was kept. */
  unchanged: number;
}

interface Index<T> {
  fn: IndexFunc<T>;
  /** index value -> keys */
  byValue: Map<string, Set<string>>;
  /** key -> the values it is indexed under (absent means none) */
  byKey: Map<string, string[]>;
}

const EMPTY: readonly string[] = Object.freeze([]);

/**
 * Recursively freeze an object graph (objects and arrays). Returns its argument.
 *
 * @example
 * ```ts
 * import { deepFreeze } from "kubeloop";
 * const cm = deepFreeze({ metadata: { name: "a", labels: { x: "1" } } });
 * Object.isFrozen(cm.metadata.labels); // true
 * ```
 */
export function deepFreeze<V>(value: V): V {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  return value;
}

/**
 * A keyed object cache with incrementally maintained indexes.
 *
 * @example
 * ```ts
 * import { Store, type ConfigMap } from "kubeloop";
 * const store = new Store<ConfigMap>({
 *   indexers: { byApp: (cm) => (cm.metadata.labels?.app ? [cm.metadata.labels.app] : []) },
 * });
 * store.add({ metadata: { namespace: "default", name: "a", labels: { app: "web" } } });
 * store.get("default/a");
 * store.byIndex("byApp", "web"); // [the ConfigMap]
 * store.byIndex("namespace", "default");
 * ```
 */
export class Store<T extends KubernetesObject> implements StoreReader<T> {
  readonly #items = new Map<string, T>();
  readonly #indexes = new Map<string, Index<T>>();
  /**
   * Indexes not built yet: the built-in namespace index is built when first queried (most
   * controllers never ask it; kept up to date, it cost 1-4 ms per 1,000 objects of a first list).
   */
  readonly #unbuilt = new Map<string, IndexFunc<T>>();
  readonly #freeze: boolean;
  readonly #keyFunc: (obj: T) => string;
  readonly #onIndexError: ((index: string, obj: T, err: unknown) => void) | undefined;
  #resourceVersion: string | undefined;

  /** Create an empty store with the built-in `namespace` index plus `options.indexers`. */
  constructor(options: StoreOptions<T> = {}) {
    this.#freeze = options.freeze ?? false;
    this.#keyFunc = options.keyFunc ?? objectKey;
    this.#onIndexError = options.onIndexError;
    this.#unbuilt.set(NAMESPACE_INDEX, namespaceIndexFunc);
    for (const [name, fn] of Object.entries(options.indexers ?? {})) this.addIndexer(name, fn);
  }

  /** The key of `obj` under this store's key function. */
  keyOf(obj: T): string {
    return this.#keyFunc(obj);
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  list(): T[] {
    return Array.from(this.#items.values());
  }

  keys(): string[] {
    return Array.from(this.#items.keys());
  }

  get size(): number {
    return this.#items.size;
  }

  get resourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /** Record the resource version the cache reflects (the reflector does this on every event). */
  setResourceVersion(rv: string | undefined): void {
    this.#resourceVersion = rv;
  }

  /**
   * Add an index. Existing objects are indexed once now; afterwards the index
   * is kept up to date on every write. Throws if the name is taken.
   */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.#indexes.has(name) || this.#unbuilt.has(name)) {
      throw new RangeError(`index "${name}" already exists`);
    }
    const index: Index<T> = { fn, byValue: new Map(), byKey: new Map() };
    this.#indexes.set(name, index);
    for (const [key, obj] of this.#items) this.#indexAdd(name, index, key, obj);
  }

  indexNames(): string[] {
    return [...this.#unbuilt.keys(), ...this.#indexes.keys()];
  }

  byIndex(name: string, value: string): T[] {
    const keys = this.#index(name).byValue.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const obj = this.#items.get(k);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  indexKeys(name: string, value: string): string[] {
    const keys = this.#index(name).byValue.get(value);
    return keys ? Array.from(keys) : [];
  }

  indexValues(name: string): string[] {
    return Array.from(this.#index(name).byValue.keys());
  }

  /**
   * Insert or replace `obj` under its key. Returns the object previously
   * cached under the key, if any.
   */
  add(obj: T): T | undefined {
    return this.#put(this.#keyFunc(obj), obj);
  }

  /** Same as {@link Store.add}: insert or replace; returns the previous object. */
  update(obj: T): T | undefined {
    return this.#put(this.#keyFunc(obj), obj);
  }

  /** Remove an object (given as object or key). Returns the removed object, if it was cached. */
  delete(objOrKey: T | string): T | undefined {
    const key = typeof objOrKey === "string" ? objOrKey : this.#keyFunc(objOrKey);
    const old = this.#items.get(key);
    if (old === undefined) return undefined;
    this.#items.delete(key);
    for (const index of this.#indexes.values()) this.#indexRemove(index, key);
    return old;
  }

  /** Remove everything (indexes are kept, emptied). */
  clear(): void {
    this.#items.clear();
    for (const index of this.#indexes.values()) {
      index.byKey.clear();
      index.byValue.clear();
    }
  }

  /**
   * Make the store hold exactly `objects` (a full list from the server) and
   * record `resourceVersion`. Returns what changed; `deleted` lists the keys
   * that vanished with their last known objects, for delivery as deletes with
   * "final state unknown". An object whose `metadata.uid` and resource
   * version both equal the cached one's is counted as unchanged and the
   * cached object is kept; a different uid (an object recreated under the
   * same name, e.g. by an API server restarted with resource versions counted
   * again from 1) is an update.
   */
  replace(objects: Iterable<T>, resourceVersion: string | undefined): ReplaceResult<T> {
    const result: ReplaceResult<T> = { deleted: [], added: [], updated: [], unchanged: 0 };
    // an empty store (the first list) has nothing to delete, so it needs no record of the keys seen
    const seen = this.#items.size > 0 ? new Set<string>() : undefined;
    for (const obj of objects) {
      const key = this.#keyFunc(obj);
      seen?.add(key);
      const old = this.#items.get(key);
      if (old === undefined) {
        this.#putNew(key, obj);
        result.added.push(obj);
      } else if (
        old.metadata.resourceVersion !== undefined &&
        old.metadata.resourceVersion === obj.metadata.resourceVersion &&
        old.metadata.uid === obj.metadata.uid
      ) {
        result.unchanged++;
      } else {
        this.#put(key, obj);
        result.updated.push({ oldObj: old, newObj: this.#items.get(key)! });
      }
    }
    if (seen !== undefined && this.#items.size > seen.size) {
      for (const [key, obj] of this.#items) {
        if (!seen.has(key)) result.deleted.push({ key, object: obj });
      }
      for (const d of result.deleted) this.delete(d.key);
    }
    this.#resourceVersion = resourceVersion;
    return result;
  }

  /** {@link #put} of a key not stored. */
  #putNew(key: string, obj: T): void {
    if (this.#freeze) deepFreeze(obj);
    this.#items.set(key, obj);
    for (const [name, index] of this.#indexes) this.#indexAdd(name, index, key, obj);
  }

  #put(key: string, obj: T): T | undefined {
    if (this.#freeze) deepFreeze(obj);
    const old = this.#items.get(key);
    this.#items.set(key, obj);
    for (const [name, index] of this.#indexes) {
      if (old === undefined) this.#indexAdd(name, index, key, obj);
      else this.#indexUpdate(name, index, key, obj);
    }
    return old;
  }

  #values(name: string, index: Index<T>, obj: T): readonly string[] {
    try {
      const values = index.fn(obj);
      return values.length === 0 ? EMPTY : values;
    } catch (err) {
      this.#onIndexError?.(name, obj, err);
      return EMPTY;
    }
  }

  #indexAdd(name: string, index: Index<T>, key: string, obj: T): void {
    const values = this.#values(name, index, obj);
    if (values.length === 0) return;
    const unique = values.length === 1 ? values : Array.from(new Set(values));
    index.byKey.set(key, unique as string[]);
    for (const v of unique) {
      let keys = index.byValue.get(v);
      if (!keys) index.byValue.set(v, (keys = new Set()));
      keys.add(key);
    }
  }

  #indexUpdate(name: string, index: Index<T>, key: string, obj: T): void {
    const oldValues = index.byKey.get(key) ?? EMPTY;
    const newValues = this.#values(name, index, obj);
    // fast path: the common single-value index whose value did not change
    if (oldValues.length === 1 && newValues.length === 1 && oldValues[0] === newValues[0]) return;
    this.#indexRemove(index, key);
    if (newValues.length === 0) return;
    const unique = newValues.length === 1 ? newValues : Array.from(new Set(newValues));
    index.byKey.set(key, unique as string[]);
    for (const v of unique) {
      let keys = index.byValue.get(v);
      if (!keys) index.byValue.set(v, (keys = new Set()));
      keys.add(key);
    }
  }

  #indexRemove(index: Index<T>, key: string): void {
    const values = index.byKey.get(key);
    if (!values) return;
    index.byKey.delete(key);
    for (const v of values) {
      const keys = index.byValue.get(v);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) index.byValue.delete(v);
    }
  }

  #index(name: string): Index<T> {
    const index = this.#indexes.get(name);
    if (index) return index;
    const fn = this.#unbuilt.get(name);
    if (!fn) throw new RangeError(`no index named "${name}"`);
    this.#unbuilt.delete(name);
    this.addIndexer(name, fn);
    return this.#indexes.get(name)!;
  }
}
