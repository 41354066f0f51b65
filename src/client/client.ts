/**
 * `KubeClient`: typed CRUD, list (one page or all) and watch over `fetch`.
 * Every object coming back from the server goes through its type's schema.
 *
 * @module
 */
import type { $ZodType } from "zod/v4/core";
import {
  BookmarkSchema,
  type KubernetesObject,
  type ListMeta,
  ListMetaSchema,
  type ObjectList,
  type PartialObjectMetadata,
  PartialObjectMetadataSchema,
  type Status,
  StatusSchema,
  type WatchEvent,
} from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";
import { validate } from "../resources/validate.ts";
import { nodeInspect } from "../runtime/inspect.ts";
import { type Runtime, WHOLE_BODY } from "../runtime/types.ts";
import { textHead } from "../util/bytes.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { parseBytesWithoutManagedFields, type StripShape } from "../util/json-strip.ts";
import { defaultLogger, type Logger } from "../util/logger.ts";
import { DEFAULT_MAX_RESPONSE_BYTES, readBodyBytes } from "./body.ts";
import { type ClusterConfig, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_USER_AGENT } from "./config.ts";
import {
  ApiError,
  apiErrorFromResponse,
  isGone,
  NetworkError,
  ResponseTooLargeError,
  safeUrl,
  TimeoutError,
  ValidationError,
  WatchDecodeError,
} from "./errors.ts";
import { continueHint } from "./list-head.ts";
import { checkPathSegment, PathSegmentError } from "./path.ts";
import { DEFAULT_RATE_LIMIT, TokenBucket } from "./rate-limit.ts";
import { DEFAULT_MAX_LINE_BYTES, decodeWatchBatches, type RawWatchEvent } from "./watch.ts";

/**
 * `Accept` header for a metadata-only object.
 *
 * @example
 * ```ts
 * import { ACCEPT_PARTIAL_OBJECT_METADATA } from "kubeloop";
 * const headers = new Headers({ Accept: ACCEPT_PARTIAL_OBJECT_METADATA });
 * ```
 */
export const ACCEPT_PARTIAL_OBJECT_METADATA =
  "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";
/**
 * `Accept` header for a metadata-only list.
 *
 * @example
 * ```ts
 * import { ACCEPT_PARTIAL_OBJECT_METADATA_LIST } from "kubeloop";
 * const headers = new Headers({ Accept: ACCEPT_PARTIAL_OBJECT_METADATA_LIST });
 * ```
 */
export const ACCEPT_PARTIAL_OBJECT_METADATA_LIST =
  "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

/**
 * Options of {@link KubeClient.get}.
 *
 * @example
 * ```ts
 * import { type GetOptions, type KubeClient, ConfigMaps } from "kubeloop";
 * declare const client: KubeClient;
 * const opts: GetOptions = { namespace: "kube-system", signal: AbortSignal.timeout(5_000) };
 * const cm = await client.get(ConfigMaps, "coredns", opts);
 * ```
 */
export interface GetOptions {
  /** Namespace of a namespaced type (default: `config.namespace`, then `default`). */
  namespace?: string | undefined;
  /** Aborts the request; the call then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Deadline of this request in ms, overriding `config.timeoutMs` (default 30 s; `0`: none). */
  timeoutMs?: number | undefined;
  /** Fetch only metadata (`PartialObjectMetadata`). */
  metadataOnly?: boolean | undefined;
}

/**
 * Options of {@link KubeClient.list} and {@link KubeClient.listAll}.
 *
 * @example
 * ```ts
 * import { type KubeClient, type ListOptions, Pods } from "kubeloop";
 * declare const client: KubeClient;
 * const opts: ListOptions = { namespace: "default", labelSelector: "app=web", limit: 100 };
 * const page = await client.list(Pods, opts);
 * ```
 */
export interface ListOptions {
  /** Namespace to list in; omit for all namespaces (namespaced types) or cluster-scoped types. */
  namespace?: string | undefined;
  /** Label selector, e.g. `app=web,tier!=db`. */
  labelSelector?: string | undefined;
  /** Field selector, e.g. `metadata.name=web`. */
  fieldSelector?: string | undefined;
  /** Page size (`listAll` defaults to 500). */
  limit?: number | undefined;
  /** Continue token of the previous page. Never sent together with `resourceVersion`. */
  continue?: string | undefined;
  /** List at this resource version (`"0"`: any cached state); ignored when `continue` is set. */
  resourceVersion?: string | undefined;
  /** How `resourceVersion` is matched; sent only together with `resourceVersion`. */
  resourceVersionMatch?: "NotOlderThan" | "Exact" | undefined;
  /** Aborts the request; the call then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Deadline of this request in ms, overriding `config.timeoutMs` (default 30 s; `0`: none). */
  timeoutMs?: number | undefined;
  /** List only metadata (`PartialObjectMetadataList`). */
  metadataOnly?: boolean | undefined;
  /** Report and skip invalid items instead of throwing {@link ValidationError}. */
  onInvalid?: ((err: ValidationError) => void) | undefined;
  /**
   * Leave out every item's `metadata.managedFields`: they are cut from the
   * response bytes before `JSON.parse`, so they cost neither parsing nor
   * memory (what an informer does by default).
   */
  dropManagedFields?: boolean | undefined;
  /**
   * Called with the page's `continue` token as soon as the head of the
   * response has arrived, before the page is parsed and validated, so that
   * the next page can be asked for while this one is processed (an informer
   * does this). A hint: the page's `metadata.continue` is what counts. Not
   * called for a last page, or when the head does not show the token.
   */
  onContinue?: ((token: string) => void) | undefined;
}

/**
 * Options of {@link KubeClient.watch}.
 *
 * @example
 * ```ts
 * import { type KubeClient, type WatchOptions, ConfigMaps } from "kubeloop";
 * declare const client: KubeClient;
 * declare const resourceVersion: string;
 * const opts: WatchOptions = { namespace: "default", resourceVersion, allowWatchBookmarks: true };
 * for await (const ev of client.watch(ConfigMaps, opts)) console.log(ev.type);
 * ```
 */
