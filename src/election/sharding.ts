/**
 * Sharding: N replicas split the keys of one resource between them.
 *
 * - **Membership**: each replica holds one Lease,
 *   `<group>-shard-<identity>`, labelled `kubeloop.dev/shard-group=<group>`,
 *   and renews it every `retryPeriodMs`. In the same cycle it lists the
 *   group's leases. A member is live while its lease has not expired **by the
 *   observer's own clock**, counted from when the observer last saw the lease
 *   record change (client-go's clock-skew rule), or until its lease is deleted
 *   (a graceful release).
 * - **Ownership**: each key belongs to exactly one live member, chosen by
 *   rendezvous (highest-random-weight) hashing over FNV-1a 32 of
 *   `member + "\n" + key`. When a member joins or leaves only the keys it
 *   gains or loses move.
 * - **Hand-over safety**: a member owns nothing while its own view is stale
 *   (no successful renew + list within `renewDeadlineMs`), so a partitioned
 *   member stops before the others can see its lease expire
 *   (`renewDeadlineMs < leaseDurationMs`). Keys taken over from an expired or
 *   released member are processed at once. Keys a joining member takes from
 *   a member that is still live are held back for `joinDelayMs` (default:
 *   `renewDeadlineMs`), the longest the previous owner can keep acting on a
 *   view that does not include the newcomer yet.
 * - **Filtering**: the informer still watches everything; only the work
 *   queue is filtered. {@link shardedResource} wraps a controller
 *   `Resource`: events for keys this member does not own are dropped,
 *   `upsert`/`delete` skip such keys, and keys this member gains are
 *   re-enqueued from the informer's cache (a targeted resync).
 *
 * @module
 */
import type { KubeClient } from "../client/client.ts";
import { isNotFound } from "../client/errors.ts";
import type { ControllerInformer, Resource } from "../controller/resource.ts";
import type { Lease } from "../resources/coordination.ts";
import { type KubernetesObject, objectKey } from "../resources/meta.ts";
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
import { errorMessage, linkSignals, sleepUnlessAborted } from "./signals.ts";

/**
 * Label that marks a shard membership lease with its group.
 *
 * @example
 * ```ts
 * import { type KubeClient, Leases, SHARD_GROUP_LABEL } from "kubeloop";
 * declare const client: KubeClient;
 * const members = await client.listAll(Leases, {
 *   namespace: "kube-system",
 *   labelSelector: `${SHARD_GROUP_LABEL}=my-controller`,
 * });
 * ```
 */
export const SHARD_GROUP_LABEL = "kubeloop.dev/shard-group";

const encoder = new TextEncoder();

/**
 * FNV-1a 32-bit hash of the UTF-8 bytes of `s`. Fast, non-cryptographic, the
 * same on every runtime.
 *
 * @example
 * ```ts
 * import { fnv1a32 } from "kubeloop";
 * fnv1a32("");  // 0x811c9dc5
 * fnv1a32("a"); // 0xe40c292c
 * ```
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  } else {
    for (const b of encoder.encode(s)) {
      h ^= b;
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** murmur3's 32-bit finalizer: spreads FNV's weak high bits. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The rendezvous weight of `key` on `member`.
 *
 * @example
 * ```ts
 * import { rendezvousScore } from "kubeloop";
 * rendezvousScore("pod-a", "default/web") !== rendezvousScore("pod-b", "default/web");
 * ```
 */
export function rendezvousScore(member: string, key: string): number {
  return mix32(fnv1a32(`${member}\n${key}`));
}

/**
 * The member that owns `key` by rendezvous hashing: the highest
 * {@link rendezvousScore} (ties go to the smaller identity). `undefined`
 * when there are no members.
 *
 * @example
 * ```ts
 * import { rendezvousOwner } from "kubeloop";
 * rendezvousOwner("default/web", ["pod-a", "pod-b", "pod-c"]); // one of them, the same everywhere
 * ```
 */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const m of members) {
    const s = rendezvousScore(m, key);
    if (s > bestScore || (s === bestScore && best !== undefined && m < best)) {
      best = m;
      bestScore = s;
    }
  }
  return best;
}

/**
 * What a controller consults to process only its share of the keys.
 *
 * @example
 * ```ts
 * import type { ShardFilter } from "kubeloop";
 * const everything: ShardFilter = { owns: () => true, subscribe: () => () => {} };
 * ```
 */
