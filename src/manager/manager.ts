/**
 * `Manager`: runs several controllers and backgrounders over one shared
 * {@link InformerFactory}, optionally behind leader election or split across
 * replicas by sharding, with one `run(signal)` and a health/readiness state
 * for probes (controller-runtime's manager, in TypeScript idiom).
 *
 * @module
 */
import { InformerFactory } from "../cache/factory.ts";
import type { Informer, InformerOptions } from "../cache/informer.ts";
import type { ListWatchClient } from "../cache/reflector.ts";
import type { KubeClient } from "../client/client.ts";
import { isAbortError } from "../client/errors.ts";
import { Controller, type ControllerOptions } from "../controller/controller.ts";
import type { ControllerFilter } from "../controller/filter.ts";
import type { Backgrounder, Resource } from "../controller/resource.ts";
import {
  LeaderElector,
  type LeaderElectorOptions,
  LeadershipLostError,
} from "../election/leader-election.ts";
import { kubeLeaseStore, type LeaseStore } from "../election/lease-store.ts";
import {
  OwnedInformer,
  type OwnedInformerOptions,
  ShardMembership,
  type ShardMembershipOptions,
  type ShardStatus,
} from "../election/sharding.ts";
import {
  informerMetrics,
  leaderElectionMetrics,
  reconcileMetrics,
  workQueueMetrics,
} from "../metrics/hooks.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import type { KubernetesObject, PartialObjectMetadata } from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { defaultLogger, type Logger } from "../util/logger.ts";

/**
 * Leader election settings of a {@link Manager}.
 *
 * @example
 * ```ts
 * import { type KubeClient, Manager, type ManagerLeaderElectionOptions } from "kubeloop";
 * declare const client: KubeClient;
 * const leaderElection: ManagerLeaderElectionOptions = {
 *   namespace: "ops", name: "cm-controller", identity: `pod-a-${crypto.randomUUID()}`, rejoin: true,
 * };
 * const manager = new Manager({ client, leaderElection });
 * ```
 */
export type ManagerLeaderElectionOptions = Omit<
  LeaderElectorOptions,
  "store" | "client" | "clock" | "logger" | "onStartedLeading" | "onStoppedLeading"
> & {
  /** Lease storage (default: Leases through the manager's client). */
  store?: LeaseStore | undefined;
  /**
   * After losing the lease, campaign again (`true`) instead of stopping with
   * a {@link LeadershipLostError} (default `false`, as controller-runtime:
   * let the process exit and restart).
   */
  rejoin?: boolean | undefined;
};

/**
 * Sharding settings of a {@link Manager}.
 *
 * @example
 * ```ts
 * import { type KubeClient, Manager, type ManagerShardingOptions } from "kubeloop";
 * declare const client: KubeClient;
 * const sharding: ManagerShardingOptions = { namespace: "ops", group: "cm-controller", identity: "pod-a" };
 * const manager = new Manager({ client, sharding });
 * ```
 */
export type ManagerShardingOptions = Omit<
  ShardMembershipOptions,
  "store" | "client" | "clock" | "logger"
> & {
  /** Lease storage (default: Leases through the manager's client). */
  store?: LeaseStore | undefined;
};

/**
 * Options of {@link Manager}.
 *
 * @example
 * ```ts
 * import { consoleLogger, type KubeClient, Manager, type ManagerOptions } from "kubeloop";
 * declare const client: KubeClient;
 * const options: ManagerOptions = { client, logger: consoleLogger("info") };
 * const manager = new Manager(options);
 * ```
 */
export interface ManagerOptions {
  /** The client for informers and leases. */
  client: KubeClient | ListWatchClient;
  /** The informer factory to share (default: a new one over `client`). */
  factory?: InformerFactory | undefined;
  /** Defaults for informers of the default factory (the manager's clock and logger are added). */
  informerDefaults?: InformerOptions<KubernetesObject> | undefined;
  /** Run controllers only on the elected leader. */
  leaderElection?: ManagerLeaderElectionOptions | undefined;
  /** Split the keys of sharded controllers across replicas (not together with `leaderElection`). */
  sharding?: ManagerShardingOptions | undefined;
  /** Time source (default: the real clock). */
  clock?: Clock | undefined;
  /** Logger (default: `defaultLogger`, warnings and errors to the console). */
  logger?: Logger | undefined;
  /**
   * Where controller, work-queue, informer and leader-election metrics go,
   * served at `/metrics` by {@link Manager.probe} (default: a new
   * {@link MetricsRegistry}; `false` turns metrics off).
   */
  metrics?: MetricsRegistry | false | undefined;
}

