/**
 * List-and-watch as data: the phases of a reflector as one serialisable
 * union ({@link ListWatchState}) and one async {@link listWatchStep} that
 * maps a phase to the next one plus at most one {@link ListWatchEvent}.
 *
 * ```
 *   empty ──▶ paging ──(last page: replace)──▶ listed ──▶ watching ──(clean end)──▶ listed
 *     │  ▲      ▲  │ (410 once: restart)          ▲  │ 410, 504 too large
 *     │  │      └──┘                              │  └─────────────────────────▶ empty (consistent)
 *     │  │ (refused / never ended: fall back)     │
 *     └─▶ streaming ──(end bookmark: replace)─────┴──▶ watching
 * ```
 *
 * The step does the I/O through a {@link ListWatchIO} (a client with
 * selectors and deadlines bound, holding at most one open watch) and
 * classifies every failure ({@link ListWatchFailureCause}); it never sleeps,
 * logs or touches a cache. The loop in {@link Reflector} applies events to its
 * sink, reports failures and backs off. Relists are transitions to `empty`,
 * so each of them can be tested without a server.
 *
 * A phase holds only JSON data: the open watch stream lives in the I/O
 * object. A `watching` phase whose I/O has no open stream (one read back
 * from storage) resumes like `listed`.
 *
 * @module
 */
import { ApiError, isGone } from "../client/errors.ts";
import {
  INITIAL_EVENTS_END_ANNOTATION,
  type KubernetesObject,
  type ObjectList,
  objectKey,
  type WatchEvent,
} from "../resources/meta.ts";
import { ShortWatchError, StreamingListTimeoutError, WatchStalledError } from "./errors.ts";
import type { ReflectorPhase, ReflectorStats } from "./reflector.ts";

/**
 * Nothing is listed (yet, or any more): the next step starts a list, or a
 * streaming list when {@link ListWatchIO.streamingList} is on.
 *
 * @example
 * ```ts
 * import type { EmptyPhase } from "kubeloop";
 * const afterGone: EmptyPhase = { phase: "empty", consistent: true };
 * ```
 */
export interface EmptyPhase {
  /** Discriminant. */
  phase: "empty";
  /**
   * List with `resourceVersion=""` (a consistent read from etcd), as after a
   * 410 or a too-large resource version; otherwise `"0"` (the API server's cache).
   */
  consistent: boolean;
}

/**
 * A paged list in progress: one page per step. The last page (no `continue`
 * token) yields a `replace` event with every object collected.
 *
 * @example
 * ```ts
 * import type { ConfigMap, PagingPhase } from "kubeloop";
 * const firstPage: PagingPhase<ConfigMap> = {
 *   phase: "paging",
 *   consistent: false,
 *   restarted: false,
 *   continue: undefined,
 *   items: [],
 *   invalidKeys: [],
 * };
 * ```
 */
export interface PagingPhase<T> {
  /** Discriminant. */
  phase: "paging";
  /** What the list started as (a failed list goes back to `empty` with this). */
  consistent: boolean;
  /** The list was restarted once after a 410 (an expired continue token); its first page then uses `resourceVersion=""`. Another 410 is a failure. */
  restarted: boolean;
  /** Continue token of the next page; `undefined` for the first page. */
  continue: string | undefined;
  /** Valid (transformed) objects of the pages so far. */
  items: T[];
  /** Keys of objects that exist but failed validation (their cached versions are kept). */
  invalidKeys: string[];
}

/**
 * A complete state is known at `resourceVersion`: the next step opens a
 * watch from there. Also the phase a checkpoint resumes from.
 *
 * @example
 * ```ts
 * import type { ListedPhase } from "kubeloop";
 * const resume: ListedPhase = { phase: "listed", resourceVersion: "4711", afterList: false };
 * ```
 */
export interface ListedPhase {
  /** Discriminant. */
  phase: "listed";
  /** Where to watch from (`undefined`: the server's current state, with synthetic adds). */
  resourceVersion: string | undefined;
  /** Set right after a list; otherwise the watch resumes an earlier one (counted as a reconnect). */
  afterList: boolean;
}