export interface ShardFilter {
  /** Whether this replica may process `key` now. */
  owns(key: string): boolean;
  /** Be told when ownership may have changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/**
 * Options of {@link ShardMembership}. Durations are milliseconds.
 *
 * @example
 * ```ts
 * import { type KubeClient, ShardMembership, type ShardMembershipOptions } from "kubeloop";
 * declare const client: KubeClient;
 * const options: ShardMembershipOptions = {
 *   client, namespace: "kube-system", group: "my-controller", identity: "pod-a",
 *   joinDelayMs: 5_000,
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
  /** A member whose own renew + list has not succeeded for this long owns nothing (default 10 000). */
  renewDeadlineMs?: number | undefined;
  /** Renew + list interval (default 2 000). */
  retryPeriodMs?: number | undefined;
  /** How long a joining member holds back keys taken from live members (default `renewDeadlineMs`). */
  joinDelayMs?: number | undefined;
  /** Delete this member's lease when the run signal aborts (default true). */
  releaseOnCancel?: boolean | undefined;
  /** Time source (default: the real clock). */
  clock?: Clock | undefined;
  /** Logger (default: `defaultLogger`, warnings and errors to the console). */
  logger?: Logger | undefined;
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
  /** Whether this member's view is fresh (it may own keys). */
  active: boolean;
  /** Live members (including this one when active), sorted. */
  members: string[];
  /** Until when (clock ms) keys taken from live members are held back; 0 when not settling. */
  settlingUntil: number;
  /** Clock time of the last successful renew + list. */
  lastSyncAt: number | undefined;
  /** The last error of a renew or list (cleared on success). */
  lastError: string | undefined;
}

interface Observed {
  leaseName: string;
  signature: string;
  observedTime: number;
  durationMs: number;
}

function dnsLabelSafe(s: string, max: number): string {
  let out = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (out !== s || out.length > max) {
    const suffix = fnv1a32(s).toString(16).padStart(8, "0");
    out = `${out.slice(0, Math.max(0, max - 9)).replace(/-+$/g, "")}-${suffix}`.replace(/^-+/, "");
  }
  return out || "x";
}

/**
 * The name of a member's lease: `<group>-shard-<identity>`, made DNS-safe
 * (lower case, invalid characters replaced, a hash suffix when it had to
 * change or shorten).
 *
 * @example
 * ```ts
 * import { shardLeaseName } from "kubeloop";
 * shardLeaseName("my-controller", "pod-a"); // "my-controller-shard-pod-a"
 * ```
 */
export function shardLeaseName(group: string, identity: string): string {
  const prefix = `${dnsLabelSafe(group, 120)}-shard-`;
  return `${prefix}${dnsLabelSafe(identity, 253 - prefix.length)}`;
}

