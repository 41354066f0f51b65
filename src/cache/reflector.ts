/**
 * The reflector: the list-and-watch loop that keeps a cache equal to the API
 * server's state for one resource type (optionally one namespace and label /
 * field selectors).
 *
 * It lists (paged, `resourceVersion=0` first, `""` after a 410), then watches
 * from the list's resource version with bookmarks and a randomised server
 * timeout; a clean end reconnects from the last seen resource version without
 * relisting; a 410 (HTTP or `ERROR` event, reason `Expired` or `Gone`) or an
 * expired continue token relists; a 504 "Too large resource version" (a
 * restarted server behind the client's version) relists with a consistent
 * read (`resourceVersion=""`) after backoff; a watch that delivers nothing for
 * `idleTimeoutMs` is aborted and resumed; network errors, 5xx and 429 back
 * off (honouring `Retry-After`) and it never gives up while running.
 * Optionally it uses a streaming list (`sendInitialEvents=true`) and falls
 * back to list + watch when the server refuses it or never ends it.
 *
 * Objects are validated with the type's zod schema before they reach the
 * {@link ReflectorSink}; invalid ones are reported, never delivered.
 *
 * Most users want an {@link Informer}, which owns a reflector.
 *
 * @module
 */
import { z } from "zod";
import type { ListOptions, WatchOptions } from "../client/client.ts";
import type { ValidationIssue } from "../client/errors.ts";
import {
  ApiError,
  type ValidationError as ClientValidationError,
  isGone,
} from "../client/errors.ts";
import {
  type Bookmark,
  INITIAL_EVENTS_END_ANNOTATION,
  type KubernetesObject,
  type ObjectList,
  objectKey,
  type Status,
  type WatchEvent,
} from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";
import { validate } from "../resources/validate.ts";
import { Backoff, type BackoffOptions } from "../util/backoff.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { type Logger, silentLogger } from "../util/logger.ts";

/**
 * The list options the reflector passes to {@link ListWatchClient.list} (a subset of the client's {@link ListOptions}).
 *
 * @example
 * ```ts
 * import type { ReflectorListOptions } from "kubeloop";
 * const page: ReflectorListOptions = { namespace: "default", limit: 500, resourceVersion: "0" };
 * ```
 */
export type ReflectorListOptions = Pick<
  ListOptions,
  | "namespace"
  | "labelSelector"
  | "fieldSelector"
  | "limit"
  | "continue"
  | "resourceVersion"
  | "resourceVersionMatch"
  | "signal"
  | "metadataOnly"
  | "onInvalid"
>;

/**
 * The watch options the reflector passes to {@link ListWatchClient.watch} (a subset of the client's {@link WatchOptions}).
 *
 * @example
 * ```ts
 * import type { ReflectorWatchOptions } from "kubeloop";
 * const watch: ReflectorWatchOptions = {
 *   namespace: "default",
 *   resourceVersion: "12345",
 *   allowWatchBookmarks: true,
 *   timeoutSeconds: 300,
 * };
 * ```
 */
export type ReflectorWatchOptions = Pick<
  WatchOptions,
  | "namespace"
  | "labelSelector"
  | "fieldSelector"
  | "resourceVersion"
  | "resourceVersionMatch"
  | "allowWatchBookmarks"
  | "timeoutSeconds"
  | "sendInitialEvents"
  | "signal"
  | "metadataOnly"
  | "onInvalid"
>;

/**
 * What a reflector needs from a client: one list page and a watch stream.
 * `KubeClient` satisfies it.
 *
 * @example
 * ```ts
 * import { KubeClient, type ListWatchClient } from "kubeloop";
 * const client: ListWatchClient = new KubeClient({ server: "https://127.0.0.1:6443" });
 * ```
 */
export interface ListWatchClient {
  /** List one page of `type` (the reflector sends `limit`/`continue`, `resourceVersion`, selectors and `metadataOnly`). */
  list<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts?: ReflectorListOptions,
  ): Promise<ObjectList<T>>;
  /** Watch `type`; the iteration ends when the server closes the stream and rejects on failures or abort. */
  watch<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts?: ReflectorWatchOptions,
  ): AsyncIterable<WatchEvent<T>>;
}

/**
 * Where a failure happened, as reported to `onError`.
 *
 * @example
 * ```ts
 * import { createInformer, Pods, type KubeClient, type ReflectorPhase } from "kubeloop";
 * declare const client: KubeClient;
 * const failures = new Map<ReflectorPhase, number>();
 * createInformer(client, Pods, {
 *   onError: (_err, { phase }) => failures.set(phase, (failures.get(phase) ?? 0) + 1),
 * });
 * ```
 */
export type ReflectorPhase =
  | "list"
  | "watch"
  | "streaming-list"
  | "validation"
  | "transform"
  | "handler"
  | "resync";

/**
 * Context passed to `onError` with each failure.
 *
 * @example
 * ```ts
 * import type { ReflectorErrorInfo } from "kubeloop";
 * function report(err: unknown, info: ReflectorErrorInfo): void {
 *   console.error(`${info.kind} ${info.phase}${info.key ? ` ${info.key}` : ""}:`, err);
 * }
 * ```
 */
export interface ReflectorErrorInfo {
  /** Where it happened. */
  phase: ReflectorPhase;
  /** Kind of the resource type. */
  kind: string;
  /** Object key, for validation, transform and handler failures. */
  key?: string | undefined;
}

