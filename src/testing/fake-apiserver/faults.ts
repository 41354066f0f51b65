/**
 * Fault injection for the fake API server: failing requests, broken, cut and
 * stalled watches, delays, compaction and schema-invalid objects.
 *
 * @module
 */
import type { KubernetesObject, StatusCause } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";

/**
 * API verbs, as the API server names them.
 *
 * @example
 * ```ts
 * import { FakeApiServer, type Verb } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * const verb: Verb = "update";
 * server.faults.failNext({ verb, status: 409 });
 * ```
 */
export type Verb =
  | "get"
  | "list"
  | "watch"
  | "create"
  | "update"
  | "patch"
  | "delete"
  | "deletecollection";

/**
 * Which requests a {@link FailRule} applies to. Every given field must match.
 *
 * @example
 * ```ts
 * import { ConfigMaps } from "kubeloop";
 * import { FakeApiServer, type RequestMatch } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * const configMapLists: RequestMatch = { verb: "list", resource: ConfigMaps };
 * server.faults.delay(500, configMapLists);
 * ```
 */
export interface RequestMatch {
  /** HTTP method, e.g. `"GET"`. */
  method?: string | undefined;
  /** API verb (`list` and `watch` are both GETs on a collection). */
  verb?: Verb | undefined;
  /** A resource type or its plural. */
  resource?: ResourceType | string | undefined;
  /** URL path prefix (string) or pattern (RegExp). */
  path?: string | RegExp | undefined;
  /** Only watch requests (`true`) or only non-watch requests (`false`). */
  watch?: boolean | undefined;
  /** Subresource, e.g. `"status"`. */
  subresource?: string | undefined;
}

/**
 * Options of {@link FaultInjector.failNext}.
 *
 * @example
 * ```ts
 * import { type FailOptions, FakeApiServer } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * const throttle: FailOptions = { verb: "list", status: 429, times: 3, retryAfterSeconds: 1, plainText: true };
 * server.faults.failNext(throttle);
 * ```
 */
export interface FailOptions extends RequestMatch {
  /** HTTP status to answer with (500, 503, 429, 410, 403, …). */
  status: number;
  /** How many matching requests fail (default 1; `Infinity` until reset). */
  times?: number | undefined;
  /** Sets `Retry-After` and `details.retryAfterSeconds`. */
  retryAfterSeconds?: number | undefined;
  /** Status reason (default: the usual one for the code). */
  reason?: string | undefined;
  /** Status message. */
  message?: string | undefined;
  /**
   * Send a plain-text body instead of a `Status` (as priority-and-fairness
   * does for 429s).
   */
  plainText?: boolean | undefined;
  /**
   * For watch requests: send HTTP 200 and an `ERROR` watch event carrying the
   * Status (the way the real server reports 410 on a watch). Default: true for
   * 410 on a watch, false otherwise.
   */
  asWatchEvent?: boolean | undefined;
  /** `details.causes` of the Status (e.g. `[{ reason: "ResourceVersionTooLarge" }]`). */
  causes?: StatusCause[] | undefined;
}

/**
 * A registered failure rule.
 *
 * @example
 * ```ts
 * import { type FailRule, FakeApiServer } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * const rule: FailRule = server.faults.failNext({ verb: "create", status: 500, times: 2 });
 * // ... exercise the client ...
 * console.log(rule.hits, rule.remaining);
 * ```
 */
export interface FailRule {
  /** A copy of the options the rule was registered with. */
  readonly options: FailOptions;
  /** Failures left to inject. */
  remaining: number;
  /** Requests failed by this rule so far. */
  hits: number;
}

/**
 * What the request handler knows about a request when checking faults.
 *
 * @example
 * ```ts
 * import { FakeApiServer, type RequestInfo } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * const info: RequestInfo = {
 *   method: "GET", path: "/api/v1/namespaces/default/configmaps", verb: "list",
 *   plural: "configmaps", subresource: undefined, watch: false,
 * };
 * const delayMs = server.faults.delayFor(info);
 * ```
 */
export interface RequestInfo {
  /** HTTP method, upper-case. */
  method: string;
  /** URL path without query or trailing slash. */
  path: string;
  /** API verb, or `undefined` for non-resource paths. */
  verb: Verb | undefined;
  /** Resource plural, or `undefined` for non-resource paths. */
  plural: string | undefined;
  /** Subresource (e.g. `"status"`), if any. */
  subresource: string | undefined;
  /** Whether this is a watch request. */
  watch: boolean;
}

/**
 * Callbacks the injector drives on the server.
 *
 * @example
 * ```ts
 * import { FaultInjector, type FaultTarget } from "kubeloop/testing";
 * const target: FaultTarget = {
 *   closeWatches: () => {},
 *   cutWatches: (reset) => console.log("cut", reset),
 *   stallWatches: () => {},
 *   resumeWatches: () => {},
 *   compact: () => {},
 *   serveInvalid: (_type, obj) => obj,
 * };
 * const faults = new FaultInjector(target);
 * ```
 */
