/**
 * Shard membership: N replicas split the keys of one resource between them.
 *
 * - **Membership**: each replica holds one Lease, `<group>-shard-<identity>`,
 *   labelled `kubeloop.dev/shard-group=<group>`, and renews it every
 *   `renewIntervalMs`. It **watches** the group's leases (one list + watch per
 *   member; a store without an informer falls back to a list per renewal). A
 *   member is live while its lease has not expired **by the observer's own
 *   clock**, counted from when the observer last saw the lease record change
 *   and stays live until its lease is deleted: a graceful leave deletes it, and
 *   a lease that has not changed for `leaseDurationMs` **by the observer's own
 *   clock** (client-go's clock-skew rule) is deleted with a resourceVersion
 *   precondition. The precondition is the compare-and-swap that makes a
 *   takeover safe: had the holder renewed meanwhile (a renewal this member has
 *   not seen yet), the deletion fails; if it succeeds, the holder stopped at
 *   least `leaseDurationMs - renewDeadlineMs` earlier. Expiry alone never
 *   moves a key.
 * - **Freshness**: a member's view is fresh once the watch has delivered its
 *   own renewal (watch events come in order, so every lease written before the
 *   renewal is in the view). It stays fresh until `renewDeadlineMs` after the
 *   renewal *started*; past that instant, by the clock (not by a timer), the
 *   member owns nothing until it has renewed again. If its lease was deleted
 *   meanwhile (its `uid` changed) it rejoins with a hold-back; if not, nobody
 *   can have taken its keys or missed it, and it carries on.
 * - **Ownership**: each key belongs to one live member, chosen by rendezvous
 *   hashing; see {@link shardOwns} for the exact rule, which is a pure
 *   function of an immutable {@link ShardView} and the time.
 * - **Hand-over safety**: a member that (re)joins while others are live owns
 *   nothing for `joinDelayMs` (default `renewDeadlineMs`) counted from when
 *   its own lease write was acknowledged, the longest another member can keep
 *   acting on a view that does not include it, or until every member that
 *   was live when it joined has gone. Keys of expired or deleted members are
 *   taken at once by the members already joined.
 * - **Garbage collection** is the same deletion: the leases of crashed members
 *   do not outlive them by more than a lease duration (plus a retry period
 *   when the member ranking first for the lease name is gone too).
 *
 * @module
 */
import type { KubeClient } from "../client/client.ts";
import { isNotFound } from "../client/errors.ts";
import type { ControllerInformer } from "../controller/resource.ts";
import type { Lease } from "../resources/coordination.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { defaultLogger, type Logger } from "../util/logger.ts";
import {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  validateElectionTimings,
} from "./leader-election.ts";
import {
  formatMicroTime,
  isLeaseConflict,
  kubeLeaseStore,
  type LeaseStore,
} from "./lease-store.ts";
import { dnsLabelSafe, rendezvousOwner, SHARD_GROUP_LABEL, shardLeaseName } from "./rendezvous.ts";
import { type ShardFilter, type ShardView, shardOwns } from "./shard-view.ts";
import { errorMessage, linkSignals, sleepUnlessAborted } from "./signals.ts";

/**
 * Options of {@link ShardMembership}. Durations are milliseconds.
 *
 * @example
 * ```ts
 * import { type KubeClient, ShardMembership, type ShardMembershipOptions } from "kubeloop";
 * declare const client: KubeClient;
 * const options: ShardMembershipOptions = {
 *   client, namespace: "kube-system", group: "my-controller", identity: "pod-a",
 *   joinDelayMs: 10_000,
 * };
 * const membership = new ShardMembership(options);
 * ```
 */
