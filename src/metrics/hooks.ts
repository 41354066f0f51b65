/**
 * kubeloop's metrics hooks, implemented on a {@link MetricsRegistry} with the
 * metric names controller-runtime (and client-go's workqueue) export, so
 * existing dashboards and alerts work: `controller_runtime_reconcile_total`,
 * `controller_runtime_reconcile_time_seconds`, `workqueue_depth`,
 * `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
 * `leader_election_master_status`, … Informer counters have no common name;
 * they are `kubeloop_informer_*`.
 *
 * @module
 */

import type { ReflectorStats } from "../cache/reflector.ts";
import type { ReconcileMetrics, ReconcileOutcome } from "../controller/metrics.ts";
import type { ControllerInformer } from "../controller/resource.ts";
import type { WorkQueueMetrics } from "../queue/metrics.ts";
import type { KubernetesObject } from "../resources/meta.ts";
import { type CounterChild, exponentialBuckets, type MetricsRegistry } from "./registry.ts";

/** controller-runtime's reconcile-time buckets (seconds). */
const RECONCILE_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1,
  1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** client-go workqueue buckets: 10 ns to 1000 s, factor 10 (seconds). */
const QUEUE_BUCKETS: readonly number[] = exponentialBuckets(1e-8, 10, 12);

/**
 * Work-queue metrics for the queue called `name` (controller-runtime names
 * a controller's queue after the controller): `workqueue_depth`,
 * `workqueue_adds_total`, `workqueue_retries_total`,
 * `workqueue_queue_duration_seconds`, `workqueue_work_duration_seconds`,
 * `workqueue_unfinished_work_seconds` and
 * `workqueue_longest_running_processor_seconds`, labelled
 * `{controller, name}`.
 *
 * @example
 * ```ts
 * import { MetricsRegistry, RateLimitingQueue, workQueueMetrics } from "kubeloop";
 * const registry = new MetricsRegistry();
 * const queue = new RateLimitingQueue<string>({ metrics: workQueueMetrics(registry, "websites") });
 * queue.add("shop/a");
 * registry.render(); // … workqueue_depth{controller="websites",name="websites"} 1 …
 * queue.shutDown();
 * ```
 */
export function workQueueMetrics(registry: MetricsRegistry, name: string): WorkQueueMetrics {
  const labels = { controller: name, name };
  const ln = ["controller", "name"];
  const depth = registry.gauge("workqueue_depth", "Current depth of workqueue", ln).labels(labels);
  const adds = registry
    .counter("workqueue_adds_total", "Total number of adds handled by workqueue", ln)
    .labels(labels);
  const retries = registry
    .counter("workqueue_retries_total", "Total number of retries handled by workqueue", ln)
    .labels(labels);
  const latency = registry
    .histogram(
      "workqueue_queue_duration_seconds",
      "How long in seconds an item stays in workqueue before being requested",
      ln,
      QUEUE_BUCKETS,
    )
    .labels(labels);
  const work = registry
    .histogram(
      "workqueue_work_duration_seconds",
      "How long in seconds processing an item from workqueue takes",
      ln,
      QUEUE_BUCKETS,
    )
    .labels(labels);
  const unfinished = registry
    .gauge(
      "workqueue_unfinished_work_seconds",
      "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads.",
      ln,
    )
    .labels(labels);
  const longest = registry
    .gauge(
      "workqueue_longest_running_processor_seconds",
      "How many seconds has the longest running processor for workqueue been running",
      ln,
    )
    .labels(labels);
  return {
    depth: (n) => depth.set(n),
    add: () => adds.inc(),
    queueLatency: (ms) => latency.observe(ms / 1000),
    workDuration: (ms) => work.observe(ms / 1000),
    retry: () => retries.inc(),
    unfinishedWork: (totalMs, longestMs) => {
      unfinished.set(totalMs / 1000);
      longest.set(longestMs / 1000);
    },
  };
}

/**
 * Reconcile metrics for the controller `name`:
 * `controller_runtime_reconcile_total{controller,result}`,
 * `controller_runtime_reconcile_errors_total`,
 * `controller_runtime_reconcile_time_seconds`,
 * `controller_runtime_active_workers`,
 * `controller_runtime_max_concurrent_reconciles` (set to `workers`), and
 * `kubeloop_controller_dropped_keys_total` (keys given up on after their retries).
 *
 * @example
 * ```ts
 * import { Controller, MetricsRegistry, reconcileMetrics, workQueueMetrics, type Resource, type ConfigMap } from "kubeloop";
 * declare const resource: Resource<ConfigMap>;
 * const registry = new MetricsRegistry();
 * const controller = new Controller({
 *   resource,
 *   name: "configmaps",
 *   workers: 2,
 *   metrics: workQueueMetrics(registry, "configmaps"),
 *   reconcileMetrics: reconcileMetrics(registry, "configmaps", 2),
 * });
 * ```
 */