/**
 * A watch is open: each step reads one event from it.
 *
 * @example
 * ```ts
 * import type { WatchingPhase } from "kubeloop";
 * const w: WatchingPhase = {
 *   phase: "watching",
 *   resourceVersion: "4711",
 *   timeoutSeconds: 450,
 *   startedAt: 0,
 *   lastEventAt: 0,
 *   events: 0,
 *   progressed: false,
 * };
 * ```
 */
export interface WatchingPhase {
  /** Discriminant. */
  phase: "watching";
  /** Resource version of the last event or bookmark (where a reconnect resumes). */
  resourceVersion: string | undefined;
  /** The server-side timeout requested for this watch. */
  timeoutSeconds: number;
  /** Clock time (ms) the watch request was made. */
  startedAt: number;
  /** Clock time (ms) of the last event, or `startedAt`. */
  lastEventAt: number;
  /** Events (not `ERROR`) this stream delivered, a streaming list's initial events included. */
  events: number;
  /** The stream delivered an event after its list: the reflector is healthy again. */
  progressed: boolean;
}

/**
 * A streaming list (`sendInitialEvents=true`) before its end bookmark: each
 * step reads one initial event into `objects`. The end bookmark yields a
 * `replace` event and the same stream goes on as `watching`.
 *
 * @example
 * ```ts
 * import type { ConfigMap, StreamingPhase } from "kubeloop";
 * const s: StreamingPhase<ConfigMap> = {
 *   phase: "streaming",
 *   consistent: false,
 *   timeoutSeconds: 450,
 *   startedAt: 0,
 *   events: 0,
 *   objects: {},
 *   invalidKeys: [],
 * };
 * ```
 */
export interface StreamingPhase<T> {
  /** Discriminant. */
  phase: "streaming";
  /** What the list started as (a failed streaming list goes back to `empty` with this). */
  consistent: boolean;
  /** The server-side timeout requested for the stream. */
  timeoutSeconds: number;
  /** Clock time (ms) the request was made. */
  startedAt: number;
  /** Events received so far. */
  events: number;
  /** Valid initial objects by key. */
  objects: Record<string, T>;
  /** Keys of objects that exist but failed validation. */
  invalidKeys: string[];
}

/**
 * The phases of list-and-watch: one union, JSON data only (no stream, timer
 * or promise), so a phase can be logged, compared in tests and stored.
 *
 * @example
 * ```ts
 * import type { ConfigMap, ListWatchState } from "kubeloop";
 * function describe(s: ListWatchState<ConfigMap>): string {
 *   switch (s.phase) {
 *     case "empty": return s.consistent ? "relisting" : "starting";
 *     case "paging": return `listing (${s.items.length} so far)`;
 *     case "listed": return `about to watch from ${s.resourceVersion}`;
 *     case "watching": return `watching at ${s.resourceVersion}`;
 *     case "streaming": return `streaming list (${s.events} events)`;
 *   }
 * }
 * ```
 */
export type ListWatchState<T> =
  | EmptyPhase
  | PagingPhase<T>
  | ListedPhase
  | WatchingPhase
  | StreamingPhase<T>;

/**
 * How the loop recovers from a failure. Its policy per cause:
 *
 * - `gone`: 410 on a watch or streaming list. Relist (consistent read) at
 *   once; back off (and report) only when 410s repeat without progress.
 * - `listGone`: 410 on a list page (an expired continue token). The list
 *   restarts at once with `resourceVersion=""`; not reported.
 * - `tooLarge`: 504 "Too large resource version" (a restarted server behind
 *   us). Relist consistently after backoff; `Retry-After` is not honoured.
 * - `stalled`: the watch was silent past the idle deadline. Resume at once.
 * - `unsupported`: the streaming list was refused or never ended. Fall back
 *   to list + watch at once, for good.
 * - `failed`: anything else. Back off (honouring `Retry-After`) and retry
 *   from the phase the step returned.
 *
 * @example
 * ```ts
 * import type { ListWatchFailureCause } from "kubeloop";
 * const backsOff = (c: ListWatchFailureCause): boolean => c === "failed" || c === "tooLarge";
 * ```
 */
