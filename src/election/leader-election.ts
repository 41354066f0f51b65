/**
 * Leader election on `coordination.k8s.io/v1` Leases, following client-go's
 * `tools/leaderelection`:
 *
 * - a candidate tries to acquire the lease every `retryPeriodMs` (jittered);
 * - the leader renews it every `retryPeriodMs`; if no renew succeeds within
 *   `renewDeadlineMs` of the last successful one, leadership is lost and the
 *   leader's signal aborts at once (before any other candidate can see the
 *   lease expire, since `renewDeadlineMs < leaseDurationMs`);
 * - every write is a `replace` conditional on the lease's `resourceVersion`;
 *   a 409 Conflict means someone else wrote first: re-read and re-decide;
 * - clock-skew tolerance: a candidate never compares the lease's `renewTime`
 *   with its own clock. It judges expiry by its OWN clock, from the moment it
 *   last saw the lease record change, plus `leaseDurationSeconds`;
 * - on shutdown the leader releases the lease (empty `holderIdentity`,
 *   `leaseDurationSeconds: 1`, as client-go's `ReleaseOnCancel`), so another
 *   candidate takes over at its next retry instead of waiting for expiry.
 *
 * @module
 */
import type { KubeClient } from "../client/client.ts";
import { isAbortError } from "../client/errors.ts";
import type { Lease, LeaseSpec } from "../resources/coordination.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { defaultLogger, type Logger } from "../util/logger.ts";
import {
  formatMicroTime,
  isLeaseConflict,
  kubeLeaseStore,
  type LeaseStore,
} from "./lease-store.ts";
import { errorMessage, type LinkedSignal, linkSignals, sleepUnlessAborted } from "./signals.ts";

/**
 * client-go / controller-runtime default lease duration (15 s).
 *
 * @example
 * ```ts
 * import { DEFAULT_LEASE_DURATION_MS, DEFAULT_RENEW_DEADLINE_MS, type KubeClient, LeaderElector } from "kubeloop";
 * declare const client: KubeClient;
 * const elector = new LeaderElector({
 *   client,
 *   namespace: "kube-system",
 *   name: "my-controller",
 *   identity: "pod-a",
 *   leaseDurationMs: 2 * DEFAULT_LEASE_DURATION_MS,
 *   renewDeadlineMs: 2 * DEFAULT_RENEW_DEADLINE_MS,
 * });
 * ```
 */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
/**
 * client-go / controller-runtime default renew deadline (10 s).
 *
 * @example
 * ```ts
 * import { DEFAULT_LEASE_DURATION_MS, DEFAULT_RENEW_DEADLINE_MS, DEFAULT_RETRY_PERIOD_MS, validateElectionTimings } from "kubeloop";
 * validateElectionTimings(DEFAULT_LEASE_DURATION_MS, DEFAULT_RENEW_DEADLINE_MS, DEFAULT_RETRY_PERIOD_MS, 1.2);
 * ```
 */
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
/**
 * client-go / controller-runtime default retry period (2 s).
 *
 * @example
 * ```ts
 * import { DEFAULT_RETRY_PERIOD_MS, type LeaderElectorOptions } from "kubeloop";
 * const fast: Partial<LeaderElectorOptions> = { retryPeriodMs: DEFAULT_RETRY_PERIOD_MS / 2 };
 * ```
 */
export const DEFAULT_RETRY_PERIOD_MS = 2_000;
/**
 * client-go's jitter factor for acquire retries (a retry waits 1x to 2.2x the retry period).
 *
 * @example
 * ```ts
 * import { DEFAULT_JITTER_FACTOR, DEFAULT_RETRY_PERIOD_MS } from "kubeloop";
 * const maxRetryWaitMs = DEFAULT_RETRY_PERIOD_MS * (1 + DEFAULT_JITTER_FACTOR); // 4 400
 * ```
 */
export const DEFAULT_JITTER_FACTOR = 1.2;

/**
 * The reason a leader's signal aborts with when leadership is lost (renew
 * deadline passed, or another holder was observed).
 *
 * @example
 * ```ts
 * import { type KubeClient, LeaderElector, LeadershipLostError } from "kubeloop";
 * declare const client: KubeClient;
 * const elector = new LeaderElector({
 *   client, namespace: "kube-system", name: "my-controller", identity: "pod-a",
 *   onStartedLeading: (signal) => {
 *     signal.addEventListener("abort", () => {
 *       if (signal.reason instanceof LeadershipLostError) console.error("lost the lease");
 *     });
 *   },
 * });
 * ```
 */