export interface WatchOptions {
  /** Namespace to watch; omit for all namespaces (namespaced types) or cluster-scoped types. */
  namespace?: string | undefined;
  /** Label selector, e.g. `app=web`. */
  labelSelector?: string | undefined;
  /** Field selector, e.g. `metadata.name=web`. */
  fieldSelector?: string | undefined;
  /** Start after this resource version (omit: the server's current state as ADDED events, then changes). */
  resourceVersion?: string | undefined;
  /** How `resourceVersion` is matched (Kubernetes uses it with `sendInitialEvents`). */
  resourceVersionMatch?: "NotOlderThan" | "Exact" | undefined;
  /** Ask the server for BOOKMARK events carrying the latest resource version. */
  allowWatchBookmarks?: boolean | undefined;
  /** Server-side watch timeout. */
  timeoutSeconds?: number | undefined;
  /** Streaming list: initial state as ADDED events, ended by a bookmark. */
  sendInitialEvents?: boolean | undefined;
  /** Stops the watch; the iteration then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Watch only metadata (`PartialObjectMetadata` objects). */
  metadataOnly?: boolean | undefined;
  /** Largest accepted line in bytes (default 16 MiB). */
  maxLineBytes?: number | undefined;
  /** Report and skip invalid objects instead of throwing {@link ValidationError}. */
  onInvalid?: ((err: ValidationError) => void) | undefined;
  /** Abort with {@link TimeoutError} if no bytes arrive for this long (default: none). */
  idleTimeoutMs?: number | undefined;
  /** Clock for the idle timeout (default: the client's clock). */
  clock?: Clock | undefined;
  /** Called once the server accepted the watch (a 2xx response), before any event: the stream is connected. */
  onOpen?: (() => void) | undefined;
  /**
   * Leave out `metadata.managedFields` of every event's object: cut from the
   * line's bytes before `JSON.parse` (what an informer does by default).
   */
  dropManagedFields?: boolean | undefined;
}

/**
 * Options of {@link KubeClient.create}, {@link KubeClient.replace} and {@link KubeClient.replaceStatus}.
 *
 * @example
 * ```ts
 * import { type KubeClient, type WriteOptions, ConfigMaps } from "kubeloop";
 * declare const client: KubeClient;
 * const opts: WriteOptions = { namespace: "default", fieldManager: "my-controller", dryRun: true };
 * await client.create(ConfigMaps, { metadata: { name: "settings" }, data: { a: "1" } }, opts);
 * ```
 */
export interface WriteOptions {
  /** Namespace of a namespaced type (default: the object's, then `config.namespace`, then `default`). */
  namespace?: string | undefined;
  /** Name of the actor making the change, recorded in `managedFields`. */
  fieldManager?: string | undefined;
  /** Validate and admit on the server without persisting (`dryRun=All`). */
  dryRun?: boolean | undefined;
  /** Aborts the request; the call then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Deadline of this request in ms, overriding `config.timeoutMs` (default 30 s; `0`: none). */
  timeoutMs?: number | undefined;
}

/**
 * Patch flavours.
 *
 * @example
 * ```ts
 * import type { PatchType } from "kubeloop";
 * const type: PatchType = "merge";
 * ```
 */
export type PatchType = "merge" | "json" | "apply" | "strategic";

/**
 * Options of {@link KubeClient.patch}.
 *
 * @example
 * ```ts
 * import { type KubeClient, type PatchOptions, Deployments } from "kubeloop";
 * declare const client: KubeClient;
 * const opts: PatchOptions = { type: "apply", fieldManager: "my-controller", force: true, namespace: "default" };
 * await client.patch(Deployments, "web", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 3 } }, opts);
 * ```
 */
export interface PatchOptions {
  /** `merge` (RFC 7386), `json` (RFC 6902), `apply` (server-side apply), `strategic`. */
  type: PatchType;
  /** Required for `apply`. */
  fieldManager?: string | undefined;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean | undefined;
  /** Namespace of a namespaced type (default: the patch's `metadata.namespace`, then `config.namespace`, then `default`). */
  namespace?: string | undefined;
  /** Patch the `status` subresource instead of the object. */
  subresource?: "status" | undefined;
  /** Validate and admit on the server without persisting (`dryRun=All`). */
  dryRun?: boolean | undefined;
  /** Aborts the request; the call then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Deadline of this request in ms, overriding `config.timeoutMs` (default 30 s; `0`: none). */
  timeoutMs?: number | undefined;
}

/**
 * Options of {@link KubeClient.delete}.
 *
 * @example
 * ```ts
 * import { type DeleteOptions, type KubeClient, Pods } from "kubeloop";
 * declare const client: KubeClient;
 * const opts: DeleteOptions = { namespace: "default", gracePeriodSeconds: 0, preconditions: { uid: "1234" } };
 * await client.delete(Pods, "web-0", opts);
 * ```
 */
export interface DeleteOptions {
  /** Namespace of a namespaced type (default: `config.namespace`, then `default`). */
  namespace?: string | undefined;
  /** How dependents are garbage-collected (server default depends on the type). */
  propagationPolicy?: "Foreground" | "Background" | "Orphan" | undefined;
  /** Delete only if the object still has this uid and/or resourceVersion (else 409). */
  preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  /** Seconds before the object is deleted (`0`: immediately; default: the server's). */
  gracePeriodSeconds?: number | undefined;
  /** Validate on the server without deleting (`dryRun=All`). */
  dryRun?: boolean | undefined;
  /** Aborts the request; the call then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Deadline of this request in ms, overriding `config.timeoutMs` (default 30 s; `0`: none). */
  timeoutMs?: number | undefined;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
  strategic: "application/strategic-merge-patch+json",
};

/**
 * Where a request goes: namespace, name and subresource are optional.
 *
 * @example
 * ```ts
 * import { type PathOptions, Pods, resourcePath } from "kubeloop";
 * const where: PathOptions = { namespace: "default", name: "web-0", subresource: "log" };
 * resourcePath(Pods, where); // "/api/v1/namespaces/default/pods/web-0/log"
 * ```
 */
export interface PathOptions {
  /** Namespace segment (only used for namespaced types). */
  namespace?: string | undefined;
  /** Object name (omit for the collection). */
  name?: string | undefined;
  /** Subresource after the name, e.g. `status` or `log`. */
  subresource?: string | undefined;
}

/**
 * The URL path of a resource type (collection, object or subresource).
 * Namespaced types without a namespace give the all-namespaces collection.
 *
 * Every segment is checked first (client-go's `IsValidPathSegmentName`): a
 * name, namespace or subresource that is `.` or `..` or contains `/` or `%`
 * throws {@link PathSegmentError}, as does an empty name, or an object of a
 * namespaced type without a namespace. So the path names exactly the object
 * asked for, or there is no path at all.
 *
 * @example
 * ```ts
 * import { resourcePath, Pods, Deployments } from "kubeloop";
 * resourcePath(Pods, { namespace: "default", name: "web" }); // "/api/v1/namespaces/default/pods/web"
 * resourcePath(Deployments, {}); // "/apis/apps/v1/deployments"
 * ```
 */