export interface FaultTarget {
  /** End every open watch cleanly. */
  closeWatches(): void;
  /** Write half a line on every open watch, then end it (as a reset if `reset`). */
  cutWatches(reset: boolean): void;
  /** Stop sending on every open watch until resumed. */
  stallWatches(): void;
  /** Resume stalled watches. */
  resumeWatches(): void;
  /** Drop the event history, so older resource versions get 410. */
  compact(): void;
  /** Store `obj` without validation, notify watchers, and return the stored object. */
  serveInvalid(type: ResourceType, obj: KubernetesObject): KubernetesObject;
}

function matches(m: RequestMatch, r: RequestInfo): boolean {
  if (m.method && m.method.toUpperCase() !== r.method) return false;
  if (m.verb && m.verb !== r.verb) return false;
  if (m.resource) {
    const plural = typeof m.resource === "string" ? m.resource : m.resource.plural;
    if (plural !== r.plural) return false;
  }
  if (m.path !== undefined) {
    if (typeof m.path === "string" ? !r.path.startsWith(m.path) : !m.path.test(r.path))
      return false;
  }
  if (m.watch !== undefined && m.watch !== r.watch) return false;
  if (m.subresource !== undefined && m.subresource !== r.subresource) return false;
  return true;
}

/**
 * The fault injection API of a {@link FakeApiServer}: `server.faults`.
 *
 * @example
 * ```ts
 * import { FakeApiServer } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * server.faults.failNext({ verb: "list", status: 503, retryAfterSeconds: 1 });
 * server.faults.failNext({ watch: true, status: 410 }); // ERROR event with 410 Expired
 * server.faults.stallWatches();   // open watches go silent
 * server.faults.compact();        // older resource versions now give 410
 * server.faults.reset();
 * ```
 */
export class FaultInjector {
  readonly #target: FaultTarget;
  #rules: FailRule[] = [];
  #delayMs = 0;
  #delayMatch: RequestMatch | undefined;

  /** Create an injector driving `target` (the server creates its own as `server.faults`). */
  constructor(target: FaultTarget) {
    this.#target = target;
  }

  /**
   * Fail the next `times` (default 1) requests that match with `status`.
   * Rules are checked in the order they were added.
   */
  failNext(options: FailOptions): FailRule {
    const rule: FailRule = { options: { ...options }, remaining: options.times ?? 1, hits: 0 };
    this.#rules.push(rule);
    return rule;
  }

  /** Active failure rules. */
  get rules(): readonly FailRule[] {
    return this.#rules;
  }

  /** The rule that fails this request (consuming one failure), if any. Used by the server. */
  take(info: RequestInfo): FailRule | undefined {
    for (const rule of this.#rules) {
      if (rule.remaining <= 0 || !matches(rule.options, info)) continue;
      rule.remaining--;
      rule.hits++;
      if (rule.remaining <= 0) this.#rules = this.#rules.filter((r) => r !== rule);
      return rule;
    }
    return undefined;
  }

  /**
   * Delay every response (or those matching `match`) by `ms` on the server's
   * clock; `delay(0)` turns it off. With a `FakeClock`, advance it to let
   * responses through.
   */
  delay(ms: number, match?: RequestMatch): void {
    this.#delayMs = Math.max(0, ms);
    this.#delayMatch = match;
  }

  /** The delay for this request in ms (used by the server). */
  delayFor(info: RequestInfo): number {
    if (this.#delayMs === 0) return 0;
    if (this.#delayMatch && !matches(this.#delayMatch, info)) return 0;
    return this.#delayMs;
  }

  /** End every open watch cleanly (clients see a normal end of stream and reconnect). */
  closeWatches(): void {
    this.#target.closeWatches();
  }

  /**
   * Write half a JSON line on every open watch, then end it: cleanly by
   * default, or as a connection reset (the body stream errors) with
   * `{ reset: true }`.
   */
  cutWatches(options: { reset?: boolean } = {}): void {
    this.#target.cutWatches(options.reset ?? false);
  }

  /**
   * Stall every open watch: the connection stays open and nothing more is
   * sent (events queue up, within the slow-watcher bound) until
   * {@link FaultInjector.resumeWatches} or the watch is closed. Watches opened
   * later are not stalled.
   */
  stallWatches(): void {
    this.#target.stallWatches();
  }

  /** Resume stalled watches; queued events are delivered. */
  resumeWatches(): void {
    this.#target.resumeWatches();
  }

  /** Drop the event history: watches and continue tokens from older resource versions get 410 Expired. */
  compact(): void {
    this.#target.compact();
  }

  /**
   * Store `obj` without schema validation and send it to watchers (and
   * lists), so clients can test how they handle objects that fail their schema.
   * Returns the stored object.
   */
  serveInvalid<T extends KubernetesObject>(
    type: ResourceType<T>,
    obj: KubernetesObject,
  ): KubernetesObject {
    return this.#target.serveInvalid(type as unknown as ResourceType, obj);
  }

  /** Remove every rule and delay and resume stalled watches. */
  reset(): void {
    this.#rules = [];
    this.#delayMs = 0;
    this.#delayMatch = undefined;
    this.#target.resumeWatches();
  }
}
