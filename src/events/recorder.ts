/**
 * `EventRecorder`: Kubernetes Events (`events.k8s.io/v1`) about the objects a
 * controller reconciles, as `kubectl describe` shows them. Repeats fold into
 * a series on the injected clock, writes are rate limited on the client, and
 * nothing ever throws into (or waits inside) a reconcile.
 *
 * @module
 */
import type { KubeClient } from "../client/client.ts";
import { isNotFound } from "../client/errors.ts";
import { formatMicroTime } from "../election/lease-store.ts";
import { BucketRateLimiter } from "../queue/rate-limiters.ts";
import type { ObjectReference } from "../resources/common.ts";
import { EventsV1, type EventV1 } from "../resources/events.ts";
import type { KubernetesObject } from "../resources/meta.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { defaultLogger, type Logger } from "../util/logger.ts";

/**
 * An event to record: what happened to the `regarding` object.
 *
 * @example
 * ```ts
 * import type { EventInput } from "kubeloop";
 * const ev: EventInput = {
 *   type: "Normal",
 *   reason: "Provisioned",
 *   action: "Reconcile",
 *   note: "created Deployment shop-web",
 * };
 * ```
 */
export interface EventInput {
  /** `Normal`, or `Warning` when something needs a look. */
  type: "Normal" | "Warning";
  /** Short CamelCase reason (at most 128 characters), e.g. `Provisioned`. */
  reason: string;
  /** What the controller did or tried (at most 128 characters), e.g. `Reconcile`. */
  action: string;
  /** Human-readable details (at most 1 kB). */
  note?: string | undefined;
  /** A second object involved, e.g. the Deployment a Website owns. */
  related?: ObjectReference | undefined;
}

/**
 * Options of {@link EventRecorder}.
 *
 * @example
 * ```ts
 * import { type EventRecorderOptions, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * declare const podName: string;
 * const options: EventRecorderOptions = {
 *   client,
 *   reportingController: "example.com/website-operator",
 *   reportingInstance: podName,
 * };
 * ```
 */
export interface EventRecorderOptions {
  /** Creates and patches the Events (a `KubeClient`). */
  client: Pick<KubeClient, "create" | "patch">;
  /** The controller's name, e.g. `example.com/website-operator` (at most 128 characters). */
  reportingController: string;
  /** This replica, e.g. its pod name (default: `reportingController`; at most 128 characters). */
  reportingInstance?: string | undefined;
  /** Clock for event times, the series window and the rate limit (default: the real clock). */
  clock?: Clock | undefined;
  /** Where write failures and drops go (default: `defaultLogger`, warnings and errors to the console). */
  logger?: Logger | undefined;
  /**
   * A repeat within this many ms of the previous occurrence continues the
   * series (one Event object, `series.count` counting up); later, a new
   * Event object starts (default 6 minutes, as client-go and kube-rs).
   */
  seriesWindowMs?: number | undefined;
  /** Writes allowed at once before the rate limit applies (default 25). */
  burst?: number | undefined;
  /** Sustained writes per second (default 5). */
  qps?: number | undefined;
  /** Series waiting to be written; beyond this, new events are dropped and logged (default 1000). */
  maxPending?: number | undefined;
  /** Series remembered for folding repeats (default 4096; the least recent are forgotten first). */
  maxSeries?: number | undefined;
}

/**
 * Counters of an {@link EventRecorder}.
 *
 * @example
 * ```ts
 * import type { EventRecorder, EventRecorderStats } from "kubeloop";
 * declare const recorder: EventRecorder;
 * const stats: EventRecorderStats = recorder.stats();
 * console.log(stats.created, stats.updated, stats.dropped, stats.failed);
 * ```
 */
export interface EventRecorderStats {
  /** `publish` calls. */
  published: number;
  /** Event objects created. */
  created: number;
  /** Series updates written (patches). */
  updated: number;
  /** Events dropped: invalid input, or the pending queue was full. */
  dropped: number;
  /** Writes that failed (logged). */
  failed: number;
  /** Series waiting to be written now. */
  pending: number;
}

/**
 * A rule of the RBAC role a controller needs (the shape of a `ClusterRole`
 * or `Role` rule).
 *
 * @example
 * ```ts
 * import type { RbacRule } from "kubeloop";
 * const rule: RbacRule = { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] };
 * ```
 */
export interface RbacRule {
  /** API groups (`""` is the core group). */
  apiGroups: readonly string[];
  /** Resources, e.g. `events`. */
  resources: readonly string[];
  /** Verbs, e.g. `create`. */
  verbs: readonly string[];
}

/**
 * The RBAC an {@link EventRecorder} needs: `create` and `patch` on
 * `events.k8s.io` `events`, in the namespaces of the objects it reports on
 * (`default` for cluster-scoped ones).
 *
 * @example
 * ```ts
 * import { EVENT_RECORDER_RBAC } from "kubeloop";
 * const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", rules: EVENT_RECORDER_RBAC };
 * ```
 */