/**
 * An object failed its kind's schema; it was neither stored nor dispatched.
 *
 * @example
 * ```ts
 * import { createInformer, InvalidObjectError, Pods, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * createInformer(client, Pods, {
 *   onError: (err) => {
 *     if (err instanceof InvalidObjectError) console.warn(err.key, err.eventType, err.issues.length);
 *   },
 * });
 * ```
 */
export class InvalidObjectError extends Error {
  /** Always `"InvalidObjectError"`. */
  override readonly name = "InvalidObjectError";
  /** Kind of the resource type. */
  readonly kind: string;
  /** Cache key of the object, when its metadata could be read. */
  readonly key: string | undefined;
  /** Watch event type (`ADDED`, `MODIFIED`, `DELETED`) or `LIST`. */
  readonly eventType: string;
  /** The schema violations (zod issues). */
  readonly issues: readonly ValidationIssue[];
  /** Build the error; the message lists the first five issues. */
  constructor(
    kind: string,
    key: string | undefined,
    eventType: string,
    issues: readonly ValidationIssue[],
  ) {
    const summary = issues
      .slice(0, 5)
      .map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    super(`invalid ${kind}${key ? ` ${key}` : ""} (${eventType}): ${summary}`);
    this.kind = kind;
    this.key = key;
    this.eventType = eventType;
    this.issues = issues;
  }
}

/**
 * A watch delivered nothing (not even a bookmark) for longer than the idle timeout.
 *
 * @example
 * ```ts
 * import { createInformer, Pods, WatchStalledError, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * createInformer(client, Pods, {
 *   idleTimeoutMs: 120_000,
 *   onError: (err) => {
 *     if (err instanceof WatchStalledError) console.warn(`watch idle for ${err.idleMs} ms`);
 *   },
 * });
 * ```
 */
export class WatchStalledError extends Error {
  /** Always `"WatchStalledError"`. */
  override readonly name = "WatchStalledError";
  /** The idle timeout that elapsed, in ms. */
  readonly idleMs: number;
  /** `kind` is the resource kind, named in the message. */
  constructor(kind: string, idleMs: number) {
    super(`watch of ${kind} delivered nothing for ${idleMs} ms: aborted, resuming`);
    this.idleMs = idleMs;
  }
}

/**
 * A watch ended cleanly almost at once without delivering anything (treated as a failure, as client-go does).
 *
 * @example
 * ```ts
 * import { createInformer, Pods, ShortWatchError, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * createInformer(client, Pods, {
 *   onError: (err) => {
 *     if (err instanceof ShortWatchError) console.warn(err.message); // retried with backoff
 *   },
 * });
 * ```
 */
export class ShortWatchError extends Error {
  /** Always `"ShortWatchError"`. */
  override readonly name = "ShortWatchError";
  /** `ms` is how long the watch lasted; `kind` is the resource kind. */
  constructor(kind: string, ms: number) {
    super(`watch of ${kind} ended after ${ms} ms without any event`);
  }
}

/**
 * A streaming list did not end with the `k8s.io/initial-events-end` bookmark in time.
 *
 * @example
 * ```ts
 * import { createInformer, Pods, StreamingListTimeoutError, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * createInformer(client, Pods, {
 *   streamingList: true,
 *   onError: (err) => {
 *     if (err instanceof StreamingListTimeoutError) console.warn("falling back to list + watch");
 *   },
 * });
 * ```
 */
export class StreamingListTimeoutError extends Error {
  /** Always `"StreamingListTimeoutError"`. */
  override readonly name = "StreamingListTimeoutError";
  /** `ms` is the inactivity limit that elapsed; `kind` is the resource kind. */
  constructor(kind: string, ms: number) {
    super(
      `streaming list of ${kind}: no initial-events-end bookmark within ${ms} ms of inactivity`,
    );
  }
}

/**
 * Counters of a reflector (and its informer): cumulative since creation.
 *
 * @example
 * ```ts
 * import type { Informer, Pod, ReflectorStats } from "kubeloop";
 * declare const informer: Informer<Pod>;
 * const s: ReflectorStats = informer.stats();
 * if (s.gone > 0) console.log(`${s.relists} relists after ${s.gone} 410 Gone responses`);
 * ```
 */
export interface ReflectorStats {
  /** Complete lists (initial list and relists; a streaming list counts too). */
  lists: number;
  /** Lists after the first one (after 410s, expired continue tokens or failures). */
  relists: number;
  /** List pages fetched. */
  pages: number;
  /** Watch requests started. */
  watches: number;
  /** Watches started to resume from a resource version (not right after a list). */
  reconnects: number;
  /** ADDED / MODIFIED / DELETED events applied. */
  events: number;
  /** BOOKMARK events received. */
  bookmarks: number;
  /** Objects that failed validation (not stored, not dispatched). */
  invalidObjects: number;
  /** Failures reported to `onError` (list, watch, validation, transform, handler). */
  errors: number;
  /** Watches aborted by the idle timeout. */
  stalls: number;
  /** 410 responses (relist triggers), including expired continue tokens. */
  gone: number;
  /** Backoff waits. */
  backoffs: number;
  /** Times the streaming list was abandoned for list + watch. */
  streamingFallbacks: number;
  /** Handler calls that threw. */
  handlerErrors: number;
  /** Resync rounds. */
  resyncs: number;
}