/**
 * Options of {@link Manager.add}: a controller's options without the resource.
 *
 * @example
 * ```ts
 * import { type ConfigMap, type Manager, type ManagedControllerOptions, type Resource } from "kubeloop";
 * declare const manager: Manager;
 * declare const resource: Resource<ConfigMap>;
 * const options: ManagedControllerOptions<ConfigMap> = { name: "configmaps", workers: 4, sharded: false };
 * manager.add(resource, options);
 * ```
 */
export type ManagedControllerOptions<T extends KubernetesObject> = Omit<
  ControllerOptions<T>,
  "resource"
> & {
  /** Only run on the leader (default true; ignored without leader election). */
  needsLeaderElection?: boolean | undefined;
  /** Process only the keys this replica owns (needs `sharding`; default: true when sharding is set). */
  sharded?: boolean | undefined;
};

/**
 * Options of {@link Manager.addBackgrounder}.
 *
 * @example
 * ```ts
 * import type { ManagedBackgrounderOptions, Manager } from "kubeloop";
 * declare const manager: Manager;
 * const options: ManagedBackgrounderOptions = { name: "metrics-pusher", needsLeaderElection: false };
 * const pusher = {
 *   run: (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve())),
 * };
 * manager.addBackgrounder(pusher, options);
 * ```
 */
export interface ManagedBackgrounderOptions {
  /** Name for logs and health (default `backgrounder-<n>`). */
  name?: string | undefined;
  /** Only run on the leader (default true; ignored without leader election). */
  needsLeaderElection?: boolean | undefined;
}

/**
 * Per-controller health.
 *
 * @example
 * ```ts
 * import type { ManagedControllerHealth, Manager } from "kubeloop";
 * declare const manager: Manager;
 * const notSynced: ManagedControllerHealth[] = manager.health().controllers.filter((c) => !c.synced);
 * console.log("waiting for", notSynced.map((c) => c.name));
 * ```
 */
export interface ManagedControllerHealth {
  /** The controller's name. */
  name: string;
  /** The controller's `run` is in progress on this replica. */
  running: boolean;
  /** The controller's informer has synced. */
  synced: boolean;
}

/**
 * What {@link Manager.health} reports (serve it from probes).
 *
 * @example
 * ```ts
 * import type { Manager, ManagerHealth } from "kubeloop";
 * declare const manager: Manager;
 * const h: ManagerHealth = manager.health();
 * const status = h.ready ? 200 : 503;
 * console.log(status, h.leading ? "leader" : `standby (leader: ${h.leader})`, h.error ?? "");
 * ```
 */
export interface ManagerHealth {
  /** `run` is in progress. */
  running: boolean;
  /** Every informer of the factory and of every controller has synced. */
  synced: boolean;
  /** This replica leads (always true while running without leader election). */
  leading: boolean;
  /** Whether leader election is configured. */
  leaderElection: boolean;
  /** The observed leader (with leader election). */
  leader: string | undefined;
  /** Readiness: running and synced (standby replicas are ready too: their caches are warm). */
  ready: boolean;
  /** Liveness: running and nothing has failed. */
  healthy: boolean;
  /** Why the manager failed, if it did. */
  error: string | undefined;
  /** Controllers and whether they run (on this replica) and synced. */
  controllers: ManagedControllerHealth[];
  /** Shard membership, when sharding is configured. */
  shard: ShardStatus | undefined;
}

/**
 * `Manager.run` was called a second time (informers run once).
 *
 * @example
 * ```ts
 * import { type Manager, ManagerAlreadyStartedError } from "kubeloop";
 * declare const manager: Manager;
 * declare const signal: AbortSignal;
 * try { await manager.run(signal); } catch (err) {
 *   if (err instanceof ManagerAlreadyStartedError) console.log("create a new Manager");
 * }
 * ```
 */
export class ManagerAlreadyStartedError extends Error {
  /** Always `"ManagerAlreadyStartedError"`. */
  override readonly name = "ManagerAlreadyStartedError";
  /** Create the error with its fixed message. */
  constructor() {
    super("Manager.run() can be called only once; create a new Manager to run again");
  }
}

interface Runnable {
  name: string;
  leaderOnly: boolean;
  run(signal: AbortSignal): Promise<void>;
  /** Set for controllers: what health reads. */
  controller?: { readonly running: boolean; hasSynced(): boolean } | undefined;
}