export class LeadershipLostError extends Error {
  /** Always `"LeadershipLostError"`. */
  override readonly name = "LeadershipLostError";
  /** The lease, as `namespace/name`. */
  readonly lease: string;
  /** This candidate's identity. */
  readonly identity: string;
  /**
   * Create the error.
   *
   * @param lease the lease, as `namespace/name`.
   * @param identity this candidate's identity.
   * @param detail why leadership was lost, appended to the message.
   */
  constructor(lease: string, identity: string, detail: string) {
    super(`leader election: ${identity} lost lease ${lease}: ${detail}`);
    this.lease = lease;
    this.identity = identity;
  }
}

/**
 * Options of {@link LeaderElector}. Durations are milliseconds.
 *
 * @example
 * ```ts
 * import { type KubeClient, LeaderElector, type LeaderElectorOptions } from "kubeloop";
 * declare const client: KubeClient;
 * const options: LeaderElectorOptions = {
 *   client,
 *   namespace: "kube-system",
 *   name: "my-controller",
 *   identity: `pod-a-${crypto.randomUUID()}`,
 *   onStartedLeading: (signal) => console.log("leading until", signal.aborted),
 * };
 * const elector = new LeaderElector(options);
 * ```
 */
export interface LeaderElectorOptions {
  /** Where the lease lives: a {@link LeaseStore} ... */
  store?: LeaseStore | undefined;
  /** ... or a client (wrapped with `kubeLeaseStore`). One of the two is required. */
  client?: KubeClient | undefined;
  /** Namespace of the lease. */
  namespace: string;
  /** Name of the lease. */
  name: string;
  /** This candidate's identity (unique per replica: the pod name, plus a random suffix). */
  identity: string;
  /** How long a lease is valid without renewal, as judged by observers (default 15 000). */
  leaseDurationMs?: number | undefined;
  /** How long the leader keeps trying to renew before it gives up (default 10 000). */
  renewDeadlineMs?: number | undefined;
  /** Interval between acquire/renew attempts (default 2 000). */
  retryPeriodMs?: number | undefined;
  /** Acquire retries wait `retryPeriodMs * (1 + random() * jitterFactor)` (default 1.2). */
  jitterFactor?: number | undefined;
  /** Release the lease when the run signal aborts (default true). */
  releaseOnCancel?: boolean | undefined;
  /** Labels put on the lease when this candidate creates it. */
  labels?: Record<string, string> | undefined;
  /** Time source (default: the real clock). */
  clock?: Clock | undefined;
  /** Random source for jitter (default `Math.random`). */
  random?: (() => number) | undefined;
  /** Logger (default: `defaultLogger`, warnings and errors to the console). */
  logger?: Logger | undefined;
  /**
   * Called (not awaited by the election loop) when this candidate becomes
   * leader. `signal` aborts when leadership ends: with a
   * {@link LeadershipLostError} on loss, with the run signal's reason on
   * shutdown. The lease is released only after the returned promise settles.
   */
  onStartedLeading?: ((signal: AbortSignal) => void | Promise<void>) | undefined;
  /** Called once leadership has ended (lost, or released on shutdown). */
  onStoppedLeading?: (() => void) | undefined;
  /** Called when the observed leader changes (also for this candidate itself). */
  onNewLeader?: ((identity: string) => void) | undefined;
}

/**
 * How {@link LeaderElector.run} ended.
 *
 * @example
 * ```ts
 * import type { LeaderElectionOutcome, LeaderElector } from "kubeloop";
 * declare const elector: LeaderElector;
 * const outcome: LeaderElectionOutcome = await elector.run(new AbortController().signal);
 * if (outcome === "lost") console.error("lost leadership; exiting so the pod restarts");
 * ```
 */
export type LeaderElectionOutcome =
  /** The run signal aborted (any leadership was released or given up). */
  | "stopped"
  /** This candidate led and lost the lease (renew deadline, or another holder seen). */
  | "lost";