export function resourcePath(type: ResourceType<KubernetesObject>, opts: PathOptions = {}): string {
  const kind = type.kind;
  if (type.group) checkPathSegment(type.group, "resource", { required: true, kind });
  checkPathSegment(type.version, "resource", { required: true, kind });
  checkPathSegment(type.plural, "resource", { required: true, kind });
  let path = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  if (type.namespaced) {
    // "" (or no namespace) is the all-namespaces collection; an object needs one
    checkPathSegment(opts.namespace, "namespace", { required: opts.name !== undefined, kind });
    if (opts.namespace) path += `/namespaces/${encodeURIComponent(opts.namespace)}`;
  }
  path += `/${type.plural}`;
  if (opts.name !== undefined) {
    checkPathSegment(opts.name, "name", { required: true, kind });
    path += `/${encodeURIComponent(opts.name)}`;
    if (opts.subresource !== undefined) {
      checkPathSegment(opts.subresource, "subresource", { required: true, kind });
      path += `/${encodeURIComponent(opts.subresource)}`;
    }
  } else if (opts.subresource !== undefined) {
    throw new PathSegmentError("name", undefined, ["may not be empty with a subresource"], kind);
  }
  return path;
}

/**
 * The query parameters of a list request. A `continue` request carries
 * neither `resourceVersion` nor `resourceVersionMatch`.
 *
 * @example
 * ```ts
 * import { listQuery } from "kubeloop";
 * listQuery({ labelSelector: "app=web", limit: 50 }).toString(); // "labelSelector=app%3Dweb&limit=50"
 * ```
 */
export function listQuery(opts: ListOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (opts.labelSelector) q.set("labelSelector", opts.labelSelector);
  if (opts.fieldSelector) q.set("fieldSelector", opts.fieldSelector);
  if (opts.limit !== undefined && opts.limit > 0) q.set("limit", String(opts.limit));
  if (opts.continue) {
    q.set("continue", opts.continue);
  } else {
    if (opts.resourceVersion !== undefined) q.set("resourceVersion", opts.resourceVersion);
    if (opts.resourceVersionMatch && opts.resourceVersion !== undefined) {
      q.set("resourceVersionMatch", opts.resourceVersionMatch);
    }
  }
  return q;
}

/**
 * The query parameters of a watch request.
 *
 * @example
 * ```ts
 * import { watchQuery } from "kubeloop";
 * watchQuery({ resourceVersion: "42", allowWatchBookmarks: true }).toString();
 * // "watch=true&resourceVersion=42&allowWatchBookmarks=true"
 * ```
 */
export function watchQuery(opts: WatchOptions): URLSearchParams {
  const q = new URLSearchParams();
  q.set("watch", "true");
  if (opts.labelSelector) q.set("labelSelector", opts.labelSelector);
  if (opts.fieldSelector) q.set("fieldSelector", opts.fieldSelector);
  if (opts.resourceVersion !== undefined) q.set("resourceVersion", opts.resourceVersion);
  if (opts.resourceVersionMatch) q.set("resourceVersionMatch", opts.resourceVersionMatch);
  if (opts.allowWatchBookmarks) q.set("allowWatchBookmarks", "true");
  if (opts.timeoutSeconds !== undefined) q.set("timeoutSeconds", String(opts.timeoutSeconds));
  if (opts.sendInitialEvents !== undefined)
    q.set("sendInitialEvents", String(opts.sendInitialEvents));
  return q;
}

interface RequestSpec {
  method: string;
  path: string;
  query?: URLSearchParams | undefined;
  body?: unknown;
  contentType?: string | undefined;
  accept?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Deadline of this request (default: the client's). */
  timeoutMs?: number | undefined;
  /** true for watches: no request timeout, the caller owns the body. */
  stream?: boolean | undefined;
  /** Cut `metadata.managedFields` out of the response bytes of this shape before parsing. */
  strip?: StripShape | undefined;
  /** Sees the first bytes of a successful response body, before the rest is read. */
  onHead?: ((head: Uint8Array) => void) | undefined;
}

const utf8 = new TextDecoder();
const decodeUtf8 = (bytes: Uint8Array): string => utf8.decode(bytes);

let runtimeLoad: Promise<Runtime> | undefined;

/**
 * The runtime of this process (its transport: `node:http` on Node), loaded
 * once. Loading starts as soon as this module is evaluated, so that a
 * client's first request does not wait for it (on Node about 6 ms: the
 * transport module and `node:http`), as libraries that import their HTTP
 * stack up front do not wait either.
 */
function processRuntime(): Promise<Runtime> {
  const p = (runtimeLoad ??= import("../runtime/mod.ts").then((m) => m.loadRuntime()));
  p.catch(() => {
    if (runtimeLoad === p) runtimeLoad = undefined; // retried by the next request
  });
  return p;
}
processRuntime().catch(() => {});

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

function utf8Base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

type Validator<T> = {
  kind: string;
  schema: $ZodType<T>;
  apiVersion: string;
  itemKind: string;
  /** Also accepted (metadata-only requests served as full objects by servers that ignore `as=`). */
  alt?: { apiVersion: string; kind: string } | undefined;
};

/**
 * A Kubernetes API client over `fetch`, typed by {@link ResourceType}.
 *
 * Namespaces: single-object calls use `opts.namespace`, then the object's
 * `metadata.namespace` (create/replace), then `config.namespace`, then
 * `"default"`. `list` and `watch` use `opts.namespace` only: without it they
 * cover all namespaces.
 *
 * @example
 * ```ts
 * import { KubeClient, Pods, ConfigMaps } from "kubeloop";
 * declare const token: string;
 * declare const signal: AbortSignal;
 * const client = new KubeClient({ server: "https://127.0.0.1:6443", token });
 * const pods = await client.listAll(Pods, { namespace: "default" });
 * for await (const ev of client.watch(ConfigMaps, { namespace: "default", signal })) {
 *   if (ev.type === "ADDED" || ev.type === "MODIFIED" || ev.type === "DELETED") {
 *     console.log(ev.type, ev.object.metadata.name);
 *   }
 * }
 * await client.patch(ConfigMaps, "settings", { apiVersion: "v1", kind: "ConfigMap",
 *   metadata: { name: "settings" }, data: { mode: "fast" } },
 *   { type: "apply", fieldManager: "my-controller", namespace: "default" });
 * ```
 */
export class KubeClient {
  readonly #config: ClusterConfig;
  readonly #server: string;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #limiter: TokenBucket | undefined;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #secrets: string[];
  #fetch: Promise<typeof fetch> | undefined;

