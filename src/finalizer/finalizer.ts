/**
 * The finalizer helper: wraps a controller's upsert so that cleanup outside
 * the object (an external registry, a cloud resource) runs before the object
 * can go away.
 *
 * @module
 */
import type { KubeClient } from "../client/client.ts";
import { isNotFound } from "../client/errors.ts";
import type {
  ReconcileContext,
  ReconcileReturn,
  ResourceUpsertFunc,
} from "../controller/resource.ts";
import type { KubernetesObject } from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";
import { defaultLogger, type Logger } from "../util/logger.ts";
import { FinalizerError } from "./errors.ts";

/**
 * Options of {@link withFinalizer}.
 *
 * @example
 * ```ts
 * import { ConfigMaps, type ConfigMap, type FinalizerOptions, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * const options: FinalizerOptions<ConfigMap> = {
 *   client,
 *   type: ConfigMaps,
 *   finalizer: "example.com/mirror",
 *   apply: async (cm) => { console.log("mirror", cm.metadata.name); },
 *   cleanup: async (cm) => { console.log("unmirror", cm.metadata.name); },
 * };
 * ```
 */
export interface FinalizerOptions<T extends KubernetesObject> {
  /** Writes the finalizer patches (a `KubeClient`). */
  client: Pick<KubeClient, "patch">;
  /** The kind of the reconciled objects. */
  type: ResourceType<T>;
  /**
   * The finalizer's name, unique among everyone who touches these objects,
   * e.g. `example.com/registry` (a domain-qualified name).
   */
  finalizer: string;
  /** Reconcile an object that is not being deleted (the finalizer is in place). Must be idempotent. */
  apply(obj: T, ctx?: ReconcileContext): ReconcileReturn;
  /**
   * Clean up after an object that is being deleted. Must be idempotent, and
   * must cope with `apply` never having run or never having succeeded.
   * Throw to keep the finalizer and retry.
   */
  cleanup(obj: T, ctx?: ReconcileContext): Promise<void> | void;
  /** Where to log the finalizer steps (default: `defaultLogger`, warnings and errors to the console). */
  logger?: Logger | undefined;
}

function finalizersOf(obj: KubernetesObject): readonly string[] {
  return obj.metadata.finalizers ?? [];
}

/** How many cleaned-up object versions are remembered to spot a stale cache. */
const CLEANED_LIMIT = 1024;

/**
 * Wrap an upsert with a finalizer (kube-rs' `finalizer`, controller-runtime's
 * `controllerutil` finalizers, as one state machine). Use the result as the
 * controller's upsert:
 *
 * 1. Not being deleted, finalizer missing: add it, and return (the change
 *    brings the object back with the finalizer in place).
 * 2. Not being deleted, finalizer present: `apply(obj)`.
 * 3. Being deleted (`deletionTimestamp` set), finalizer present:
 *    `cleanup(obj)`, then remove the finalizer.
 * 4. Being deleted, finalizer gone: nothing to do.
 *
 * **Guarantees.** If `apply` ever started, `cleanup` succeeds before the
 * object is gone. The finalizer is added before the first `apply`. Patches
 * cannot undo someone else's change: adding uses a JSON patch that first
 * `test`s the current finalizer list (or, when there is none, the
 * `resourceVersion`); removing `test`s that our name is still at the index
 * it removes. A concurrent change makes the patch fail (422), and the
 * controller retries on the fresh object. A `cleanup` that throws keeps the
 * finalizer and is retried with the controller's backoff. After a removal,
 * a reconcile of the same (now stale) cached version does not run `cleanup`
 * again.
 *
 * **Assumptions.** The finalizer name is unique among the controllers
 * touching these objects; `apply` and `cleanup` are idempotent (a restart,
 * a failed removal, or another finalizer's removal can run them again).
 *
 * **Caveats.** Deletion hangs while the controller is not running or
 * `cleanup` keeps failing (remove the finalizer by hand to force it). A
 * controller's `delete` callback runs only after the object is gone; it
 * cannot stop the deletion: put cleanup that must finish first here.
 *
 * **Errors.** Every step's failure is a {@link FinalizerError} naming the
 * step, with the inner error as `cause`.
 *
 * @example
 * ```ts
 * import { Controller, ConfigMaps, createInformer, type ConfigMap, type KubeClient, newResource, withFinalizer } from "kubeloop";
 * declare const client: KubeClient;
 * const informer = createInformer(client, ConfigMaps, { namespace: "default" });
 * const upsert = withFinalizer<ConfigMap>({
 *   client,
 *   type: ConfigMaps,
 *   finalizer: "example.com/registry",
 *   apply: async (cm) => { await fetch(`https://registry.example/${cm.metadata.name}`, { method: "PUT" }); },
 *   cleanup: async (cm) => { await fetch(`https://registry.example/${cm.metadata.name}`, { method: "DELETE" }); },
 * });
 * const controller = new Controller({ resource: newResource(informer, upsert, () => {}) });
 * ```
 */