/**
 * A snapshot of an elector's state, for health checks and metrics.
 *
 * @example
 * ```ts
 * import type { LeaderElectionStatus, LeaderElector } from "kubeloop";
 * declare const elector: LeaderElector;
 * const s: LeaderElectionStatus = elector.status();
 * console.log(s.identity, s.leading ? "leads" : `follows ${s.leader}`, s.lastError ?? "");
 * ```
 */
export interface LeaderElectionStatus {
  /** This candidate's identity. */
  identity: string;
  /** Whether this candidate currently leads. */
  leading: boolean;
  /** The last observed holder (`undefined` until observed, `""` when released). */
  leader: string | undefined;
  /** Clock time of the last successful acquire or renew by this candidate. */
  lastRenewAt: number | undefined;
  /** The last error of an acquire/renew attempt (cleared on success). */
  lastError: string | undefined;
  /** Lease transitions, as recorded in the lease. */
  transitions: number;
}

interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

function recordOf(lease: Lease): LeaseRecord {
  const s: LeaseSpec = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? "",
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? "",
    renewTime: s.renewTime ?? "",
    leaseTransitions: s.leaseTransitions ?? 0,
  };
}

function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}

function withRecord(lease: Lease, r: LeaseRecord): Lease {
  return {
    ...lease,
    metadata: { ...lease.metadata },
    spec: {
      ...(lease.spec ?? {}),
      holderIdentity: r.holderIdentity,
      leaseDurationSeconds: r.leaseDurationSeconds,
      acquireTime: r.acquireTime,
      renewTime: r.renewTime,
      leaseTransitions: r.leaseTransitions,
    },
  };
}

/**
 * Validate election durations as client-go does (`leaseDuration > renewDeadline >
 * jitterFactor * retryPeriod`, all positive); throws `RangeError`.
 *
 * @example
 * ```ts
 * import { validateElectionTimings } from "kubeloop";
 * validateElectionTimings(15_000, 10_000, 2_000, 1.2); // ok
 * validateElectionTimings(10_000, 10_000, 2_000, 1.2); // throws RangeError
 * ```
 */