export type ListWatchFailureCause =
  | "gone"
  | "listGone"
  | "tooLarge"
  | "stalled"
  | "unsupported"
  | "failed";

/**
 * What a step tells the loop, besides the next phase.
 *
 * @example
 * ```ts
 * import type { ConfigMap, ListWatchEvent } from "kubeloop";
 * function summarize(ev: ListWatchEvent<ConfigMap>): string {
 *   switch (ev.type) {
 *     case "replace": return `${ev.objects.length} objects at ${ev.resourceVersion}`;
 *     case "apply": return `${ev.change} ${ev.object.metadata.name}`;
 *     case "deleteKey": return `delete ${ev.key}`;
 *     case "bookmark": return `at ${ev.resourceVersion}`;
 *     case "failure": return `${ev.cause} during ${ev.where}`;
 *   }
 * }
 * ```
 */
export type ListWatchEvent<T> =
  | {
      /** A complete state (a list, or a streaming list's initial events). */
      type: "replace";
      /** Everything that exists (valid objects). */
      objects: T[];
      /** The state's resource version. */
      resourceVersion: string | undefined;
      /** Keys that exist but failed validation. */
      invalidKeys: ReadonlySet<string>;
    }
  | {
      /** One watch event, validated and transformed. */
      type: "apply";
      /** The watch event type. */
      change: "ADDED" | "MODIFIED" | "DELETED";
      /** The object. */
      object: T;
    }
  | {
      /** A DELETED event whose object failed validation: delete what is cached under `key`. */
      type: "deleteKey";
      /** The key. */
      key: string;
    }
  | {
      /** A bookmark moved the resource version. */
      type: "bookmark";
      /** The new resource version. */
      resourceVersion: string;
    }
  | {
      /** A request failed; `cause` says how the loop recovers. */
      type: "failure";
      /** How to recover. */
      cause: ListWatchFailureCause;
      /** The error. */
      error: unknown;
      /** Where it happened (as reported to `onError`). */
      where: ReflectorPhase;
      /** `Retry-After` of a 429 / 5xx, for `failed`. */
      retryAfterSeconds?: number | undefined;
    };

/**
 * One transition: the next phase, at most one event, and whether the watch
 * just made progress (its first event after a list: the backoff resets).
 *
 * @example
 * ```ts
 * import type { ConfigMap, ListWatchStep } from "kubeloop";
 * const next: ListWatchStep<ConfigMap> = { state: { phase: "empty", consistent: false } };
 * ```
 */
export interface ListWatchStep<T> {
  /** The next phase. */
  state: ListWatchState<T>;
  /** What happened, if anything the loop must apply or report. */
  event?: ListWatchEvent<T> | undefined;
  /** The watch delivered its first event since the last list or failure. */
  progress?: boolean | undefined;
}

/**
 * Parameters of a list page request made by a step.
 *
 * @example
 * ```ts
 * import type { ListWatchPageRequest } from "kubeloop";
 * const first: ListWatchPageRequest = { resourceVersion: "0" };
 * const next: ListWatchPageRequest = { continue: "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ" };
 * ```
 */
export interface ListWatchPageRequest {
  /** `"0"` or `""` for a first page; absent with `continue`. */
  resourceVersion?: string | undefined;
  /** The continue token of the previous page. */
  continue?: string | undefined;
}

/**
 * Parameters of a watch opened by a step.
 *
 * @example
 * ```ts
 * import type { ListWatchWatchRequest } from "kubeloop";
 * const resume: ListWatchWatchRequest = { resourceVersion: "4711", timeoutSeconds: 450, streamingList: false };
 * ```
 */
export interface ListWatchWatchRequest {
  /** Resume from here (ignored for a streaming list, which asks for `""` and `NotOlderThan`). */
  resourceVersion?: string | undefined;
  /** Server-side timeout. */
  timeoutSeconds: number;
  /** Ask for initial events (`sendInitialEvents=true`); the stream's deadline is then the streaming-list timeout. */
  streamingList: boolean;
}

