/**
 * The HTTP face of the fake API server: routing, authorization, query
 * parameters, request bodies, content negotiation, `Status` errors, lists,
 * watches, subresources, discovery and fault injection, as a web
 * `(Request) => Promise<Response>` handler.
 *
 * @module
 */
import { pathSegmentProblems } from "../../client/path.ts";
import type { KubernetesObject, ObjectList, Status } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import { validate } from "../../resources/validate.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import type { ParsedFieldSelector, ParsedLabelSelector } from "../../util/selector.ts";
import { parseFieldSelector } from "../../util/selector.ts";
import { isCustomResource } from "./crd.ts";
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiV3GroupVersion,
  openApiV3Root,
  versionInfo,
} from "./discovery.ts";
import type { FailRule, FaultInjector, RequestInfo, Verb } from "./faults.ts";
import { hasBuiltinStrategy, isKubernetesGroup, strategyFor } from "./kinds.ts";
import { mergeInfoFor } from "./merge-tables.ts";
import { negotiate, type Representation, readBody, type YamlCodec } from "./negotiation.ts";
import { openApiV2Document } from "./openapi.ts";
import { applyPatch, PatchError, type PatchType, patchTypeOf } from "./patch.ts";
import {
  boolParam,
  deleteParams,
  invalidOptions,
  listParams,
  parseResourceVersion,
  type WriteParams,
  writeParams,
} from "./query.ts";
import { forbiddenMessage, type RequestAttributes, requestAttributes } from "./request-info.ts";
import { fieldSelectorParam, labelSelectorParam } from "./selectors.ts";
import { applyStrategicMergePatchWith } from "./smp.ts";
import { serverSideApply } from "./ssa.ts";
import { badRequest, invalid, notFound, StatusError, statusObject } from "./status.ts";
import { type ObjectStore, timestamp, typeKeyOf, type Writer } from "./store.ts";
import { type IncludeObject, toTable } from "./table.ts";
import { toPartialMetadata, Watcher, type WatchHub } from "./watch.ts";

/**
 * How the server treats `sendInitialEvents=true` (streaming lists).
 *
 * @example
 * ```ts
 * import { FakeApiServer, type StreamingListMode } from "kubeloop/testing";
 * const mode: StreamingListMode = "rejected"; // as a server without the WatchList feature
 * const server = new FakeApiServer({ streamingLists: mode });
 * ```
 */
export type StreamingListMode = "supported" | "rejected" | "ignored";

/** What the handler needs from the server. */
export interface HandlerContext {
  store: ObjectStore;
  hub: WatchHub;
  faults: FaultInjector;
  clock: Clock;
  logger: Logger;
  token: string | undefined;
  unprivilegedToken: string | undefined;
  bookmarkIntervalMs: number;
  watchBufferLimit: number;
  streamingLists: StreamingListMode;
  random: () => number;
  /** YAML codec for YAML bodies and responses (none: JSON only). */
  yaml: YamlCodec | undefined;
  onRequest: (entry: RequestLogEntry) => void;
  onWatcherEnd: (w: Watcher) => void;
  /** Custom resource definitions written through the API. */
  onCrd?:
    | ((crd: KubernetesObject | undefined, previous: KubernetesObject | undefined) => void)
    | undefined;
}

/**
 * One logged request.
 *
 * @example
 * ```ts
 * import { FakeApiServer, type RequestLogEntry } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * await server.fetch("http://fake/api/v1/namespaces/default/configmaps");
 * const lists: RequestLogEntry[] = server.requests.filter((r) => r.verb === "list");
 * console.log(lists.map((r) => `${r.method} ${r.url} -> ${r.status}`));
 * ```
 */
export interface RequestLogEntry {
  /** HTTP method, upper-case. */
  method: string;
  /** Path and query, e.g. `/api/v1/namespaces/default/configmaps?limit=500`. */
  url: string;
  /** API verb, or `undefined` for non-resource paths. */
  verb: Verb | undefined;
  /** Resource plural, or `undefined` for non-resource paths. */
  resource: string | undefined;
  /** Response status code (200 for watches, whatever comes later). */
  status: number;
}