/**
 * A fresh, zeroed {@link ReflectorStats}.
 *
 * @example
 * ```ts
 * import { emptyStats, Reflector, Store, ConfigMaps, type ConfigMap, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * const stats = emptyStats(); // every counter 0
 * const store = new Store<ConfigMap>();
 * const reflector = new Reflector(client, ConfigMaps, {
 *   replace: (objs, rv) => store.replace(objs, rv),
 *   apply: (type, obj) => (type === "DELETED" ? store.delete(obj) : store.update(obj)),
 * }, { stats });
 * ```
 */
export function emptyStats(): ReflectorStats {
  return {
    lists: 0,
    relists: 0,
    pages: 0,
    watches: 0,
    reconnects: 0,
    events: 0,
    bookmarks: 0,
    invalidObjects: 0,
    errors: 0,
    stalls: 0,
    gone: 0,
    backoffs: 0,
    streamingFallbacks: 0,
    handlerErrors: 0,
    resyncs: 0,
  };
}

/**
 * Receives what the reflector learns; an informer implements it over its store.
 *
 * @example
 * ```ts
 * import { objectKey, type ConfigMap, type ReflectorSink } from "kubeloop";
 * const byKey = new Map<string, ConfigMap>();
 * const sink: ReflectorSink<ConfigMap> = {
 *   replace: (objects) => {
 *     byKey.clear();
 *     for (const cm of objects) byKey.set(objectKey(cm), cm);
 *   },
 *   apply: (type, cm) => {
 *     if (type === "DELETED") byKey.delete(objectKey(cm));
 *     else byKey.set(objectKey(cm), cm);
 *   },
 * };
 * ```
 */
export interface ReflectorSink<T> {
  /**
   * A complete state: `objects` is everything that exists at `resourceVersion`.
   * `invalidKeys` are keys whose objects exist but failed validation: keep
   * what is cached for them.
   */
  replace(
    objects: T[],
    resourceVersion: string | undefined,
    invalidKeys: ReadonlySet<string>,
  ): void;
  /** One watch event, validated and transformed. */
  apply(type: "ADDED" | "MODIFIED" | "DELETED", obj: T): void;
  /**
   * A DELETED event whose object failed validation: the object is gone, so
   * the sink should delete what it has cached under `key` (its last valid state).
   */
  deleteKey?(key: string): void;
  /** A bookmark advanced the resource version. */
  bookmark?(resourceVersion: string): void;
}

/**
 * Options of {@link Reflector}.
 *
 * @example
 * ```ts
 * import { ConfigMaps, Reflector, type ConfigMap, type KubeClient, type ReflectorOptions, type ReflectorSink } from "kubeloop";
 * declare const client: KubeClient;
 * declare const sink: ReflectorSink<ConfigMap>;
 * const options: ReflectorOptions<ConfigMap> = {
 *   namespace: "default",
 *   pageSize: 200,
 *   idleTimeoutMs: 120_000,
 *   backoff: { initialMs: 500, maxMs: 10_000 },
 * };
 * const reflector = new Reflector(client, ConfigMaps, sink, options);
 * ```
 */
export interface ReflectorOptions<T extends KubernetesObject> {
  /** Only this namespace (namespaced types); default all. */
  namespace?: string | undefined;
  /** Only objects matching this label selector. */
  labelSelector?: string | undefined;
  /** Only objects matching this field selector. */
  fieldSelector?: string | undefined;
  /** List page size (default 500; 0 disables paging). */
  pageSize?: number | undefined;
  /** Watch `PartialObjectMetadata` only (objects then carry metadata, no spec/status). */
  metadataOnly?: boolean | undefined;
  /**
   * Use a streaming list (`sendInitialEvents=true`) instead of list + watch,
   * falling back to list + watch if the server refuses it or never sends the
   * end bookmark (default false).
   */
  streamingList?: boolean | undefined;
  /**
   * Give up on a streaming list when no initial event arrives for this long
   * (ms) before the end bookmark (default 30 000).
   */
  streamingListTimeoutMs?: number | undefined;
  /**
   * Abort and resume a watch that delivered no event (bookmarks included) for
   * this long, in ms. 0 disables. Default: derived per watch by
   * {@link watchIdleDeadlineMs}, from the watch's own `timeoutSeconds` (a
   * healthy server ends the watch then; a 1.20 server sends its only bookmark
   * about 2 s before) and the bookmark interval observed on the previous watch.
   */
  idleTimeoutMs?: number | undefined;
  /** Server-side watch timeout range in seconds, picked at random per watch (default 300–600). */
  watchTimeoutSeconds?: { min: number; max: number } | undefined;
  /** Validate each object with the type's schema (default true). */
  validate?: boolean | undefined;
  /** Runs on each valid object before it is stored; default {@link dropManagedFields}. */
  transform?: ((obj: T) => T) | undefined;
  /** Clock for backoff, idle and streaming deadlines (default: real clock). */
  clock?: Clock | undefined;
  /** Random source in [0, 1) for timeouts and jitter (default `Math.random`). */
  random?: (() => number) | undefined;
  /** Reconnect backoff (default: 800 ms doubling to 30 s with jitter, reset after 2 min). */
  backoff?: BackoffOptions | undefined;
  /** Logger for failures and lifecycle messages (default: silent). */
  logger?: Logger | undefined;
  /** Called for every failure; must not throw (if it does, that is logged). */
  onError?: ((err: unknown, info: ReflectorErrorInfo) => void) | undefined;
  /** Shared counters (the informer passes its own). */
  stats?: ReflectorStats | undefined;
}