/**
 * What a step needs from the world: requests with the reflector's selectors,
 * signal and deadlines bound, one open watch at a time, validation, and the
 * counters. {@link Reflector} implements it over a {@link ListWatchClient};
 * tests script it.
 *
 * @example
 * ```ts
 * import type { ConfigMap, ListWatchIO } from "kubeloop";
 * declare const io: ListWatchIO<ConfigMap>;
 * const page = await io.list({ resourceVersion: "0" });
 * console.log(page.items.length, io.takeInvalidKeys());
 * ```
 */
export interface ListWatchIO<T> {
  /** Kind of the resource type (for error messages). */
  readonly kind: string;
  /** List page size (0: no paging). */
  readonly pageSize: number;
  /** Whether `empty` starts a streaming list (the option is on and it has not been given up). */
  readonly streamingList: boolean;
  /** Counters: a step counts the requests it makes (pages, watches, reconnects) and bookmarks. */
  readonly stats: ReflectorStats;
  /** Current clock time in ms. */
  now(): number;
  /** A server-side watch timeout, picked at random from the configured range. */
  watchTimeoutSeconds(): number;
  /** One list page (raw objects: the step validates them with {@link ListWatchIO.accept}). */
  list(request: ListWatchPageRequest): Promise<ObjectList<T>>;
  /** Open a watch, closing any open one; its failures surface from {@link ListWatchIO.next}. */
  openWatch(request: ListWatchWatchRequest): void;
  /**
   * The next event of the open watch (`done` on a clean end). Rejects with
   * {@link WatchStalledError} or {@link StreamingListTimeoutError} when the
   * stream's deadline passed, or with the request's error.
   */
  next(): Promise<IteratorResult<WatchEvent<T>>>;
  /**
   * The next event of the open watch if it has already arrived (events come
   * in batches, one per chunk of the stream), without waiting; `undefined`
   * when {@link ListWatchIO.next} would have to wait. Optional: an I/O
   * without it is always asked through `next`.
   */
  buffered?(): IteratorResult<WatchEvent<T>> | undefined;
  /**
   * Start fetching a later page now, while the step is still busy with the
   * current one; the next {@link ListWatchIO.list} with the same request
   * takes it. At most one page is in flight ahead: a new prefetch replaces
   * (and cancels) an unclaimed one. Optional: without it pages are fetched
   * one after the other.
   */
  prefetch?(request: ListWatchPageRequest): void;
  /** The streaming list ended: from now on the open stream has the watch idle deadline. */
  streamingListEnded(): void;
  /** Close the open watch (if any) and cancel its deadline. */
  closeWatch(): void;
  /** Validate and transform a raw object; `undefined` when it must be skipped (already reported). */
  accept(raw: unknown, eventType: string): T | undefined;
  /** Keys the client reported invalid (and skipped) since the last call. */
  takeInvalidKeys(): string[];
}

/** A watch that ends cleanly sooner than this without any event is a failure (client-go's rule). */
export const SHORT_WATCH_MS = 1000;

/**
 * Advance list-and-watch by one transition. The step owns `state` (it may
 * reuse its arrays in the next phase): do not use it again afterwards.
 * It never throws for a server or network failure: those come back as
 * `failure` events with the phase to retry from.
 *
 * @example
 * ```ts
 * import {
 *   listWatchStep,
 *   type ConfigMap,
 *   type ListWatchIO,
 *   type ListWatchState,
 *   type ListWatchStep,
 * } from "kubeloop";
 * declare const io: ListWatchIO<ConfigMap>;
 * let state: ListWatchState<ConfigMap> = { phase: "empty", consistent: false };
 * for (let i = 0; i < 3; i++) {
 *   const step: ListWatchStep<ConfigMap> = await listWatchStep(state, io);
 *   if (step.event) console.log(state.phase, "->", step.state.phase, step.event.type);
 *   state = step.state;
 * }
 * ```
 */