interface Route {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

/** The user name of the unprivileged token, as error messages show it. */
const UNPRIVILEGED_USER = "unprivileged";
/** Requests without credentials, as the API server names them. */
const ANONYMOUS_USER = "system:anonymous";

const JSON_HEADERS = { "Content-Type": "application/json" };

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

function statusResponse(status: Status, headers: Record<string, string> = {}): Response {
  return json(status, status.code ?? 500, headers);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function encodeContinue(t: ContinueToken): string {
  return base64url(JSON.stringify({ v: "meta.k8s.io/v1", rv: t.rv, start: t.start }));
}

function decodeContinue(s: string): ContinueToken {
  let v: Record<string, unknown>;
  try {
    const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (e) {
    throw badRequest(
      `invalid continue token: continue key is not valid: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (v.v !== "meta.k8s.io/v1") {
    throw badRequest(
      "invalid continue token: continue key is not valid: server does not recognize this encoded version",
    );
  }
  if (typeof v.rv !== "number" || v.rv === 0) {
    throw badRequest(
      "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    );
  }
  if (typeof v.start !== "string" || v.start === "") {
    throw badRequest("invalid continue token: continue key is not valid: encoded start key empty");
  }
  return { rv: v.rv, start: v.start };
}

/**
 * What a real API server answers (504, reason `Timeout`, cause
 * `ResourceVersionTooLarge`) to a read at a resource version it has not reached.
 */
function tooLargeResourceVersion(rv: number, current: number): StatusError {
  return new StatusError(504, `Timeout: Too large resource version: ${rv}, current: ${current}`, {
    reason: "Timeout",
    details: {
      causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
      retryAfterSeconds: 1,
    },
  });
}

/** A path no handler serves: the API server's mux answers in plain text. */
class PlainNotFound extends Error {}

function notFoundPath(): StatusError {
  return new StatusError(404, "the server could not find the requested resource", {
    reason: "NotFound",
    details: {},
  });
}

function methodNotAllowed(type: ResourceType | undefined, verb: string): StatusError {
  return new StatusError(
    405,
    `${verb} is not supported on resources of kind "${type ? (type.group ? `${type.plural}.${type.group}` : type.plural) : ""}"`,
    { reason: "MethodNotAllowed", details: type ? { group: type.group, kind: type.plural } : {} },
  );
}

/**
 * Path segments a real API server refuses (client-go's `IsValidPathSegmentName`),
 * answered as kube-apiserver v1.20.2 does: a name `.`, `..` or with `%` gets 400
 * `Name parameter invalid: "a%b": may not contain '%'`; a `/` inside a namespace or
 * name (sent as `%2F`), or a bad name before a subresource, gets the router's 404.
 * (`.` and `..` segments never get here over HTTP: URL parsing folds them.)
 */
function checkPathSegments(
  namespace: string | undefined,
  name: string | undefined,
  hasSubresource: boolean,
): void {
  if (namespace?.includes("/") || name?.includes("/")) throw notFoundPath();
  if (name === undefined) return;
  const problems = pathSegmentProblems(name);
  if (problems.length === 0) return;
  if (hasSubresource) throw notFoundPath();
  throw badRequest(`Name parameter invalid: ${JSON.stringify(name)}: ${problems.join(", ")}`);
}

/** The field manager of a write: `fieldManager`, else the User-Agent's program name. */
function managerOf(request: Request, write: WriteParams): string {
  if (write.fieldManager) return write.fieldManager;
  const ua = request.headers.get("user-agent") ?? "";
  const name = ua.split("/")[0]?.trim() ?? "";
  return name.slice(0, 128) || "unknown";
}

function rootPaths(types: ResourceType[]): string[] {
  const paths = new Set<string>([
    "/api",
    "/api/v1",
    "/apis",
    "/apis/",
    "/healthz",
    "/livez",
    "/readyz",
    "/version",
    "/openapi/v3",
  ]);
  for (const t of types) {
    if (!t.group) continue;
    paths.add(`/apis/${t.group}`);
    paths.add(`/apis/${t.group}/${t.version}`);
  }
  return [...paths].sort();
}

/** The web request handler of a fake API server. */
export class RequestHandler {
  readonly #ctx: HandlerContext;

  constructor(ctx: HandlerContext) {
    this.#ctx = ctx;
  }

  /** Handle one request. Never throws. */
  async handle(request: Request): Promise<Response> {
    const ctx = this.#ctx;
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    let path = url.pathname;
    if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
    const attrs = requestAttributes(method, path, url.searchParams);
    const info: RequestInfo = {
      method,
      path,
      verb: undefined,
      plural: attrs.resourceRequest ? attrs.resource : undefined,
      subresource: attrs.subresource || undefined,
      watch: attrs.verb === "watch",
    };
    const verbs = [
      "get",
      "list",
      "watch",
      "create",
      "update",
      "patch",
      "delete",
      "deletecollection",
    ];
    if (attrs.resourceRequest && verbs.includes(attrs.verb)) info.verb = attrs.verb as Verb;
    let response: Response;
    try {
      this.#authorize(request, method, path, attrs);
      const rule = ctx.faults.take(info);
      const delay = ctx.faults.delayFor(info);
      if (delay > 0) await ctx.clock.sleep(delay);
      if (rule) response = this.#failure(rule, info);
      else if (attrs.resourceRequest) response = await this.#resource(request, url, attrs);
      else response = this.#nonResource(path, method, url);
    } catch (e) {
      response = this.#errorResponse(e);
    }
    ctx.onRequest({
      method,
      url: path + url.search,
      verb: info.verb,
      resource: info.plural,
      status: response.status,
    });
    ctx.logger.debug("fake-apiserver request", {
      method,
      url: path + url.search,
      status: response.status,
    });
    return response;
  }

  /**
   * Authentication and authorization: with a token configured, requests
   * without credentials are `system:anonymous` (they may read `/version` and
   * health checks), the unprivileged token may read discovery too (a user
   * without RBAC bindings), everything else is 403; a wrong token is 401.
   */
  #authorize(request: Request, method: string, path: string, attrs: RequestAttributes): void {
    const ctx = this.#ctx;
    if (ctx.token === undefined) return;
    const auth = request.headers.get("authorization");
    if (auth === `Bearer ${ctx.token}`) return;
    let user: string;
    if (auth === null || auth === "") user = ANONYMOUS_USER;
    else if (ctx.unprivilegedToken !== undefined && auth === `Bearer ${ctx.unprivilegedToken}`)
      user = UNPRIVILEGED_USER;
    else throw new StatusError(401, "Unauthorized", { reason: "Unauthorized" });
    const read = method === "GET" || method === "HEAD";
    if (!attrs.resourceRequest) {
      if (read && /^\/(version|healthz|livez|readyz)\/?$/.test(path)) return;
      if (read && user !== ANONYMOUS_USER && /^\/(api|apis|openapi)(\/.*)?$/.test(path)) return;
      throw new StatusError(
        403,
        `forbidden: User "${user}" cannot ${method.toLowerCase()} path "${path}"`,
        { reason: "Forbidden" },
      );
    }
    const details: { name?: string; group?: string; kind?: string } = {};
    if (attrs.name) details.name = attrs.name;
    if (attrs.group) details.group = attrs.group;
    details.kind = attrs.resource;
    throw new StatusError(403, forbiddenMessage(user, attrs), { reason: "Forbidden", details });
  }

  #errorResponse(e: unknown): Response {
    if (e instanceof PlainNotFound) {
      return new Response("404 page not found\n", {
        status: 404,
        headers: {
          "Content-Type": "text/plain; charset=utf-8",
          "X-Content-Type-Options": "nosniff",
        },
      });
    }
    if (e instanceof StatusError) {
      const headers: Record<string, string> = {};
      if (e.details?.retryAfterSeconds !== undefined)
        headers["Retry-After"] = String(e.details.retryAfterSeconds);
      return statusResponse(e.toStatus(), headers);
    }
    this.#ctx.logger.error("fake-apiserver: internal error", {
      error: e instanceof Error ? e.message : String(e),
    });
    return statusResponse(
      statusObject(500, `internal error: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  #failure(rule: FailRule, info: RequestInfo): Response {
    const o = rule.options;
    const headers: Record<string, string> = {};
    if (o.retryAfterSeconds !== undefined) headers["Retry-After"] = String(o.retryAfterSeconds);
    const message = o.message ?? `injected failure (${o.status})`;
    if (o.plainText) {
      return new Response(`${message}\n`, {
        status: o.status,
        headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" },
      });
    }
    const details =
      o.retryAfterSeconds !== undefined || o.causes !== undefined
        ? {
            ...(o.causes ? { causes: o.causes } : {}),
            ...(o.retryAfterSeconds !== undefined
              ? { retryAfterSeconds: o.retryAfterSeconds }
              : {}),
          }
        : undefined;
    const status = statusObject(o.status, message, o.reason, details);
    const asEvent = o.asWatchEvent ?? (info.watch && o.status === 410);
    if (info.watch && asEvent) {
      const body = `${JSON.stringify({ type: "ERROR", object: status })}\n`;
      return new Response(body, { status: 200, headers: JSON_HEADERS });
    }
    return statusResponse(status, headers);
  }

  #route(attrs: RequestAttributes): Route {
    const store = this.#ctx.store;
    const type = store.findType(attrs.group, attrs.resource);
    if (!type || type.version !== attrs.version) {
      // a group nobody serves is not routed at all: the mux's plain-text 404
      if (attrs.group && !store.types().some((t) => t.group === attrs.group))
        throw new PlainNotFound();
      throw notFoundPath();
    }
    const namespace = attrs.namespace || undefined;
    if (attrs.resource === "namespaces") {
      // a namespace's own path: the name is the namespace
      checkPathSegments(undefined, attrs.name || undefined, attrs.subresource !== "");
      return {
        type,
        namespace: undefined,
        name: attrs.name || undefined,
        subresource: attrs.subresource || undefined,
      };
    }
    if (!type.namespaced && namespace !== undefined) throw notFoundPath();
    if (type.namespaced && namespace === undefined && attrs.name) throw notFoundPath();
    checkPathSegments(namespace, attrs.name || undefined, attrs.subresource !== "");
    return {
      type,
      namespace,
      name: attrs.name || undefined,
      subresource: attrs.subresource || undefined,
    };
  }

  #nonResource(path: string, method: string, url: URL): Response {
    if (method !== "GET" && method !== "HEAD") {
      throw new StatusError(
        405,
        "the server does not allow this method on the requested resource",
        {
          reason: "MethodNotAllowed",
        },
      );
    }
    const types = this.#ctx.store.types();
    if (path === "/version") return json(versionInfo());
    if (path === "/healthz" || path === "/livez" || path === "/readyz") {
      return new Response("ok", { headers: { "Content-Type": "text/plain" } });
    }
    if (path === "/api") return json(apiVersions(url.host));
    if (path === "/apis") return json(apiGroupList(types));
    const parts = path.split("/").filter((p) => p !== "");
    if (path === "/openapi/v2") return json(openApiV2Document(types));
    if (path === "/openapi/v3") return json(openApiV3Root(types));
    if (parts[0] === "openapi" && parts[1] === "v3") {
      const doc =
        parts[2] === "api" && parts.length === 4
          ? openApiV3GroupVersion(types, "", parts[3]!)
          : parts[2] === "apis" && parts.length === 5
            ? openApiV3GroupVersion(types, parts[3]!, parts[4]!)
            : undefined;
      if (doc) return json(doc);
    }
    if (parts[0] === "api" && parts.length === 2) {
      const list = apiResourceList(types, "", parts[1]!);
      if (list) return json(list);
    }
    if (parts[0] === "apis" && parts.length === 2) {
      const g = apiGroup(types, parts[1]!);
      if (g) return json(g);
    }
    if (parts[0] === "apis" && parts.length === 3) {
      const list = apiResourceList(types, parts[1]!, parts[2]!);
      if (list) return json(list);
    }
    if (parts[0] === "apis" && parts.length >= 2 && !types.some((t) => t.group === parts[1])) {
      throw new PlainNotFound();
    }
    if (parts[0] === "api" || parts[0] === "apis") throw notFoundPath();
    // any other path: the root's list of paths, with a 404
    return json({ paths: rootPaths(types) }, 404);
  }

  /** Decode a request body into an object of `route`'s type, as the API server's decoder does. */
  async #readObject(request: Request, route: Route): Promise<KubernetesObject> {
    const type = route.type;
    let body: unknown;
    try {
      body = await readBody(request, this.#ctx.yaml);
    } catch (e) {
      if (
        e instanceof StatusError &&
        e.message.startsWith("the object provided is unrecognized: ")
      ) {
        throw badRequest(
          e.message.replace(
            "the object provided is unrecognized: ",
            `the object provided is unrecognized (must be of type ${type.kind}): `,
          ),
        );
      }
      throw e;
    }
    const decodeError = (why: string): StatusError =>
      badRequest(
        `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: ${why}`,
      );
    if (body === undefined) {
      throw badRequest(
        `the object provided is unrecognized (must be of type ${type.kind}): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)`,
      );
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw badRequest(
        `the object provided is unrecognized (must be of type ${type.kind}): couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(body) ? "array" : typeof body} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
      );
    }
    const obj = body as KubernetesObject;
    const kind = obj.kind;
    const apiVersion = obj.apiVersion;
    if (isCustomResource(type) && (kind === undefined || kind === "")) {
      // custom resources are decoded as unstructured objects, which need their kind
      throw badRequest(
        `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: unmarshalerDecoder: Object 'Kind' is missing in '${JSON.stringify(obj)}'`,
      );
    }
    if (kind !== undefined && kind !== "" && kind !== type.kind) {
      throw badRequest(
        `${String(kind)} in version "${String(apiVersion ?? type.version)}" cannot be handled as a ${type.kind}: converting (${String(
          apiVersion ?? type.version,
        )
          .split("/")
          .pop()}.${String(kind)}) to (${type.group || "core"}.${type.kind}): unknown conversion`,
      );
    }
    if (apiVersion !== undefined && apiVersion !== "" && apiVersion !== type.apiVersion) {
      throw decodeError(`no kind "${type.kind}" is registered for version "${String(apiVersion)}"`);
    }
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== "object" || Array.isArray(obj.metadata)) {
      throw decodeError(`v1.${type.kind}.ObjectMeta: readObjectStart: expect { or n`);
    }
    if (hasBuiltinStrategy(type)) {
      // the API server decodes built-in kinds into Go types: a value of the wrong type is a 400
      const result = validate(type.schema, {
        ...obj,
        apiVersion: type.apiVersion,
        kind: type.kind,
        metadata: { ...obj.metadata, name: obj.metadata.name ?? "x" },
      });
      if (!result.success) {
        const issue = result.error.issues[0]!;
        throw decodeError(`${issue.path.map(String).join(".")}: ${issue.message}`);
      }
    }
    if (type.namespaced) {
      if (obj.metadata.namespace === undefined || obj.metadata.namespace === "") {
        obj.metadata.namespace = route.namespace;
      } else if (obj.metadata.namespace !== route.namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
    }
    if (route.name !== undefined) {
      if (obj.metadata.name === undefined || obj.metadata.name === "") {
        throw badRequest(
          `the name of the object (${route.name} based on URL) was undeterminable: name must be provided`,
        );
      }
      if (obj.metadata.name !== route.name) {
        throw badRequest(
          `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${route.name})`,
        );
      }
    }
    return obj;
  }

  /** Write `body` in the negotiated representation. */
  async #respond(
    rep: Representation,
    type: ResourceType,
    body: KubernetesObject | ObjectList<KubernetesObject>,
    status = 200,
    q?: URLSearchParams,
  ): Promise<Response> {
    let out: unknown = body;
    if (rep.as === "PartialObjectMetadata")
      out = {
        ...toPartialMetadata(body as KubernetesObject),
        apiVersion: `meta.k8s.io/${rep.version}`,
      };
    else if (rep.as === "PartialObjectMetadataList") {
      const list = body as ObjectList<KubernetesObject>;
      out = {
        kind: "PartialObjectMetadataList",
        apiVersion: `meta.k8s.io/${rep.version}`,
        metadata: list.metadata,
        items: list.items.map((i) => ({
          ...toPartialMetadata(i),
          apiVersion: `meta.k8s.io/${rep.version}`,
        })),
      };
    } else if (rep.as === "Table") {
      const include = (q?.get("includeObject") ?? "Metadata") as IncludeObject;
      const isList = Array.isArray((body as ObjectList<KubernetesObject>).items);
      const items = isList
        ? (body as ObjectList<KubernetesObject>).items
        : [body as KubernetesObject];
      const meta = isList
        ? (body as ObjectList<KubernetesObject>).metadata
        : { resourceVersion: (body as KubernetesObject).metadata.resourceVersion };
      out = {
        ...toTable(type, items, meta as Record<string, unknown>, this.#ctx.clock.now(), include),
        apiVersion: `meta.k8s.io/${rep.version}`,
      };
    }
    if (rep.mediaType === "application/yaml") {
      const text = this.#ctx.yaml!.stringify(out);
      return new Response(text, { status, headers: { "Content-Type": "application/yaml" } });
    }
    return json(out, status);
  }

  async #resource(request: Request, url: URL, attrs: RequestAttributes): Promise<Response> {
    const route = this.#route(attrs);
    const { store } = this.#ctx;
    const type = route.type;
    const s = strategyFor(type);
    const q = url.searchParams;
    const sub = route.subresource;
    if (sub !== undefined) {
      const ok =
        (sub === "status" && s.statusSubresource) ||
        (sub === "scale" && s.scale !== undefined) ||
        (sub === "finalize" && type.group === "" && type.kind === "Namespace");
      if (!ok) throw notFoundPath();
    }
    switch (attrs.verb) {
      case "list": {
        if (sub) throw notFoundPath();
        return this.#list(request, route, q);
      }
      case "watch":
        if (sub) throw notFoundPath();
        return this.#watch(request, route, q);
      case "get": {
        const rep = negotiate(
          request.headers.get("accept"),
          "object",
          this.#ctx.yaml !== undefined,
        );
        const rvText = q.get("resourceVersion") ?? "";
        if (rvText !== "" && rvText !== "0") {
          const rv = parseResourceVersion(rvText);
          if (rv > store.rv) throw tooLargeResourceVersion(rv, store.rv);
        }
        const obj = store.get(type, route.namespace, route.name!);
        if (sub === "scale") return json(this.#scaleOf(type, obj));
        if (sub === "finalize") throw notFoundPath();
        return this.#respond(rep, type, obj, 200, q);
      }
      case "create": {
        if (sub) throw notFoundPath();
        if (route.name !== undefined) throw methodNotAllowed(type, "POST");
        if (type.namespaced && route.namespace === undefined) throw methodNotAllowed(type, "POST");
        const rep = negotiate(
          request.headers.get("accept"),
          "object",
          this.#ctx.yaml !== undefined,
        );
        const write = writeParams(q, "CreateOptions");
        const obj = await this.#readObject(request, route);
        const writer: Writer = { manager: managerOf(request, write), operation: "Update" };
        const created = store.create(type, obj, { dryRun: write.dryRun, writer, owned: true });
        if (!write.dryRun) this.#crdChanged(type, created, undefined);
        return this.#respond(rep, type, created, 201, q);
      }
      case "update":
        if (route.name === undefined) throw methodNotAllowed(type, "PUT");
        return this.#update(request, route, q);
      case "patch":
        if (route.name === undefined) throw methodNotAllowed(type, "PATCH");
        return this.#patch(request, route, q);
      case "delete": {
        if (sub) throw methodNotAllowed(type, "DELETE");
        const body = await readBody(request, this.#ctx.yaml);
        const opts = deleteParams(q, body);
        const rep = negotiate(
          request.headers.get("accept"),
          "object",
          this.#ctx.yaml !== undefined,
        );
        const res = store.delete(type, route.namespace, route.name!, {
          preconditions: opts.preconditions,
          gracePeriodSeconds: opts.gracePeriodSeconds,
          propagationPolicy: opts.propagationPolicy,
          orphanDependents: opts.orphanDependents,
          dryRun: opts.dryRun,
        });
        if (res.deleted && !opts.dryRun) this.#crdChanged(type, undefined, res.object);
        const status = !res.deleted && opts.orphanDependents === false ? 202 : 200;
        if (res.deleted && !s.returnDeletedObject) {
          const d = {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
            details: {
              name: res.object.metadata.name,
              ...(type.group ? { group: type.group } : {}),
              kind: type.plural,
              uid: res.object.metadata.uid,
            },
          };
          return json(d, status);
        }
        return this.#respond(rep, type, res.object, status, q);
      }
      case "deletecollection": {
        if (sub) throw notFoundPath();
        const body = await readBody(request, this.#ctx.yaml);
        const opts = deleteParams(q, body);
        const params = listParams(q, false, false);
        const label = labelSelectorParam(params.labelSelector);
        const field = fieldSelectorParam(params.fieldSelector, s.fieldLabels);
        const { items } = store.list(type, {
          namespace: route.namespace,
          labelSelector: label,
          fieldSelector: field,
        });
        const deleted: KubernetesObject[] = [];
        for (const item of items) {
          const res = store.delete(type, item.metadata.namespace, item.metadata.name!, {
            gracePeriodSeconds: opts.gracePeriodSeconds,
            propagationPolicy: opts.propagationPolicy,
            orphanDependents: opts.orphanDependents,
            dryRun: opts.dryRun,
          });
          if (res.deleted && !opts.dryRun) this.#crdChanged(type, undefined, res.object);
          deleted.push(res.object);
        }
        return json({
          apiVersion: type.apiVersion,
          kind: `${type.kind}List`,
          metadata: { resourceVersion: String(store.rv) },
          items: deleted,
        });
      }
      default:
        throw methodNotAllowed(type, request.method);
    }
  }

  #crdChanged(
    type: ResourceType,
    obj: KubernetesObject | undefined,
    gone: KubernetesObject | undefined,
  ): void {
    if (type.group !== "apiextensions.k8s.io" || type.kind !== "CustomResourceDefinition") return;
    this.#ctx.onCrd?.(obj, gone);
  }

  /** The `autoscaling/v1` `Scale` of an object with a scale subresource. */
  #scaleOf(type: ResourceType, obj: KubernetesObject): Record<string, unknown> {
    const scale = strategyFor(type).scale!;
    const read = (path: string): unknown => {
      let cur: unknown = obj;
      for (const p of path.split(".")) cur = (cur as Record<string, unknown> | undefined)?.[p];
      return cur;
    };
    let selector = read(scale.labelSelectorPath ?? "");
    if (selector && typeof selector === "object") {
      const ml = (selector as { matchLabels?: Record<string, string> }).matchLabels ?? {};
      selector = Object.entries(ml)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
    }
    if (isCustomResource(type) && read(scale.specReplicasPath) === undefined) {
      throw new StatusError(
        500,
        `Internal error occurred: the spec replicas field ".${scale.specReplicasPath}" does not exist`,
        {
          reason: "InternalError",
          details: {
            causes: [
              { message: `the spec replicas field ".${scale.specReplicasPath}" does not exist` },
            ],
          },
        },
      );
    }
    const status: Record<string, unknown> = {
      replicas: Number(read(scale.statusReplicasPath) ?? 0),
    };
    if (selector) status.selector = selector;
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: Number(read(scale.specReplicasPath) ?? 0) },
      status,
    };
  }

  /** Write `replicas` from a `Scale` into the object at the scale's spec path. */
  #withReplicas(type: ResourceType, obj: KubernetesObject, replicas: unknown): KubernetesObject {
    const scale = strategyFor(type).scale!;
    const copy = structuredClone(obj) as Record<string, unknown>;
    const parts = scale.specReplicasPath.split(".");
    let cur = copy;
    for (const p of parts.slice(0, -1)) {
      cur[p] ??= {};
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts[parts.length - 1]!] = replicas;
    return copy as KubernetesObject;
  }

  async #update(request: Request, route: Route, q: URLSearchParams): Promise<Response> {
    const { store } = this.#ctx;
    const type = route.type;
    const rep = negotiate(request.headers.get("accept"), "object", this.#ctx.yaml !== undefined);
    const write = writeParams(q, "UpdateOptions");
    const writer: Writer = {
      manager: managerOf(request, write),
      operation: "Update",
      subresource: route.subresource,
    };
    if (route.subresource === "scale") {
      const body = (await readBody(request, this.#ctx.yaml)) as Record<string, unknown> | undefined;
      const meta = (body?.metadata ?? {}) as Record<string, unknown>;
      if (type.namespaced && !meta.namespace) {
        throw new StatusError(
          422,
          `Scale.autoscaling "${route.name}" is invalid: metadata.namespace: Required value`,
          {
            reason: "Invalid",
            details: {
              name: route.name,
              group: "autoscaling",
              kind: "Scale",
              causes: [
                {
                  reason: "FieldValueRequired",
                  message: "Required value",
                  field: "metadata.namespace",
                },
              ],
            },
          },
        );
      }
      const current = store.get(type, route.namespace, route.name!);
      const replicas = (body?.spec as { replicas?: unknown } | undefined)?.replicas;
      const next = this.#withReplicas(type, current, replicas);
      if (typeof meta.resourceVersion === "string")
        next.metadata.resourceVersion = meta.resourceVersion;
      const updated = store.update(type, next, { dryRun: write.dryRun, writer });
      return json(this.#scaleOf(type, updated));
    }
    if (route.subresource === "finalize") {
      const obj = await this.#readObject(request, route);
      if (write.dryRun) return json(store.get(type, undefined, route.name!));
      return this.#respond(rep, type, store.finalizeNamespace(obj), 200, q);
    }
    const obj = await this.#readObject(request, route);
    const previous = store.peek(type, route.namespace, route.name!);
    if (previous && !obj.metadata.resourceVersion)
      this.#checkUnconditionalUpdate(type, route.name!);
    const sub = route.subresource === "status" ? "status" : undefined;
    const updated = store.update(type, obj, {
      subresource: sub,
      dryRun: write.dryRun,
      writer,
      owned: true,
    });
    if (!write.dryRun) this.#crdChanged(type, updated, previous);
    return this.#respond(rep, type, updated, 200, q);
  }

  /**
   * Kinds whose registry refuses an update without a resourceVersion (Leases,
   * Services, CRDs and custom resources), worded as each refuses it.
   */
  #checkUnconditionalUpdate(type: ResourceType, name: string): void {
    const service = type.group === "" && type.kind === "Service";
    const store =
      isCustomResource(type) ||
      (type.group === "coordination.k8s.io" && type.kind === "Lease") ||
      (type.group === "apiextensions.k8s.io" && type.kind === "CustomResourceDefinition") ||
      (!isKubernetesGroup(type.group) && !hasBuiltinStrategy(type));
    if (!service && !store) return;
    const message = `Invalid value: ${service ? '""' : "0x0"}: must be specified for an update`;
    const cause = { reason: "FieldValueInvalid", message, field: "metadata.resourceVersion" };
    if (service) throw invalid(type.kind, type.group, name, [cause]);
    const what = type.group ? `${type.plural}.${type.group}` : type.plural;
    throw new StatusError(
      422,
      `${what} "${name}" is invalid: metadata.resourceVersion: ${message}`,
      {
        reason: "Invalid",
        details: { name, group: type.group, kind: type.plural, causes: [cause] },
      },
    );
  }

  #selectors(
    type: ResourceType,
    labelText: string,
    fieldText: string,
  ): { label: ParsedLabelSelector | undefined; field: ParsedFieldSelector | undefined } {
    return {
      label: labelSelectorParam(labelText),
      field: fieldSelectorParam(fieldText, strategyFor(type).fieldLabels),
    };
  }

  #list(request: Request, route: Route, q: URLSearchParams): Promise<Response> {
    const { store } = this.#ctx;
    const type = route.type;
    const rep = negotiate(request.headers.get("accept"), "list", this.#ctx.yaml !== undefined);
    const p = listParams(q, false, this.#ctx.streamingLists === "supported");
    const { label, field } = this.#selectors(type, p.labelSelector, p.fieldSelector);
    let limit = p.limit !== undefined && p.limit > 0 ? p.limit : undefined;
    let atRv: number | undefined;
    let after: string | undefined;
    const prefix = type.namespaced && route.namespace ? `${route.namespace}/` : "";
    if (p.continue) {
      if (p.resourceVersion !== "" && p.resourceVersion !== "0") {
        throw badRequest("specifying resource version is not allowed when using continue");
      }
      const token = decodeContinue(p.continue);
      if (token.rv !== -1 && token.rv < store.compactedRv) {
        // the rest of the list, inconsistently: a token without a resource version (-1)
        const fresh = encodeContinue({ rv: -1, start: token.start });
        throw new StatusError(
          410,
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
          { reason: "Expired", listMeta: { continue: fresh } },
        );
      }
      if (token.rv > store.rv) throw tooLargeResourceVersion(token.rv, store.rv);
      atRv = token.rv === -1 ? undefined : token.rv;
      after = prefix + token.start;
    } else if (p.resourceVersion === "0") {
      // served from the watch cache: the limit is ignored (Kubernetes ≤ 1.32)
      limit = undefined;
    } else if (p.resourceVersion !== "") {
      const rv = parseResourceVersion(p.resourceVersion);
      if (rv > store.rv) throw tooLargeResourceVersion(rv, store.rv);
      // Exact, and the legacy "" match with a limit, read at that resource version
      if (
        p.resourceVersionMatch === "Exact" ||
        (p.resourceVersionMatch === "" && limit !== undefined)
      ) {
        if (rv < store.compactedRv) {
          throw new StatusError(410, "The resourceVersion for the provided list is too old.", {
            reason: "Expired",
          });
        }
        atRv = rv;
      }
    }
    const result = store.list(type, {
      namespace: route.namespace,
      labelSelector: label,
      fieldSelector: field,
      atRv,
      after,
      limit,
    });
    const metadata: ObjectList<KubernetesObject>["metadata"] = {
      resourceVersion: String(result.rv),
    };
    if (result.nextAfter !== undefined) {
      metadata.continue = encodeContinue({
        rv: result.rv,
        start: `${result.nextAfter.slice(prefix.length)}\u0000`,
      });
      if (!label && !field) metadata.remainingItemCount = result.remaining;
    }
    const list: ObjectList<KubernetesObject> = {
      apiVersion: type.apiVersion,
      kind: `${type.kind}List`,
      metadata,
      items: result.items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest as KubernetesObject),
    };
    return this.#respond(rep, type, list, 200, q);
  }

  #watch(request: Request, route: Route, query: URLSearchParams): Response {
    let q = query;
    const ctx = this.#ctx;
    const { store } = ctx;
    const type = route.type;
    const rep = negotiate(request.headers.get("accept"), "watch", this.#ctx.yaml !== undefined);
    const streamingMode = ctx.streamingLists;
    if (streamingMode === "ignored" && q.has("sendInitialEvents")) {
      // a server (or proxy) that drops what it does not know
      q = new URLSearchParams(q);
      q.delete("sendInitialEvents");
      q.delete("resourceVersionMatch");
    }
    const p = listParams(q, true, streamingMode === "supported");
    let { label, field } = this.#selectors(type, p.labelSelector, p.fieldSelector);
    if (route.name !== undefined) {
      const byName = `metadata.name=${route.name}`;
      const extra = parseFieldSelector(byName);
      const base = field;
      field = base
        ? {
            requirements: [...base.requirements, ...extra.requirements],
            toString: () => `${base.toString()},${byName}`,
            matches: (o) => base.matches(o) && extra.matches(o),
          }
        : extra;
    }
    if (streamingMode === "rejected" && q.has("sendInitialEvents")) {
      throw new StatusError(
        422,
        'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
        {
          reason: "Invalid",
          details: {
            group: "meta.k8s.io",
            kind: "ListOptions",
            causes: [
              {
                reason: "FieldValueForbidden",
                message:
                  "Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
                field: "sendInitialEvents",
              },
            ],
          },
        } as never,
      );
    }
    if (p.timeoutSeconds !== undefined && p.timeoutSeconds < 0) {
      // a deadline already passed: the API server ends the watch before sending anything
      return new Response("", {
        status: 200,
        headers: { ...JSON_HEADERS, "Cache-Control": "no-cache, private" },
      });
    }
    const sendInitial = p.sendInitialEvents;
    const streaming = sendInitial === true;
    // timeoutSeconds: unset or 0 lets the server pick 30-60 min (its min-request-timeout); < 0 ends at once
    let timeoutMs: number;
    if (p.timeoutSeconds === undefined || p.timeoutSeconds === 0) {
      timeoutMs = Math.floor(1800 * (1 + ctx.random())) * 1000;
    } else timeoutMs = Math.max(0, p.timeoutSeconds) * 1000;
    let startRv: number | undefined;
    if (p.resourceVersion !== "" && p.resourceVersion !== "0")
      startRv = parseResourceVersion(p.resourceVersion);
    const watcher = new Watcher({
      type,
      namespace: route.namespace,
      labelSelector: label,
      fieldSelector: field,
      bookmarks: p.allowWatchBookmarks,
      metadataOnly: rep.as === "PartialObjectMetadata",
      timeoutMs,
      bufferLimit: ctx.watchBufferLimit,
      bookmarkIntervalMs: ctx.bookmarkIntervalMs,
      clock: ctx.clock,
      logger: ctx.logger,
      currentRv: () => store.lastRvOf(type),
      globalRv: () => store.rv,
      onEnd: (w) => ctx.onWatcherEnd(w),
      signal: request.signal,
    });
    const headers = { ...JSON_HEADERS, "Cache-Control": "no-cache, private" };
    if (startRv === undefined || streaming) {
      // the current state as synthetic ADDED events (sendInitialEvents=false: none), then changes
      if (sendInitial !== false) {
        watcher.setInitial([...store.objects(type)], streaming ? store.rv : undefined);
      }
      watcher.options.afterRv = store.rv;
      watcher.options.bookmarkAfterRv = store.lastRvOf(type);
      ctx.hub.add(watcher);
      return new Response(watcher.stream, { status: 200, headers });
    }
    if (startRv > store.rv) {
      // a resource version not reached yet: the watch waits for it (events up to it are not sent)
      watcher.options.afterRv = startRv;
      watcher.options.bookmarkAfterRv = startRv;
      ctx.hub.add(watcher);
      return new Response(watcher.stream, { status: 200, headers });
    }
    let events: ReturnType<ObjectStore["eventsAfter"]>;
    try {
      events = store.eventsAfter(startRv, typeKeyOf(type));
    } catch (e) {
      if (e instanceof StatusError) {
        ctx.hub.add(watcher);
        watcher.error(e.toStatus());
        return new Response(watcher.stream, { status: 200, headers });
      }
      throw e;
    }
    watcher.replay(events);
    watcher.options.afterRv = store.rv;
    watcher.options.bookmarkAfterRv = startRv;
    ctx.hub.add(watcher);
    return new Response(watcher.stream, { status: 200, headers });
  }

  async #patch(request: Request, route: Route, q: URLSearchParams): Promise<Response> {
    const { store } = this.#ctx;
    const type = route.type;
    const rep = negotiate(request.headers.get("accept"), "object", this.#ctx.yaml !== undefined);
    const contentType = request.headers.get("content-type");
    const patchType: PatchType | undefined = patchTypeOf(contentType);
    if (!patchType) {
      // a media type that does not parse gets the long message; a well-formed one the short one
      const unparsable = contentType?.includes(",") === true;
      throw new StatusError(
        415,
        unparsable
          ? "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"
          : "415: Unsupported Media Type",
        { reason: "UnsupportedMediaType" },
      );
    }
    const write = writeParams(q, "PatchOptions");
    if (patchType === "apply" && !write.fieldManager) {
      throw new StatusError(
        422,
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        {
          reason: "Invalid",
          details: {
            group: "meta.k8s.io",
            kind: "PatchOptions",
            causes: [
              {
                reason: "FieldValueRequired",
                message: "Required value: is required for apply patch",
                field: "fieldManager",
              },
            ],
          },
        },
      );
    }
    if (patchType !== "apply" && q.has("force")) {
      throw invalidOptions("PatchOptions", [
        {
          reason: "FieldValueForbidden",
          message: "Forbidden: may not be specified for non-apply patch",
          field: "force",
        },
      ]);
    }
    if (patchType === "strategic" && !hasBuiltinStrategy(type)) {
      // custom resources have no strategic merge information
      throw new StatusError(
        415,
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        { reason: "UnsupportedMediaType" },
      );
    }
    let patch: unknown;
    try {
      patch = await readBody(request, this.#ctx.yaml, true);
    } catch (e) {
      if (patchType === "json" && e instanceof StatusError)
        throw badRequest("invalid character in JSON patch");
      throw e;
    }
    if (patch === undefined) throw badRequest("the patch body is empty");
    const manager = managerOf(request, write);
    const current = store.peek(type, route.namespace, route.name!);
    if (patchType === "apply")
      return this.#apply(request, route, q, rep, write, patch, current, manager);
    if (!current) throw notFound(type.group, type.plural, route.name!);
    const writer: Writer = { manager, operation: "Update", subresource: route.subresource };
    const base = route.subresource === "scale" ? this.#scaleOf(type, current) : current;
    let patched: KubernetesObject;
    try {
      if (patchType === "json" && !Array.isArray(patch)) {
        throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
      }
      patched = (
        patchType === "strategic"
          ? applyStrategicMergePatchWith(structuredClone(base), patch, mergeInfoFor(type))
          : applyPatch(patchType, base, patch)
      ) as KubernetesObject;
    } catch (e) {
      if (e instanceof PatchError) {
        if (patchType === "json" && !e.malformed) {
          // the API server loses the JSON patch library's reason
          throw new StatusError(
            422,
            "the server rejected our request due to an error in our request",
            {
              reason: "Invalid",
              details: {},
            },
          );
        }
        throw new StatusError(e.malformed ? 400 : 422, e.message, {
          reason: e.malformed ? "BadRequest" : "Invalid",
        });
      }
      throw e;
    }
    if (patched === null || typeof patched !== "object" || Array.isArray(patched)) {
      throw new StatusError(422, "the patch produced something that is not an object", {
        reason: "Invalid",
      });
    }
    if (route.subresource === "scale") {
      const next = this.#withReplicas(
        type,
        current,
        (patched as { spec?: { replicas?: unknown } }).spec?.replicas,
      );
      const updated = store.update(type, next, { dryRun: write.dryRun, writer });
      return json(this.#scaleOf(type, updated));
    }
    const meta =
      patched.metadata && typeof patched.metadata === "object" ? { ...patched.metadata } : {};
    if (meta.name !== undefined && meta.name !== current.metadata.name) {
      throw badRequest(
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${route.name})`,
      );
    }
    meta.name = current.metadata.name;
    if (type.namespaced) meta.namespace = current.metadata.namespace;
    if (meta.resourceVersion === undefined) meta.resourceVersion = current.metadata.resourceVersion;
    patched = { ...patched, metadata: meta };
    const sub = route.subresource === "status" ? "status" : undefined;
    // merge and JSON patches and strategic merges all work on fresh copies
    const updated = store.update(type, patched, {
      subresource: sub,
      dryRun: write.dryRun,
      writer,
      owned: true,
    });
    if (!write.dryRun) this.#crdChanged(type, updated, current);
    return this.#respond(rep, type, updated, 200, q);
  }

  /** Server-side apply (`application/apply-patch+yaml`). */
  async #apply(
    request: Request,
    route: Route,
    q: URLSearchParams,
    rep: Representation,
    write: WriteParams,
    body: unknown,
    current: KubernetesObject | undefined,
    manager: string,
  ): Promise<Response> {
    void request;
    const { store } = this.#ctx;
    const type = route.type;
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw badRequest("error decoding YAML: the apply configuration must be an object");
    }
    const config = structuredClone(body) as KubernetesObject;
    if (config.apiVersion !== type.apiVersion) {
      throw badRequest(
        `Incorrect version specified in apply patch. Specified patch version: ${String(config.apiVersion ?? "")}, expected: ${type.apiVersion}`,
      );
    }
    if (config.kind !== type.kind) {
      throw new StatusError(
        500,
        `failed to merge config: expected objects of the same type (${String(config.kind ?? "")} and ${type.kind})`,
        {
          reason: "" as never,
        },
      );
    }
    const meta = (config.metadata ?? {}) as KubernetesObject["metadata"];
    if (!meta.name) {
      throw badRequest(
        `the name of the object (${route.name} based on URL) was undeterminable: name must be provided`,
      );
    }
    if (meta.name !== route.name) {
      throw badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${route.name})`,
      );
    }
    if (type.namespaced) {
      if (meta.namespace && meta.namespace !== route.namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
    }
    if (
      meta.resourceVersion !== undefined &&
      current &&
      meta.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw new StatusError(
        409,
        `Operation cannot be fulfilled on ${type.group ? `${type.plural}.${type.group}` : type.plural} "${route.name}": the object has been modified; please apply your changes to the latest version and try again`,
        { reason: "Conflict", details: { name: route.name, group: type.group, kind: type.plural } },
      );
    }
    const force = boolParam(q, "force");
    const now = timestamp(this.#ctx.clock.now());
    const result = serverSideApply(type, current, config, manager, force, now);
    const writer: Writer = {
      manager,
      operation: "Apply",
      managedFields: result.managedFields,
      subresource: route.subresource,
    };
    if (!current) {
      if (route.subresource) throw notFound(type.group, type.plural, route.name!);
      const obj = result.object!;
      obj.metadata = { ...obj.metadata, name: route.name };
      if (type.namespaced) obj.metadata.namespace = route.namespace;
      const created = store.create(type, obj, { dryRun: write.dryRun, writer });
      if (!write.dryRun) this.#crdChanged(type, created, undefined);
      return this.#respond(rep, type, created, 201, q);
    }
    if (!result.object) return this.#respond(rep, type, current, 200, q);
    const next: KubernetesObject = {
      ...result.object,
      metadata: {
        ...result.object.metadata,
        name: current.metadata.name,
        ...(type.namespaced ? { namespace: current.metadata.namespace } : {}),
        resourceVersion: current.metadata.resourceVersion,
      },
    };
    const sub = route.subresource === "status" ? "status" : undefined;
    const updated = store.update(type, next, { subresource: sub, dryRun: write.dryRun, writer });
    if (!write.dryRun) this.#crdChanged(type, updated, current);
    return this.#respond(rep, type, updated, 200, q);
  }
}