/**
 * The default transform: drops `metadata.managedFields` (large, rarely
 * needed by controllers). Mutates and returns `obj`.
 *
 * @example
 * ```ts
 * import { dropManagedFields } from "kubeloop";
 * const pod = dropManagedFields({ metadata: { name: "a", managedFields: [{ manager: "kubectl" }] } });
 * pod.metadata.managedFields; // undefined
 * ```
 */
export function dropManagedFields<T extends KubernetesObject>(obj: T): T {
  if (obj.metadata.managedFields !== undefined) {
    // Rebuild rather than `delete`: V8 then keeps the metadata object in its compact form
    // (measured: ~0.7 KB less per cached Pod on Node 24).
    const { managedFields: _dropped, ...metadata } = obj.metadata;
    obj.metadata = metadata;
  }
  return obj;
}

/** Accepts anything: the reflector validates itself, knowing the event type. */
const PASS_THROUGH: z.ZodType<KubernetesObject> = z.any() as unknown as z.ZodType<KubernetesObject>;

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_STREAMING_TIMEOUT_MS = 30_000;
const SHORT_WATCH_MS = 1000;

class GoneSignal extends Error {
  override readonly name = "GoneSignal";
  readonly inner: unknown;
  readonly phase: ReflectorPhase;
  constructor(inner: unknown, phase: ReflectorPhase) {
    super(inner instanceof Error ? inner.message : "410 Gone");
    this.inner = inner;
    this.phase = phase;
  }
}

class PhaseError extends Error {
  readonly inner: unknown;
  readonly phase: ReflectorPhase;
  constructor(inner: unknown, phase: ReflectorPhase) {
    super(inner instanceof Error ? inner.message : String(inner));
    this.inner = inner;
    this.phase = phase;
  }
}