  /** Create a client. Throws `TypeError` if `config.server` is missing or not an http(s) URL; credentials in the URL are stripped and used as basic auth when no other auth is set. */
  constructor(config: ClusterConfig) {
    if (!config || typeof config.server !== "string" || !config.server) {
      throw new TypeError("KubeClient: config.server is required");
    }
    let url: URL;
    try {
      url = new URL(config.server);
    } catch {
      throw new TypeError(`KubeClient: config.server is not a URL: ${safeUrl(config.server)}`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new TypeError(`KubeClient: config.server must be http(s), got ${url.protocol}`);
    }
    // credentials in the URL: never send or show them; use them as basic auth if nothing else is set
    let urlUser: string | undefined;
    let urlPassword: string | undefined;
    if (url.username || url.password) {
      urlUser = safeDecode(url.username);
      urlPassword = safeDecode(url.password);
      url.username = "";
      url.password = "";
    }
    const hasAuth = Boolean(
      config.token || config.tokenProvider || config.username || config.clientCertificate,
    );
    this.#config =
      urlUser !== undefined && !hasAuth
        ? { ...config, username: urlUser, password: urlPassword ?? "" }
        : config;
    this.#server = url.toString().replace(/\/+$/, "");
    this.#logger = config.logger ?? defaultLogger;
    this.#clock = config.clock ?? realClock;
    const rateLimit = config.rateLimit ?? DEFAULT_RATE_LIMIT;
    this.#limiter = rateLimit ? new TokenBucket(rateLimit, this.#clock) : undefined;
    this.#timeoutMs = nonNegative(config.timeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, "timeoutMs");
    this.#maxResponseBytes = nonNegative(
      config.maxResponseBytes,
      DEFAULT_MAX_RESPONSE_BYTES,
      "maxResponseBytes",
    );
    this.#secrets = [config.token, config.password, config.clientKey, urlPassword].filter(
      (s): s is string => typeof s === "string" && s.length >= 4,
    );
    if (config.insecureSkipTLSVerify) {
      this.#logger.warn(
        "TLS verification is disabled (insecureSkipTLSVerify): do not use this in production",
        {
          server: safeUrl(config.server),
        },
      );
    }
  }

  /** The API server URL (without credentials). */
  get server(): string {
    return this.#server;
  }

  /** The default namespace for single-object calls. */
  get namespace(): string {
    return this.#config.namespace || "default";
  }

  /** A redacted description: never contains secrets. */
  toJSON(): Record<string, unknown> {
    const c = this.#config;
    const auth = c.tokenProvider
      ? "tokenProvider"
      : c.token
        ? "token"
        : c.clientCertificate
          ? "clientCertificate"
          : c.username
            ? "basic"
            : "none";
    return { server: this.server, namespace: this.namespace, auth };
  }

  /** A short description without secrets: `KubeClient(<server>)`. */
  toString(): string {
    return `KubeClient(${this.server})`;
  }

  /** Node's `util.inspect` shows the redacted {@link KubeClient.toString} form. */
  [nodeInspect](): string {
    return this.toString();
  }

  // ---------------------------------------------------------------- transport

  #getFetch(): Promise<typeof fetch> {
    this.#fetch ??= (async (): Promise<typeof fetch> => {
      const c = this.#config;
      if (c.fetch) return c.fetch;
      const tls = {
        ca: c.caCertificate,
        cert: c.clientCertificate,
        key: c.clientKey,
        insecureSkipTLSVerify: c.insecureSkipTLSVerify,
      };
      // the runtime's transport even without custom TLS: on Node it is `node:http`, which costs less
      // CPU per byte than the global fetch (see src/runtime/node.ts); elsewhere it is the global fetch
      const runtime = c.runtime ?? (await processRuntime());
      return runtime.createFetch(tls);
    })();
    // a failed transport creation is retried on the next request
    this.#fetch.catch(() => {
      this.#fetch = undefined;
    });
    return this.#fetch;
  }

  async #headers(spec: RequestSpec): Promise<Headers> {
    const h = new Headers();
    for (const [k, v] of Object.entries(this.#config.headers ?? {})) h.set(k, v);
    if (!h.has("User-Agent")) h.set("User-Agent", this.#config.userAgent ?? DEFAULT_USER_AGENT);
    h.set("Accept", spec.accept ?? "application/json");
    if (spec.body !== undefined) h.set("Content-Type", spec.contentType ?? "application/json");
    const c = this.#config;
    if (c.tokenProvider) {
      const token = await c.tokenProvider();
      if (token) {
        if (token.length >= 4 && !this.#secrets.includes(token)) {
          this.#secrets.push(token);
          if (this.#secrets.length > 8) this.#secrets.splice(3, 1);
        }
        h.set("Authorization", `Bearer ${token}`);
      }
    } else if (c.token) {
      h.set("Authorization", `Bearer ${c.token}`);
    } else if (c.username !== undefined && c.password !== undefined) {
      h.set("Authorization", `Basic ${utf8Base64(`${c.username}:${c.password}`)}`);
    }
    return h;
  }

  #scrub(text: string): string {
    for (const s of this.#secrets) if (text.includes(s)) text = text.split(s).join("<redacted>");
    return text;
  }

  #scrubError(err: unknown): unknown {
    if (err instanceof ApiError && err.status) {
      const statusText = JSON.stringify(err.status);
      if (this.#secrets.some((s) => statusText.includes(s) || err.message.includes(s))) {
        return new ApiError({
          code: err.code,
          reason: this.#scrub(err.reason),
          message: this.#scrub(err.status.message ?? ""),
          method: err.method,
          url: err.url,
          status: JSON.parse(this.#scrub(statusText)) as Status,
          retryAfter: err.retryAfter,
        });
      }
    }
    if (err instanceof Error && this.#secrets.some((s) => err.message.includes(s))) {
      try {
        err.message = this.#scrub(err.message);
      } catch {
        // read-only message
      }
    }
    return err;
  }

  /**
   * Send a request. Returns the response (ok) and a `done` to call once the
   * body is consumed (clears the request timeout).
   */
  async #send(
    spec: RequestSpec,
  ): Promise<{ res: Response; url: string; done: () => void; timedOut: () => boolean }> {
    const url = `${this.#server}${spec.path}${spec.query && [...spec.query.keys()].length ? `?${spec.query}` : ""}`;
    const userSignal = spec.signal;
    if (userSignal?.aborted) throw abortReason(userSignal);
    if (this.#limiter) await this.#limiter.take(userSignal);
    const controller = new AbortController();
    let timedOut = false;
    const timeoutMs = spec.stream ? 0 : this.#timeoutFor(spec);
    const timer =
      timeoutMs > 0
        ? this.#clock.setTimer(() => {
            timedOut = true;
            controller.abort(new TimeoutError(spec.method, url, timeoutMs));
          }, timeoutMs)
        : undefined;
    const onAbort = (): void => controller.abort(abortReason(userSignal!));
    userSignal?.addEventListener("abort", onAbort, { once: true });
    const done = (): void => {
      timer?.cancel();
      userSignal?.removeEventListener("abort", onAbort);
    };
    let headers: Headers;
    try {
      headers = await this.#headers(spec);
    } catch (err) {
      done();
      throw this.#scrubError(err);
    }
    // never follow redirects: fetch would resend the request (and, depending on the
    // runtime, the Authorization header) to whatever host the Location names
    const init: RequestInit & { [WHOLE_BODY]?: boolean } = {
      method: spec.method,
      headers,
      signal: controller.signal,
      redirect: "manual",
    };
    // a body read whole may come without a web stream (the Node transport's, see WHOLE_BODY)
    if (!spec.stream) init[WHOLE_BODY] = true;
    if (spec.body !== undefined)
      init.body = typeof spec.body === "string" ? spec.body : JSON.stringify(spec.body);
    this.#logger.debug("request", { method: spec.method, url: safeUrl(url) });
    let res: Response;
    try {
      const f = await this.#getFetch();
      if (controller.signal.aborted) throw controller.signal.reason;
      res = await f(url, init);
    } catch (err) {
      done();
      if (userSignal?.aborted) throw abortReason(userSignal);
      if (timedOut) throw new TimeoutError(spec.method, url, timeoutMs);
      if (err instanceof Error && err.name === "TransportUnsupportedError") throw err;
      throw this.#scrubError(new NetworkError(spec.method, url, err));
    }
    if (res.type === "opaqueredirect" || (res.status >= 300 && res.status < 400)) {
      done();
      res.body?.cancel().catch(() => {});
      let target = "";
      try {
        const location = res.headers.get("location");
        if (location) target = ` to ${safeUrl(new URL(location, url))}`;
      } catch {
        target = " to an invalid location";
      }
      throw this.#scrubError(
        new ApiError({
          code: res.status,
          reason: "Redirect",
          message: `the server redirected${target}; kubeloop does not follow redirects (credentials must not go to another host)`,
          method: spec.method,
          url: safeUrl(url),
        }),
      );
    }
    if (!res.ok) {
      let apiErr: ApiError;
      try {
        apiErr = await apiErrorFromResponse(res, spec.method, url);
      } finally {
        done();
      }
      this.#logger.debug("request failed", {
        method: spec.method,
        url: safeUrl(url),
        code: apiErr.code,
      });
      throw this.#scrubError(apiErr);
    }
    return { res, url, done, timedOut: () => timedOut };
  }

  #timeoutFor(spec: RequestSpec): number {
    const ms = spec.timeoutMs ?? this.#timeoutMs;
    return Number.isFinite(ms) && ms > 0 ? ms : 0;
  }

  async #json(spec: RequestSpec): Promise<{ body: unknown; url: string }> {
    const { res, url, done, timedOut } = await this.#send(spec);
    try {
      const read = await readBodyBytes(res, this.#maxResponseBytes, spec.onHead);
      if (read.truncated) {
        throw new ResponseTooLargeError(spec.method, url, this.#maxResponseBytes);
      }
      const bytes = read.bytes;
      try {
        if (spec.strip !== undefined && bytes.byteLength > 0) {
          // managedFields are cut from the bytes: what is left is decoded and parsed
          return { body: parseBytesWithoutManagedFields(bytes, spec.strip, decodeUtf8), url };
        }
        const text = utf8.decode(bytes);
        return { body: text ? JSON.parse(text) : undefined, url };
      } catch {
        throw new ApiError({
          code: res.status,
          reason: "InvalidResponse",
          message: `response is not JSON: ${this.#scrub(textHead(bytes, 120))}`,
          method: spec.method,
          url: safeUrl(url),
        });
      }
    } catch (err) {
      if (spec.signal?.aborted) throw abortReason(spec.signal);
      if (err instanceof ApiError || err instanceof ResponseTooLargeError) throw err;
      if (err instanceof TimeoutError) throw err;
      if (timedOut() || (err as { name?: string })?.name === "TimeoutError") {
        throw new TimeoutError(spec.method, url, this.#timeoutFor(spec));
      }
      throw this.#scrubError(new NetworkError(spec.method, url, err));
    } finally {
      done();
    }
  }

  // ---------------------------------------------------------------- validation

  #validator<T extends KubernetesObject>(
    type: ResourceType<T>,
    metadataOnly: boolean | undefined,
  ): Validator<T> {
    if (metadataOnly) {
      return {
        kind: type.kind,
        schema: PartialObjectMetadataSchema as unknown as $ZodType<T>,
        apiVersion: "meta.k8s.io/v1",
        itemKind: "PartialObjectMetadata",
        alt: { apiVersion: type.apiVersion, kind: type.kind },
      };
    }
    return {
      kind: type.kind,
      schema: type.schema,
      apiVersion: type.apiVersion,
      itemKind: type.kind,
    };
  }

  /** Validate one object; fills missing `kind`/`apiVersion` from the type. */
  #check<T>(v: Validator<T>, obj: unknown, where: string): T {
    if (typeof obj === "object" && obj !== null) {
      const o = obj as { kind?: unknown; apiVersion?: unknown };
      if (o.kind === undefined) o.kind = v.itemKind;
      else if (o.kind !== v.itemKind && o.kind !== v.alt?.kind) {
        throw wrongType(v, obj, "kind", v.itemKind, o.kind, where);
      }
      if (o.apiVersion === undefined) o.apiVersion = v.apiVersion;
      else if (o.apiVersion !== v.apiVersion && o.apiVersion !== v.alt?.apiVersion) {
        throw wrongType(v, obj, "apiVersion", v.apiVersion, o.apiVersion, where);
      }
    }
    const r = validate(v.schema, obj);
    if (r.success) return r.data;
    throw new ValidationError(v.kind, obj, r.error.issues, where);
  }

  #ns<T extends KubernetesObject>(
    type: ResourceType<T>,
    explicit?: string,
    obj?: KubernetesObject,
  ): string | undefined {
    if (!type.namespaced) return undefined;
    // an explicit namespace is used as given (an empty one is refused by resourcePath);
    // an object's or the config's empty namespace means "not set"
    return explicit ?? (obj?.metadata?.namespace || undefined) ?? this.namespace;
  }

  // ---------------------------------------------------------------- verbs

  /**
   * Get one object by name.
   *
   * @example
   * ```ts
   * import { type KubeClient, ConfigMaps } from "kubeloop";
   * declare const client: KubeClient;
   * const cm = await client.get(ConfigMaps, "settings", { namespace: "default" });
   * ```
   */
  get<T extends KubernetesObject>(
    type: ResourceType<T>,
    name: string,
    opts: GetOptions & { metadataOnly: true },
  ): Promise<PartialObjectMetadata>;
  /** Get one object by name, validated against the type's schema. */
  get<T extends KubernetesObject>(
    type: ResourceType<T>,
    name: string,
    opts?: GetOptions,
  ): Promise<T>;
  async get<T extends KubernetesObject>(
    type: ResourceType<T>,
    name: string,
    opts: GetOptions = {},
  ): Promise<T | PartialObjectMetadata> {
    const path = resourcePath(type, { namespace: this.#ns(type, opts.namespace), name });
    const { body, url } = await this.#json({
      method: "GET",
      path,
      accept: opts.metadataOnly ? ACCEPT_PARTIAL_OBJECT_METADATA : undefined,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
    return this.#check(this.#validator(type, opts.metadataOnly), body, `GET ${safeUrl(url)}`);
  }

  /**
   * List one page. Follow `metadata.continue` yourself, or use {@link KubeClient.listAll}.
   *
   * @example
   * ```ts
   * import { type KubeClient, Pods } from "kubeloop";
   * declare const client: KubeClient;
   * const page = await client.list(Pods, { namespace: "default", limit: 100 });
   * ```
   */
  list<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: ListOptions & { metadataOnly: true },
  ): Promise<ObjectList<PartialObjectMetadata>>;
  /** List one page, items validated against the type's schema. */
  list<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts?: ListOptions,
  ): Promise<ObjectList<T>>;
  async list<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: ListOptions = {},
  ): Promise<ObjectList<T | PartialObjectMetadata>> {
    const path = resourcePath(type, { namespace: type.namespaced ? opts.namespace : undefined });
    const { body, url } = await this.#json({
      method: "GET",
      path,
      query: listQuery(opts),
      accept: opts.metadataOnly ? ACCEPT_PARTIAL_OBJECT_METADATA_LIST : undefined,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      strip: opts.dropManagedFields ? "list" : undefined,
      onHead: opts.onContinue && continueHint(opts.onContinue),
    });
    const where = `LIST ${safeUrl(url)}`;
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new ApiError({
        code: 200,
        reason: "InvalidResponse",
        message: "list response is not an object",
        method: "GET",
        url: safeUrl(url),
      });
    }
    const raw = body as {
      apiVersion?: unknown;
      kind?: unknown;
      metadata?: unknown;
      items?: unknown;
    };
    const itemsRaw = raw.items ?? [];
    if (!Array.isArray(itemsRaw)) {
      throw new ApiError({
        code: 200,
        reason: "InvalidResponse",
        message: "list response has no items array",
        method: "GET",
        url: safeUrl(url),
      });
    }
    const expectedListKind = opts.metadataOnly ? "PartialObjectMetadataList" : `${type.kind}List`;
    if (
      raw.kind !== undefined &&
      raw.kind !== expectedListKind &&
      raw.kind !== `${type.kind}List` &&
      raw.kind !== "List"
    ) {
      throw new ApiError({
        code: 200,
        reason: "InvalidResponse",
        message: `expected a ${expectedListKind}, got kind ${JSON.stringify(raw.kind)}`,
        method: "GET",
        url: safeUrl(url),
      });
    }
    const meta = ListMetaSchema.safeParse(raw.metadata ?? {});
    if (!meta.success) {
      throw new ValidationError(`${type.kind}List`, raw, meta.error.issues, where);
    }
    const v = this.#validator(type, opts.metadataOnly);
    const items: (T | PartialObjectMetadata)[] = [];
    for (const item of itemsRaw) {
      try {
        items.push(this.#check(v, item, where));
      } catch (err) {
        if (err instanceof ValidationError && opts.onInvalid) opts.onInvalid(err);
        else throw err;
      }
    }
    const out: ObjectList<T | PartialObjectMetadata> = { metadata: meta.data as ListMeta, items };
    if (typeof raw.apiVersion === "string") out.apiVersion = raw.apiVersion;
    if (typeof raw.kind === "string") out.kind = raw.kind;
    return out;
  }

  /**
   * List every page (following `continue`, 500 items a page unless `limit`
   * is set). The result's `resourceVersion` is the last page's. If a continue
   * token expires (410) the list restarts once as a single full list.
   *
   * @example
   * ```ts
   * import { type KubeClient, Pods } from "kubeloop";
   * declare const client: KubeClient;
   * const all = await client.listAll(Pods, { labelSelector: "app=web" });
   * ```
   */
  listAll<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: ListOptions & { metadataOnly: true },
  ): Promise<ObjectList<PartialObjectMetadata>>;
  /** List every page, items validated against the type's schema. */
  listAll<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts?: ListOptions,
  ): Promise<ObjectList<T>>;
  async listAll<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: ListOptions = {},
  ): Promise<ObjectList<T | PartialObjectMetadata>> {
    const base: ListOptions = { ...opts, limit: opts.limit ?? 500 };
    let page = await this.list(type, base);
    const items = [...page.items];
    while (page.metadata.continue) {
      try {
        page = await this.list(type, { ...base, continue: page.metadata.continue });
      } catch (err) {
        if (!isGone(err)) throw err;
        this.#logger.info("continue token expired; relisting without paging", { kind: type.kind });
        const full = await this.list(type, { ...opts, limit: undefined, continue: undefined });
        return full;
      }
      for (const item of page.items) items.push(item);
    }
    const out: ObjectList<T | PartialObjectMetadata> = {
      metadata: { ...page.metadata, continue: undefined },
      items,
    };
    delete out.metadata.continue;
    if (page.apiVersion !== undefined) out.apiVersion = page.apiVersion;
    if (page.kind !== undefined) out.kind = page.kind;
    return out;
  }

  /**
   * Create an object. The namespace comes from `opts`, the object, the config or `default`.
   *
   * @example
   * ```ts
   * import { type KubeClient, ConfigMaps } from "kubeloop";
   * declare const client: KubeClient;
   * await client.create(ConfigMaps, { metadata: { name: "settings" }, data: { a: "1" } });
   * ```
   */
  async create<T extends KubernetesObject>(
    type: ResourceType<T>,
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    const path = resourcePath(type, { namespace: this.#ns(type, opts.namespace, obj) });
    const { body, url } = await this.#json({
      method: "POST",
      path,
      query: writeQuery(opts),
      body: withTypeMeta(type, obj),
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
    return this.#check(this.#validator(type, false), body, `POST ${safeUrl(url)}`);
  }

  /**
   * Replace an object (PUT). Set `metadata.resourceVersion` for optimistic concurrency.
   *
   * @example
   * ```ts
   * import { type KubeClient, ConfigMaps } from "kubeloop";
   * declare const client: KubeClient;
   * const cm = await client.get(ConfigMaps, "settings");
   * cm.data = { a: "2" };
   * await client.replace(ConfigMaps, cm);
   * ```
   */
  async replace<T extends KubernetesObject>(
    type: ResourceType<T>,
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.#put(type, obj, opts, undefined);
  }

  /**
   * Replace the status subresource of an object (PUT `.../status`).
   *
   * @example
   * ```ts
   * import { type KubeClient, Deployments } from "kubeloop";
   * declare const client: KubeClient;
   * const dep = await client.get(Deployments, "web");
   * await client.replaceStatus(Deployments, { ...dep, status: { replicas: 1 } });
   * ```
   */
  async replaceStatus<T extends KubernetesObject>(
    type: ResourceType<T>,
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.#put(type, obj, opts, "status");
  }

  async #put<T extends KubernetesObject>(
    type: ResourceType<T>,
    obj: T,
    opts: WriteOptions,
    subresource: string | undefined,
  ): Promise<T> {
    const name = obj?.metadata?.name;
    checkPathSegment(name, "name", { required: true, kind: type.kind });
    const path = resourcePath(type, {
      namespace: this.#ns(type, opts.namespace, obj),
      name: name as string,
      subresource,
    });
    const { body, url } = await this.#json({
      method: "PUT",
      path,
      query: writeQuery(opts),
      body: withTypeMeta(type, obj),
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
    return this.#check(this.#validator(type, false), body, `PUT ${safeUrl(url)}`);
  }

  /**
   * Patch an object: `merge`, `json` (an array of operations), `strategic`,
   * or `apply` (server-side apply; needs `fieldManager`, `force` optional).
   * An `apply` body may leave out what the call already says: the client
   * fills in `apiVersion` and `kind` from the type, `metadata.name` from
   * `name` and `metadata.namespace` from the request's namespace (fields the
   * body sets are kept).
   *
   * @example
   * ```ts
   * import { type KubeClient, ConfigMaps, Deployments } from "kubeloop";
   * declare const client: KubeClient;
   * await client.patch(ConfigMaps, "settings", { data: { a: "3" } }, { type: "merge" });
   * await client.patch(Deployments, "web", [{ op: "replace", path: "/spec/replicas", value: 3 }], { type: "json" });
   * ```
   */
  async patch<T extends KubernetesObject>(
    type: ResourceType<T>,
    name: string,
    patch: unknown,
    opts: PatchOptions,
  ): Promise<T> {
    const contentType = PATCH_CONTENT_TYPES[opts?.type];
    if (!contentType) throw new TypeError(`patch: unknown patch type ${String(opts?.type)}`);
    if (opts.type === "apply" && !opts.fieldManager) {
      throw new TypeError("patch: server-side apply needs a fieldManager");
    }
    if (opts.type === "json" && !Array.isArray(patch)) {
      throw new TypeError("patch: a JSON patch must be an array of operations");
    }
    const q = writeQuery(opts);
    if (opts.force !== undefined && opts.type === "apply") q.set("force", String(opts.force));
    const namespace = this.#ns(type, opts.namespace, patch as KubernetesObject);
    const body = opts.type === "apply" ? completeApplyBody(type, name, namespace, patch) : patch;
    const path = resourcePath(type, { namespace, name, subresource: opts.subresource });
    const { body: res, url } = await this.#json({
      method: "PATCH",
      path,
      query: q,
      body,
      contentType,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
    return this.#check(this.#validator(type, false), res, `PATCH ${safeUrl(url)}`);
  }

  /**
   * Delete an object. Resolves to the object (still present with a
   * `deletionTimestamp` while finalizers run) or the server's `Status`.
   *
   * @example
   * ```ts
   * import { type KubeClient, Deployments } from "kubeloop";
   * declare const client: KubeClient;
   * await client.delete(Deployments, "web", { propagationPolicy: "Foreground" });
   * ```
   */
  async delete<T extends KubernetesObject>(
    type: ResourceType<T>,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<T | Status> {
    const path = resourcePath(type, { namespace: this.#ns(type, opts.namespace), name });
    const deleteOptions: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
    if (opts.propagationPolicy) deleteOptions.propagationPolicy = opts.propagationPolicy;
    if (opts.preconditions) deleteOptions.preconditions = opts.preconditions;
    if (opts.gracePeriodSeconds !== undefined)
      deleteOptions.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.dryRun) deleteOptions.dryRun = ["All"];
    const { body, url } = await this.#json({
      method: "DELETE",
      path,
      body: deleteOptions,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    });
    const where = `DELETE ${safeUrl(url)}`;
    if ((body as { kind?: unknown } | undefined)?.kind === "Status") {
      const s = StatusSchema.safeParse(body);
      if (!s.success) throw new ValidationError("Status", body, s.error.issues, where);
      return s.data;
    }
    if (body === undefined) return { kind: "Status", status: "Success" };
    return this.#check(this.#validator(type, false), body, where);
  }

  /**
   * Watch a resource type: an async iterable of validated events. ERROR
   * events are yielded as `Status` (a 410 means: relist). The iteration ends
   * when the server closes the stream cleanly; it rejects with
   * `signal.reason` when `opts.signal` aborts, with {@link WatchDecodeError}
   * for a truncated or oversized line, with {@link NetworkError} when the
   * connection drops, with {@link TimeoutError} after `idleTimeoutMs` of silence.
   * Leaving the loop early (`break`) aborts the request.
   *
   * @example
   * ```ts
   * import { type KubeClient, ConfigMaps } from "kubeloop";
   * declare const client: KubeClient;
   * const ac = new AbortController();
   * for await (const ev of client.watch(ConfigMaps, { namespace: "default", allowWatchBookmarks: true, signal: ac.signal })) {
   *   if (ev.type === "BOOKMARK") continue;
   *   if (ev.type === "ERROR") break;
   *   console.log(ev.type, ev.object.metadata.name);
   * }
   * ```
   */
  watch<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: WatchOptions & { metadataOnly: true },
  ): AsyncIterable<WatchEvent<PartialObjectMetadata>>;
  /** Watch a resource type; events validated against the type's schema. */
  watch<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts?: WatchOptions,
  ): AsyncIterable<WatchEvent<T>>;
  watch<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: WatchOptions = {},
  ): AsyncIterable<WatchEvent<T | PartialObjectMetadata>> {
    return flatten(this.#watch(type, opts));
  }

  /**
   * {@link KubeClient.watch}, delivered in batches: each array holds the
   * events decoded from one chunk of the stream, in order (never empty).
   * The same events, errors and end as `watch`, with one `await` per chunk
   * instead of one per event; the next chunk is read only when the next
   * batch is asked for.
   *
   * @example
   * ```ts
   * import { type KubeClient, ConfigMaps } from "kubeloop";
   * declare const client: KubeClient;
   * for await (const batch of client.watchBatches(ConfigMaps, { resourceVersion: "0" })) {
   *   for (const ev of batch) console.log(ev.type, ev.object.metadata?.resourceVersion);
   * }
   * ```
   */
  watchBatches<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: WatchOptions & { metadataOnly: true },
  ): AsyncIterable<WatchEvent<PartialObjectMetadata>[]>;
  /** Watch a resource type in batches; events validated against the type's schema. */
  watchBatches<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts?: WatchOptions,
  ): AsyncIterable<WatchEvent<T>[]>;
  watchBatches<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: WatchOptions = {},
  ): AsyncIterable<WatchEvent<T | PartialObjectMetadata>[]> {
    return this.#watch(type, opts);
  }

  /** One decoded watch event, validated; `undefined` when reported to `onInvalid` and skipped. */
  #watchEvent<T>(
    v: Validator<T>,
    raw: RawWatchEvent,
    where: string,
    onInvalid: ((err: ValidationError) => void) | undefined,
  ): WatchEvent<T | PartialObjectMetadata> | undefined {
    switch (raw.type) {
      case "ADDED":
      case "MODIFIED":
      case "DELETED": {
        let obj: T;
        try {
          obj = this.#check(v, raw.object, where);
        } catch (err) {
          if (err instanceof ValidationError && onInvalid) {
            onInvalid(err);
            return undefined;
          }
          throw err;
        }
        return { type: raw.type, object: obj } as WatchEvent<T>;
      }
      case "BOOKMARK": {
        const r = validate(BookmarkSchema, raw.object);
        if (!r.success) {
          const err = new ValidationError("Bookmark", raw.object, r.error.issues, where);
          if (onInvalid) {
            onInvalid(err);
            return undefined;
          }
          throw err;
        }
        return { type: "BOOKMARK", object: r.data };
      }
      case "ERROR": {
        const r = validate(StatusSchema, raw.object);
        if (!r.success) {
          const err = new ValidationError("Status", raw.object, r.error.issues, where);
          if (onInvalid) {
            onInvalid(err);
            return undefined;
          }
          throw err;
        }
        return { type: "ERROR", object: r.data };
      }
      default:
        throw new WatchDecodeError(
          "invalid-event",
          0,
          `${where}: unknown watch event type "${raw.type}"`,
        );
    }
  }

  async *#watch<T extends KubernetesObject>(
    type: ResourceType<T>,
    opts: WatchOptions,
  ): AsyncGenerator<WatchEvent<T | PartialObjectMetadata>[], void, undefined> {
    const local = new AbortController();
    const userSignal = opts.signal;
    const onAbort = (): void => local.abort(abortReason(userSignal!));
    if (userSignal?.aborted) throw abortReason(userSignal);
    userSignal?.addEventListener("abort", onAbort, { once: true });
    const path = resourcePath(type, { namespace: type.namespaced ? opts.namespace : undefined });
    const clock = opts.clock ?? this.#clock;
    let url = "";
    let idleTimer: { cancel(): void } | undefined;
    let idleFired = false;
    let sentDone: (() => void) | undefined;
    try {
      const sent = await this.#send({
        method: "GET",
        path,
        query: watchQuery(opts),
        accept: opts.metadataOnly ? ACCEPT_PARTIAL_OBJECT_METADATA : undefined,
        signal: local.signal,
        stream: true,
      });
      url = sent.url;
      sentDone = sent.done;
      opts.onOpen?.();
      const where = `WATCH ${safeUrl(url)}`;
      const body = sent.res.body;
      if (!body) return;
      const v = this.#validator(type, opts.metadataOnly);
      const idleMs = opts.idleTimeoutMs;
      const wrapRead =
        idleMs !== undefined && idleMs > 0
          ? (
              read: Promise<ReadableStreamReadResult<Uint8Array>>,
            ): Promise<ReadableStreamReadResult<Uint8Array>> => {
              idleTimer?.cancel();
              idleTimer = clock.setTimer(() => {
                idleFired = true;
                local.abort(new TimeoutError("WATCH", url, idleMs, "watch idle"));
              }, idleMs);
              return read.finally(() => idleTimer?.cancel());
            }
          : undefined;
      const stream = decodeWatchBatches(body, {
        maxLineBytes: opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
        wrapRead,
        signal: local.signal,
        dropManagedFields: opts.dropManagedFields,
      });
      for await (const raws of stream) {
        const batch: WatchEvent<T | PartialObjectMetadata>[] = [];
        try {
          for (const raw of raws) {
            const ev = this.#watchEvent(v, raw, where, opts.onInvalid);
            if (ev !== undefined) batch.push(ev);
          }
        } catch (err) {
          // the events before the failing one are delivered first
          if (batch.length > 0) yield batch;
          throw err;
        }
        if (batch.length > 0) yield batch;
      }
    } catch (err) {
      if (userSignal?.aborted) throw abortReason(userSignal);
      if (idleFired) throw new TimeoutError("WATCH", url, opts.idleTimeoutMs ?? 0, "watch idle");
      if (
        err instanceof ApiError ||
        err instanceof ValidationError ||
        err instanceof WatchDecodeError ||
        err instanceof NetworkError ||
        err instanceof TimeoutError
      ) {
        throw err;
      }
      if (err instanceof Error && err.name === "TransportUnsupportedError") throw err;
      throw this.#scrubError(new NetworkError("WATCH", url || this.#server + path, err));
    } finally {
      idleTimer?.cancel();
      userSignal?.removeEventListener("abort", onAbort);
      local.abort(new DOMException("watch closed", "AbortError"));
      sentDone?.();
    }
  }
}

