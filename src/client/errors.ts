/**
 * Typed errors of the client. Every failure is one of: {@link ApiError} (the
 * API server answered with an error status), {@link NetworkError} (no answer),
 * {@link TimeoutError}, {@link ValidationError} (an object failed its schema),
 * {@link WatchDecodeError} (a broken watch stream), {@link ConfigError} (bad
 * configuration), or the caller's own abort reason (rethrown as is).
 *
 * Messages never contain tokens, passwords or keys.
 *
 * @module
 */
import { type Status, StatusSchema } from "../resources/meta.ts";
import { readBodyText } from "./body.ts";

/**
 * Remove credentials (`user:pass@`) from a URL for messages and logs.
 *
 * @example
 * ```ts
 * import { safeUrl } from "kubeloop";
 * safeUrl("https://admin:secret@k8s.example:6443/api"); // "https://k8s.example:6443/api"
 * ```
 */
export function safeUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return "<invalid url>";
  }
}

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const D = `(${DAYS.join("|")})`;
const M = `(${MONTHS.join("|")})`;
const T = "(\\d{2}):(\\d{2}):(\\d{2})";
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^${D}, (\\d{2}) ${M} (\\d{4}) ${T} GMT$`);
/** Obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^(${LONG_DAYS.join("|")}), (\\d{2})-${M}-(\\d{2}) ${T} GMT$`);
/** Obsolete asctime: `Sun Nov  6 08:49:37 1994`. */
const ASCTIME_DATE = new RegExp(`^${D} ${M} ( \\d|\\d{2}) ${T} (\\d{4})$`);