function keyOfRaw(raw: unknown): string | undefined {
  const meta = (raw as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  if (typeof meta?.name !== "string") return undefined;
  return typeof meta.namespace === "string" && meta.namespace
    ? `${meta.namespace}/${meta.name}`
    : meta.name;
}

function rvOfRaw(raw: unknown): string | undefined {
  const rv = (raw as { metadata?: { resourceVersion?: unknown } } | null)?.metadata
    ?.resourceVersion;
  return typeof rv === "string" ? rv : undefined;
}

/** The smallest slack added to a watch's timeout or bookmark interval before it counts as stalled. */
const MIN_IDLE_MARGIN_MS = 5_000;

/**
 * How long a watch may deliver nothing (no event, no bookmark) before the
 * reflector takes it for stalled, when `idleTimeoutMs` is not set.
 *
 * - A healthy server ends every watch cleanly at its `timeoutSeconds`, and
 *   may send nothing before: a 1.20 server sends its only bookmark about 2 s
 *   before that deadline, newer ones send periodic bookmarks only once the
 *   resource type has changed. So the deadline is the watch's own timeout
 *   plus a margin (10 %, at least 5 s): a quiet watch is never taken for a
 *   stalled one.
 * - When the previous watch showed a bookmark cadence (`bookmarkIntervalMs`:
 *   the longest gap between two bookmarks of one watch), a dead connection is
 *   found sooner: two missed bookmarks plus 5 s, if that is shorter.
 *
 * @example
 * ```ts
 * import { watchIdleDeadlineMs } from "kubeloop";
 * watchIdleDeadlineMs(300); // 330_000: a quiet 1.20 watch ends (at 300 s) before it
 * watchIdleDeadlineMs(300, 60_000); // 125_000: bookmarks came every minute last time
 * ```
 */
export function watchIdleDeadlineMs(timeoutSeconds: number, bookmarkIntervalMs?: number): number {
  const timeoutMs = timeoutSeconds * 1000;
  const byTimeout = timeoutMs + Math.max(MIN_IDLE_MARGIN_MS, timeoutMs / 10);
  if (bookmarkIntervalMs === undefined || !(bookmarkIntervalMs > 0)) return byTimeout;
  return Math.min(byTimeout, 2 * bookmarkIntervalMs + MIN_IDLE_MARGIN_MS);
}

/**
 * The bookmark cadence a reflector observes: the longest gap between two
 * consecutive bookmarks of the last watch that carried at least two
 * (`undefined` after a watch with fewer, so a server that stops sending
 * periodic bookmarks falls back to the timeout-based deadline at once).
 */
class BookmarkCadence {
  #intervalMs: number | undefined;
  #last: number | undefined;
  #longest: number | undefined;
  /** The interval observed on the previous watch, if any. */
  get intervalMs(): number | undefined {
    return this.#intervalMs;
  }
  /** A watch starts. */
  begin(): void {
    this.#last = undefined;
    this.#longest = undefined;
  }
  /** A bookmark arrived at `now` (ms). */
  bookmark(now: number): void {
    if (this.#last !== undefined) this.#longest = Math.max(this.#longest ?? 0, now - this.#last);
    this.#last = now;
  }
  /** The watch ended (any way): what it showed becomes the observed interval. */
  end(): void {
    this.#intervalMs = this.#longest;
  }
}

/** Something that fires `fn` once nothing called `touch()` for `ms` (one timer per period, not per event). */
class IdleDeadline {
  #last: number;
  #timer: Timer | undefined;
  readonly #clock: Clock;
  readonly #ms: number;
  readonly #fn: () => void;
  constructor(clock: Clock, ms: number, fn: () => void) {
    this.#clock = clock;
    this.#ms = ms;
    this.#fn = fn;
    this.#last = clock.now();
    this.#arm(ms);
  }
  touch(): void {
    this.#last = this.#clock.now();
  }
  cancel(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
  #arm(ms: number): void {
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      const idle = this.#clock.now() - this.#last;
      if (idle >= this.#ms) this.#fn();
      else this.#arm(this.#ms - idle);
    }, ms);
  }
}

/**
 * The list-and-watch loop for one resource type. Feeds a {@link ReflectorSink}.
 *
 * @example
 * ```ts
 * import { Reflector, Store, KubeClient, ConfigMaps } from "kubeloop";
 * const client = new KubeClient({ server: "https://127.0.0.1:6443" });
 * const store = new Store();
 * const reflector = new Reflector(client, ConfigMaps, {
 *   replace: (objs, rv) => store.replace(objs, rv),
 *   apply: (type, obj) => (type === "DELETED" ? store.delete(obj) : store.update(obj)),
 * }, { namespace: "default" });
 * const ac = new AbortController();
 * const done = reflector.run(ac.signal);
 * // ... later
 * ac.abort();
 * await done;
 * ```
 */
export class Reflector<T extends KubernetesObject> {
  /** The resource type this reflector lists and watches. */
  readonly resourceType: ResourceType<T>;
  readonly #client: ListWatchClient;
  readonly #sink: ReflectorSink<T>;
  readonly #rawType: ResourceType<T>;
  readonly #opts: ReflectorOptions<T>;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #backoff: Backoff;
  readonly #stats: ReflectorStats;
  readonly #transform: (obj: T) => T;
  readonly #validate: boolean;
  #rv: string | undefined;
  #lastError: unknown;
  #listedOnce = false;
  #streamingDisabled = false;
  #running = false;
  #gonesWithoutProgress = 0;
  #needList = true;
  readonly #cadence = new BookmarkCadence();

  /** Create a reflector (not started: call {@link Reflector.run}). Objects are validated against `type.schema` unless `options.validate` is false or `metadataOnly` is set. */
  constructor(
    client: ListWatchClient,
    type: ResourceType<T>,
    sink: ReflectorSink<T>,
    options: ReflectorOptions<T> = {},
  ) {
    this.resourceType = type;
    this.#client = client;
    this.#sink = sink;
    this.#opts = options;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger ?? silentLogger;
    this.#backoff = new Backoff({ clock: this.#clock, random: this.#random, ...options.backoff });
    this.#stats = options.stats ?? emptyStats();
    this.#transform = options.transform ?? dropManagedFields;
    this.#validate = options.validate ?? true;
    // metadata-only objects are validated by the client (PartialObjectMetadata);
    // full objects pass through the client untouched and are validated here.
    this.#rawType = options.metadataOnly ? type : { ...type, schema: PASS_THROUGH as z.ZodType<T> };
  }

  /** Counters (the live object: read, do not write). */
  get stats(): Readonly<ReflectorStats> {
    return this.#stats;
  }

  /** The resource version of the last list, event or bookmark applied. */
  lastSyncResourceVersion(): string | undefined {
    return this.#rv;
  }

  /** The last failure, or `undefined` once a later list or watch event succeeded. */
  lastError(): unknown {
    return this.#lastError;
  }

  /** Whether the streaming list was given up for list + watch. */
  get streamingDisabled(): boolean {
    return this.#streamingDisabled;
  }

  /**
   * Run until `signal` aborts. Never rejects because of the server: every
   * failure is reported and retried. Resolves once stopped, with no request
   * or timer left behind.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running)
      throw new Error(`reflector for ${this.resourceType.kind} is already running`);
    this.#running = true;
    const kind = this.resourceType.kind;
    this.#needList = true;
    let consistentList = false;
    let afterList = false;
    try {
      while (!signal.aborted) {
        try {
          if (this.#needList) {
            if (this.#opts.streamingList && !this.#streamingDisabled) {
              // the streaming list is a watch that then goes on as the regular watch
              await this.#streamingListAndWatch(signal);
              afterList = false;
              continue;
            }
            await this.#list(signal, consistentList ? "" : "0");
            consistentList = false;
            afterList = true;
          }
          await this.#watch(signal, afterList);
          afterList = false;
        } catch (err) {
          if (signal.aborted) break;
          const phase =
            err instanceof PhaseError || err instanceof GoneSignal ? err.phase : "watch";
          const inner = err instanceof PhaseError || err instanceof GoneSignal ? err.inner : err;
          if (err instanceof GoneSignal) {
            this.#stats.gone++;
            this.#gonesWithoutProgress++;
            this.#logger.info("resource version expired (410); relisting", {
              kind,
              phase,
              resourceVersion: this.#rv,
            });
            this.#needList = true;
            consistentList = true;
            afterList = false;
            if (this.#gonesWithoutProgress > 1) {
              // 410 again without any progress in between: do not hammer the server
              this.#report(inner, { phase, kind });
              await this.#wait(signal, undefined);
            }
            continue;
          }
          if (isTooLargeResourceVersion(inner)) {
            // the server has not reached our resource version: a restarted API
            // server counting from scratch (or one lagging behind). Retrying the
            // same version could wait forever; as client-go does, relist with a
            // consistent read (resourceVersion "") after backoff. The Status's
            // retryAfterSeconds is not honoured: that read cannot be too large.
            this.#logger.info("resource version too large for the server; relisting", {
              kind,
              phase,
              resourceVersion: this.#rv,
            });
            this.#lastError = inner;
            this.#report(inner, { phase, kind });
            this.#needList = true;
            consistentList = true;
            afterList = false;
            await this.#wait(signal, undefined);
            continue;
          }
          if (inner instanceof WatchStalledError) {
            this.#stats.stalls++;
            this.#logger.warn("watch stalled; aborted, resuming from the last resource version", {
              kind,
              idleMs: inner.idleMs,
              resourceVersion: this.#rv,
            });
            this.#report(inner, { phase, kind });
            afterList = false;
            continue;
          }
          if (
            inner instanceof StreamingListTimeoutError ||
            (phase === "streaming-list" && isRefusal(inner))
          ) {
            this.#streamingDisabled = true;
            this.#stats.streamingFallbacks++;
            this.#logger.warn(
              "streaming list not supported or not ended; falling back to list + watch",
              {
                kind,
                error: describe(inner),
              },
            );
            this.#report(inner, { phase, kind });
            this.#needList = true;
            continue;
          }
          this.#lastError = inner;
          this.#report(inner, { phase, kind });
          afterList = false;
          const retryAfter = inner instanceof ApiError ? inner.retryAfter : undefined;
          await this.#wait(signal, retryAfter);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #wait(signal: AbortSignal, retryAfterSeconds: number | undefined): Promise<void> {
    let ms = this.#backoff.next();
    if (retryAfterSeconds !== undefined && retryAfterSeconds * 1000 > ms)
      ms = retryAfterSeconds * 1000;
    this.#stats.backoffs++;
    this.#logger.debug("backing off", {
      kind: this.resourceType.kind,
      ms,
      attempt: this.#backoff.attempt,
    });
    try {
      await this.#clock.sleep(ms, signal);
    } catch {
      // aborted: the loop ends
    }
  }

  #report(err: unknown, info: ReflectorErrorInfo): void {
    this.#stats.errors++;
    const level =
      info.phase === "validation" || err instanceof WatchStalledError ? "warn" : "error";
    if (!(err instanceof WatchStalledError)) {
      this.#logger[level](`${this.resourceType.kind} ${info.phase} failed`, {
        kind: info.kind,
        phase: info.phase,
        key: info.key,
        error: describe(err),
        code: err instanceof ApiError ? err.code : undefined,
      });
    }
    if (!this.#opts.onError) return;
    try {
      this.#opts.onError(err, info);
    } catch (hookErr) {
      this.#logger.error("onError hook threw", { kind: info.kind, error: describe(hookErr) });
    }
  }

  /** A watch delivered an event: healthy again. */
  #success(): void {
    this.#lastError = undefined;
    this.#backoff.reset();
  }

  /** Validate and transform one raw object; `undefined` if it must be skipped (already reported). */
  #accept(raw: unknown, eventType: string): T | undefined {
    let obj: T;
    if (this.#validate && !this.#opts.metadataOnly) {
      // validate() checks without copying when the schema has a compiled fast path (falls back to zod).
      const r = validate(this.resourceType.schema, raw);
      if (!r.success) {
        this.#invalid(
          new InvalidObjectError(this.resourceType.kind, keyOfRaw(raw), eventType, r.error.issues),
        );
        return undefined;
      }
      obj = r.data;
    } else {
      obj = raw as T;
    }
    try {
      return this.#transform(obj);
    } catch (err) {
      this.#report(err, { phase: "transform", kind: this.resourceType.kind, key: keyOfRaw(raw) });
      return undefined;
    }
  }

  #invalid(err: InvalidObjectError): void {
    this.#stats.invalidObjects++;
    this.#logger.warn(`invalid ${err.kind} skipped: not stored, not dispatched`, {
      kind: err.kind,
      key: err.key,
      eventType: err.eventType,
      issues: err.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    });
    this.#report(err, { phase: "validation", kind: err.kind, key: err.key });
  }

  /** The client's own validation failed (metadata-only mode). */
  #clientInvalid(
    eventType: string,
    invalidKeys?: Set<string>,
  ): (err: ClientValidationError) => void {
    return (err) => {
      if (err.key !== undefined) invalidKeys?.add(err.key);
      this.#invalid(new InvalidObjectError(this.resourceType.kind, err.key, eventType, err.issues));
    };
  }

  #selectors(): { namespace?: string; labelSelector?: string; fieldSelector?: string } {
    const o = this.#opts;
    const out: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {};
    if (o.namespace !== undefined && this.resourceType.namespaced) out.namespace = o.namespace;
    if (o.labelSelector) out.labelSelector = o.labelSelector;
    if (o.fieldSelector) out.fieldSelector = o.fieldSelector;
    return out;
  }

  async #list(signal: AbortSignal, firstRv: string): Promise<void> {
    const kind = this.resourceType.kind;
    const limit = this.#opts.pageSize ?? DEFAULT_PAGE_SIZE;
    let rvParam = firstRv;
    let restarts = 0;
    restart: for (;;) {
      const items: T[] = [];
      const invalidKeys = new Set<string>();
      let cont: string | undefined;
      for (;;) {
        let page: ObjectList<T>;
        try {
          page = await this.#client.list(this.#rawType, {
            ...this.#selectors(),
            ...(limit > 0 ? { limit } : {}),
            ...(cont ? { continue: cont } : { resourceVersion: rvParam }),
            signal,
            metadataOnly: this.#opts.metadataOnly,
            onInvalid: this.#clientInvalid("LIST", invalidKeys),
          });
        } catch (err) {
          if (signal.aborted) throw err;
          // restart at once, but only once: a server that keeps answering 410 gets the backoff
          if (isGone(err) && restarts++ === 0) {
            this.#stats.gone++;
            this.#logger.info(
              cont ? "continue token expired (410); restarting the list" : "list 410; relisting",
              {
                kind,
              },
            );
            rvParam = "";
            continue restart;
          }
          throw new PhaseError(err, "list");
        }
        // a transport may complete a request that was aborted meanwhile
        if (signal.aborted) throw signal.reason;
        this.#stats.pages++;
        for (const raw of page.items) {
          const obj = this.#accept(raw, "LIST");
          if (obj !== undefined) items.push(obj);
          else {
            const key = keyOfRaw(raw);
            if (key !== undefined) invalidKeys.add(key);
          }
        }
        cont = page.metadata.continue || undefined;
        if (!cont) {
          const rv = page.metadata.resourceVersion || undefined;
          this.#stats.lists++;
          if (this.#listedOnce) this.#stats.relists++;
          this.#listedOnce = true;
          this.#rv = rv;
          this.#needList = false;
          this.#sink.replace(items, rv, invalidKeys);
          // synced, but the backoff only resets once a watch delivers (a server that
          // lists fine and then fails every watch must not get relisted every 800 ms)
          this.#lastError = undefined;
          this.#logger.debug("listed", { kind, count: items.length, resourceVersion: rv });
          return;
        }
      }
    }
  }

  #watchTimeoutSeconds(): number {
    const range = this.#opts.watchTimeoutSeconds ?? { min: 300, max: 600 };
    return Math.floor(range.min + this.#random() * Math.max(0, range.max - range.min));
  }

  /** One watch from `this.#rv`, until it ends. Clean end: returns. */
  async #watch(signal: AbortSignal, afterList: boolean): Promise<void> {
    const kind = this.resourceType.kind;
    const timeoutSeconds = this.#watchTimeoutSeconds();
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(signal.reason);
    if (signal.aborted) throw signal.reason;
    signal.addEventListener("abort", onAbort, { once: true });
    const idleMs = this.#idleMs(timeoutSeconds);
    const deadline =
      idleMs > 0
        ? new IdleDeadline(this.#clock, idleMs, () => ac.abort(new WatchStalledError(kind, idleMs)))
        : undefined;
    this.#stats.watches++;
    if (!afterList) this.#stats.reconnects++;
    const started = this.#clock.now();
    let received = 0;
    this.#cadence.begin();
    this.#logger.debug("watching", { kind, resourceVersion: this.#rv, timeoutSeconds, idleMs });
    try {
      const stream = this.#client.watch(this.#rawType, {
        ...this.#selectors(),
        resourceVersion: this.#rv,
        allowWatchBookmarks: true,
        timeoutSeconds,
        signal: ac.signal,
        metadataOnly: this.#opts.metadataOnly,
        onInvalid: this.#clientInvalid("WATCH"),
      });
      for await (const ev of stream) {
        deadline?.touch();
        // an ERROR event is no progress: it must not reset the backoff
        if (ev.type !== "ERROR" && received++ === 0) {
          this.#gonesWithoutProgress = 0;
          this.#success();
        }
        this.#handleEvent(ev);
      }
    } catch (err) {
      if (signal.aborted) throw err;
      if (ac.signal.aborted && ac.signal.reason instanceof WatchStalledError)
        throw new PhaseError(ac.signal.reason, "watch");
      if (err instanceof GoneSignal) throw err;
      if (isGone(err)) throw new GoneSignal(err, "watch");
      throw new PhaseError(err, "watch");
    } finally {
      deadline?.cancel();
      this.#cadence.end();
      signal.removeEventListener("abort", onAbort);
      ac.abort();
    }
    const lasted = this.#clock.now() - started;
    if (received === 0 && lasted < SHORT_WATCH_MS)
      throw new PhaseError(new ShortWatchError(kind, lasted), "watch");
    this.#logger.debug("watch ended; resuming", {
      kind,
      events: received,
      resourceVersion: this.#rv,
    });
  }

  #handleEvent(ev: WatchEvent<T>): void {
    switch (ev.type) {
      case "BOOKMARK":
        this.#bookmark(ev.object);
        return;
      case "ERROR":
        throw statusError(ev.object);
      case "ADDED":
      case "MODIFIED":
      case "DELETED": {
        const raw: unknown = ev.object;
        const rv = rvOfRaw(raw);
        const obj = this.#accept(raw, ev.type);
        if (obj !== undefined) {
          this.#stats.events++;
          this.#sink.apply(ev.type, obj);
        } else if (ev.type === "DELETED") {
          const key = keyOfRaw(raw);
          if (key !== undefined) this.#sink.deleteKey?.(key);
        }
        if (rv !== undefined) this.#rv = rv;
        return;
      }
    }
  }

  /** The idle deadline of a watch that asked for `timeoutSeconds`: the option, else derived. */
  #idleMs(timeoutSeconds: number): number {
    return (
      this.#opts.idleTimeoutMs ?? watchIdleDeadlineMs(timeoutSeconds, this.#cadence.intervalMs)
    );
  }

  #bookmark(b: Bookmark): void {
    this.#stats.bookmarks++;
    this.#cadence.bookmark(this.#clock.now());
    const rv = b.metadata.resourceVersion;
    if (rv) {
      this.#rv = rv;
      this.#sink.bookmark?.(rv);
    }
  }

  /**
   * Streaming list: a watch with `sendInitialEvents=true`. Initial events are
   * buffered until the end bookmark, then handed over as one `replace`; the
   * same watch then goes on as the regular watch.
   */
  async #streamingListAndWatch(signal: AbortSignal): Promise<void> {
    const kind = this.resourceType.kind;
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(signal.reason);
    if (signal.aborted) throw signal.reason;
    signal.addEventListener("abort", onAbort, { once: true });
    const streamMs = this.#opts.streamingListTimeoutMs ?? DEFAULT_STREAMING_TIMEOUT_MS;
    const timeoutSeconds = this.#watchTimeoutSeconds();
    const idleMs = this.#idleMs(timeoutSeconds);
    let initial = true;
    let progressed = false;
    let deadline: IdleDeadline | undefined = new IdleDeadline(this.#clock, streamMs, () =>
      ac.abort(new StreamingListTimeoutError(kind, streamMs)),
    );
    const buffer = new Map<string, T>();
    const invalidKeys = new Set<string>();
    this.#stats.watches++;
    this.#cadence.begin();
    try {
      const stream = this.#client.watch(this.#rawType, {
        ...this.#selectors(),
        resourceVersion: "",
        resourceVersionMatch: "NotOlderThan",
        sendInitialEvents: true,
        allowWatchBookmarks: true,
        timeoutSeconds,
        signal: ac.signal,
        metadataOnly: this.#opts.metadataOnly,
        onInvalid: (err) => {
          if (initial && err.key !== undefined) invalidKeys.add(err.key);
          this.#clientInvalid("WATCH")(err);
        },
      });
      for await (const ev of stream) {
        deadline?.touch();
        if (!initial) {
          if (ev.type !== "ERROR" && !progressed) {
            progressed = true;
            this.#gonesWithoutProgress = 0;
            this.#success();
          }
          this.#handleEvent(ev);
          continue;
        }
        if (ev.type === "ERROR") throw statusError(ev.object);
        if (ev.type === "BOOKMARK") {
          const rv = ev.object.metadata.resourceVersion;
          if (ev.object.metadata.annotations?.[INITIAL_EVENTS_END_ANNOTATION] !== "true") {
            this.#stats.bookmarks++;
            continue;
          }
          this.#stats.bookmarks++;
          initial = false;
          this.#stats.lists++;
          if (this.#listedOnce) this.#stats.relists++;
          this.#listedOnce = true;
          this.#rv = rv || undefined;
          this.#needList = false;
          this.#sink.replace(Array.from(buffer.values()), this.#rv, invalidKeys);
          buffer.clear();
          this.#lastError = undefined;
          this.#logger.debug("streaming list ended", { kind, resourceVersion: rv });
          deadline?.cancel();
          deadline =
            idleMs > 0
              ? new IdleDeadline(this.#clock, idleMs, () =>
                  ac.abort(new WatchStalledError(kind, idleMs)),
                )
              : undefined;
          continue;
        }
        const raw: unknown = ev.object;
        const key = keyOfRaw(raw);
        const obj = this.#accept(raw, ev.type);
        if (obj === undefined) {
          if (key !== undefined) {
            if (ev.type === "DELETED") buffer.delete(key);
            else invalidKeys.add(key);
          }
          continue;
        }
        const k = objectKey(obj);
        if (ev.type === "DELETED") buffer.delete(k);
        else buffer.set(k, obj);
      }
    } catch (err) {
      if (signal.aborted) throw err;
      const reason: unknown = ac.signal.aborted ? ac.signal.reason : undefined;
      if (reason instanceof StreamingListTimeoutError)
        throw new PhaseError(reason, "streaming-list");
      if (reason instanceof WatchStalledError) throw new PhaseError(reason, "watch");
      if (err instanceof GoneSignal)
        throw new GoneSignal(err.inner, initial ? "streaming-list" : "watch");
      if (isGone(err)) throw new GoneSignal(err, initial ? "streaming-list" : "watch");
      throw new PhaseError(err, initial ? "streaming-list" : "watch");
    } finally {
      deadline?.cancel();
      this.#cadence.end();
      signal.removeEventListener("abort", onAbort);
      ac.abort();
    }
    // clean end: before the end bookmark the list is incomplete (treat as unsupported), after it resume
    if (initial) throw new PhaseError(new StreamingListTimeoutError(kind, 0), "streaming-list");
  }
}

/** A watch `ERROR` event as an error (410s keep their reason so {@link isGone} sees them). */
function statusError(status: Status): Error {
  const err = ApiError.fromStatus(status, "WATCH");
  if (isGone(err)) return new GoneSignal(err, "watch");
  return err;
}

/**
 * A 504 "Too large resource version" (client-go's `IsTooLargeResourceVersion`,
 * plus the message check it keeps for servers that send no cause).
 */
function isTooLargeResourceVersion(err: unknown): boolean {
  if (!(err instanceof ApiError) || (err.code !== 504 && err.reason !== "Timeout")) return false;
  if (err.status?.details?.causes?.some((c) => c.reason === "ResourceVersionTooLarge")) return true;
  return /too large resource version/i.test(err.status?.message ?? err.message);
}

/** The server refused a streaming list: a 4xx other than 410 and 429. */
function isRefusal(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    err.code >= 400 &&
    err.code < 500 &&
    err.code !== 410 &&
    err.code !== 429
  );
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
