/**
 * Errors of the cache: what the reflector reports to `onError` (invalid
 * objects, stalled or short watches, streaming lists that never end) and what
 * checkpoints refuse. They are reports, never control flow: the reflector
 * recovers from each one by itself.
 *
 * @module
 */
import type { ValidationIssue } from "../client/errors.ts";

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