export interface ShardMembershipOptions {
  /** Where the membership leases live: a {@link LeaseStore} ... */
  store?: LeaseStore | undefined;
  /** ... or a client (wrapped with `kubeLeaseStore`). One of the two is required. */
  client?: KubeClient | undefined;
  /** Namespace of the membership leases. */
  namespace: string;
  /** Name of the shard group (usually the controller's name). */
  group: string;
  /** This replica's identity (unique per replica). */
  identity: string;
  /** Validity of a membership lease without renewal, judged by observers (default 15 000). */
  leaseDurationMs?: number | undefined;
  /** A member owns nothing this long after its last acknowledged renewal started (default 10 000). */
  renewDeadlineMs?: number | undefined;
  /** Wait before retrying a failed renewal (default 2 000). */
  retryPeriodMs?: number | undefined;
  /**
   * Interval between renewals of a healthy member (default: half the renew
   * deadline, at least `retryPeriodMs`: 5 000 with the defaults, leaving
   * room for two retries before the deadline). Every renewal is one PUT and
   * one watch event for each member, so it sets the cost of sharding.
   */
  renewIntervalMs?: number | undefined;
  /** How long a member that (re)joins while others are live owns nothing (default `renewDeadlineMs`). */
  joinDelayMs?: number | undefined;
  /**
   * Delete another member's lease (with a resourceVersion precondition) once
   * it has not changed for this long by this member's clock; its keys move
   * only then. Default and minimum: the lease's own duration. The member that
   * ranks first for the lease name deletes it; the others wait one more
   * `retryPeriodMs`.
   */
  deleteExpiredAfterMs?: number | undefined;
  /** Watch the group's leases when the store offers an informer (default true); else list them every renewal. */
  watch?: boolean | undefined;
  /** Delete this member's lease when the run signal aborts (default true). */
  releaseOnCancel?: boolean | undefined;
  /** Time source (default: the real clock). */
  clock?: Clock | undefined;
  /** Logger (default: `defaultLogger`, warnings and errors to the console). */
  logger?: Logger | undefined;
  /**
   * Called with every new view and the clock time it was made (after each
   * renewal, lease event and deadline), for metrics and traces: with the
   * views, ownership at any instant can be replayed by {@link shardOwns}.
   * Must be cheap; errors are logged and ignored.
   */
  onView?: ((view: ShardView, at: number) => void) | undefined;
}

/**
 * A snapshot of a member's view, for health checks and tests.
 *
 * @example
 * ```ts
 * import type { ShardMembership, ShardStatus } from "kubeloop";
 * declare const membership: ShardMembership;
 * const s: ShardStatus = membership.status();
 * console.log(s.active ? `one of ${s.members.length} members` : `stale: ${s.lastError}`);
 * ```
 */
export interface ShardStatus {
  /** This replica's identity. */
  identity: string;
  /** Whether this member's view is fresh now (it may own keys). */
  active: boolean;
  /** Live members (including this one when active), sorted. */
  members: string[];
  /** Until when (clock ms) keys taken from live members are held back; 0 when not holding back. */
  settlingUntil: number;
  /** Until when (clock ms) this member's view is fresh without another renewal; 0 when not joined. */
  validUntil: number;
  /** Clock time at which the last acknowledged renewal started. */
  lastSyncAt: number | undefined;
  /** The last error of a renewal or list (cleared on success). */
  lastError: string | undefined;
  /** Whether the group's leases are watched (`false`: listed every renewal). */
  watching: boolean;
}

interface Observed {
  leaseName: string;
  holder: string;
  /** The last resourceVersion seen (the precondition of a deletion). */
  rv: string | undefined;
  /** Holder, renew time, duration, acquire time: what counts as a renewal. */
  signature: string;
  /** When this member last saw the signature change (its own clock). */
  observedAt: number;
  durationMs: number;
}

const EMPTY: readonly string[] = Object.freeze([]);

