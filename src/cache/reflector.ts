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
 * its idle deadline ({@link watchIdleDeadlineMs}) is aborted and resumed; network errors, 5xx and 429 back
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
import * as z from "zod/mini";
import type { $ZodType } from "zod/v4/core";
import type { ListOptions, WatchOptions } from "../client/client.ts";
import { ApiError, type ValidationError as ClientValidationError } from "../client/errors.ts";
import type { KubernetesObject, ObjectList, WatchEvent } from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";
import { validate } from "../resources/validate.ts";
import { Backoff, type BackoffOptions } from "../util/backoff.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { defaultLogger, type Logger } from "../util/logger.ts";
import {
  InvalidObjectError,
  ShortWatchError,
  StreamingListTimeoutError,
  WatchStalledError,
} from "./errors.ts";
import {
  keyOfRaw,
  type ListWatchEvent,
  type ListWatchIO,
  type ListWatchPageRequest,
  type ListWatchState,
  type ListWatchStep,
  type ListWatchWatchRequest,
  listWatchStep,
  listWatchStepNow,
} from "./list-watch.ts";

export { InvalidObjectError, ShortWatchError, StreamingListTimeoutError, WatchStalledError };

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
  | "dropManagedFields"
  | "onContinue"
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
  | "onOpen"
  | "dropManagedFields"
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
  /**
   * `watch` in batches (the events of one chunk of the stream, in order,
   * never empty). Optional: the reflector uses it when present, to handle a
   * batch without an `await` per event.
   */
  watchBatches?<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts?: ReflectorWatchOptions,
  ): AsyncIterable<WatchEvent<T>[]>;
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
  | "resync"
  | "checkpoint";

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
  /**
   * Ask for the next list page while the current one is validated and
   * stored (default true). At most one page is in flight ahead, so a list
   * holds at most two pages of raw objects at a time.
   */
  prefetchPages?: boolean | undefined;
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
   * healthy server ends the watch then, and sends bookmarks only while the
   * type is busy) and the longest silence of the previous healthy watch.
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
  /** Logger for failures and lifecycle messages (default: `defaultLogger`, warnings and errors to the console). */
  logger?: Logger | undefined;
  /** Called for every failure; must not throw (if it does, that is logged). */
  onError?: ((err: unknown, info: ReflectorErrorInfo) => void) | undefined;
  /** Shared counters (the informer passes its own). */
  stats?: ReflectorStats | undefined;
  /**
   * Start by watching from this resource version instead of listing (a
   * restored checkpoint whose objects the sink already holds). A 410 then
   * relists, and the sink's `replace` delivers what vanished meanwhile.
   */
  resumeFrom?: string | undefined;
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
const PASS_THROUGH: $ZodType<KubernetesObject> = z.any() as unknown as $ZodType<KubernetesObject>;

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_STREAMING_TIMEOUT_MS = 30_000;

/** The smallest slack added to a watch's timeout (or an observed silence) before it counts as stalled. */
const MIN_IDLE_MARGIN_MS = 5_000;

/** Slack on top of `ms`: 10 %, at least 5 s. */
function idleMargin(ms: number): number {
  return Math.max(MIN_IDLE_MARGIN_MS, ms / 10);
}

/**
 * How long a watch may deliver nothing (no event, no bookmark) before the
 * reflector takes it for stalled, when `idleTimeoutMs` is not set.
 *
 * - A healthy server ends every watch cleanly at its `timeoutSeconds` and
 *   may send nothing before: bookmarks come only while the resource type is
 *   busy (a 1.20 server sends them every minute and about 2 s before the
 *   timeout, but only once the type changed after the watch started). So the
 *   deadline is the watch's own timeout plus a margin (10 %, at least 5 s):
 *   a quiet watch is never taken for a stalled one.
 * - `observedSilenceMs`, the longest silence a previous healthy watch had
 *   before it delivered again or ended cleanly, can only lengthen it (plus
 *   the same margin). A bookmark cadence is never used to shorten it: it
 *   stops as soon as the type goes quiet (measured on 1.20: a deadline of
 *   two bookmark intervals gave a false stall two minutes after the writes
 *   stopped).
 *
 * @example
 * ```ts
 * import { watchIdleDeadlineMs } from "kubeloop";
 * watchIdleDeadlineMs(300); // 330_000: a quiet watch ends (at 300 s) before it
 * watchIdleDeadlineMs(300, 60_000); // 330_000: bookmarks every minute change nothing
 * watchIdleDeadlineMs(300, 320_000); // 352_000: a server that held a silent watch 320 s
 * ```
 */