/** A filter accepting what both accept (either may be absent). */
function combineFilters(
  a: ControllerFilter | ((key: string) => boolean) | undefined,
  b: ControllerFilter | undefined,
): ControllerFilter | ((key: string) => boolean) | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const fa: ControllerFilter = typeof a === "function" ? { accepts: a } : a;
  return {
    accepts: (key) => fa.accepts(key) && b.accepts(key),
    subscribe: (listener) => {
      const offA = fa.subscribe?.(listener);
      const offB = b.subscribe?.(listener);
      return () => {
        offA?.();
        offB?.();
      };
    },
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs controllers and backgrounders over one shared {@link InformerFactory}.
 *
 * - Informers start on every replica at once (warm standby caches); controllers
 *   and leader-only backgrounders start once this replica leads (with
 *   `leaderElection`), or right away.
 * - With `sharding`, every replica runs the controllers, each processing only
 *   the keys it owns: the {@link ShardMembership} is the controllers' filter.
 * - Take informers for managed controllers from {@link Manager.informer}: the
 *   factory runs them, and controllers only attach handlers.
 * - The first controller or backgrounder that fails stops everything and
 *   `run` rejects with its error; losing the lease rejects with
 *   {@link LeadershipLostError} (unless `rejoin`).
 * - Shutdown order: controllers and backgrounders (in-flight reconciles
 *   finish), then the lease is released / the shard group is left, then the
 *   informers stop.
 *
 * @example
 * ```ts
 * import { ConfigMaps, KubeClient, Manager, newResource } from "kubeloop";
 * declare const token: string;
 * declare const podName: string;
 * const client = new KubeClient({ server: "https://10.0.0.1:6443", token });
 * const manager = new Manager({
 *   client,
 *   leaderElection: { namespace: "ops", name: "cm-controller", identity: podName },
 * });
 * const cms = manager.informer(ConfigMaps, { namespace: "default" });
 * manager.add(newResource(cms, async (key, cm) => console.log("upsert", key), async () => {}));
 * const stop = new AbortController();
 * // liveness / readiness: manager.health().healthy / .ready, or manager.probe(request)
 * await manager.run(stop.signal);
 * ```
 */
export class Manager {
  /** The shared informer factory. */
  readonly factory: InformerFactory;
  readonly #client: KubeClient | ListWatchClient;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #elector: LeaderElector | undefined;
  readonly #rejoin: boolean;
  readonly #membership: ShardMembership | undefined;
  readonly #runnables: Runnable[] = [];
  readonly #metrics: MetricsRegistry | undefined;
  #started = false;
  #running = false;
  #error: unknown;
  #factoryStopped: Promise<void> = Promise.resolve();
  #backgrounders = 0;

  /**
   * Create a manager (nothing runs until {@link Manager.run}). Uses
   * `options.factory` or a new {@link InformerFactory} on `options.client`.
   *
   * @throws {TypeError} if `client` is missing, both `leaderElection` and
   *   `sharding` are given, or either needs a lease store the client cannot provide.
   */
  constructor(options: ManagerOptions) {
    if (!options?.client) throw new TypeError("Manager: client is required");
    if (options.leaderElection && options.sharding) {
      throw new TypeError("Manager: use either leaderElection or sharding, not both");
    }
    this.#client = options.client;
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger ?? defaultLogger;
    this.factory =
      options.factory ??
      new InformerFactory(options.client, {
        clock: this.#clock,
        logger: this.#logger,
        ...options.informerDefaults,
      });
    const leaseStore = (store: LeaseStore | undefined): LeaseStore => {
      if (store) return store;
      const client = options.client as KubeClient;
      if (typeof client.replace !== "function" || typeof client.create !== "function") {
        throw new TypeError("Manager: leader election / sharding need a KubeClient or a store");
      }
      return kubeLeaseStore(client);
    };
    if (options.leaderElection) {
      const { rejoin, store, ...le } = options.leaderElection;
      this.#rejoin = rejoin ?? false;
      this.#elector = new LeaderElector({
        ...le,
        store: leaseStore(store),
        clock: this.#clock,
        logger: this.#logger,
        onStartedLeading: (signal) => this.#runLeaderWork(signal),
      });
    } else {
      this.#rejoin = false;
    }
    this.#metrics =
      options.metrics === false ? undefined : (options.metrics ?? new MetricsRegistry());
    if (this.#metrics !== undefined) {
      informerMetrics(this.#metrics, () => this.factory.informers());
      const elector = this.#elector;
      if (elector !== undefined && options.leaderElection) {
        leaderElectionMetrics(
          this.#metrics,
          options.leaderElection.name,
          () => this.#running && elector.isLeader(),
        );
      }
    }
    if (options.sharding) {
      const { store, ...sh } = options.sharding;
      this.#membership = new ShardMembership({
        ...sh,
        store: leaseStore(store),
        clock: this.#clock,
        logger: this.#logger,
      });
    }
  }

  /** The leader elector, when leader election is configured. */
  get elector(): LeaderElector | undefined {
    return this.#elector;
  }

  /** The shard membership, when sharding is configured. */
  get membership(): ShardMembership | undefined {
    return this.#membership;
  }

  /** The metrics registry served at `/metrics` (undefined when metrics are off). */
  get metrics(): MetricsRegistry | undefined {
    return this.#metrics;
  }

  /**
   * The factory's shared informer for `type` and these options. The manager
   * runs it (once, for everyone); pass it to `newResource` for controllers
   * added with {@link Manager.add}, which only attach handlers.
   */
  informer<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: InformerOptions<PartialObjectMetadata> & { metadataOnly: true },
  ): Informer<PartialObjectMetadata>;
  /** The factory's shared informer for `type` and these options (the manager runs it). */
  informer<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts?: InformerOptions<T>,
  ): Informer<T>;
  informer<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: InformerOptions<T> = {},
  ): Informer<T> {
    return this.factory.informer(type, opts);
  }

  /**
   * An informer that caches only the keys this replica owns
   * ({@link OwnedInformer}; needs `sharding`): memory per replica falls with
   * the number of replicas. It is not shared: the controller it is given to
   * runs it.
   *
   * @throws {TypeError} without the `sharding` option.
   */
  ownedInformer<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: OwnedInformerOptions<T> = {},
  ): OwnedInformer<T> {
    if (!this.#membership)
      throw new TypeError("Manager: ownedInformer needs the `sharding` option");
    return new OwnedInformer(this.#client, type, this.#membership, {
      clock: this.#clock,
      logger: this.#logger,
      ...opts,
    });
  }

  /**
   * Add a controller for `resource`. Returns the {@link Controller} (for its
   * name and state); the manager runs it. The controller gets the manager's
   * factory (its triggers' informers are shared and run by the manager), and
   * with sharding a filter that accepts only this replica's keys.
   */
  add<T extends KubernetesObject>(
    resource: Resource<T>,
    options: ManagedControllerOptions<T> = {},
  ): Controller<T> {
    if (this.#started) throw new Error("Manager: add controllers before run()");
    const { needsLeaderElection, sharded, filter, ...controllerOptions } = options;
    const useShard = sharded ?? this.#membership !== undefined;
    if (useShard && !this.#membership) {
      throw new TypeError("Manager: sharded controllers need the `sharding` option");
    }
    const membership = useShard ? this.#membership : undefined;
    const name = controllerOptions.name ?? resource.informer().resourceType?.plural ?? "controller";
    if (this.#runnables.some((r) => r.controller !== undefined && r.name === name)) {
      throw new TypeError(
        `Manager: a controller named ${JSON.stringify(name)} was already added (names label its metrics: pass a distinct name)`,
      );
    }
    const registry = this.#metrics;
    const controller = new Controller<T>({
      clock: this.#clock,
      logger: this.#logger,
      factory: this.factory,
      ...(registry !== undefined
        ? {
            metrics: workQueueMetrics(registry, name),
            reconcileMetrics: reconcileMetrics(registry, name, controllerOptions.workers ?? 1),
          }
        : {}),
      ...controllerOptions,
      name,
      resource,
      filter: combineFilters(filter, membership),
    });
    this.#runnables.push({
      name: controller.name,
      leaderOnly: needsLeaderElection ?? true,
      run: (signal) => controller.run(signal),
      controller,
    });
    return controller;
  }

  /** Add something to run alongside the controllers (e.g. a periodic job). */
  addBackgrounder(backgrounder: Backgrounder, options: ManagedBackgrounderOptions = {}): void {
    if (this.#started) throw new Error("Manager: add backgrounders before run()");
    this.#runnables.push({
      name: options.name ?? `backgrounder-${++this.#backgrounders}`,
      leaderOnly: options.needsLeaderElection ?? true,
      run: (signal) => backgrounder.run(signal),
    });
  }

  /** Health and readiness, for probes and dashboards. */
  health(): ManagerHealth {
    const controllers: ManagedControllerHealth[] = [];
    for (const r of this.#runnables) {
      if (r.controller === undefined) continue;
      controllers.push({
        name: r.name,
        running: r.controller.running,
        synced: r.controller.hasSynced(),
      });
    }
    const informersSynced = this.factory.informers().every((i) => i.hasSynced());
    const synced =
      this.#started && informersSynced && controllers.every((c) => c.synced || !c.running);
    const leading = this.#running && (this.#elector ? this.#elector.isLeader() : true);
    return {
      running: this.#running,
      synced,
      leading,
      leaderElection: this.#elector !== undefined,
      leader: this.#elector?.getLeader() || undefined,
      ready: this.#running && synced,
      healthy: this.#running && this.#error === undefined,
      error: this.#error === undefined ? undefined : message(this.#error),
      controllers,
      shard: this.#membership?.status(),
    };
  }

  /**
   * The manager's health server as a fetch handler (web-standard `Request` →
   * `Response`): `/healthz` and `/livez` answer 200 while healthy, `/readyz`
   * 200 while ready, 503 otherwise, with {@link Manager.health} as JSON;
   * `/metrics` answers the Prometheus text format (unless metrics are off).
   * Serve it with any HTTP server of your runtime.
   */
  probe(request: Request): Response {
    const path = new URL(request.url).pathname;
    if (path.endsWith("/metrics") && this.#metrics !== undefined) {
      return this.#metrics.handler(request);
    }
    const h = this.health();
    let ok: boolean;
    if (path.endsWith("/readyz")) ok = h.ready;
    else if (path.endsWith("/healthz") || path.endsWith("/livez")) ok = h.healthy;
    else return new Response("not found\n", { status: 404 });
    return new Response(JSON.stringify(h), {
      status: ok ? 200 : 503,
      headers: { "Content-Type": "application/json" },
    });
  }

  /**
   * Run until `signal` aborts, then shut down in order and resolve. Rejects
   * with the first failure of a controller or backgrounder, or with a
   * {@link LeadershipLostError}. Can be called once.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#started) throw new ManagerAlreadyStartedError();
    this.#started = true;
    this.#running = true;
    const factoryCtl = new AbortController();
    const work = new AbortController();
    this.#work = work;
    const onAbort = (): void => work.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    const membershipCtl = new AbortController();
    let membershipDone: Promise<void> = Promise.resolve();
    this.#logger.info("manager starting", { runnables: this.#runnables.length });
    try {
      this.factory.start(factoryCtl.signal);
      this.#factoryStopped = this.factory.stopped();
      if (this.#membership) membershipDone = this.#membership.run(membershipCtl.signal);
      const elector = this.#elector;
      if (!elector) {
        await this.#runAll(this.#runnables, work.signal);
      } else {
        const always = this.#runAll(
          this.#runnables.filter((r) => !r.leaderOnly),
          work.signal,
        );
        for (;;) {
          const outcome = await elector.run(work.signal);
          if (outcome === "stopped" || work.signal.aborted) break;
          if (!this.#rejoin) {
            this.#fail(
              new LeadershipLostError(
                elector.status().leader ?? "",
                elector.identity,
                "leadership lost; manager stopped",
              ),
            );
            break;
          }
          this.#logger.warn("manager: lost leadership; campaigning again");
        }
        work.abort(signal.reason);
        await always;
      }
    } finally {
      work.abort(signal.reason);
      signal.removeEventListener("abort", onAbort);
      membershipCtl.abort();
      await membershipDone.catch((err) => this.#fail(err));
      factoryCtl.abort();
      await this.#factoryStopped;
      this.#running = false;
      this.#logger.info("manager stopped", {
        error: this.#error === undefined ? undefined : message(this.#error),
      });
    }
    if (this.#error !== undefined) throw this.#error;
  }

  #work: AbortController | undefined;

  /** Record the first failure and stop everything. */
  #fail(err: unknown): void {
    if (this.#error === undefined) {
      this.#error = err;
      this.#logger.error("manager: stopping after a failure", { error: message(err) });
    }
    this.#work?.abort(err);
  }

  /** The leader's work: leader-only runnables until leadership ends. */
  #runLeaderWork(signal: AbortSignal): Promise<void> {
    return this.#runAll(
      this.#runnables.filter((r) => r.leaderOnly),
      signal,
    );
  }

  /** Run `runnables` until `signal` aborts; the first failure stops the whole manager. */
  async #runAll(runnables: Runnable[], signal: AbortSignal): Promise<void> {
    await Promise.all(
      runnables.map(async (r) => {
        try {
          await r.run(signal);
          if (!signal.aborted) {
            this.#logger.warn("manager: runnable returned before shutdown", { name: r.name });
          }
        } catch (err) {
          if (signal.aborted && (err === signal.reason || isAbortError(err))) return;
          this.#logger.error("manager: runnable failed", { name: r.name, error: message(err) });
          this.#fail(err);
        }
      }),
    );
  }
}