/**
 * One replica's membership in a shard group, and the ownership of keys that
 * follows from it. Implements {@link ShardFilter} (`owns(key)` is side-effect
 * free) and the controller's filter hook (`accepts(key)`). Run it for as long as the replica processes keys; stop processing
 * before aborting its signal (on abort the member's lease is deleted so
 * others take over at once).
 *
 * @example
 * ```ts
 * import { type ConfigMap, Controller, type KubeClient, type Resource, ShardMembership } from "kubeloop";
 * declare const client: KubeClient;
 * declare const podName: string;
 * declare const myResource: Resource<ConfigMap>;
 * const membership = new ShardMembership({
 *   client, namespace: "kube-system", group: "my-controller", identity: podName,
 * });
 * // the membership is the controller's filter (a Manager with `sharding` does this for you)
 * const controller = new Controller({ resource: myResource, filter: membership });
 * const stopMembership = new AbortController();
 * const stopController = new AbortController();
 * const m = membership.run(stopMembership.signal);
 * const c = controller.run(stopController.signal);
 * // shutdown: stop processing first, then leave the group
 * stopController.abort(); await c;
 * stopMembership.abort(); await m;
 * ```
 */
export class ShardMembership implements ShardFilter {
  readonly #store: LeaseStore;
  readonly #namespace: string;
  readonly #group: string;
  readonly #identity: string;
  readonly #leaseName: string;
  readonly #leaseKey: string;
  readonly #groupLabel: string;
  readonly #prefix: string;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #renewIntervalMs: number;
  readonly #joinDelayMs: number;
  readonly #deleteAfterMs: number;
  readonly #watch: boolean;
  readonly #releaseOnCancel: boolean;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onView: ((view: ShardView, at: number) => void) | undefined;
  readonly #listeners = new Set<() => void>();

  #own: Lease | undefined;
  #observed = new Map<string, Observed>();
  #joined = false;
  /** The uid of our lease when we last joined: a lapse on the same lease needs no new hold-back. */
  #joinedUid: string | undefined;
  #validUntil = 0;
  #holdUntil = 0;
  #holdFrom: readonly string[] = EMPTY;
  #view: ShardView;
  #announced = "";
  #announcedMembers = "";
  #lastSyncAt: number | undefined;
  #lastError: string | undefined;
  #wakeTimer: Timer | undefined;
  #running = false;
  #signal: AbortSignal | undefined;
  #informer: ControllerInformer<Lease> | undefined;
  #echo: { rv: string; resolve: (ok: boolean) => void } | undefined;
  readonly #deleting = new Set<string>();
  #pollListed = false;