export function watchIdleDeadlineMs(timeoutSeconds: number, observedSilenceMs?: number): number {
  const timeoutMs = timeoutSeconds * 1000;
  const byTimeout = timeoutMs + idleMargin(timeoutMs);
  if (observedSilenceMs === undefined || !(observedSilenceMs > 0)) return byTimeout;
  return Math.max(byTimeout, observedSilenceMs + idleMargin(observedSilenceMs));
}

/**
 * The silences a reflector observes on healthy watches: the longest gap
 * between the start of a watch, its deliveries (events and bookmarks; a
 * streaming list's initial events do not count) and its clean end. A gap cut
 * short by a stall or an error is not counted. What the last watch showed
 * feeds {@link watchIdleDeadlineMs}.
 */
class WatchSilence {
  #observedMs: number | undefined;
  #last: number | undefined;
  #longest: number | undefined;
  /** The longest healthy silence of the previous watch, if any. */
  get observedMs(): number | undefined {
    return this.#observedMs;
  }
  /** A watch starts (or a streaming list's initial events ended) at `now` (ms). */
  begin(now: number): void {
    this.#last = now;
    this.#longest = undefined;
  }
  /** The watch delivered (an event or a bookmark) at `now`, or ended cleanly then. */
  delivered(now: number): void {
    if (this.#last === undefined) return;
    this.#longest = Math.max(this.#longest ?? 0, now - this.#last);
    this.#last = now;
  }
  /** The watch is closed (any way): what it showed becomes the observed silence. */
  end(): void {
    this.#observedMs = this.#longest;
    this.#last = undefined;
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

/** The one watch a {@link Connection} holds open. */
interface OpenWatch<T> {
  ac: AbortController;
  /** Batches of events (one per chunk of the stream). */
  it: AsyncIterator<WatchEvent<T>[]>;
  onAbort: () => void;
  timeoutSeconds: number;
  /** Before a streaming list's end bookmark. */
  initial: boolean;
  /** Clock time the server accepted the request (or of its first event), once known. */
  connectedAt: number | undefined;
}

/**
 * The reflector's {@link ListWatchIO}: the client with the reflector's
 * selectors, signal and validation bound, holding at most one open watch and
 * its deadline (the streaming-list timeout, then the idle timeout).
 */
class Connection<T extends KubernetesObject> implements ListWatchIO<T> {
  readonly kind: string;
  readonly pageSize: number;
  readonly stats: ReflectorStats;
  streamingList = false;
  readonly #reflector: Reflector<T>;
  readonly #client: ListWatchClient;
  readonly #type: ResourceType<T>;
  readonly #opts: ReflectorOptions<T>;
  readonly #clock: Clock;
  readonly #signal: AbortSignal;
  readonly #accept: (raw: unknown, eventType: string) => T | undefined;
  readonly #invalid: (err: InvalidObjectError) => void;
  readonly #silence: WatchSilence;
  readonly #logger: Logger;
  #invalidKeys: string[] = [];
  #watch: OpenWatch<T> | undefined;
  #deadline: IdleDeadline | undefined;
  /** The open watch's current batch and the position of its next event. */
  #batch: WatchEvent<T>[] = NO_EVENTS as WatchEvent<T>[];
  #pos = 0;
  /** A page requested ahead (at most one). */
  #ahead: PageRequest<T> | undefined;
  /** Cut managedFields out of responses before parsing (the transform drops them anyway). */
  readonly #dropManagedFields: boolean;

  constructor(
    reflector: Reflector<T>,
    client: ListWatchClient,
    rawType: ResourceType<T>,
    opts: ReflectorOptions<T>,
    clock: Clock,
    signal: AbortSignal,
    accept: (raw: unknown, eventType: string) => T | undefined,
    invalid: (err: InvalidObjectError) => void,
    silence: WatchSilence,
    logger: Logger,
  ) {
    this.#reflector = reflector;
    this.#silence = silence;
    this.#logger = logger;
    this.kind = rawType.kind;
    this.pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
    this.stats = reflector.stats as ReflectorStats;
    this.#client = client;
    this.#type = rawType;
    this.#opts = opts;
    this.#clock = clock;
    this.#signal = signal;
    this.#accept = accept;
    this.#invalid = invalid;
    this.#dropManagedFields = (opts.transform ?? dropManagedFields) === dropManagedFields;
  }

  now(): number {
    return this.#clock.now();
  }

  watchTimeoutSeconds(): number {
    return this.#reflector.watchTimeoutSeconds();
  }

  list(request: ListWatchPageRequest): Promise<ObjectList<T>> {
    this.#invalidKeys = [];
    let page = this.#ahead;
    this.#ahead = undefined;
    if (page !== undefined && page.continue !== request.continue) {
      page.ac.abort(); // asked for something else: that page is not needed
      page = undefined;
    }
    page ??= this.#request(request);
    page.claimed = true;
    if (page.next !== undefined) this.prefetch({ continue: page.next });
    return page.result.then((list) => {
      this.#invalidKeys = page.invalidKeys;
      return list;
    });
  }

  prefetch(request: ListWatchPageRequest): void {
    if (this.#opts.prefetchPages === false) return;
    // already asked for (the client reported the token from the head of the previous page)
    if (this.#ahead !== undefined && this.#ahead.continue === request.continue) return;
    this.#dropAhead();
    this.#ahead = this.#request(request);
  }

  /** Cancel a page requested ahead and not claimed. */
  #dropAhead(): void {
    this.#ahead?.ac.abort();
    this.#ahead = undefined;
  }

  /** Send one page request (its own abort, linked to the reflector's signal; its own invalid keys). */
  #request(request: ListWatchPageRequest): PageRequest<T> {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(this.#signal.reason);
    this.#signal.addEventListener("abort", onAbort, { once: true });
    if (this.#signal.aborted) ac.abort(this.#signal.reason);
    const invalidKeys: string[] = [];
    const page: PageRequest<T> = {
      continue: request.continue,
      ac,
      result: undefined as unknown as Promise<ObjectList<T>>,
      invalidKeys,
      claimed: false,
      next: undefined,
    };
    page.result = this.#client
      .list(this.#type, {
        ...this.#selectors(),
        ...(this.pageSize > 0 ? { limit: this.pageSize } : {}),
        ...(request.continue !== undefined
          ? { continue: request.continue }
          : { resourceVersion: request.resourceVersion }),
        signal: ac.signal,
        metadataOnly: this.#opts.metadataOnly,
        onInvalid: this.#onInvalid("LIST", invalidKeys),
        ...(this.#dropManagedFields ? { dropManagedFields: true } : {}),
        // the next page is asked for as soon as this one's head shows its token, so the server
        // sends it while this page is parsed and validated; a page fetched ahead keeps the token
        // until it is claimed (one page in flight ahead, not a chain)
        ...(this.#opts.prefetchPages === false
          ? {}
          : {
              onContinue: (token: string) => {
                if (ac.signal.aborted) return;
                if (page.claimed) this.prefetch({ continue: token });
                else page.next = token;
              },
            }),
      })
      .finally(() => this.#signal.removeEventListener("abort", onAbort));
    // a page fetched ahead and then not needed must not be an unhandled rejection
    page.result.catch(() => {});
    return page;
  }

  openWatch(request: ListWatchWatchRequest): void {
    this.closeWatch();
    this.#dropAhead();
    this.#invalidKeys = [];
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(this.#signal.reason);
    this.#signal.addEventListener("abort", onAbort, { once: true });
    if (this.#signal.aborted) ac.abort(this.#signal.reason);
    const client = this.#client;
    const watchOpts: ReflectorWatchOptions = {
      ...this.#selectors(),
      ...(request.streamingList
        ? {
            resourceVersion: "",
            resourceVersionMatch: "NotOlderThan" as const,
            sendInitialEvents: true,
          }
        : { resourceVersion: request.resourceVersion }),
      allowWatchBookmarks: true,
      timeoutSeconds: request.timeoutSeconds,
      signal: ac.signal,
      metadataOnly: this.#opts.metadataOnly,
      onInvalid: this.#onInvalid("WATCH"),
      onOpen: () => {
        if (this.#watch === w && w.connectedAt === undefined) w.connectedAt = this.#clock.now();
      },
      ...(this.#dropManagedFields ? { dropManagedFields: true } : {}),
    };
    const stream = client.watchBatches
      ? client.watchBatches(this.#type, watchOpts)
      : inBatches(client.watch(this.#type, watchOpts));
    const w: OpenWatch<T> = {
      ac,
      it: stream[Symbol.asyncIterator](),
      onAbort,
      timeoutSeconds: request.timeoutSeconds,
      initial: request.streamingList,
      connectedAt: undefined,
    };
    this.#watch = w;
    this.#silence.begin(this.#clock.now());
    if (request.streamingList) {
      const ms = this.#opts.streamingListTimeoutMs ?? DEFAULT_STREAMING_TIMEOUT_MS;
      this.#deadline = new IdleDeadline(this.#clock, ms, () =>
        ac.abort(new StreamingListTimeoutError(this.kind, ms)),
      );
    } else {
      const idleMs = this.#armIdle(w);
      this.#logger.debug("watching", {
        kind: this.kind,
        resourceVersion: request.resourceVersion,
        timeoutSeconds: request.timeoutSeconds,
        idleMs,
      });
    }
  }

  async next(): Promise<IteratorResult<WatchEvent<T>>> {
    const buffered = this.buffered();
    if (buffered !== undefined) return buffered;
    const w = this.#watch;
    if (w === undefined) return { done: true, value: undefined };
    try {
      const r = await w.it.next();
      this.#deadline?.touch();
      w.connectedAt ??= this.#clock.now();
      // a delivery or a clean end closes a healthy silence (initial streaming events do not count)
      if (!w.initial) this.#silence.delivered(this.#clock.now());
      if (r.done === true) return { done: true, value: undefined };
      if (this.#watch !== w) return { done: true, value: undefined };
      this.#batch = r.value;
      this.#pos = 0;
      return this.buffered() ?? this.next();
    } catch (err) {
      const reason: unknown = w.ac.signal.aborted ? w.ac.signal.reason : undefined;
      if (!this.#signal.aborted) {
        if (reason instanceof WatchStalledError || reason instanceof StreamingListTimeoutError)
          throw reason;
      }
      throw err;
    }
  }

  buffered(): IteratorResult<WatchEvent<T>> | undefined {
    const batch = this.#batch;
    if (this.#pos >= batch.length) return undefined;
    const ev = batch[this.#pos++]!;
    if (this.#pos === batch.length) {
      // let the batch go as soon as its last event is handed out
      this.#batch = NO_EVENTS as WatchEvent<T>[];
      this.#pos = 0;
    }
    return { done: false, value: ev };
  }

  streamingListEnded(): void {
    this.#deadline?.cancel();
    this.#deadline = undefined;
    const w = this.#watch;
    if (w === undefined) return;
    w.initial = false;
    this.#silence.begin(this.#clock.now());
    this.#armIdle(w);
  }

  closeWatch(): void {
    this.#deadline?.cancel();
    this.#deadline = undefined;
    this.#batch = NO_EVENTS as WatchEvent<T>[];
    this.#pos = 0;
    const w = this.#watch;
    if (w === undefined) return;
    this.#watch = undefined;
    this.#silence.end();
    this.#signal.removeEventListener("abort", w.onAbort);
    w.ac.abort();
    // let the client's generator run its cleanup (it rejects or ends once aborted)
    void w.it.return?.().catch(() => {});
  }

  accept(raw: unknown, eventType: string): T | undefined {
    return this.#accept(raw, eventType);
  }

  /** When the open watch was accepted by the server (or delivered its first event), if it was. */
  get connectedAt(): number | undefined {
    return this.#watch?.connectedAt;
  }

  takeInvalidKeys(): string[] {
    if (this.#invalidKeys.length === 0) return EMPTY_KEYS;
    const keys = this.#invalidKeys;
    this.#invalidKeys = [];
    return keys;
  }

  /** Arm the idle deadline of a watch: the option, else derived from its timeout and the silences observed. */
  #armIdle(w: OpenWatch<T>): number {
    const idleMs =
      this.#opts.idleTimeoutMs ?? watchIdleDeadlineMs(w.timeoutSeconds, this.#silence.observedMs);
    this.#deadline =
      idleMs > 0
        ? new IdleDeadline(this.#clock, idleMs, () =>
            w.ac.abort(new WatchStalledError(this.kind, idleMs)),
          )
        : undefined;
    return idleMs;
  }

  /** The client's own validation failed (metadata-only mode). */
  #onInvalid(eventType: string, keys?: string[]): (err: ClientValidationError) => void {
    return (err) => {
      if (err.key !== undefined) (keys ?? this.#invalidKeys).push(err.key);
      this.#invalid(new InvalidObjectError(this.kind, err.key, eventType, err.issues));
    };
  }

  #selectors(): { namespace?: string; labelSelector?: string; fieldSelector?: string } {
    const o = this.#opts;
    const out: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {};
    if (o.namespace !== undefined && this.#type.namespaced) out.namespace = o.namespace;
    if (o.labelSelector) out.labelSelector = o.labelSelector;
    if (o.fieldSelector) out.fieldSelector = o.fieldSelector;
    return out;
  }
}

const EMPTY_KEYS: string[] = [];
const NO_EVENTS: readonly WatchEvent<KubernetesObject>[] = Object.freeze([]);

/** A list page request in flight. */
interface PageRequest<T> {
  /** Its continue token (`undefined`: a first page). */
  continue: string | undefined;
  ac: AbortController;
  result: Promise<ObjectList<T>>;
  /** Keys the client reported invalid in this page (metadata-only validation). */
  invalidKeys: string[];
  /** Asked for by the pager (not only fetched ahead). */
  claimed: boolean;
  /** The next page's token, from this page's head, while this page is not claimed yet. */
  next: string | undefined;
}

/** One-event batches from a client that has no `watchBatches`. */
async function* inBatches<E>(events: AsyncIterable<E>): AsyncGenerator<E[], void, undefined> {
  for await (const ev of events) yield [ev];
}

/**
 * The list-and-watch loop for one resource type. Feeds a {@link ReflectorSink}.
 *
 * The loop runs {@link listWatchStep} from phase to phase
 * ({@link ListWatchState}); it applies what each step yields to the sink,
 * reports failures to `onError` and the logger, and backs off as the
 * failure's cause says ({@link ListWatchFailureCause}).
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
  #state: ListWatchState<T>;
  #rv: string | undefined;
  #lastError: unknown;
  #listedOnce = false;
  #streamingDisabled = false;
  #running = false;
  #ran = false;
  #gonesWithoutProgress = 0;
  readonly #silence = new WatchSilence();
  #io: Connection<T> | undefined;

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
    this.#logger = options.logger ?? defaultLogger;
    this.#backoff = new Backoff({ clock: this.#clock, random: this.#random, ...options.backoff });
    this.#stats = options.stats ?? emptyStats();
    this.#transform = options.transform ?? dropManagedFields;
    this.#validate = options.validate ?? true;
    // metadata-only objects are validated by the client (PartialObjectMetadata);
    // full objects pass through the client untouched and are validated here.
    this.#rawType = options.metadataOnly ? type : { ...type, schema: PASS_THROUGH as $ZodType<T> };
    this.#state = this.#initialState();
    this.#rv = options.resumeFrom;
  }

  /** Counters (the live object: read, do not write). */
  get stats(): Readonly<ReflectorStats> {
    return this.#stats;
  }

  /** The current phase (the live object: read, do not write). */
  get state(): Readonly<ListWatchState<T>> {
    return this.#state;
  }

  /** The resource version of the last list, event or bookmark applied. */
  lastSyncResourceVersion(): string | undefined {
    return this.#rv;
  }

  /**
   * How long (ms) the open watch has delivered nothing since the server
   * accepted it or since its last event; `undefined` unless a watch is
   * connected (listing, connecting, backing off, stopped). A watch quiet for
   * a while after connecting has delivered everything that happened before it
   * started: the cache is current.
   */
  quietMs(): number | undefined {
    const state = this.#state;
    const connectedAt = this.#io?.connectedAt;
    if (state.phase !== "watching" || connectedAt === undefined) return undefined;
    return this.#clock.now() - Math.max(connectedAt, state.lastEventAt);
  }

  /** The last failure, or `undefined` once a later list or watch event succeeded. */
  lastError(): unknown {
    return this.#lastError;
  }

  /** Whether the streaming list was given up for list + watch. */
  get streamingDisabled(): boolean {
    return this.#streamingDisabled;
  }

  /** A server-side watch timeout in seconds, picked at random from `watchTimeoutSeconds`. */
  watchTimeoutSeconds(): number {
    const range = this.#opts.watchTimeoutSeconds ?? { min: 300, max: 600 };
    return Math.floor(range.min + this.#random() * Math.max(0, range.max - range.min));
  }

  /**
   * Run until `signal` aborts. Never rejects because of the server: every
   * failure is reported and retried. Resolves once stopped, with no request
   * or timer left behind. A reflector that ran before starts over with a
   * list (or from `resumeFrom` if it never listed).
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running)
      throw new Error(`reflector for ${this.resourceType.kind} is already running`);
    this.#running = true;
    const io = new Connection<T>(
      this,
      this.#client,
      this.#rawType,
      this.#opts,
      this.#clock,
      signal,
      (raw, eventType) => this.#accept(raw, eventType),
      (err) => this.#invalid(err),
      this.#silence,
      this.#logger,
    );
    this.#io = io;
    // a second run starts over with a list, as a new reflector would (but keeps its counters)
    if (this.#ran) this.#state = { phase: "empty", consistent: false };
    this.#ran = true;
    try {
      while (!signal.aborted) {
        io.streamingList = (this.#opts.streamingList ?? false) && !this.#streamingDisabled;
        const prev = this.#state;
        try {
          // an event already buffered (the rest of a batch) is handled without an await
          const result: ListWatchStep<T> =
            listWatchStepNow(prev, io) ?? (await listWatchStep(prev, io));
          // a transport may complete a request that was aborted meanwhile: apply nothing
          if (signal.aborted) break;
          this.#state = result.state;
          const rs = result.state;
          if (rs.phase === "listed" || rs.phase === "watching") this.#rv = rs.resourceVersion;
          if (result.progress) {
            // a watch delivered: healthy again
            this.#gonesWithoutProgress = 0;
            this.#lastError = undefined;
            this.#backoff.reset();
          }
          if (result.event !== undefined) {
            const waiting = this.#apply(result.event, prev, signal);
            if (waiting !== undefined) await waiting;
          } else if (prev.phase === "watching" && rs.phase === "listed") {
            this.#logger.debug("watch ended; resuming", {
              kind: this.resourceType.kind,
              events: prev.events,
              resourceVersion: this.#rv,
            });
          }
        } catch (err) {
          // not a server failure (steps return those as events): a sink that threw, or a
          // bug. The cache may be half updated: start over with a list, after backoff.
          if (signal.aborted) break;
          io.closeWatch();
          this.#state = { phase: "empty", consistent: false };
          await this.#failed(err, prev.phase === "paging" ? "list" : "watch", undefined, signal);
        }
      }
    } finally {
      io.closeWatch();
      this.#io = undefined;
      this.#running = false;
    }
  }

  #initialState(): ListWatchState<T> {
    const rv = this.#opts.resumeFrom;
    return rv !== undefined
      ? { phase: "listed", resourceVersion: rv, afterList: false }
      : { phase: "empty", consistent: false };
  }

  /** Apply what a step yielded; a promise only for failures (which may back off). */
  #apply(
    ev: ListWatchEvent<T>,
    prev: ListWatchState<T>,
    signal: AbortSignal,
  ): Promise<void> | undefined {
    switch (ev.type) {
      case "replace": {
        const kind = this.resourceType.kind;
        this.#stats.lists++;
        if (this.#listedOnce) this.#stats.relists++;
        this.#listedOnce = true;
        this.#sink.replace(ev.objects, ev.resourceVersion, ev.invalidKeys);
        // synced, but the backoff only resets once a watch delivers (a server that
        // lists fine and then fails every watch must not get relisted every 800 ms)
        this.#lastError = undefined;
        this.#logger.debug(prev.phase === "streaming" ? "streaming list ended" : "listed", {
          kind,
          count: ev.objects.length,
          resourceVersion: ev.resourceVersion,
        });
        return;
      }
      case "apply":
        this.#stats.events++;
        this.#sink.apply(ev.change, ev.object);
        return;
      case "deleteKey":
        this.#sink.deleteKey?.(ev.key);
        return;
      case "bookmark":
        this.#sink.bookmark?.(ev.resourceVersion);
        return;
      case "failure":
        return this.#failure(ev, signal);
    }
  }

  /** The loop's policy per failure cause: count, log, report, back off. */
  async #failure(
    ev: Extract<ListWatchEvent<T>, { type: "failure" }>,
    signal: AbortSignal,
  ): Promise<void> {
    const kind = this.resourceType.kind;
    const { error, where: phase } = ev;
    switch (ev.cause) {
      case "listGone":
        this.#stats.gone++;
        this.#logger.info(
          "list 410 (expired continue token or resource version); restarting the list",
          {
            kind,
          },
        );
        return;
      case "gone":
        this.#stats.gone++;
        this.#gonesWithoutProgress++;
        this.#logger.info("resource version expired (410); relisting", {
          kind,
          phase,
          resourceVersion: this.#rv,
        });
        if (this.#gonesWithoutProgress > 1) {
          // 410 again without any progress in between: do not hammer the server
          this.#report(error, { phase, kind });
          await this.#wait(signal, undefined);
        }
        return;
      case "tooLarge":
        // the Status's retryAfterSeconds is not honoured: a consistent read cannot be too large
        this.#logger.info("resource version too large for the server; relisting", {
          kind,
          phase,
          resourceVersion: this.#rv,
        });
        await this.#failed(error, phase, undefined, signal);
        return;
      case "stalled":
        this.#stats.stalls++;
        this.#logger.warn("watch stalled; aborted, resuming from the last resource version", {
          kind,
          idleMs: error instanceof WatchStalledError ? error.idleMs : undefined,
          resourceVersion: this.#rv,
        });
        this.#report(error, { phase, kind });
        return;
      case "unsupported":
        this.#streamingDisabled = true;
        this.#stats.streamingFallbacks++;
        this.#logger.warn(
          "streaming list not supported or not ended; falling back to list + watch",
          {
            kind,
            error: describe(error),
          },
        );
        // a fallback, not a failure: the warning above is all the log needs
        this.#report(error, { phase, kind }, false);
        return;
      case "failed":
        await this.#failed(error, phase, ev.retryAfterSeconds, signal);
        return;
    }
  }

  async #failed(
    error: unknown,
    phase: ReflectorPhase,
    retryAfterSeconds: number | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    this.#lastError = error;
    this.#report(error, { phase, kind: this.resourceType.kind });
    await this.#wait(signal, retryAfterSeconds);
  }

  async #wait(signal: AbortSignal, retryAfterSeconds: number | undefined): Promise<void> {
    // a server's Retry-After is honoured up to the backoff's maximum (a 34-day one must not stall us)
    const ms = this.#backoff.next(
      retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000,
    );
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

  #report(err: unknown, info: ReflectorErrorInfo, log = true): void {
    this.#stats.errors++;
    const level =
      info.phase === "validation" || err instanceof WatchStalledError ? "warn" : "error";
    if (log && !(err instanceof WatchStalledError)) {
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
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
