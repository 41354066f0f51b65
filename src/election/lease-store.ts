/**
 * The small storage interface leader election and shard membership run on,
 * and its implementation over a {@link KubeClient}. Keeping the election
 * logic behind {@link LeaseStore} lets it be tested (or backed by something
 * other than the API server) without a client.
 *
 * @module
 */
import { SharedInformer } from "../cache/informer.ts";
import type { KubeClient } from "../client/client.ts";
import { isConflict, isNotFound } from "../client/errors.ts";
import type { ControllerInformer } from "../controller/resource.ts";
import { type Lease, Leases } from "../resources/coordination.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";

/**
 * Options of {@link LeaseStore.informer}.
 *
 * @example
 * ```ts
 * import { FakeClock, type LeaseInformerOptions, silentLogger } from "kubeloop";
 * const options: LeaseInformerOptions = { clock: new FakeClock(), logger: silentLogger, maxBackoffMs: 2_000 };
 * ```
 */
export interface LeaseInformerOptions {
  /** Time source of the informer (reconnect backoff, idle deadline). */
  clock?: Clock | undefined;
  /** Logger (default: silent). */
  logger?: Logger | undefined;
  /** Longest wait between reconnects (a lease watch must come back quickly). */
  maxBackoffMs?: number | undefined;
}

/**
 * Options of {@link LeaseStore.delete}.
 *
 * @example
 * ```ts
 * import type { LeaseDeleteOptions, LeaseStore } from "kubeloop";
 * declare const store: LeaseStore;
 * const options: LeaseDeleteOptions = { resourceVersion: "42" };
 * await store.delete("kube-system", "web-shard-pod-a", undefined, options);
 * ```
 */
export interface LeaseDeleteOptions {
  /** Delete only if the lease still has this resource version (else a 409 error). */
  resourceVersion?: string | undefined;
}

/**
 * Lease storage with optimistic concurrency.
 *
 * - `get` resolves `undefined` when the lease does not exist.
 * - `create` rejects with a 409 error (`isConflict(err)`) when it already exists.
 * - `replace` must honour `metadata.resourceVersion`: a stale one rejects
 *   with a 409 error (`isConflict(err)`).
 *
 * @example
 * ```ts
 * import { type KubeClient, kubeLeaseStore, type LeaseStore } from "kubeloop";
 * declare const client: KubeClient;
 * const store: LeaseStore = kubeLeaseStore(client);
 * const lease = await store.get("kube-system", "my-controller");
 * ```
 */
export interface LeaseStore {
  /** Read one lease; `undefined` when it does not exist. */
  get(namespace: string, name: string, signal?: AbortSignal): Promise<Lease | undefined>;
  /** Create a lease. */
  create(lease: Lease, signal?: AbortSignal): Promise<Lease>;
  /** Replace a lease, conditional on its `metadata.resourceVersion`. */
  replace(lease: Lease, signal?: AbortSignal): Promise<Lease>;
  /** List the leases in `namespace` matching a label selector. */
  list(namespace: string, labelSelector: string, signal?: AbortSignal): Promise<Lease[]>;
  /**
   * Delete a lease; resolves when it is gone (also when it was already gone).
   * With `options.resourceVersion`, rejects with a 409 error if the lease has
   * changed since.
   */
  delete(
    namespace: string,
    name: string,
    signal?: AbortSignal,
    options?: LeaseDeleteOptions,
  ): Promise<void>;
  /**
   * Optional: an informer (list + watch) over the leases in `namespace`
   * matching `labelSelector`. Shard membership watches its group with it
   * instead of listing every retry period; without it, it lists.
   */
  informer?(
    namespace: string,
    labelSelector: string,
    options?: LeaseInformerOptions,
  ): ControllerInformer<Lease>;
}

/**
 * A {@link LeaseStore} over `coordination.k8s.io/v1` Leases through a
 * {@link KubeClient}. Needs RBAC `get`, `create`, `update` (and, for shard
 * membership, `list`, `watch` and `delete`) on `leases` in the namespace.
 *
 * @example
 * ```ts
 * import { KubeClient, kubeLeaseStore, LeaderElector } from "kubeloop";
 * declare const token: string;
 * const client = new KubeClient({ server: "https://10.0.0.1:6443", token });
 * const elector = new LeaderElector({
 *   store: kubeLeaseStore(client), namespace: "kube-system", name: "my-controller",
 *   identity: "pod-a",
 * });
 * ```
 */
export function kubeLeaseStore(client: KubeClient): LeaseStore {
  return {
    async get(namespace, name, signal) {
      try {
        return await client.get(Leases, name, { namespace, signal });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    create(lease, signal) {
      return client.create(Leases, lease, { namespace: lease.metadata.namespace, signal });
    },
    replace(lease, signal) {
      return client.replace(Leases, lease, { namespace: lease.metadata.namespace, signal });
    },
    async list(namespace, labelSelector, signal) {
      const list = await client.listAll(Leases, { namespace, labelSelector, signal });
      return list.items;
    },
    async delete(namespace, name, signal, options) {
      const rv = options?.resourceVersion;
      try {
        await client.delete(Leases, name, {
          namespace,
          signal,
          ...(rv !== undefined ? { preconditions: { resourceVersion: rv } } : {}),
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    informer(namespace, labelSelector, options = {}) {
      return new SharedInformer(client, Leases, {
        namespace,
        labelSelector,
        clock: options.clock,
        logger: options.logger,
        ...(options.maxBackoffMs !== undefined
          ? {
              backoff: {
                initialMs: Math.min(800, options.maxBackoffMs),
                maxMs: options.maxBackoffMs,
              },
            }
          : {}),
      });
    },
  };
}

/**
 * Whether `err` is an optimistic-concurrency failure (HTTP 409).
 *
 * @example
 * ```ts
 * import { isLeaseConflict, type Lease, type LeaseStore } from "kubeloop";
 * declare const store: LeaseStore;
 * declare const staleLease: Lease;
 * try { await store.replace(staleLease); } catch (err) { if (isLeaseConflict(err)) console.log("re-read"); }
 * ```
 */
export function isLeaseConflict(err: unknown): boolean {
  if (isConflict(err)) return true;
  return (err as { code?: unknown } | null)?.code === 409;
}

/**
 * Format epoch milliseconds as a Kubernetes `MicroTime`
 * (`2006-01-02T15:04:05.000000Z`, exactly six fractional digits).
 *
 * @example
 * ```ts
 * import { formatMicroTime } from "kubeloop";
 * formatMicroTime(0); // "1970-01-01T00:00:00.000000Z"
 * ```
 */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