  /**
   * Create a membership (it does not join until run). Unset durations take
   * the leader-election defaults.
   *
   * @throws {TypeError} if `identity`, `group`, `namespace`, or both `store`
   *   and `client` are missing.
   * @throws {RangeError} if the timings are invalid.
   */
  constructor(options: ShardMembershipOptions) {
    if (!options.identity) throw new TypeError("ShardMembership: identity is required");
    if (!options.group) throw new TypeError("ShardMembership: group is required");
    if (!options.namespace) throw new TypeError("ShardMembership: namespace is required");
    const store = options.store ?? (options.client ? kubeLeaseStore(options.client) : undefined);
    if (!store) throw new TypeError("ShardMembership: a store or a client is required");
    this.#store = store;
    this.#namespace = options.namespace;
    this.#group = options.group;
    this.#identity = options.identity;
    this.#leaseName = shardLeaseName(options.group, options.identity);
    this.#leaseKey = `${options.namespace}/${this.#leaseName}`;
    this.#groupLabel = dnsLabelSafe(options.group, 63);
    this.#prefix = `${dnsLabelSafe(options.group, 120)}-shard-`;
    this.#leaseDurationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.#retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    validateElectionTimings(this.#leaseDurationMs, this.#renewDeadlineMs, this.#retryPeriodMs, 1);
    this.#renewIntervalMs =
      options.renewIntervalMs ?? Math.max(this.#retryPeriodMs, this.#renewDeadlineMs / 2);
    if (
      !(this.#renewIntervalMs >= this.#retryPeriodMs) ||
      !(this.#renewIntervalMs < this.#renewDeadlineMs)
    ) {
      throw new RangeError(
        `renewIntervalMs (${this.#renewIntervalMs}) must be >= retryPeriodMs (${this.#retryPeriodMs}) and < renewDeadlineMs (${this.#renewDeadlineMs})`,
      );
    }
    this.#joinDelayMs = options.joinDelayMs ?? this.#renewDeadlineMs;
    if (!(this.#joinDelayMs >= 0)) throw new RangeError("joinDelayMs must be >= 0");
    this.#deleteAfterMs = options.deleteExpiredAfterMs ?? this.#leaseDurationMs;
    if (!(this.#deleteAfterMs >= this.#leaseDurationMs)) {
      throw new RangeError(
        `deleteExpiredAfterMs (${this.#deleteAfterMs}) must be >= leaseDurationMs (${this.#leaseDurationMs})`,
      );
    }
    this.#watch = (options.watch ?? true) && typeof store.informer === "function";
    this.#releaseOnCancel = options.releaseOnCancel ?? true;
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger ?? defaultLogger;
    this.#onView = options.onView;
    this.#view = this.#makeView(EMPTY);
  }

  /** This replica's identity. */
  get identity(): string {
    return this.#identity;
  }

  /** The name of this member's lease. */
  get leaseName(): string {
    return this.#leaseName;
  }

  /** The label selector that finds the group's leases. */
  get selector(): string {
    return `${SHARD_GROUP_LABEL}=${this.#groupLabel}`;
  }

  /** Whether this member's view is fresh now (it may own keys). */
  isActive(): boolean {
    return this.#view.validUntil > this.#clock.now();
  }

  /** Live members, sorted (this one included while joined). */
  members(): string[] {
    return [...this.#view.members];
  }

  /** The live member that owns `key` (as this member sees it), if any. */
  ownerOf(key: string): string | undefined {
    return rendezvousOwner(key, this.#view.members);
  }

  /** The current snapshot of this member's view (immutable; see {@link shardOwns}). */
  view(): ShardView {
    return this.#view;
  }

  /** Whether this member owns `key` now: `shardOwns(this.view(), key, clock.now())`. Side-effect free. */
  owns(key: string): boolean {
    return shardOwns(this.#view, key, this.#clock.now());
  }

  /**
   * {@link ShardMembership.owns}, as a controller's filter hook: a membership
   * is a `ControllerFilter`, so `new Controller({ resource, filter: membership })`
   * processes only this replica's keys (and queues the keys it gains).
   */
  accepts(key: string): boolean {
    return this.owns(key);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** A snapshot for health checks. */
  status(): ShardStatus {
    const now = this.#clock.now();
    const v = this.#view;
    return {
      identity: this.#identity,
      active: v.validUntil > now,
      members: [...v.members],
      settlingUntil:
        v.validUntil > now && v.holdUntil > now && v.holdFrom.length > 0 ? v.holdUntil : 0,
      validUntil: v.validUntil,
      lastSyncAt: this.#lastSyncAt,
      lastError: this.#lastError,
      watching: this.#watch,
    };
  }

  /**
   * Join the group and keep the membership until `signal` aborts; then leave
   * (delete the lease, unless `releaseOnCancel: false`). Stop processing keys
   * before aborting.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error("ShardMembership: run() is already running");
    this.#running = true;
    this.#signal = signal;
    const watchCtl = new AbortController();
    let watchDone: Promise<void> = Promise.resolve();
    try {
      if (this.#watch && this.#store.informer) {
        const informer = this.#store.informer(this.#namespace, this.selector, {
          clock: this.#clock,
          logger: this.#logger,
          maxBackoffMs: this.#retryPeriodMs,
        });
        this.#informer = informer;
        informer.addEventHandler({
          onAdd: (lease) => this.#onLease(lease, false),
          onUpdate: (_old, lease) => this.#onLease(lease, false),
          onDelete: (lease) => this.#onLease(lease, true),
        });
        watchDone = informer.run(watchCtl.signal).catch((err) => {
          this.#logger.error("shard: lease watch stopped", {
            group: this.#group,
            identity: this.#identity,
            error: errorMessage(err),
          });
        });
      }
      while (!signal.aborted) {
        const ok = await this.#renewOnce(signal);
        if (signal.aborted) break;
        const wait = ok ? this.#renewIntervalMs : this.#retryPeriodMs;
        if (!(await sleepUnlessAborted(this.#clock, wait, signal))) break;
      }
    } finally {
      this.#joined = false;
      this.#echo?.resolve(false);
      this.#echo = undefined;
      this.#recompute();
      this.#wakeTimer?.cancel();
      this.#wakeTimer = undefined;
      if (this.#releaseOnCancel && this.#own) await this.#release();
      watchCtl.abort();
      await watchDone;
      this.#informer = undefined;
      this.#own = undefined;
      this.#observed.clear();
      this.#pollListed = false;
      this.#joinedUid = undefined;
      this.#view = this.#makeView(EMPTY);
      this.#signal = undefined;
      this.#running = false;
    }
  }

  /** One renewal: write our lease, then make sure the view includes everything written before it. */
  async #renewOnce(signal: AbortSignal): Promise<boolean> {
    const start = this.#clock.now();
    const left = this.#view.validUntil - start;
    const attempt = linkSignals(
      [signal],
      this.#clock,
      left >= this.#retryPeriodMs ? left : this.#renewDeadlineMs,
    );
    try {
      let written: Lease;
      try {
        written = await this.#writeOwn(start, attempt.signal);
      } catch (err) {
        return this.#fail("renew", err, attempt.signal);
      }
      const ackAt = this.#clock.now();
      if (this.#watch) {
        const rv = written.metadata.resourceVersion;
        if (rv === undefined || !(await this.#awaitEcho(rv, attempt.signal))) {
          return this.#fail(
            "watch",
            new Error("own renewal not seen on the watch"),
            attempt.signal,
          );
        }
      } else {
        let leases: Lease[];
        try {
          leases = await this.#store.list(this.#namespace, this.selector, attempt.signal);
        } catch (err) {
          return this.#fail("list", err, attempt.signal);
        }
        this.#replaceObserved(leases);
        this.#pollListed = true;
      }
      if (signal.aborted) return false;
      return this.#renewed(start, ackAt, written.metadata.uid);
    } finally {
      attempt.dispose();
    }
  }

  /** Renew (or create) our lease. */
  async #writeOwn(start: number, signal: AbortSignal): Promise<Lease> {
    const stamp = formatMicroTime(start);
    const spec = {
      holderIdentity: this.#identity,
      leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
      renewTime: stamp,
    };
    let lastErr: unknown = new Error("repeated conflicts");
    for (let round = 0; round < 3; round++) {
      try {
        if (!this.#own) {
          const cached = this.#informer?.hasSynced()
            ? this.#informer.store.get(this.#leaseKey)
            : undefined;
          const existing =
            cached ?? (await this.#store.get(this.#namespace, this.#leaseName, signal));
          if (!existing) {
            this.#own = await this.#store.create(
              {
                apiVersion: "coordination.k8s.io/v1",
                kind: "Lease",
                metadata: {
                  name: this.#leaseName,
                  namespace: this.#namespace,
                  labels: { [SHARD_GROUP_LABEL]: this.#groupLabel },
                },
                spec: { ...spec, acquireTime: stamp, leaseTransitions: 0 },
              },
              signal,
            );
            return this.#own;
          }
          this.#own = existing;
        }
        const own: Lease = this.#own;
        this.#own = await this.#store.replace(
          {
            ...own,
            metadata: {
              ...own.metadata,
              labels: { ...own.metadata.labels, [SHARD_GROUP_LABEL]: this.#groupLabel },
            },
            spec: { ...own.spec, ...spec, acquireTime: own.spec?.acquireTime ?? stamp },
          },
          signal,
        );
        return this.#own;
      } catch (err) {
        if (signal.aborted) throw err;
        if (isLeaseConflict(err) || isNotFound(err)) {
          this.#own = undefined; // re-read (or re-create) and try again
          if (isNotFound(err)) this.#lostLease();
          lastErr = err;
          continue;
        }
        throw err;
      }
    }
    throw lastErr;
  }

  /** Resolve `true` once the watch has delivered our lease at `rv` (so everything written before it). */
  #awaitEcho(rv: string, signal: AbortSignal): Promise<boolean> {
    if (this.#echoed(rv)) return Promise.resolve(true);
    this.#echo?.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => finish(false);
      const finish = (ok: boolean): void => {
        signal.removeEventListener("abort", onAbort);
        if (this.#echo?.resolve === finish) this.#echo = undefined;
        resolve(ok);
      };
      if (signal.aborted) return finish(false);
      this.#echo = { rv, resolve: finish };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Whether the informer's cache holds our lease at `rv`. The cache then
   * reflects a state at least that recent (a list is stored at once, watch
   * events in order). Not `hasSynced()`: it turns true only after the initial
   * list's events were dispatched, so an echo that comes with the initial
   * list would be missed. The view (`#observed`) catches up within the same
   * synchronous dispatch, before the awaiting renewal resumes.
   */
  #echoed(rv: string): boolean {
    return this.#informer?.store.get(this.#leaseKey)?.metadata.resourceVersion === rv;
  }

  /** A lease event from the watch. */
  #onLease(lease: Lease, deleted: boolean): void {
    const name = lease.metadata.name ?? "";
    if (name === this.#leaseName) {
      if (deleted) {
        this.#own = undefined;
        this.#echo?.resolve(false);
        this.#lostLease();
      } else if (this.#echo && this.#echoed(this.#echo.rv)) {
        this.#echo.resolve(true);
      }
      return;
    }
    if (!name.startsWith(this.#prefix)) return;
    if (deleted) this.#observed.delete(name);
    else this.#observe(lease, this.#clock.now());
    // The watch may deliver an initial list before we have ever renewed: only
    // a running member tracks membership changes.
    if (this.#running) this.#recompute();
  }

  /**
   * Our lease is gone while we are running. Others may already treat us as
   * having left (they take our keys when they see the deletion), so we own
   * nothing from now on and rejoin, with a hold-back, once renewed.
   */
  #lostLease(): void {
    this.#joinedUid = undefined;
    if (!this.#joined) return;
    this.#joined = false;
    this.#logger.warn("shard: our membership lease was deleted; rejoining", {
      group: this.#group,
      identity: this.#identity,
    });
    this.#recompute();
  }

  /** Record a lease of another member; its observed time moves only when its record changes. */
  #observe(lease: Lease, now: number): void {
    const name = lease.metadata.name ?? "";
    const holder = lease.spec?.holderIdentity ?? "";
    if (!holder || holder === this.#identity) {
      this.#observed.delete(name);
      return;
    }
    const signature = JSON.stringify([
      holder,
      lease.spec?.renewTime ?? "",
      lease.spec?.leaseDurationSeconds ?? 0,
      lease.spec?.acquireTime ?? "",
    ]);
    const seconds = lease.spec?.leaseDurationSeconds || this.#leaseDurationMs / 1000;
    const prev = this.#observed.get(name);
    if (!prev || prev.signature !== signature) {
      this.#observed.set(name, {
        leaseName: name,
        holder,
        rv: lease.metadata.resourceVersion,
        signature,
        observedAt: now,
        durationMs: seconds * 1000,
      });
    } else {
      prev.rv = lease.metadata.resourceVersion;
    }
  }

  /** Poll mode: a full list of the group's leases. */
  #replaceObserved(leases: Lease[]): void {
    const now = this.#clock.now();
    const seen = new Set<string>();
    for (const lease of leases) {
      const name = lease.metadata.name ?? "";
      if (name === this.#leaseName || !name.startsWith(this.#prefix)) continue;
      seen.add(name);
      this.#observe(lease, now);
    }
    for (const name of [...this.#observed.keys()]) if (!seen.has(name)) this.#observed.delete(name);
  }

  #fail(what: string, err: unknown, signal: AbortSignal): false {
    if (!signal.aborted || this.#signal?.aborted === false) {
      this.#lastError = `${what}: ${errorMessage(err)}`;
      this.#logger.debug("shard: renewal failed", {
        group: this.#group,
        identity: this.#identity,
        error: this.#lastError,
      });
    }
    this.#recompute();
    return false;
  }

  /** A renewal that started at `start` was acknowledged at `ackAt` and the view caught up. */
  #renewed(start: number, ackAt: number, uid: string | undefined): boolean {
    const now = this.#clock.now();
    if (now >= start + this.#renewDeadlineMs) {
      this.#lastError = "renew: took longer than the renew deadline";
      this.#recompute();
      return false;
    }
    // Announce a lapse first (the member owned nothing since its deadline).
    this.#recompute();
    const continuous = this.#joined;
    this.#lastSyncAt = start;
    this.#lastError = undefined;
    this.#validUntil = start + this.#renewDeadlineMs;
    if (!continuous) {
      this.#joined = true;
      if (uid !== undefined && uid === this.#joinedUid) {
        // A lapse, but our lease has existed all along (same uid, and our
        // renewal's precondition held): every member that joined since has
        // had us in its view, and no one has taken our keys. The hold-back
        // of the join still stands as it was; no new one.
        this.#logger.info("shard: fresh again after a lapse", {
          group: this.#group,
          identity: this.#identity,
        });
      } else {
        this.#joinedUid = uid;
        const others = this.#liveOthers();
        if (others.length > 0 && this.#joinDelayMs > 0) {
          this.#holdUntil = ackAt + this.#joinDelayMs;
          this.#holdFrom = others;
        } else {
          this.#holdUntil = 0;
          this.#holdFrom = EMPTY;
        }
        this.#logger.info("shard: joined the group", {
          group: this.#group,
          identity: this.#identity,
          members: others.length + 1,
          holdUntil: this.#holdUntil || undefined,
        });
      }
    }
    this.#recompute();
    return true;
  }

  /** Members whose leases exist: an expired lease counts until its deletion succeeds. */
  #liveOthers(): string[] {
    const out: string[] = [];
    for (const o of this.#observed.values()) out.push(o.holder);
    return out.sort();
  }

  #makeView(others: readonly string[]): ShardView {
    const joined = this.#joined;
    return Object.freeze({
      identity: this.#identity,
      members: Object.freeze(joined ? [...others, this.#identity].sort() : [...others]),
      others: Object.freeze([...others]),
      validUntil: joined ? this.#validUntil : 0,
      holdUntil: joined ? this.#holdUntil : 0,
      holdFrom: joined ? this.#holdFrom.filter((m) => others.includes(m)) : EMPTY,
    });
  }

  /**
   * Rebuild the view from the clock and what was observed; notify listeners
   * when anything that decides ownership changed (membership, freshness, the
   * end of a hold-back); schedule the next wake-up; collect expired leases.
   */
  #recompute(): void {
    const now = this.#clock.now();
    if (this.#joined && now >= this.#validUntil) {
      this.#joined = false;
      this.#logger.warn("shard: renew deadline passed; owning nothing until renewed", {
        group: this.#group,
        identity: this.#identity,
      });
    }
    const others = this.#running ? this.#liveOthers() : EMPTY;
    const view = this.#makeView(others);
    this.#view = view;
    if (this.#onView) {
      try {
        this.#onView(view, now);
      } catch (err) {
        this.#logger.error("shard: onView threw", { error: errorMessage(err) });
      }
    }
    const members = view.members.join(",");
    const holding = view.holdUntil > now && view.holdFrom.length > 0;
    const announce = `${this.#joined}|${holding}|${members}`;
    if (this.#running) {
      this.#collect(now);
      this.#scheduleWake(now);
    }
    if (announce !== this.#announced) {
      this.#announced = announce;
      if (members !== this.#announcedMembers) {
        this.#announcedMembers = members;
        this.#logger.info("shard: membership changed", {
          group: this.#group,
          identity: this.#identity,
          members: view.members,
        });
      }
      this.#notify();
    }
  }

  /** Wake up at the next instant the view changes by time alone (never drops a due one). */
  #scheduleWake(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    const consider = (at: number): void => {
      if (at > now && at < next) next = at;
    };
    for (const o of this.#observed.values()) consider(this.#deleteAt(o));
    if (this.#joined) {
      consider(this.#validUntil);
      if (this.#view.holdFrom.length > 0) consider(this.#holdUntil);
    }
    this.#wakeTimer?.cancel();
    this.#wakeTimer = undefined;
    if (next === Number.POSITIVE_INFINITY) return;
    // Every deadline at or before `now` was applied by the recompute that
    // called us, so `next` is in the future; a late timer just runs late.
    this.#wakeTimer = this.#clock.setTimer(() => {
      this.#wakeTimer = undefined;
      this.#recompute();
    }, next - now);
  }

  /** When this member deletes the (expired) lease `o`. */
  #deleteAt(o: Observed): number {
    // The holder itself is not a candidate (it is the one presumed dead).
    const candidates = this.#view.others.filter((m) => m !== o.holder);
    candidates.push(this.#identity);
    const first = rendezvousOwner(o.leaseName, candidates) === this.#identity;
    return (
      o.observedAt + Math.max(o.durationMs, this.#deleteAfterMs) + (first ? 0 : this.#retryPeriodMs)
    );
  }

  /** Delete leases that have not changed for `deleteExpiredAfterMs` (once the group has been listed). */
  #collect(now: number): void {
    const listed = this.#watch ? this.#informer?.hasSynced() === true : this.#pollListed;
    if (!listed) return;
    for (const o of this.#observed.values()) {
      if (now < this.#deleteAt(o) || this.#deleting.has(o.leaseName)) continue;
      this.#deleting.add(o.leaseName);
      void this.#deleteExpired(o);
    }
  }

  async #deleteExpired(o: Observed): Promise<void> {
    const attempt = linkSignals([this.#signal], this.#clock, this.#renewDeadlineMs);
    try {
      await this.#store.delete(this.#namespace, o.leaseName, attempt.signal, {
        resourceVersion: o.rv,
      });
      this.#logger.info("shard: deleted the lease of an expired member", {
        group: this.#group,
        identity: this.#identity,
        lease: o.leaseName,
        silentMs: this.#clock.now() - o.observedAt,
      });
      if (this.#observed.get(o.leaseName) === o) {
        this.#observed.delete(o.leaseName);
        if (this.#running) this.#recompute();
      }
    } catch (err) {
      // 409: renewed meanwhile (the watch will tell); anything else: try again later.
      this.#logger.debug("shard: could not delete an expired lease", {
        group: this.#group,
        identity: this.#identity,
        lease: o.leaseName,
        error: errorMessage(err),
      });
    } finally {
      attempt.dispose();
      this.#deleting.delete(o.leaseName);
    }
  }

  async #release(): Promise<void> {
    const attempt = linkSignals([], this.#clock, this.#renewDeadlineMs);
    try {
      await this.#store.delete(this.#namespace, this.#leaseName, attempt.signal);
      this.#logger.info("shard: left the group", {
        group: this.#group,
        identity: this.#identity,
      });
    } catch (err) {
      this.#logger.warn("shard: failed to delete the membership lease", {
        group: this.#group,
        identity: this.#identity,
        error: errorMessage(err),
      });
    } finally {
      attempt.dispose();
    }
  }

  #notify(): void {
    for (const l of [...this.#listeners]) {
      try {
        l();
      } catch (err) {
        this.#logger.error("shard: ownership listener threw", { error: errorMessage(err) });
      }
    }
  }
}
