/**
 * Sharding a controller: a view of its informer that delivers only the keys
 * this replica owns, and a {@link Resource} wrapper built on it.
 *
 * @module
 */
import type { ControllerInformer, Resource } from "../controller/resource.ts";
import { type KubernetesObject, objectKey } from "../resources/meta.ts";
import type { ShardFilter } from "./shard-view.ts";

/**
 * A view of `inner` that delivers events only for keys `filter` owns, and
 * re-delivers `onUpdate(obj, obj)` for cached keys when this replica gains
 * them.
 *
 * @example
 * ```ts
 * import { type ConfigMap, type ControllerInformer, filteredInformer, type ShardFilter } from "kubeloop";
 * declare const informer: ControllerInformer<ConfigMap>;
 * declare const membership: ShardFilter;
 * const mine = filteredInformer(informer, membership);
 * mine.addEventHandler({ onAdd: (obj) => console.log("mine:", obj.metadata.name) });
 * ```
 */
export function filteredInformer<T extends KubernetesObject>(
  inner: ControllerInformer<T>,
  filter: ShardFilter,
): ControllerInformer<T> {
  return {
    get store() {
      return inner.store;
    },
    get resourceType() {
      return inner.resourceType;
    },
    run: (signal) => inner.run(signal),
    hasSynced: () => inner.hasSynced(),
    waitForSync: (signal) => inner.waitForSync(signal),
    lastSyncResourceVersion: () => inner.lastSyncResourceVersion(),
    addEventHandler(handler) {
      const delivered = new Set<string>();
      const registration = inner.addEventHandler({
        onAdd(obj) {
          const key = objectKey(obj);
          if (!filter.owns(key)) {
            // dropped: if this replica owns the key later, it must be re-delivered
            delivered.delete(key);
            return;
          }
          delivered.add(key);
          handler.onAdd?.(obj);
        },
        onUpdate(oldObj, newObj) {
          const key = objectKey(newObj);
          if (!filter.owns(key)) {
            delivered.delete(key);
            return;
          }
          delivered.add(key);
          handler.onUpdate?.(oldObj, newObj);
        },
        onDelete(obj, info) {
          const key = objectKey(obj);
          delivered.delete(key);
          if (!filter.owns(key)) return;
          handler.onDelete?.(obj, info);
        },
      });
      const unsubscribe = filter.subscribe(() => {
        for (const key of [...delivered]) if (!filter.owns(key)) delivered.delete(key);
        for (const key of inner.store.keys()) {
          if (delivered.has(key) || !filter.owns(key)) continue;
          const obj = inner.store.get(key);
          if (obj === undefined) continue;
          delivered.add(key);
          handler.onUpdate?.(obj, obj);
        }
      });
      return {
        remove() {
          unsubscribe();
          registration.remove();
        },
      };
    },
  };
}

/**
 * Wrap a controller {@link Resource} so that this replica processes only the
 * keys `filter` owns: its informer is a {@link filteredInformer}, and
 * `upsert` / `delete` skip keys that moved away while queued. A
 * {@link Backgrounder} resource keeps its `run`. A controller can take the
 * membership as its filter instead, with no wrapper:
 * `new Controller({ resource, filter: membership })` (a Manager with
 * `sharding` does that).
 *
 * Limitation: a delete that happens while no live member owns the key (the
 * owner died and the lease has not expired yet) reaches nobody's `delete`
 * callback; use finalizers where cleanup must not be missed.
 *
 * @example
 * ```ts
 * import { type ConfigMap, Controller, type KubeClient, type Resource, ShardMembership, shardedResource } from "kubeloop";
 * declare const client: KubeClient;
 * declare const pod: string;
 * declare const resource: Resource<ConfigMap>;
 * const membership = new ShardMembership({ client, namespace: "ops", group: "web", identity: pod });
 * const controller = new Controller({ resource: shardedResource(resource, membership) });
 * ```
 */
export function shardedResource<T extends KubernetesObject>(
  resource: Resource<T>,
  filter: ShardFilter,
): Resource<T> {
  const wrapped: Resource<T> & { run?: (signal: AbortSignal) => Promise<void> } = {
    informer: () => filteredInformer(resource.informer(), filter),
    upsert: (key, obj, ctx) => (filter.owns(key) ? resource.upsert(key, obj, ctx) : undefined),
    delete: (key, obj, ctx) => (filter.owns(key) ? resource.delete(key, obj, ctx) : undefined),
  };
  const maybeRun = (resource as { run?: unknown }).run;
  if (typeof maybeRun === "function") {
    wrapped.run = (signal: AbortSignal) =>
      (maybeRun as (s: AbortSignal) => Promise<void>).call(resource, signal);
  }
  return wrapped;
}