function utc(
  year: number,
  month: string,
  day: number,
  h: number,
  m: number,
  s: number,
): number | undefined {
  const mi = MONTHS.indexOf(month);
  if (mi < 0 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return undefined;
  const at = Date.UTC(year, mi, day, h, m, Math.min(s, 59));
  // Date.UTC rolls 31 Feb over into March: refuse dates that do not exist
  return new Date(at).getUTCDate() === day ? at : undefined;
}

/**
 * Parse an HTTP date (RFC 9110 section 5.6.7: IMF-fixdate, and the obsolete
 * RFC 850 and asctime forms) into epoch milliseconds; `undefined` for
 * anything else. Stricter than `Date.parse`, whose leniency differs between
 * runtimes (`Date.parse("1")` is a date in 2001 on V8).
 */
function parseHttpDate(text: string, now: number): number | undefined {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(Number(m[4]), m[3]!, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  m = RFC850_DATE.exec(text);
  if (m) {
    // a two-digit year more than 50 years ahead is in the past century (RFC 9110)
    let year = 2000 + Number(m[4]);
    if (year > new Date(now).getUTCFullYear() + 50) year -= 100;
    return utc(year, m[3]!, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  }
  m = ASCTIME_DATE.exec(text);
  if (m) {
    return utc(Number(m[7]), m[2]!, Number(m[3]!.trim()), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  return undefined;
}

/**
 * A `retryAfterSeconds` (from a `Status`) as a whole number of seconds, or
 * `undefined` unless it is a finite number `>= 0`.
 */
function retrySeconds(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? Math.ceil(value)
    : undefined;
}

/**
 * Parse a `Retry-After` header into seconds, or `undefined`. Accepts a
 * non-negative whole number of seconds or an HTTP date (a date in the past
 * gives 0). A negative, fractional, oversized or otherwise garbled value
 * gives `undefined`: the caller then uses its own backoff.
 *
 * The value is not capped here: whoever waits caps it (the reflector never
 * waits longer than its backoff maximum, 30 s by default).
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from "kubeloop";
 * parseRetryAfter("5"); // 5
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT")); // 10
 * parseRetryAfter("-5"); // undefined
 * parseRetryAfter(null); // undefined
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  const at = parseHttpDate(trimmed, now);
  if (at === undefined) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Options of the {@link ApiError} constructor.
 *
 * @example
 * ```ts
 * import { ApiError, type ApiErrorInit } from "kubeloop";
 * const init: ApiErrorInit = {
 *   code: 409,
 *   reason: "Conflict",
 *   message: "the object has been modified",
 *   method: "PUT",
 *   url: "https://k8s/api/v1/namespaces/default/configmaps/settings",
 * };
 * const err = new ApiError(init);
 * ```
 */
export interface ApiErrorInit {
  /** HTTP status code. */
  code: number;
  /** `Status.reason`, or one derived from the code (see {@link reasonForCode}). */
  reason: string;
  /** Human-readable detail (`Status.message` or the start of the body). */
  message: string;
  /** HTTP method of the failed request. */
  method: string;
  /** URL of the failed request, used as given (strip credentials with {@link safeUrl}). */
  url: string;
  /** The `Status` body, when the server sent one. */
  status?: Status | undefined;
  /** Seconds to wait before retrying, if known. */
  retryAfter?: number | undefined;
}

/**
 * The API server answered with an error status. `reason` is the `Status`
 * reason (`NotFound`, `Conflict`, `Expired`, ...) or, for bodies that are not
 * a `Status` (a plain-text 429 from priority-and-fairness), derived from the
 * HTTP code.
 *
 * @example
 * ```ts
 * import { ApiError, type KubeClient, ConfigMaps } from "kubeloop";
 * declare const client: KubeClient;
 * try {
 *   await client.get(ConfigMaps, "missing", { namespace: "default" });
 * } catch (err) {
 *   if (err instanceof ApiError && err.code === 404) console.log("not found");
 * }
 * ```
 */
export class ApiError extends Error {
  /** Always `"ApiError"`. */
  override readonly name = "ApiError";
  /** HTTP status code. */
  readonly code: number;
  /** `Status.reason`, or one derived from the code (`TooManyRequests`, `InternalError`, ...). */
  readonly reason: string;
  /** The `Status` body, when the server sent one. */
  readonly status: Status | undefined;
  /** Seconds to wait before retrying (`Retry-After` or `details.retryAfterSeconds`). */
  readonly retryAfter: number | undefined;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URL of the failed request, without credentials. */
  readonly url: string;
  /** Build the error; the message is `<method> <url>: <code> <reason>: <message>`. */
  constructor(init: ApiErrorInit) {
    super(`${init.method} ${init.url}: ${init.code} ${init.reason}: ${init.message}`);
    this.code = init.code;
    this.reason = init.reason;
    this.status = init.status;
    this.retryAfter = init.retryAfter;
    this.method = init.method;
    this.url = init.url;
  }

  /** Build an {@link ApiError} from a `Status` (e.g. a watch ERROR event). */
  static fromStatus(status: Status, method = "WATCH", url = ""): ApiError {
    const code = status.code ?? 500;
    return new ApiError({
      code,
      reason: status.reason || reasonForCode(code),
      message: status.message ?? "",
      method,
      url,
      status,
      retryAfter: retrySeconds(status.details?.retryAfterSeconds),
    });
  }
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/**
 * The Kubernetes `StatusReason` conventionally used for an HTTP code.
 *
 * @example
 * ```ts
 * import { reasonForCode } from "kubeloop";
 * reasonForCode(404); // "NotFound"
 * reasonForCode(502); // "InternalError"
 * ```
 */
export function reasonForCode(code: number): string {
  return REASONS[code] ?? (code >= 500 ? "InternalError" : "Unknown");
}

const MAX_ERROR_BODY = 64 * 1024;

/**
 * Read an error response defensively: a JSON `Status`, any other JSON, plain
 * text or nothing all give an {@link ApiError}.
 *
 * @example
 * ```ts
 * import { apiErrorFromResponse } from "kubeloop";
 * const url = "https://k8s/api/v1/namespaces";
 * const res = await fetch(url);
 * if (!res.ok) throw await apiErrorFromResponse(res, "GET", url);
 * ```
 */
export async function apiErrorFromResponse(
  res: Response,
  method: string,
  url: string,
): Promise<ApiError> {
  let text = "";
  try {
    // read at most MAX_ERROR_BODY bytes: an error body may be compressed and expand without bound
    const read = await readBodyText(res, MAX_ERROR_BODY);
    text = read.truncated ? `${read.text}...` : read.text;
  } catch {
    // body unreadable: keep the code
  }
  let status: Status | undefined;
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed = StatusSchema.safeParse(JSON.parse(trimmed));
      if (parsed.success && (parsed.data.kind === "Status" || parsed.data.code !== undefined))
        status = parsed.data;
    } catch {
      // not JSON after all
    }
  }
  const retryAfter =
    parseRetryAfter(res.headers.get("retry-after")) ??
    retrySeconds(status?.details?.retryAfterSeconds);
  const code = res.status;
  const reason = status?.reason || reasonForCode(code);
  const message =
    status?.message ?? (trimmed ? trimmed.slice(0, 1024) : res.statusText || "(no body)");
  return new ApiError({ code, reason, message, method, url: safeUrl(url), status, retryAfter });
}

/**
 * The request never got an answer: DNS, connection refused, TLS failure,
 * connection reset mid-stream. `cause` is the runtime's error.
 *
 * @example
 * ```ts
 * import { NetworkError, type KubeClient, Pods } from "kubeloop";
 * declare const client: KubeClient;
 * try {
 *   await client.list(Pods);
 * } catch (err) {
 *   if (err instanceof NetworkError) console.log("API server unreachable:", err.url, err.cause);
 * }
 * ```
 */
export class NetworkError extends Error {
  /** Always `"NetworkError"`. */
  override readonly name = "NetworkError";
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URL of the failed request, without credentials. */
  readonly url: string;
  /** Wrap the runtime's error (`cause`); credentials are stripped from `url`. */
  constructor(method: string, url: string, cause: unknown) {
    const detail = cause instanceof Error ? describeCause(cause) : String(cause);
    super(`${method} ${safeUrl(url)}: network error: ${detail}`, { cause });
    this.method = method;
    this.url = safeUrl(url);
  }
}

function describeCause(err: Error): string {
  const inner = (err as { cause?: unknown }).cause;
  if (inner instanceof Error && inner.message && !err.message.includes(inner.message)) {
    return `${err.message} (${inner.message})`;
  }
  return err.message;
}

/**
 * A request (or a watch's idle period) exceeded its time limit.
 *
 * @example
 * ```ts
 * import { TimeoutError, type KubeClient, Pods } from "kubeloop";
 * declare const client: KubeClient;
 * try {
 *   await client.list(Pods);
 * } catch (err) {
 *   if (err instanceof TimeoutError) console.log(`gave up after ${err.timeoutMs} ms`);
 * }
 * ```
 */
export class TimeoutError extends Error {
  /** Always `"TimeoutError"`. */
  override readonly name = "TimeoutError";
  /** HTTP method of the request. */
  readonly method: string;
  /** URL of the request, without credentials. */
  readonly url: string;
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  /** `what` names the limit in the message (default `request`; an idle watch uses `watch idle`). */
  constructor(method: string, url: string, timeoutMs: number, what = "request") {
    super(`${method} ${safeUrl(url)}: ${what} timed out after ${timeoutMs} ms`);
    this.method = method;
    this.url = safeUrl(url);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A response body went past the client's `maxResponseBytes` (counted after
 * decompression): the rest was not read. A server, or something between it
 * and the client, sent far more than any API response needs (for instance a
 * small gzip body that expands without bound).
 *
 * @example
 * ```ts
 * import { ResponseTooLargeError, type KubeClient, Pods } from "kubeloop";
 * declare const client: KubeClient;
 * try {
 *   await client.list(Pods);
 * } catch (err) {
 *   if (err instanceof ResponseTooLargeError) console.log(`refused a body over ${err.limitBytes} bytes`);
 * }
 * ```
 */
export class ResponseTooLargeError extends Error {
  /** Always `"ResponseTooLargeError"`. */
  override readonly name = "ResponseTooLargeError";
  /** HTTP method of the request. */
  readonly method: string;
  /** URL of the request, without credentials. */
  readonly url: string;
  /** The limit that was exceeded, in (decoded) bytes. */
  readonly limitBytes: number;
  /** The message names the limit and where it is set (`maxResponseBytes`). */
  constructor(method: string, url: string, limitBytes: number) {
    super(
      `${method} ${safeUrl(url)}: response body exceeds ${limitBytes} bytes (maxResponseBytes); the rest was not read`,
    );
    this.method = method;
    this.url = safeUrl(url);
    this.limitBytes = limitBytes;
  }
}

/**
 * One schema violation of a {@link ValidationError} or an informer's
 * `InvalidObjectError` (the fields kubeloop relies on from a zod issue; the
 * objects are zod's issues, so they carry zod's extra fields too).
 *
 * @example
 * ```ts
 * import type { ValidationIssue } from "kubeloop";
 * const describe = (i: ValidationIssue): string => `${i.path.join(".")}: ${i.message}`;
 * ```
 */
export interface ValidationIssue {
  /** Path of the offending value inside the object, e.g. `["metadata", "name"]`. */
  readonly path: PropertyKey[];
  /** Human-readable description of the problem. */
  readonly message: string;
  /** zod's issue code, e.g. `invalid_type`. */
  readonly code: string;
}

/**
 * An object from the server (or given to the client) failed its kind's schema.
 *
 * @example
 * ```ts
 * import { ValidationError, type KubeClient, Pods } from "kubeloop";
 * declare const client: KubeClient;
 * const page = await client.list(Pods, {
 *   onInvalid: (err: ValidationError) => console.warn(err.key, err.issues.map((i) => i.message)),
 * });
 * ```
 */
export class ValidationError extends Error {
  /** Always `"ValidationError"`. */
  override readonly name = "ValidationError";
  /** Kind of the resource type, e.g. `Pod`. */
  readonly kind: string;
  /** Namespace of the object, when it could be read. */
  readonly namespace: string | undefined;
  /** Name of the object, when it could be read. */
  readonly objectName: string | undefined;
  /** Cache key (`namespace/name` or `name`), when it could be read. */
  readonly key: string | undefined;
  /** The schema violations (zod issues). */
  readonly issues: ValidationIssue[];
  /** Build the error from the object (its metadata gives name, namespace and key) and its issues; the message lists the first five issues. */
  constructor(kind: string, object: unknown, issues: ValidationIssue[], where = "") {
    const meta = (object as { metadata?: { name?: unknown; namespace?: unknown } } | null)
      ?.metadata;
    const name = typeof meta?.name === "string" ? meta.name : undefined;
    const namespace = typeof meta?.namespace === "string" ? meta.namespace : undefined;
    const key = name === undefined ? undefined : namespace ? `${namespace}/${name}` : name;
    const summary = issues
      .slice(0, 5)
      .map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    super(`invalid ${kind}${key ? ` ${key}` : ""}${where ? ` in ${where}` : ""}: ${summary}`);
    this.kind = kind;
    this.namespace = namespace;
    this.objectName = name;
    this.key = key;
    this.issues = issues;
  }
}

/**
 * Why a watch stream could not be decoded.
 *
 * @example
 * ```ts
 * import { WatchDecodeError, type WatchDecodeErrorKind } from "kubeloop";
 * const kindOf = (err: unknown): WatchDecodeErrorKind | undefined =>
 *   err instanceof WatchDecodeError ? err.kind : undefined;
 * ```
 */
export type WatchDecodeErrorKind =
  | "line-too-long"
  | "truncated"
  | "invalid-json"
  | "invalid-utf8"
  | "invalid-event";

/**
 * A watch stream broke: a line over the size bound, a truncated last line, or a line that is not a watch event.
 *
 * @example
 * ```ts
 * import { WatchDecodeError, type KubeClient, ConfigMaps } from "kubeloop";
 * declare const client: KubeClient;
 * try {
 *   for await (const ev of client.watch(ConfigMaps)) console.log(ev.type);
 * } catch (err) {
 *   if (err instanceof WatchDecodeError) console.log(err.kind, "at line", err.line);
 * }
 * ```
 */
export class WatchDecodeError extends Error {
  /** Always `"WatchDecodeError"`. */
  override readonly name = "WatchDecodeError";
  /** What went wrong. */
  readonly kind: WatchDecodeErrorKind;
  /** 1-based line number in the stream. */
  readonly line: number;
  /** The message is prefixed with `watch stream line <line>:`. */
  constructor(kind: WatchDecodeErrorKind, line: number, message: string) {
    super(`watch stream line ${line}: ${message}`);
    this.kind = kind;
    this.line = line;
  }
}

/**
 * Configuration (kubeconfig, in-cluster files, ClusterConfig) is missing or malformed.
 *
 * @example
 * ```ts
 * import { ConfigError, inCluster } from "kubeloop";
 * try {
 *   await inCluster();
 * } catch (err) {
 *   if (err instanceof ConfigError) console.log("not in a pod?", err.where, err.message);
 * }
 * ```
 */
export class ConfigError extends Error {
  /** Always `"ConfigError"`. */
  override readonly name = "ConfigError";
  /** Where the problem is, e.g. `kubeconfig users[0].user` or a file path. */
  readonly where: string;
  /** The message is prefixed with `<where>:`; `options.cause` is passed to `Error`. */
  constructor(where: string, message: string, options?: { cause?: unknown }) {
    super(`${where}: ${message}`, options);
    this.where = where;
  }
}

/**
 * Is `err` a 410 (reason `Expired` or `Gone`): the resource version is too
 * old, relist. Accepts an {@link ApiError} or a watch ERROR `Status`.
 *
 * @example
 * ```ts
 * import { isGone } from "kubeloop";
 * declare const err: unknown;
 * declare function relist(): void;
 * if (isGone(err)) relist();
 * ```
 */
export function isGone(err: unknown): boolean {
  if (err instanceof ApiError)
    return err.code === 410 || err.reason === "Expired" || err.reason === "Gone";
  const s = err as Status | null;
  return (
    typeof s === "object" &&
    s !== null &&
    (s.code === 410 || s.reason === "Expired" || s.reason === "Gone")
  );
}

/**
 * Is `err` a 404 `NotFound` {@link ApiError}?
 *
 * @example
 * ```ts
 * import { isNotFound, type KubeClient, ConfigMaps } from "kubeloop";
 * declare const client: KubeClient;
 * const cm = await client.get(ConfigMaps, "settings").catch((err: unknown) => {
 *   if (isNotFound(err)) return undefined;
 *   throw err;
 * });
 * ```
 */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

/**
 * Is `err` a 409 `Conflict` (or `AlreadyExists`) {@link ApiError}?
 *
 * @example
 * ```ts
 * import { isConflict, type KubeClient, ConfigMaps } from "kubeloop";
 * declare const client: KubeClient;
 * try {
 *   await client.create(ConfigMaps, { metadata: { name: "settings" }, data: { a: "1" } });
 * } catch (err) {
 *   if (!isConflict(err)) throw err; // already exists: fine
 * }
 * ```
 */
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409;
}

/**
 * Is `err` worth retrying with backoff: network errors, timeouts, 429 and
 * 5xx (except 501). Not aborts, validation errors or other 4xx.
 *
 * @example
 * ```ts
 * import { type Backoff, isRetryable } from "kubeloop";
 * declare const err: unknown;
 * declare const backoff: Backoff;
 * declare const signal: AbortSignal;
 * if (isRetryable(err)) await backoff.wait(signal);
 * ```
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof NetworkError || err instanceof TimeoutError) return true;
  if (err instanceof WatchDecodeError) return err.kind === "truncated";
  if (err instanceof ApiError) return err.code === 429 || (err.code >= 500 && err.code !== 501);
  return false;
}

/**
 * Is `err` an abort (a `DOMException`/`Error` named `AbortError`)?
 *
 * @example
 * ```ts
 * import { isAbortError } from "kubeloop";
 * const ac = new AbortController();
 * ac.abort();
 * isAbortError(ac.signal.reason); // true
 * ```
 */
export function isAbortError(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === "AbortError";
}