export function withFinalizer<T extends KubernetesObject>(
  options: FinalizerOptions<T>,
): ResourceUpsertFunc<T> {
  const { client, type, finalizer, apply, cleanup } = options;
  if (!finalizer) throw new TypeError("withFinalizer: a finalizer name is required");
  const log = options.logger ?? defaultLogger;
  // uid → resourceVersion of object versions whose cleanup finished and whose
  // finalizer was removed: a reconcile of that same version comes from a stale cache.
  const cleaned = new Map<string, string>();

  const patch = (obj: T, ops: unknown[], signal: AbortSignal | undefined) =>
    client.patch(type, obj.metadata.name ?? "", ops, {
      type: "json",
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      ...(signal ? { signal } : {}),
    });

  return async (key, obj, ctx) => {
    const list = finalizersOf(obj);
    const index = list.indexOf(finalizer);
    const deleting = Boolean(obj.metadata.deletionTimestamp);
    const uid = obj.metadata.uid ?? "";
    const rv = obj.metadata.resourceVersion ?? "";

    if (!deleting) {
      if (index >= 0) {
        try {
          return await apply(obj, ctx);
        } catch (err) {
          throw new FinalizerError("apply", finalizer, key, err);
        }
      }
      const ops =
        list.length > 0
          ? [
              { op: "test", path: "/metadata/finalizers", value: list },
              { op: "add", path: "/metadata/finalizers/-", value: finalizer },
            ]
          : [
              ...(rv ? [{ op: "test", path: "/metadata/resourceVersion", value: rv }] : []),
              { op: "add", path: "/metadata/finalizers", value: [finalizer] },
            ];
      try {
        await patch(obj, ops, ctx?.signal);
      } catch (err) {
        throw new FinalizerError("add", finalizer, key, err);
      }
      log.debug("finalizer added", { finalizer, key });
      return;
    }

    if (index < 0) return;
    if (uid && cleaned.get(uid) === rv) {
      log.debug("finalizer already removed from this version; stale cache", { finalizer, key });
      return;
    }
    try {
      await cleanup(obj, ctx);
    } catch (err) {
      throw new FinalizerError("cleanup", finalizer, key, err);
    }
    const path = `/metadata/finalizers/${index}`;
    try {
      await patch(
        obj,
        [
          { op: "test", path, value: finalizer },
          { op: "remove", path },
        ],
        ctx?.signal,
      );
    } catch (err) {
      if (!isNotFound(err)) throw new FinalizerError("remove", finalizer, key, err);
    }
    if (uid) {
      cleaned.delete(uid);
      cleaned.set(uid, rv);
      if (cleaned.size > CLEANED_LIMIT) cleaned.delete(cleaned.keys().next().value as string);
    }
    log.debug("cleanup done; finalizer removed", { finalizer, key });
  };
}

/**
 * Whether `obj` carries the finalizer `name`.
 *
 * @example
 * ```ts
 * import { hasFinalizer } from "kubeloop";
 * hasFinalizer({ metadata: { name: "a", finalizers: ["example.com/registry"] } }, "example.com/registry"); // true
 * ```
 */
export function hasFinalizer(obj: KubernetesObject, name: string): boolean {
  return finalizersOf(obj).includes(name);
}