/**
 * One replica's membership in a shard group, and the ownership of keys that
 * follows from it. Implements {@link ShardFilter}. Run it for as long as the
 * replica processes keys; stop processing before aborting its signal (on
 * abort the member's lease is deleted so others take over at once).
 *
 * @example
 * ```ts
 * import { type ConfigMap, Controller, type KubeClient, type Resource, ShardMembership, shardedResource } from "kubeloop";
 * declare const client: KubeClient;
 * declare const podName: string;
 * declare const myResource: Resource<ConfigMap>;
 * const membership = new ShardMembership({
 *   client, namespace: "kube-system", group: "my-controller", identity: podName,
 * });
 * const controller = new Controller({ resource: shardedResource(myResource, membership) });
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
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #joinDelayMs: number;
  readonly #releaseOnCancel: boolean;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #listeners = new Set<() => void>();

  #own: Lease | undefined;
  #others = new Map<string, Observed>();
  #live: string[] = [];
  #liveOthers: string[] = [];
  #active = false;
  #lastSyncAt: number | undefined;
  #lastError: string | undefined;
  #settleUntil = 0;
  #settleFrom = new Set<string>();
  #staleTimer: Timer | undefined;
  #wakeTimer: Timer | undefined;
  #running = false;

  /**
   * Create a membership (it does not join until run). Unset durations take
   * the leader-election defaults; `joinDelayMs` defaults to `renewDeadlineMs`.
   *
   * @throws {TypeError} if `identity`, `group`, `namespace`, or both `store`
   *   and `client` are missing.
   * @throws {RangeError} if the timings are invalid or `joinDelayMs < 0`.
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
    this.#leaseDurationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.#retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    validateElectionTimings(this.#leaseDurationMs, this.#renewDeadlineMs, this.#retryPeriodMs, 1);
    this.#joinDelayMs = options.joinDelayMs ?? this.#renewDeadlineMs;
    if (!(this.#joinDelayMs >= 0)) throw new RangeError("joinDelayMs must be >= 0");
    this.#releaseOnCancel = options.releaseOnCancel ?? true;
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger ?? defaultLogger;
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
    return `${SHARD_GROUP_LABEL}=${dnsLabelSafe(this.#group, 63)}`;
  }

  /** Whether this member's view is fresh (it may own keys). */
  isActive(): boolean {
    return this.#active;
  }

  /** Live members, sorted (this one included while active). */
  members(): string[] {
    return [...this.#live];
  }

  /** The live member that owns `key` (as this member sees it), if any. */
  ownerOf(key: string): string | undefined {
    return rendezvousOwner(key, this.#live);
  }

  owns(key: string): boolean {
    if (!this.#active) return false;
    if (rendezvousOwner(key, this.#live) !== this.#identity) return false;
    if (this.#settleUntil > 0) {
      if (this.#clock.now() < this.#settleUntil) {
        const previous = rendezvousOwner(key, this.#liveOthers);
        if (previous !== undefined && this.#settleFrom.has(previous)) return false;
      } else {
        this.#settleUntil = 0;
        this.#settleFrom.clear();
      }
    }
    return true;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** A snapshot for health checks. */
  status(): ShardStatus {
    return {
      identity: this.#identity,
      active: this.#active,
      members: [...this.#live],
      settlingUntil: this.#settleUntil > this.#clock.now() ? this.#settleUntil : 0,
      lastSyncAt: this.#lastSyncAt,
      lastError: this.#lastError,
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
    try {
      while (!signal.aborted) {
        const start = this.#clock.now();
        const attempt = linkSignals([signal], this.#clock, this.#renewDeadlineMs);
        try {
          const ok = await this.#cycle(start, attempt.signal);
          if (ok && !signal.aborted) this.#synced(start);
        } finally {
          attempt.dispose();
        }
        this.#recompute();
        if (!(await sleepUnlessAborted(this.#clock, this.#retryPeriodMs, signal))) break;
      }
    } finally {
      const wasActive = this.#active;
      this.#active = false;
      this.#recompute(wasActive);
      this.#staleTimer?.cancel();
      this.#wakeTimer?.cancel();
      this.#staleTimer = this.#wakeTimer = undefined;
      if (this.#releaseOnCancel && this.#own) await this.#release();
      this.#own = undefined;
      this.#others.clear();
      this.#running = false;
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

  #fail(what: string, err: unknown, signal: AbortSignal): false {
    if (!signal.aborted) {
      this.#lastError = `${what}: ${errorMessage(err)}`;
      this.#logger.debug("shard: membership cycle failed", {
        group: this.#group,
        identity: this.#identity,
        error: this.#lastError,
      });
    }
    return false;
  }

  /** Renew (or create) our lease, then list the group. */
  async #cycle(start: number, signal: AbortSignal): Promise<boolean> {
    const stamp = formatMicroTime(start);
    const spec = {
      holderIdentity: this.#identity,
      leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
      renewTime: stamp,
    };
    let renewed = false;
    for (let round = 0; round < 3 && !renewed; round++) {
      try {
        if (!this.#own) {
          const existing = await this.#store.get(this.#namespace, this.#leaseName, signal);
          if (!existing) {
            this.#own = await this.#store.create(
              {
                apiVersion: "coordination.k8s.io/v1",
                kind: "Lease",
                metadata: {
                  name: this.#leaseName,
                  namespace: this.#namespace,
                  labels: { [SHARD_GROUP_LABEL]: dnsLabelSafe(this.#group, 63) },
                },
                spec: { ...spec, acquireTime: stamp, leaseTransitions: 0 },
              },
              signal,
            );
            renewed = true;
            continue;
          }
          this.#own = existing;
        }
        const own: Lease = this.#own;
        this.#own = await this.#store.replace(
          {
            ...own,
            metadata: {
              ...own.metadata,
              labels: {
                ...own.metadata.labels,
                [SHARD_GROUP_LABEL]: dnsLabelSafe(this.#group, 63),
              },
            },
            spec: { ...own.spec, ...spec, acquireTime: own.spec?.acquireTime ?? stamp },
          },
          signal,
        );
        renewed = true;
      } catch (err) {
        if (signal.aborted) return this.#fail("renew", err, signal);
        if (isLeaseConflict(err) || isNotFound(err)) {
          this.#own = undefined; // re-read (or re-create) and try again
          continue;
        }
        return this.#fail("renew", err, signal);
      }
    }
    if (!renewed) return this.#fail("renew", new Error("repeated conflicts"), signal);

    let leases: Lease[];
    try {
      leases = await this.#store.list(this.#namespace, this.selector, signal);
    } catch (err) {
      return this.#fail("list", err, signal);
    }
    const now = this.#clock.now();
    const seen = new Set<string>();
    for (const lease of leases) {
      const holder = lease.spec?.holderIdentity ?? "";
      const name = lease.metadata.name ?? "";
      if (!holder || name === this.#leaseName || holder === this.#identity) continue;
      if (!name.startsWith(`${dnsLabelSafe(this.#group, 120)}-shard-`)) continue;
      seen.add(holder);
      const signature = JSON.stringify([
        holder,
        lease.spec?.renewTime ?? "",
        lease.spec?.leaseDurationSeconds ?? 0,
        lease.spec?.acquireTime ?? "",
      ]);
      const seconds = lease.spec?.leaseDurationSeconds || this.#leaseDurationMs / 1000;
      const prev = this.#others.get(holder);
      if (!prev || prev.signature !== signature) {
        this.#others.set(holder, {
          leaseName: name,
          signature,
          observedTime: now,
          durationMs: seconds * 1000,
        });
      }
    }
    for (const id of [...this.#others.keys()]) if (!seen.has(id)) this.#others.delete(id);
    this.#lastError = undefined;
    return true;
  }

  #synced(start: number): void {
    this.#lastSyncAt = start;
    this.#staleTimer?.cancel();
    this.#staleTimer = this.#clock.setTimer(
      () => {
        this.#staleTimer = undefined;
        if (!this.#active) return;
        this.#logger.warn("shard: membership view is stale; releasing all keys", {
          group: this.#group,
          identity: this.#identity,
        });
        this.#active = false;
        this.#recompute(true);
      },
      start + this.#renewDeadlineMs - this.#clock.now(),
    );
    if (!this.#active) {
      this.#active = true;
      const now = this.#clock.now();
      const others = this.#liveOtherIds(now);
      if (others.length > 0 && this.#joinDelayMs > 0) {
        this.#settleUntil = start + this.#joinDelayMs;
        this.#settleFrom = new Set(others);
      } else {
        this.#settleUntil = 0;
        this.#settleFrom.clear();
      }
      this.#logger.info("shard: joined the group", {
        group: this.#group,
        identity: this.#identity,
        members: others.length + 1,
        settleUntil: this.#settleUntil || undefined,
      });
      this.#recompute(true);
    }
  }

  #liveOtherIds(now: number): string[] {
    const out: string[] = [];
    for (const [id, o] of this.#others) if (o.observedTime + o.durationMs > now) out.push(id);
    return out.sort();
  }

  /** Recompute live members; notify listeners when anything that affects ownership changed. */
  #recompute(force = false): void {
    const now = this.#clock.now();
    const others = this.#liveOtherIds(now);
    const live = this.#active ? [...others, this.#identity].sort() : others;
    const changed = live.length !== this.#live.length || live.some((m, i) => m !== this.#live[i]);
    this.#live = live;
    this.#liveOthers = others;
    if (changed) {
      this.#logger.info("shard: membership changed", {
        group: this.#group,
        identity: this.#identity,
        members: live,
      });
    }
    this.#scheduleWake(now);
    if (changed || force) this.#notify();
  }

  /** Wake up at the next expiry or the end of the settle window. */
  #scheduleWake(now: number): void {
    this.#wakeTimer?.cancel();
    this.#wakeTimer = undefined;
    if (!this.#running) return;
    let next = Number.POSITIVE_INFINITY;
    for (const o of this.#others.values()) {
      const at = o.observedTime + o.durationMs;
      if (at > now && at < next) next = at;
    }
    if (this.#settleUntil > now && this.#settleUntil < next) next = this.#settleUntil;
    if (next === Number.POSITIVE_INFINITY) return;
    this.#wakeTimer = this.#clock.setTimer(() => {
      this.#wakeTimer = undefined;
      const settling = this.#settleUntil > 0 && this.#clock.now() >= this.#settleUntil;
      if (settling) {
        this.#settleUntil = 0;
        this.#settleFrom.clear();
      }
      this.#recompute(settling);
    }, next - now);
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
          if (!filter.owns(key)) return;
          delivered.add(key);
          handler.onAdd?.(obj);
        },
        onUpdate(oldObj, newObj) {
          const key = objectKey(newObj);
          if (!filter.owns(key)) return;
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
 * {@link Backgrounder} resource keeps its `run`.
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