export const EVENT_RECORDER_RBAC: readonly RbacRule[] = Object.freeze([
  Object.freeze({
    apiGroups: Object.freeze(["events.k8s.io"]),
    resources: Object.freeze(["events"]),
    verbs: Object.freeze(["create", "patch"]),
  }),
]);

/**
 * An `ObjectReference` to `obj` (`apiVersion`, `kind`, namespace, name, uid,
 * resourceVersion).
 *
 * @example
 * ```ts
 * import { objectReference } from "kubeloop";
 * objectReference({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop", uid: "u1" } });
 * // { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web", uid: "u1" }
 * ```
 */
export function objectReference(obj: KubernetesObject): ObjectReference {
  const ref: ObjectReference = {};
  if (obj.apiVersion) ref.apiVersion = obj.apiVersion;
  if (obj.kind) ref.kind = obj.kind;
  if (obj.metadata?.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.metadata?.name) ref.name = obj.metadata.name;
  if (obj.metadata?.uid) ref.uid = obj.metadata.uid;
  if (obj.metadata?.resourceVersion) ref.resourceVersion = obj.metadata.resourceVersion;
  return ref;
}

interface Series {
  readonly key: string;
  readonly namespace: string;
  readonly regarding: ObjectReference;
  readonly event: EventInput;
  readonly firstMs: number;
  lastMs: number;
  count: number;
  /** Name of the Event object, once created. */
  name: string | undefined;
  /** Waiting in the pending queue. */
  dirty: boolean;
}

function isObjectLike(x: unknown): x is KubernetesObject {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as { metadata?: unknown }).metadata === "object"
  );
}

/** DNS-subdomain-safe prefix of an Event name (the referent's name, bounded). */
function namePrefix(name: string | undefined): string {
  const base = (name ?? "event").toLowerCase().replace(/[^a-z0-9.-]/g, "-");
  return base.slice(0, 200).replace(/[.-]+$/, "") || "event";
}

/**
 * Records `events.k8s.io/v1` Events for one reporting controller (and
 * instance), the way client-go's `events` recorder and kube-rs' `Recorder`
 * do:
 *
 * - **Series.** The same event (same object, related object, type, reason,
 *   action and note) again within `seriesWindowMs` of its last occurrence
 *   updates the first Event's `series` (`count`, `lastObservedTime`) instead
 *   of creating another object. Time comes from the injected clock.
 * - **Rate limit.** Writes go through a token bucket (`burst`, `qps`).
 *   Repeats of a series waiting for its turn are folded into one write with
 *   the latest count; when `maxPending` series wait, new ones are dropped.
 * - **Never in the way.** {@link EventRecorder.publish} returns at once and
 *   never throws; writes happen in the background and their failures go to
 *   the logger. {@link EventRecorder.flush} waits for them (tests, shutdown).
 * - **RBAC:** {@link EVENT_RECORDER_RBAC} (`create`, `patch` on
 *   `events.k8s.io` `events`).
 *
 * @example
 * ```ts
 * import { EventRecorder, type KubeClient, type Deployment } from "kubeloop";
 * declare const client: KubeClient;
 * declare const deployment: Deployment;
 * const recorder = new EventRecorder({ client, reportingController: "example.com/web-operator", reportingInstance: "web-operator-0" });
 * recorder.publish(deployment, { type: "Normal", reason: "Scaled", action: "Reconcile", note: "scaled to 3 replicas" });
 * await recorder.flush();
 * ```
 */