export function validateElectionTimings(
  leaseDurationMs: number,
  renewDeadlineMs: number,
  retryPeriodMs: number,
  jitterFactor: number,
): void {
  for (const [name, v] of [
    ["leaseDurationMs", leaseDurationMs],
    ["renewDeadlineMs", renewDeadlineMs],
    ["retryPeriodMs", retryPeriodMs],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be > 0, got ${v}`);
  }
  if (leaseDurationMs <= renewDeadlineMs) {
    throw new RangeError(
      `leaseDurationMs (${leaseDurationMs}) must be greater than renewDeadlineMs (${renewDeadlineMs})`,
    );
  }
  if (renewDeadlineMs <= jitterFactor * retryPeriodMs) {
    throw new RangeError(
      `renewDeadlineMs (${renewDeadlineMs}) must be greater than jitterFactor * retryPeriodMs (${jitterFactor * retryPeriodMs})`,
    );
  }
}

/**
 * Lease-based leader election. Create one per replica with a unique
 * `identity` and call {@link LeaderElector.run}; exactly one replica at a
 * time runs `onStartedLeading`.
 *
 * @example
 * ```ts
 * import { KubeClient, LeaderElector } from "kubeloop";
 * declare const token: string;
 * declare const hostname: string;
 * declare function runControllers(signal: AbortSignal): Promise<void>;
 * const client = new KubeClient({ server: "https://10.0.0.1:6443", token });
 * const elector = new LeaderElector({
 *   client,
 *   namespace: "kube-system",
 *   name: "my-controller",
 *   identity: `${hostname}-${crypto.randomUUID()}`,
 *   onStartedLeading: async (signal) => { await runControllers(signal); },
 *   onStoppedLeading: () => console.log("no longer leading"),
 *   onNewLeader: (id) => console.log("leader is", id),
 * });
 * const shutdown = new AbortController();
 * const outcome = await elector.run(shutdown.signal); // "stopped" | "lost"
 * ```
 */
export class LeaderElector {
  readonly #store: LeaseStore;
  readonly #namespace: string;
  readonly #name: string;
  readonly #identity: string;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #jitterFactor: number;
  readonly #releaseOnCancel: boolean;
  readonly #labels: Record<string, string> | undefined;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #callbacks: Pick<
    LeaderElectorOptions,
    "onStartedLeading" | "onStoppedLeading" | "onNewLeader"
  >;

  #observed: LeaseRecord | undefined;
  #observedLease: Lease | undefined;
  #observedTime = 0;
  #reportedLeader: string | undefined;
  #leading = false;
  #running = false;
  #lastRenewAt: number | undefined;
  #lastError: string | undefined;

  /**
   * Create an elector (it does not contend until run). Unset durations take
   * the client-go defaults.
   *
   * @throws {TypeError} if `identity`, `name`, `namespace`, or both `store` and
   *   `client` are missing.
   * @throws {RangeError} if the timings are invalid.
   */
  constructor(options: LeaderElectorOptions) {
    if (!options.identity) throw new TypeError("LeaderElector: identity is required");
    if (!options.name) throw new TypeError("LeaderElector: name is required");
    if (!options.namespace) throw new TypeError("LeaderElector: namespace is required");
    const store = options.store ?? (options.client ? kubeLeaseStore(options.client) : undefined);
    if (!store) throw new TypeError("LeaderElector: a store or a client is required");
    this.#store = store;
    this.#namespace = options.namespace;
    this.#name = options.name;
    this.#identity = options.identity;
    this.#leaseDurationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.#retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    this.#jitterFactor = options.jitterFactor ?? DEFAULT_JITTER_FACTOR;
    validateElectionTimings(
      this.#leaseDurationMs,
      this.#renewDeadlineMs,
      this.#retryPeriodMs,
      this.#jitterFactor,
    );
    this.#releaseOnCancel = options.releaseOnCancel ?? true;
    this.#labels = options.labels;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger ?? defaultLogger;
    this.#callbacks = {
      onStartedLeading: options.onStartedLeading,
      onStoppedLeading: options.onStoppedLeading,
      onNewLeader: options.onNewLeader,
    };
  }

  /** This candidate's identity. */
  get identity(): string {
    return this.#identity;
  }

  /** Whether this candidate currently leads. */
  isLeader(): boolean {
    return this.#leading;
  }

  /** The last observed holder of the lease (`undefined` before the first read, `""` when free). */
  getLeader(): string | undefined {
    return this.#observed?.holderIdentity;
  }

  /** A snapshot for health checks. */
  status(): LeaderElectionStatus {
    return {
      identity: this.#identity,
      leading: this.#leading,
      leader: this.#observed?.holderIdentity,
      lastRenewAt: this.#lastRenewAt,
      lastError: this.#lastError,
      transitions: this.#observed?.leaseTransitions ?? 0,
    };
  }

  /**
   * Campaign for the lease, lead while it is held, and return when leadership
   * ends (`"lost"`) or `signal` aborts (`"stopped"`; a held lease is released
   * unless `releaseOnCancel: false`). Call again to re-campaign after a loss.
   */
  async run(signal: AbortSignal): Promise<LeaderElectionOutcome> {
    if (this.#running) throw new Error("LeaderElector: run() is already running");
    this.#running = true;
    try {
      const acquired = await this.#acquire(signal);
      if (!acquired) return "stopped";
      return await this.#lead(signal);
    } finally {
      this.#running = false;
    }
  }

  get #leaseKey(): string {
    return `${this.#namespace}/${this.#name}`;
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#logger.info("leader election: attempting to acquire lease", {
      lease: this.#leaseKey,
      identity: this.#identity,
    });
    while (!signal.aborted) {
      const attempt = linkSignals([signal], this.#clock, this.#renewDeadlineMs);
      let ok = false;
      try {
        ok = await this.#tryAcquireOrRenew(attempt.signal);
      } finally {
        attempt.dispose();
      }
      if (ok && !signal.aborted) {
        this.#logger.info("leader election: acquired lease", {
          lease: this.#leaseKey,
          identity: this.#identity,
        });
        return true;
      }
      const wait = this.#retryPeriodMs * (1 + this.#random() * this.#jitterFactor);
      if (!(await sleepUnlessAborted(this.#clock, wait, signal))) break;
    }
    return false;
  }

  async #lead(signal: AbortSignal): Promise<LeaderElectionOutcome> {
    this.#leading = true;
    const leader: LinkedSignal = linkSignals([signal]);
    let lastRenewStart = this.#lastRenewAt ?? this.#clock.now();
    let lostDetail: string | undefined;
    const lose = (detail: string): void => {
      if (leader.signal.aborted) return;
      lostDetail = detail;
      this.#leading = false;
      deadline.cancel();
      this.#logger.warn("leader election: lost lease", {
        lease: this.#leaseKey,
        identity: this.#identity,
        detail,
      });
      leader.abort(new LeadershipLostError(this.#leaseKey, this.#identity, detail));
      this.#safe("onStoppedLeading", () => this.#callbacks.onStoppedLeading?.());
    };
    const armDeadline = (): { cancel(): void } =>
      this.#clock.setTimer(
        () => lose(`no successful renew within ${this.#renewDeadlineMs} ms`),
        lastRenewStart + this.#renewDeadlineMs - this.#clock.now(),
      );
    let deadline = armDeadline();

    let work: Promise<void> = Promise.resolve();
    if (this.#callbacks.onStartedLeading) {
      const cb = this.#callbacks.onStartedLeading;
      work = (async () => {
        try {
          await cb(leader.signal);
        } catch (err) {
          if (!leader.signal.aborted || !isAbortError(err)) {
            this.#logger.error("leader election: onStartedLeading failed", {
              identity: this.#identity,
              error: errorMessage(err),
            });
          }
        }
      })();
    }

    while (!leader.signal.aborted) {
      if (!(await sleepUnlessAborted(this.#clock, this.#retryPeriodMs, leader.signal))) break;
      const start = this.#clock.now();
      const ok = await this.#tryAcquireOrRenew(leader.signal);
      if (leader.signal.aborted) break;
      if (ok) {
        lastRenewStart = start;
        deadline.cancel();
        deadline = armDeadline();
        continue;
      }
      const holder = this.#observed?.holderIdentity ?? "";
      if (holder !== this.#identity && holder !== "" && this.#isValid(this.#clock.now())) {
        lose(`lease is now held by ${holder}`);
      }
    }
    deadline.cancel();

    if (lostDetail !== undefined) {
      await work;
      leader.dispose();
      return "lost";
    }

    // The run signal aborted while leading: stop the leader's work, wait for it
    // (no longer than our renew deadline), then release.
    this.#leading = false;
    leader.abort(signal.reason);
    const remaining = lastRenewStart + this.#renewDeadlineMs - this.#clock.now();
    const settled = await this.#settleWithin(work, remaining);
    if (this.#releaseOnCancel) {
      if (settled) await this.#release();
      else {
        this.#logger.warn(
          "leader election: leader work did not stop within the renew deadline; not releasing",
          { lease: this.#leaseKey, identity: this.#identity },
        );
      }
    }
    this.#safe("onStoppedLeading", () => this.#callbacks.onStoppedLeading?.());
    if (!settled) await work;
    return "stopped";
  }

  async #settleWithin(work: Promise<void>, ms: number): Promise<boolean> {
    if (ms <= 0) return false;
    let timer: { cancel(): void } | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = this.#clock.setTimer(() => resolve(false), ms);
    });
    const done = await Promise.race([work.then(() => true as const), timedOut]);
    timer?.cancel();
    return done;
  }

  async #release(): Promise<void> {
    const lease = this.#observedLease;
    const observed = this.#observed;
    if (!lease || !observed || observed.holderIdentity !== this.#identity) return;
    const now = this.#clock.now();
    const record: LeaseRecord = {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaseTransitions: observed.leaseTransitions,
    };
    const attempt = linkSignals([], this.#clock, this.#renewDeadlineMs);
    try {
      let updated: Lease;
      try {
        updated = await this.#store.replace(withRecord(lease, record), attempt.signal);
      } catch (err) {
        // An aborted renew may have landed after all: re-read, release if still ours.
        if (!isLeaseConflict(err)) throw err;
        const fresh = await this.#store.get(this.#namespace, this.#name, attempt.signal);
        if (!fresh || (fresh.spec?.holderIdentity ?? "") !== this.#identity) return;
        updated = await this.#store.replace(withRecord(fresh, record), attempt.signal);
      }
      this.#observe(updated, this.#clock.now(), true);
      this.#logger.info("leader election: released lease", {
        lease: this.#leaseKey,
        identity: this.#identity,
      });
    } catch (err) {
      this.#logger.warn("leader election: failed to release lease", {
        lease: this.#leaseKey,
        identity: this.#identity,
        error: errorMessage(err),
      });
    } finally {
      attempt.dispose();
    }
  }

  #isValid(now: number): boolean {
    const seconds = this.#observed?.leaseDurationSeconds || this.#leaseDurationMs / 1000;
    return this.#observedTime + seconds * 1000 > now;
  }

  /** Record what we read or wrote; the observed time moves only when the record changed. */
  #observe(lease: Lease, now: number, force = false): void {
    const record = recordOf(lease);
    this.#observedLease = lease;
    if (force || !this.#observed || !sameRecord(this.#observed, record)) {
      this.#observed = record;
      this.#observedTime = now;
    }
    const holder = record.holderIdentity;
    if (holder !== "" && holder !== this.#reportedLeader) {
      this.#reportedLeader = holder;
      this.#safe("onNewLeader", () => this.#callbacks.onNewLeader?.(holder));
    }
  }

  #safe(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#logger.error(`leader election: ${name} threw`, { error: errorMessage(err) });
    }
  }

  #fail(what: string, err: unknown, signal: AbortSignal): false {
    if (!signal.aborted) {
      this.#lastError = `${what}: ${errorMessage(err)}`;
      this.#logger.debug("leader election: attempt failed", {
        lease: this.#leaseKey,
        identity: this.#identity,
        error: this.#lastError,
      });
    }
    return false;
  }

  #succeed(lease: Lease, start: number): true {
    this.#observe(lease, start, true);
    this.#lastRenewAt = start;
    this.#lastError = undefined;
    return true;
  }

  /** One attempt (client-go's tryAcquireOrRenew), re-reading on 409 a few times. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const start = this.#clock.now();
    const durationSeconds = Math.ceil(this.#leaseDurationMs / 1000);
    const stamp = formatMicroTime(start);

    // Fast path: we hold a valid lease; renew with the cached resourceVersion.
    if (
      this.#leading &&
      this.#observedLease &&
      this.#observed?.holderIdentity === this.#identity &&
      this.#isValid(start)
    ) {
      try {
        const updated = await this.#store.replace(
          withRecord(this.#observedLease, {
            ...this.#observed,
            leaseDurationSeconds: durationSeconds,
            renewTime: stamp,
          }),
          signal,
        );
        return this.#succeed(updated, start);
      } catch (err) {
        if (signal.aborted) return this.#fail("renew", err, signal);
        // fall through to the slow path (re-read), as client-go does
      }
    }

    for (let round = 0; round < 3; round++) {
      if (signal.aborted) return false;
      let lease: Lease | undefined;
      try {
        lease = await this.#store.get(this.#namespace, this.#name, signal);
      } catch (err) {
        return this.#fail("get", err, signal);
      }
      const now = this.#clock.now();
      if (!lease) {
        const fresh: Lease = {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: {
            name: this.#name,
            namespace: this.#namespace,
            ...(this.#labels ? { labels: { ...this.#labels } } : {}),
          },
          spec: {
            holderIdentity: this.#identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: stamp,
            renewTime: stamp,
            leaseTransitions: 0,
          },
        };
        try {
          return this.#succeed(await this.#store.create(fresh, signal), start);
        } catch (err) {
          if (isLeaseConflict(err) && !signal.aborted) continue; // created by someone else
          return this.#fail("create", err, signal);
        }
      }

      this.#observe(lease, now);
      const old = recordOf(lease);
      if (
        old.holderIdentity !== "" &&
        old.holderIdentity !== this.#identity &&
        this.#isValid(now)
      ) {
        this.#lastError = undefined;
        return false; // held by someone else, not expired by our clock
      }
      const mine = old.holderIdentity === this.#identity;
      const next: LeaseRecord = {
        holderIdentity: this.#identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: mine && old.acquireTime ? old.acquireTime : stamp,
        renewTime: stamp,
        leaseTransitions: mine ? old.leaseTransitions : old.leaseTransitions + 1,
      };
      if (this.#labels) {
        lease = {
          ...lease,
          metadata: { ...lease.metadata, labels: { ...this.#labels, ...lease.metadata.labels } },
        };
      }
      try {
        return this.#succeed(await this.#store.replace(withRecord(lease, next), signal), start);
      } catch (err) {
        if (isLeaseConflict(err) && !signal.aborted) continue; // someone wrote first: re-read
        return this.#fail("update", err, signal);
      }
    }
    this.#lastError = "update: repeated conflicts";
    return false;
  }
}