export function listWatchStep<T extends KubernetesObject>(
  state: ListWatchState<T>,
  io: ListWatchIO<T>,
): Promise<ListWatchStep<T>> {
  switch (state.phase) {
    case "empty":
      return Promise.resolve(start(state, io));
    case "paging":
      return page(state, io);
    case "listed":
      return Promise.resolve(openWatch(state, io));
    case "watching":
      return watchNext(state, io);
    case "streaming":
      return streamNext(state, io);
  }
}

/**
 * The same transition as {@link listWatchStep}, made at once when it needs
 * no waiting: in `watching` or `streaming` with an event the I/O already
 * holds ({@link ListWatchIO.buffered}). `undefined` otherwise; then call
 * `listWatchStep`. A loop that tries this first handles a whole batch of
 * events without an `await` per event.
 *
 * @example
 * ```ts
 * import {
 *   listWatchStep,
 *   listWatchStepNow,
 *   type ConfigMap,
 *   type ListWatchIO,
 *   type ListWatchState,
 *   type ListWatchStep,
 * } from "kubeloop";
 * declare const io: ListWatchIO<ConfigMap>;
 * let state: ListWatchState<ConfigMap> = { phase: "empty", consistent: false };
 * for (let i = 0; i < 100; i++) {
 *   const step: ListWatchStep<ConfigMap> =
 *     listWatchStepNow(state, io) ?? (await listWatchStep(state, io));
 *   state = step.state;
 * }
 * ```
 */
export function listWatchStepNow<T extends KubernetesObject>(
  state: ListWatchState<T>,
  io: ListWatchIO<T>,
): ListWatchStep<T> | undefined {
  if (state.phase !== "watching" && state.phase !== "streaming") return undefined;
  const r = io.buffered?.();
  if (r === undefined) return undefined;
  return state.phase === "watching" ? watched(state, io, r) : streamed(state, io, r);
}

function start<T>(s: EmptyPhase, io: ListWatchIO<T>): ListWatchStep<T> {
  if (!io.streamingList) {
    return {
      state: {
        phase: "paging",
        consistent: s.consistent,
        restarted: false,
        continue: undefined,
        items: [],
        invalidKeys: [],
      },
    };
  }
  const timeoutSeconds = io.watchTimeoutSeconds();
  io.stats.watches++;
  io.openWatch({ timeoutSeconds, streamingList: true });
  return {
    state: {
      phase: "streaming",
      consistent: s.consistent,
      timeoutSeconds,
      startedAt: io.now(),
      events: 0,
      // no prototype: an object key can never collide with an inherited property
      objects: Object.create(null) as Record<string, T>,
      invalidKeys: [],
    },
  };
}

async function page<T>(s: PagingPhase<T>, io: ListWatchIO<T>): Promise<ListWatchStep<T>> {
  let list: ObjectList<T>;
  try {
    list = await io.list(
      s.continue !== undefined
        ? { continue: s.continue }
        : { resourceVersion: s.restarted || s.consistent ? "" : "0" },
    );
  } catch (err) {
    io.takeInvalidKeys();
    // restart at once, but only once: a server that keeps answering 410 gets the backoff
    if (isGone(err) && !s.restarted) {
      return {
        state: { ...s, restarted: true, continue: undefined, items: [], invalidKeys: [] },
        event: { type: "failure", cause: "listGone", error: err, where: "list" },
      };
    }
    // after a 410 (this one or the one that restarted the list) or a 504, the
    // next list is a consistent read, as client-go's reflector does
    const tooLarge = isTooLargeResourceVersion(err);
    return {
      state: {
        phase: "empty",
        consistent: tooLarge || isGone(err) || s.restarted || s.consistent,
      },
      event: failure(tooLarge ? "tooLarge" : "failed", err, "list"),
    };
  }
  io.stats.pages++;
  const cont = list.metadata.continue || undefined;
  // pipelining: page k+1 is on its way while page k is validated and collected
  if (cont !== undefined) io.prefetch?.({ continue: cont });
  const { items, invalidKeys } = s;
  for (const raw of list.items) {
    const obj = io.accept(raw, "LIST");
    if (obj !== undefined) items.push(obj);
    else {
      const key = keyOfRaw(raw);
      if (key !== undefined) invalidKeys.push(key);
    }
  }
  for (const key of io.takeInvalidKeys()) invalidKeys.push(key);
  if (cont !== undefined) return { state: { ...s, continue: cont } };
  const resourceVersion = list.metadata.resourceVersion || undefined;
  return {
    state: { phase: "listed", resourceVersion, afterList: true },
    event: { type: "replace", objects: items, resourceVersion, invalidKeys: new Set(invalidKeys) },
  };
}

