/**
 * Watch streams: each watcher turns store events into newline-delimited JSON
 * on a pull-based `ReadableStream`, so a consumer that stops reading stops
 * the bytes (and a consumer that falls too far behind is dropped, as the real
 * API server drops unresponsive watchers).
 *
 * @module
 */
import type { KubernetesObject, Status } from "../../resources/meta.ts";
import { INITIAL_EVENTS_END_ANNOTATION } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import { concatBytes } from "../../util/bytes.ts";
import type { Clock, Timer } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import type { ParsedFieldSelector, ParsedLabelSelector } from "../../util/selector.ts";
import type { StoreEvent } from "./store.ts";
import { typeKeyOf } from "./store.ts";

const encoder = new TextEncoder();

/** Strip an object to `PartialObjectMetadata`. */
export function toPartialMetadata(obj: KubernetesObject): KubernetesObject {
  return { apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata", metadata: obj.metadata };
}

/** What a watch wants. */
export interface WatcherOptions {
  type: ResourceType;
  namespace: string | undefined;
  labelSelector: ParsedLabelSelector | undefined;
  fieldSelector: ParsedFieldSelector | undefined;
  bookmarks: boolean;
  metadataOnly: boolean;
  /** End the watch cleanly after this many ms (timeoutSeconds, or the server's choice). */
  timeoutMs: number | undefined;
  /** Max queued chunks before the watcher is dropped. */
  bufferLimit: number;
  bookmarkIntervalMs: number;
  clock: Clock;
  logger: Logger;
  /** Resource version of the watched type's latest change, for automatic bookmarks. */
  currentRv: () => number;
  /** The global resource version, for bookmarks asked for by a test (default: `currentRv`). */
  globalRv?: (() => number) | undefined;
  /** Skip events at or below this resource version (the one the watch started from). */
  afterRv?: number | undefined;
  /**
   * Automatic bookmarks only carry resource versions above this one: a real
   * API server sends none while the watched type has not changed since the
   * watch began.
   */
  bookmarkAfterRv?: number | undefined;
  /** Called once when the watcher ends, for whatever reason. */
  onEnd: (w: Watcher) => void;
  signal: AbortSignal | undefined;
}

function lineFor(ev: StoreEvent, type: string, metadataOnly: boolean): Uint8Array {
  const variant = `${type}${metadataOnly ? ":m" : ""}`;
  ev.cache ??= new Map();
  let bytes = ev.cache.get(variant);
  if (!bytes) {
    const obj = metadataOnly ? toPartialMetadata(ev.object) : ev.object;
    bytes = encoder.encode(`{"type":"${type}","object":${JSON.stringify(obj)}}\n`);
    ev.cache.set(variant, bytes);
  }
  return bytes;
}

/** One open watch. */
export class Watcher {
  readonly options: WatcherOptions;
  readonly typeKey: string;
  /** The response body. */
  readonly stream: ReadableStream<Uint8Array>;
  #ctrl: ReadableStreamDefaultController<Uint8Array> | undefined;
  #pending: Uint8Array[] = [];
  #initial: KubernetesObject[] = [];
  #initialIdx = 0;
  #initialEndLine: Uint8Array | undefined;
  /** History replayed to a watch that starts at an old resource version: read lazily, outside the buffer limit. */
  #replay: StoreEvent[] = [];
  #replayIdx = 0;
  #demand = false;
  #wake: (() => void) | undefined;
  #stalled = false;
  #ending = false;
  #closed = false;
  #timers: Timer[] = [];
  #bookmarkTimer: Timer | undefined;
  #flushWaiters: (() => void)[] = [];
  #onAbort: (() => void) | undefined;
  /** Number of event lines queued so far (tests and stats). */
  sent = 0;

  constructor(options: WatcherOptions) {
    this.options = options;
    this.typeKey = typeKeyOf(options.type);
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.#ctrl = c;
        },
        pull: () => {
          this.#demand = true;
          this.#pump();
          if (this.#demand && !this.#closed) {
            return new Promise<void>((resolve) => {
              this.#wake = resolve;
            });
          }
          return undefined;
        },
        cancel: () => {
          this.#finish("client went away");
        },
      },
      { highWaterMark: 0 },
    );
    if (options.timeoutMs !== undefined) {
      this.#timers.push(options.clock.setTimer(() => this.end(), options.timeoutMs));
      if (options.bookmarks) {
        // as the API server's watch cache: bookmarks from 2 s before the deadline, once a second
        for (const before of [2000, 1000]) {
          if (options.timeoutMs > before) {
            this.#timers.push(
              options.clock.setTimer(() => this.#autoBookmark(), options.timeoutMs - before),
            );
          }
        }
      }
    }
    if (options.bookmarks) this.#scheduleBookmark();
    const signal = options.signal;
    if (signal) {
      this.#onAbort = () => {
        const reason =
          signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
        try {
          this.#ctrl?.error(reason);
        } catch {
          // already closed
        }
        this.#finish("request aborted");
      };
      if (signal.aborted) queueMicrotask(this.#onAbort);
      else signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** Whether the watcher still takes events. */
  get open(): boolean {
    return !this.#closed && !this.#ending;
  }

  /** Whether the watcher is stalled by a fault. */
  get stalled(): boolean {
    return this.#stalled;
  }

  #scheduleBookmark(): void {
    this.#bookmarkTimer?.cancel();
    this.#bookmarkTimer = this.options.clock.setTimer(() => {
      if (!this.open) return;
      this.#autoBookmark();
      this.#scheduleBookmark();
    }, this.options.bookmarkIntervalMs);
  }

  /** A bookmark the server sends on its own: only once the watched type moved past the watch's start. */
  #autoBookmark(): void {
    const rv = this.options.currentRv();
    if (rv <= (this.options.bookmarkAfterRv ?? 0)) return;
    this.#bookmarkAt(rv);
  }

  /** Objects to send as synthetic ADDED events before live events. */
  setInitial(objects: KubernetesObject[], endBookmarkRv: number | undefined): void {
    this.#initial = objects;
    this.#initialIdx = 0;
    if (endBookmarkRv !== undefined) {
      this.#initialEndLine = this.#bookmarkLine(endBookmarkRv, {
        [INITIAL_EVENTS_END_ANNOTATION]: "true",
      });
    }
    this.#pump();
  }

  #bookmarkLine(rv: number, annotations?: Record<string, string>): Uint8Array {
    const type = this.options.type;
    // as the API server writes it: a zero creationTimestamp is `null`
    const metadata: Record<string, unknown> = {
      resourceVersion: String(rv),
      creationTimestamp: null,
    };
    if (annotations) metadata.annotations = annotations;
    const object = this.options.metadataOnly
      ? { apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata", metadata }
      : { apiVersion: type.apiVersion, kind: type.kind, metadata };
    return encoder.encode(`${JSON.stringify({ type: "BOOKMARK", object })}\n`);
  }

  #matches(obj: KubernetesObject | undefined): boolean {
    if (!obj) return false;
    const o = this.options;
    if (o.namespace && obj.metadata.namespace !== o.namespace) return false;
    if (o.labelSelector && !o.labelSelector.matches(obj.metadata.labels)) return false;
    if (o.fieldSelector && !o.fieldSelector.matches(obj)) return false;
    return true;
  }

  /** Offer a store event; queued if it concerns this watch (with selector transitions). */
  offer(ev: StoreEvent): void {
    if (!this.open || ev.typeKey !== this.typeKey) return;
    if (this.options.afterRv !== undefined && ev.rv <= this.options.afterRv) return;
    const line = this.#lineOf(ev);
    if (line) this.#enqueue(line);
  }

  /**
   * Send `events` (this watch's type from the server's history, oldest first: `ObjectStore.eventsAfter`
   * with its type key) before anything offered later. Like the API
   * server's watch cache, which replays its history to a new watcher before live events, the replay is read
   * as the client reads and does not count against the buffer limit (only live events a slow reader leaves
   * behind do); counting it would close every watch that starts further back than the limit, again and again.
   */
  replay(events: StoreEvent[]): void {
    if (!this.open) return;
    this.#replay = events;
    this.#replayIdx = 0;
    this.#pump();
  }

  /** The line `ev` becomes on this watch, or undefined when it does not concern it. */
  #lineOf(ev: StoreEvent): Uint8Array | undefined {
    const now = this.#matches(ev.object);
    let type: string | undefined;
    if (ev.type === "ADDED") type = now ? "ADDED" : undefined;
    else if (ev.type === "DELETED") type = now || this.#matches(ev.prev) ? "DELETED" : undefined;
    else {
      const before = this.#matches(ev.prev);
      type = before && now ? "MODIFIED" : now ? "ADDED" : before ? "DELETED" : undefined;
    }
    if (type === undefined) return undefined;
    if (ev.type === "MODIFIED" && type === "DELETED" && ev.prev) {
      // the object as it last matched, at the resource version of the change that made it leave
      const obj = { ...ev.prev, metadata: { ...ev.prev.metadata, resourceVersion: String(ev.rv) } };
      const shown = this.options.metadataOnly ? toPartialMetadata(obj) : obj;
      return encoder.encode(`{"type":"DELETED","object":${JSON.stringify(shown)}}\n`);
    }
    return lineFor(ev, type, this.options.metadataOnly);
  }

  #enqueue(bytes: Uint8Array): void {
    this.#pending.push(bytes);
    this.sent++;
    if (this.#pending.length > this.options.bufferLimit) {
      this.options.logger.warn("fake-apiserver: dropping a watcher that fell too far behind", {
        resource: this.options.type.plural,
        queued: this.#pending.length,
      });
      this.#pending = [];
      this.#initial = [];
      this.#initialEndLine = undefined;
      this.#replay = [];
      this.end();
      return;
    }
    this.#pump();
  }

  /** Queue a BOOKMARK at the current global resource version (only if bookmarks were asked for). */
  bookmark(): void {
    this.#bookmarkAt((this.options.globalRv ?? this.options.currentRv)());
  }

  #bookmarkAt(rv: number): void {
    if (!this.open || !this.options.bookmarks) return;
    if (this.#initialIdx < this.#initial.length || this.#initialEndLine) return;
    this.#enqueue(this.#bookmarkLine(rv));
  }

  /** Queue an ERROR event with `status` and end the watch. */
  error(status: Status): void {
    if (!this.open) return;
    this.#enqueue(encoder.encode(`${JSON.stringify({ type: "ERROR", object: status })}\n`));
    this.end();
  }

  /** Queue a raw line (used to serve invalid objects). */
  raw(line: string): void {
    if (!this.open) return;
    this.#enqueue(encoder.encode(line.endsWith("\n") ? line : `${line}\n`));
  }

  /** End cleanly once everything queued has been read. */
  end(): void {
    if (this.#ending || this.#closed) return;
    this.#ending = true;
    this.#stalled = false;
    this.options.onEnd(this);
    this.#clearTimers();
    this.#pump();
  }

  /** Write half a JSON line, then end (or reset the connection with `reset`). */
  cut(reset = false): void {
    if (this.#closed) return;
    const sample =
      this.#pending[0] ??
      this.#bookmarkLine(this.options.currentRv(), { "kubeloop.dev/cut": "true" });
    const half = sample.subarray(0, Math.max(1, Math.floor((sample.length - 1) / 2)));
    this.#pending = [];
    this.#initial = [];
    this.#initialEndLine = undefined;
    this.#replay = [];
    this.#stalled = false;
    const ctrl = this.#ctrl;
    try {
      ctrl?.enqueue(half);
      if (reset) ctrl?.error(new TypeError("connection reset by fake API server"));
      else ctrl?.close();
    } catch {
      // already closed
    }
    this.#finish("cut");
  }

  /** Stop sending anything (the connection stays open) until {@link Watcher.resume}. */
  stall(): void {
    if (!this.open) return;
    this.#stalled = true;
  }

  /** Undo {@link Watcher.stall}. */
  resume(): void {
    this.#stalled = false;
    this.#pump();
  }

  /** Resolve once the consumer has read everything queued (or the watch ended). */
  flushed(): Promise<void> {
    if (this.#closed || this.#caughtUp()) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  #caughtUp(): boolean {
    return (
      this.#demand &&
      this.#pending.length === 0 &&
      this.#initialIdx >= this.#initial.length &&
      this.#replayIdx >= this.#replay.length &&
      !this.#initialEndLine
    );
  }

  #pump(): void {
    if (this.#closed || !this.#demand) return;
    if (this.#stalled) return;
    const ctrl = this.#ctrl!;
    let chunk: Uint8Array | undefined;
    if (this.#initialIdx < this.#initial.length) {
      const lines: Uint8Array[] = [];
      const end = Math.min(this.#initial.length, this.#initialIdx + 256);
      for (; this.#initialIdx < end; this.#initialIdx++) {
        const o = this.#initial[this.#initialIdx]!;
        if (!this.#matches(o)) continue;
        const obj = this.options.metadataOnly ? toPartialMetadata(o) : o;
        lines.push(encoder.encode(`{"type":"ADDED","object":${JSON.stringify(obj)}}\n`));
      }
      if (this.#initialIdx >= this.#initial.length) this.#initial = [];
      if (lines.length === 0) {
        this.#pump();
        return;
      }
      chunk = concatBytes(lines);
    } else if (this.#initialEndLine) {
      chunk = this.#initialEndLine;
      this.#initialEndLine = undefined;
    } else if (this.#replayIdx < this.#replay.length) {
      const lines: Uint8Array[] = [];
      const end = Math.min(this.#replay.length, this.#replayIdx + 256);
      for (; this.#replayIdx < end; this.#replayIdx++) {
        const line = this.#lineOf(this.#replay[this.#replayIdx]!);
        if (line) lines.push(line);
      }
      this.sent += lines.length;
      if (this.#replayIdx >= this.#replay.length) this.#replay = [];
      if (lines.length === 0) {
        this.#pump();
        return;
      }
      chunk = concatBytes(lines);
    } else if (this.#pending.length > 0) {
      chunk = concatBytes(this.#pending);
      this.#pending = [];
    } else if (this.#ending) {
      try {
        ctrl.close();
      } catch {
        // already closed
      }
      this.#finish("ended");
      return;
    } else {
      const waiters = this.#flushWaiters;
      this.#flushWaiters = [];
      for (const w of waiters) w();
      return;
    }
    this.#demand = false;
    ctrl.enqueue(chunk);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #clearTimers(): void {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    this.#bookmarkTimer?.cancel();
    this.#bookmarkTimer = undefined;
  }

  #finish(_why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ending = true;
    this.#clearTimers();
    if (this.#onAbort) this.options.signal?.removeEventListener("abort", this.#onAbort);
    this.#pending = [];
    this.#initial = [];
    this.#replay = [];
    this.options.onEnd(this);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const w of waiters) w();
  }
}

/** The set of open watchers, fed from the store. */
export class WatchHub {
  readonly #watchers = new Set<Watcher>();

  /** Add a watcher. */
  add(w: Watcher): void {
    this.#watchers.add(w);
  }

  /** Remove a watcher (it ended). */
  remove(w: Watcher): void {
    this.#watchers.delete(w);
  }

  /** Dispatch a store event to every watcher. */
  dispatch(ev: StoreEvent): void {
    for (const w of this.#watchers) w.offer(ev);
  }

  /** Open watchers. */
  get size(): number {
    return this.#watchers.size;
  }

  /** Snapshot of open watchers. */
  list(): Watcher[] {
    return [...this.#watchers];
  }
}