function wrongType<T>(
  v: Validator<T>,
  obj: unknown,
  field: "kind" | "apiVersion",
  expected: string,
  got: unknown,
  where: string,
): ValidationError {
  const issue = {
    code: "invalid_value",
    values: [expected],
    path: [field],
    message: `expected ${field} ${expected}, got ${JSON.stringify(got)}`,
    input: got,
  } as unknown as ValidationError["issues"][number];
  return new ValidationError(v.kind, obj, [issue], where);
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new TypeError(`KubeClient: config.${name} must be a number >= 0, got ${String(value)}`);
  }
  return value;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function writeQuery(opts: {
  fieldManager?: string | undefined;
  dryRun?: boolean | undefined;
}): URLSearchParams {
  const q = new URLSearchParams();
  if (opts.fieldManager) q.set("fieldManager", opts.fieldManager);
  if (opts.dryRun) q.set("dryRun", "All");
  return q;
}

/**
 * A server-side apply body is a complete object: a real API server answers
 * 400 ("name must be provided") when `metadata.name` is missing. Fill what the
 * call already says and the body left out (`apiVersion` and `kind` from the
 * type, `metadata.name` from the name argument, `metadata.namespace` from the
 * namespace the request goes to), as kubernetes-fluent-client does. Fields the
 * body sets are kept (a mismatch is the server's to reject); the caller's
 * object is not modified.
 */
function completeApplyBody(
  type: ResourceType<KubernetesObject>,
  name: string,
  namespace: string | undefined,
  patch: unknown,
): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const p = patch as { apiVersion?: unknown; kind?: unknown; metadata?: unknown };
  const meta =
    typeof p.metadata === "object" && p.metadata !== null && !Array.isArray(p.metadata)
      ? (p.metadata as Record<string, unknown>)
      : {};
  return {
    ...patch,
    apiVersion: p.apiVersion ?? type.apiVersion,
    kind: p.kind ?? type.kind,
    metadata: {
      ...meta,
      name: meta.name ?? name,
      ...(namespace !== undefined ? { namespace: meta.namespace ?? namespace } : {}),
    },
  };
}

function withTypeMeta<T extends KubernetesObject>(type: ResourceType<T>, obj: T): T {
  if (obj.apiVersion && obj.kind) return obj;
  return { ...obj, apiVersion: obj.apiVersion ?? type.apiVersion, kind: obj.kind ?? type.kind };
}

/** One event at a time from batches (what {@link KubeClient.watch} iterates). */
async function* flatten<E>(batches: AsyncIterable<E[]>): AsyncGenerator<E, void, undefined> {
  for await (const batch of batches) yield* batch;
}