function openWatch<T>(s: ListedPhase, io: ListWatchIO<T>): ListWatchStep<T> {
  const timeoutSeconds = io.watchTimeoutSeconds();
  io.stats.watches++;
  if (!s.afterList) io.stats.reconnects++;
  io.openWatch({ resourceVersion: s.resourceVersion, timeoutSeconds, streamingList: false });
  const now = io.now();
  return {
    state: {
      phase: "watching",
      resourceVersion: s.resourceVersion,
      timeoutSeconds,
      startedAt: now,
      lastEventAt: now,
      events: 0,
      progressed: false,
    },
  };
}

async function watchNext<T>(s: WatchingPhase, io: ListWatchIO<T>): Promise<ListWatchStep<T>> {
  let r: IteratorResult<WatchEvent<T>>;
  try {
    r = await io.next();
  } catch (err) {
    io.closeWatch();
    return watchFailure(s.resourceVersion, err, "watch");
  }
  return watched(s, io, r);
}

function watched<T>(
  s: WatchingPhase,
  io: ListWatchIO<T>,
  r: IteratorResult<WatchEvent<T>>,
): ListWatchStep<T> {
  if (r.done) {
    io.closeWatch();
    const resumed: ListedPhase = {
      phase: "listed",
      resourceVersion: s.resourceVersion,
      afterList: false,
    };
    const lasted = io.now() - s.startedAt;
    if (s.events === 0 && lasted < SHORT_WATCH_MS) {
      return {
        state: resumed,
        event: failure("failed", new ShortWatchError(io.kind, lasted), "watch"),
      };
    }
    return { state: resumed };
  }
  const ev = r.value;
  if (ev.type === "ERROR") {
    io.closeWatch();
    return watchFailure(s.resourceVersion, ApiError.fromStatus(ev.object, "WATCH"), "watch");
  }
  io.takeInvalidKeys(); // reported by the client; nothing to keep outside a list
  const progress = !s.progressed;
  const next: WatchingPhase = {
    ...s,
    events: s.events + 1,
    lastEventAt: io.now(),
    progressed: true,
  };
  if (ev.type === "BOOKMARK") {
    io.stats.bookmarks++;
    const rv = ev.object.metadata.resourceVersion;
    if (!rv) return { state: next, progress };
    next.resourceVersion = rv;
    return { state: next, event: { type: "bookmark", resourceVersion: rv }, progress };
  }
  const raw: unknown = ev.object;
  const rv = rvOfRaw(raw);
  if (rv !== undefined) next.resourceVersion = rv;
  const obj = io.accept(raw, ev.type);
  if (obj !== undefined) {
    return { state: next, event: { type: "apply", change: ev.type, object: obj }, progress };
  }
  const key = ev.type === "DELETED" ? keyOfRaw(raw) : undefined;
  if (key !== undefined) return { state: next, event: { type: "deleteKey", key }, progress };
  return { state: next, progress };
}

async function streamNext<T extends KubernetesObject>(
  s: StreamingPhase<T>,
  io: ListWatchIO<T>,
): Promise<ListWatchStep<T>> {
  let r: IteratorResult<WatchEvent<T>>;
  try {
    r = await io.next();
  } catch (err) {
    io.closeWatch();
    return streamingFailure(s, err);
  }
  return streamed(s, io, r);
}