export class EventRecorder {
  /** The `reportingController` of every Event. */
  readonly reportingController: string;
  /** The `reportingInstance` of every Event. */
  readonly reportingInstance: string;
  readonly #client: Pick<KubeClient, "create" | "patch">;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #windowMs: number;
  readonly #limiter: BucketRateLimiter<string>;
  readonly #maxPending: number;
  readonly #maxSeries: number;
  readonly #series = new Map<string, Series>();
  readonly #pending: Series[] = [];
  readonly #stats: EventRecorderStats = {
    published: 0,
    created: 0,
    updated: 0,
    dropped: 0,
    failed: 0,
    pending: 0,
  };
  #seq = 0;
  #draining: Promise<void> | undefined;

  /**
   * Create a recorder (it writes nothing until {@link EventRecorder.publish}).
   *
   * @throws {TypeError} if `client` or `reportingController` is missing.
   */
  constructor(options: EventRecorderOptions) {
    if (!options?.client) throw new TypeError("EventRecorder: client is required");
    if (!options.reportingController) {
      throw new TypeError("EventRecorder: reportingController is required");
    }
    this.#client = options.client;
    this.reportingController = options.reportingController;
    this.reportingInstance = options.reportingInstance || options.reportingController;
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger ?? defaultLogger;
    this.#windowMs = options.seriesWindowMs ?? 6 * 60_000;
    this.#limiter = new BucketRateLimiter<string>({
      burst: options.burst ?? 25,
      qps: options.qps ?? 5,
      clock: this.#clock,
    });
    this.#maxPending = options.maxPending ?? 1000;
    this.#maxSeries = options.maxSeries ?? 4096;
  }

  /**
   * Record an event about `regarding` (an object, or a reference to one).
   * Returns at once; never throws. Invalid input (no reason or action, a
   * reference without a name) is dropped and logged.
   */
  publish(regarding: KubernetesObject | ObjectReference, event: EventInput): void {
    try {
      this.#stats.published++;
      const ref = isObjectLike(regarding) ? objectReference(regarding) : { ...regarding };
      const problem = !ref.name
        ? "the regarding object has no name"
        : !event?.reason
          ? "reason is empty"
          : !event.action
            ? "action is empty"
            : event.type !== "Normal" && event.type !== "Warning"
              ? `type must be Normal or Warning (got ${String(event.type)})`
              : undefined;
      if (problem !== undefined) {
        this.#stats.dropped++;
        this.#logger.warn("event dropped: invalid", { reason: event?.reason, problem });
        return;
      }
      const now = this.#clock.now();
      const related = event.related;
      const key = JSON.stringify([
        ref.apiVersion ?? "",
        ref.kind ?? "",
        ref.namespace ?? "",
        ref.name,
        ref.uid ?? "",
        related ? [related.apiVersion, related.kind, related.namespace, related.name] : null,
        event.type,
        event.reason,
        event.action,
        event.note ?? "",
      ]);
      let series = this.#series.get(key);
      if (series !== undefined && now - series.lastMs > this.#windowMs) {
        this.#series.delete(key);
        series = undefined;
      }
      if (series === undefined) {
        series = {
          key,
          namespace: ref.namespace || "default",
          regarding: ref,
          event: { ...event },
          firstMs: now,
          lastMs: now,
          count: 1,
          name: undefined,
          dirty: false,
        };
      } else {
        series.count++;
        series.lastMs = now;
        this.#series.delete(key); // re-insert: most recent last
      }
      this.#series.set(key, series);
      this.#evict(now);
      this.#schedule(series);
    } catch (err) {
      this.#stats.dropped++;
      this.#logger.error("event dropped: recorder failure", { error: err });
    }
  }

  /** Resolve once every event published so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
  }

  /** Counters, a snapshot. */
  stats(): EventRecorderStats {
    return { ...this.#stats, pending: this.#pending.length };
  }

  #evict(now: number): void {
    if (this.#series.size <= this.#maxSeries) return;
    for (const [k, s] of this.#series) {
      if (now - s.lastMs > this.#windowMs && !s.dirty) this.#series.delete(k);
    }
    for (const [k, s] of this.#series) {
      if (this.#series.size <= this.#maxSeries) break;
      if (!s.dirty) this.#series.delete(k);
    }
  }

  #schedule(series: Series): void {
    if (!series.dirty) {
      if (this.#pending.length >= this.#maxPending) {
        this.#stats.dropped++;
        this.#logger.warn("event dropped: too many events waiting to be written", {
          reason: series.event.reason,
          name: series.regarding.name,
        });
        return;
      }
      series.dirty = true;
      this.#pending.push(series);
    }
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  async #drain(): Promise<void> {
    for (;;) {
      const series = this.#pending.shift();
      if (series === undefined) return;
      const delay = this.#limiter.when(series.key);
      if (delay > 0) await this.#clock.sleep(delay);
      series.dirty = false;
      try {
        await this.#write(series);
      } catch (err) {
        this.#stats.failed++;
        this.#logger.warn("event write failed", {
          reason: series.event.reason,
          name: series.regarding.name,
          namespace: series.namespace,
          error: err,
        });
      }
    }
  }

  async #write(series: Series): Promise<void> {
    const count = series.count;
    const lastObservedTime = formatMicroTime(series.lastMs);
    if (series.name !== undefined) {
      try {
        await this.#client.patch(
          EventsV1,
          series.name,
          { series: { count, lastObservedTime } },
          { type: "merge", namespace: series.namespace },
        );
        this.#stats.updated++;
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // the Event expired on the server (its TTL is an hour): start it again
        series.name = undefined;
      }
    }
    const stamp = (
      BigInt(Math.max(0, Math.floor(series.firstMs))) * 1_000_000n +
      BigInt(this.#seq++)
    ).toString(16);
    const name = `${namePrefix(series.regarding.name)}.${stamp}`;
    const { event } = series;
    const body: EventV1 = {
      metadata: { name, namespace: series.namespace },
      eventTime: formatMicroTime(series.firstMs),
      regarding: series.regarding,
      reason: event.reason,
      action: event.action,
      type: event.type,
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      ...(event.note !== undefined ? { note: event.note } : {}),
      ...(event.related !== undefined ? { related: event.related } : {}),
      ...(count >= 2 ? { series: { count, lastObservedTime } } : {}),
    };
    await this.#client.create(EventsV1, body, { namespace: series.namespace });
    series.name = name;
    this.#stats.created++;
  }
}