export function reconcileMetrics(
  registry: MetricsRegistry,
  name: string,
  workers = 1,
): ReconcileMetrics {
  const c = { controller: name };
  const totalFamily = registry.counter(
    "controller_runtime_reconcile_total",
    "Total number of reconciliations per controller",
    ["controller", "result"],
  );
  const totals: Record<ReconcileOutcome, CounterChild> = {
    success: totalFamily.labels({ ...c, result: "success" }),
    error: totalFamily.labels({ ...c, result: "error" }),
    requeue: totalFamily.labels({ ...c, result: "requeue" }),
    requeue_after: totalFamily.labels({ ...c, result: "requeue_after" }),
  };
  const errors = registry
    .counter(
      "controller_runtime_reconcile_errors_total",
      "Total number of reconciliation errors per controller",
      ["controller"],
    )
    .labels(c);
  const time = registry
    .histogram(
      "controller_runtime_reconcile_time_seconds",
      "Length of time per reconciliation per controller",
      ["controller"],
      RECONCILE_BUCKETS,
    )
    .labels(c);
  const active = registry
    .gauge("controller_runtime_active_workers", "Number of currently used workers per controller", [
      "controller",
    ])
    .labels(c);
  registry
    .gauge(
      "controller_runtime_max_concurrent_reconciles",
      "Maximum number of concurrent reconciles per controller",
      ["controller"],
    )
    .labels(c)
    .set(workers);
  const dropped = registry
    .counter(
      "kubeloop_controller_dropped_keys_total",
      "Keys given up on after their retries ran out, per controller",
      ["controller"],
    )
    .labels(c);
  return {
    reconcile: (outcome, ms) => {
      totals[outcome].inc();
      if (outcome === "error") errors.inc();
      time.observe(ms / 1000);
    },
    dropped: () => dropped.inc(),
    activeWorkers: (n) => active.set(n),
  };
}

/** The counters of {@link ReflectorStats} exported per informer, with their metric names. */
const INFORMER_COUNTERS: readonly [keyof ReflectorStats, string, string][] = [
  ["lists", "kubeloop_informer_lists_total", "Complete lists (initial lists and relists)"],
  ["relists", "kubeloop_informer_relists_total", "Lists after the first one (410s, failures)"],
  ["watches", "kubeloop_informer_watches_total", "Watch requests started"],
  [
    "reconnects",
    "kubeloop_informer_watch_reconnects_total",
    "Watches resumed from a resource version (not right after a list)",
  ],
  ["events", "kubeloop_informer_events_total", "Watch events applied to the cache"],
  [
    "invalidObjects",
    "kubeloop_informer_invalid_objects_total",
    "Objects that failed their schema (not stored)",
  ],
  [
    "errors",
    "kubeloop_informer_errors_total",
    "Failures reported (list, watch, validation, handler)",
  ],
];

/**
 * Informer metrics, read at each scrape from `informers()`: the counters of
 * their stats as `kubeloop_informer_*_total` and `kubeloop_informer_synced`,
 * labelled `{group, version, resource}` (informers of one kind, e.g. other
 * namespaces or selectors, are summed; `synced` is 1 only when all are).
 *
 * @example
 * ```ts
 * import { informerMetrics, InformerFactory, type KubeClient, MetricsRegistry } from "kubeloop";
 * declare const client: KubeClient;
 * const factory = new InformerFactory(client);
 * const registry = new MetricsRegistry();
 * informerMetrics(registry, () => factory.informers());
 * ```
 */
export function informerMetrics(
  registry: MetricsRegistry,
  informers: () => readonly (ControllerInformer<KubernetesObject> & { stats?(): ReflectorStats })[],
): void {
  const labelNames = ["group", "version", "resource"];
  const counters = INFORMER_COUNTERS.map(
    ([field, name, help]) => [field, registry.counter(name, help, labelNames)] as const,
  );
  const synced = registry.gauge(
    "kubeloop_informer_synced",
    "Whether the informer's initial list is in its cache (1) or not (0)",
    labelNames,
  );
  registry.addCollector(() => {
    for (const [, family] of counters) family.reset();
    synced.reset();
    const seen = new Set<string>();
    for (const informer of informers()) {
      const t = informer.resourceType;
      const labels = {
        group: t?.group ?? "",
        version: t?.version ?? "",
        resource: t?.plural ?? "",
      };
      const stats = informer.stats?.();
      if (stats !== undefined) {
        for (const [field, family] of counters) family.labels(labels).inc(stats[field]);
      }
      // synced only when every informer of these labels is
      const key = `${labels.group}/${labels.version}/${labels.resource}`;
      const g = synced.labels(labels);
      const ok = informer.hasSynced() ? 1 : 0;
      g.set(seen.has(key) ? Math.min(g.value, ok) : ok);
      seen.add(key);
    }
  });
}

/**
 * `leader_election_master_status{name}`: 1 while `isLeader()` says this
 * replica leads the election `name`, else 0 (client-go's metric), read at
 * each scrape.
 *
 * @example
 * ```ts
 * import { leaderElectionMetrics, type LeaderElector, MetricsRegistry } from "kubeloop";
 * declare const elector: LeaderElector;
 * const registry = new MetricsRegistry();
 * leaderElectionMetrics(registry, "website-operator", () => elector.isLeader());
 * ```
 */
export function leaderElectionMetrics(
  registry: MetricsRegistry,
  name: string,
  isLeader: () => boolean,
): void {
  const g = registry
    .gauge(
      "leader_election_master_status",
      "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
      ["name"],
    )
    .labels({ name });
  registry.addCollector(() => g.set(isLeader() ? 1 : 0));
}