function streamed<T extends KubernetesObject>(
  s: StreamingPhase<T>,
  io: ListWatchIO<T>,
  r: IteratorResult<WatchEvent<T>>,
): ListWatchStep<T> {
  if (r.done) {
    // a clean end before the end bookmark: the list is incomplete (treated as unsupported)
    io.closeWatch();
    return streamingFailure(s, new StreamingListTimeoutError(io.kind, 0));
  }
  const ev = r.value;
  if (ev.type === "ERROR") {
    io.closeWatch();
    return streamingFailure(s, ApiError.fromStatus(ev.object, "WATCH"));
  }
  s.events++;
  for (const key of io.takeInvalidKeys()) s.invalidKeys.push(key);
  if (ev.type === "BOOKMARK") {
    io.stats.bookmarks++;
    if (ev.object.metadata.annotations?.[INITIAL_EVENTS_END_ANNOTATION] !== "true") {
      return { state: s };
    }
    const resourceVersion = ev.object.metadata.resourceVersion || undefined;
    io.streamingListEnded();
    return {
      state: {
        phase: "watching",
        resourceVersion,
        timeoutSeconds: s.timeoutSeconds,
        startedAt: s.startedAt,
        lastEventAt: io.now(),
        events: s.events,
        progressed: false,
      },
      event: {
        type: "replace",
        objects: Object.values(s.objects),
        resourceVersion,
        invalidKeys: new Set(s.invalidKeys),
      },
    };
  }
  const raw: unknown = ev.object;
  const obj = io.accept(raw, ev.type);
  if (obj === undefined) {
    const key = keyOfRaw(raw);
    if (key !== undefined) {
      if (ev.type === "DELETED") delete s.objects[key];
      else s.invalidKeys.push(key);
    }
    return { state: s };
  }
  const key = objectKey(obj);
  if (ev.type === "DELETED") delete s.objects[key];
  else s.objects[key] = obj;
  return { state: s };
}

function watchFailure<T>(
  resourceVersion: string | undefined,
  err: unknown,
  where: ReflectorPhase,
): ListWatchStep<T> {
  const resume: ListedPhase = { phase: "listed", resourceVersion, afterList: false };
  if (err instanceof WatchStalledError)
    return { state: resume, event: failure("stalled", err, where) };
  if (isGone(err)) {
    return { state: { phase: "empty", consistent: true }, event: failure("gone", err, where) };
  }
  if (isTooLargeResourceVersion(err)) {
    // the server has not reached our resource version: a restarted API server
    // counting from scratch (or one lagging behind). Retrying the same version
    // could wait forever; as client-go does, relist with a consistent read.
    return { state: { phase: "empty", consistent: true }, event: failure("tooLarge", err, where) };
  }
  return { state: resume, event: failure("failed", err, where) };
}

function streamingFailure<T>(s: StreamingPhase<T>, err: unknown): ListWatchStep<T> {
  const where: ReflectorPhase = "streaming-list";
  if (err instanceof StreamingListTimeoutError || isRefusal(err)) {
    return {
      state: { phase: "empty", consistent: s.consistent },
      event: failure("unsupported", err, where),
    };
  }
  if (isGone(err)) {
    return { state: { phase: "empty", consistent: true }, event: failure("gone", err, where) };
  }
  if (isTooLargeResourceVersion(err)) {
    return { state: { phase: "empty", consistent: true }, event: failure("tooLarge", err, where) };
  }
  return {
    state: { phase: "empty", consistent: s.consistent },
    event: failure("failed", err, where),
  };
}

function failure<T>(
  cause: ListWatchFailureCause,
  error: unknown,
  where: ReflectorPhase,
): ListWatchEvent<T> {
  const retryAfterSeconds =
    cause === "failed" && error instanceof ApiError ? error.retryAfter : undefined;
  return { type: "failure", cause, error, where, retryAfterSeconds };
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

/** The cache key of a raw (unvalidated) object, if its metadata can be read. */
export function keyOfRaw(raw: unknown): string | undefined {
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
