/**
 * The HTTP face of the fake API server: routing, query parameters, request
 * bodies, `Status` errors, lists, watches, discovery and fault injection, as a
 * web `(Request) => Promise<Response>` handler.
 *
 * @module
 */
import { pathSegmentProblems } from "../../client/path.ts";
import type { KubernetesObject, ObjectList, Status } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import type { Clock } from "../../util/clock.ts";
import type { Logger } from "../../util/logger.ts";
import {
  type ParsedFieldSelector,
  type ParsedLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  SelectorParseError,
} from "../../util/selector.ts";
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
import { applyPatch, PatchError, patchTypeOf } from "./patch.ts";
import { badRequest, notFound, StatusError, statusObject } from "./status.ts";
import type { ObjectStore } from "./store.ts";
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
  bookmarkIntervalMs: number;
  watchBufferLimit: number;
  streamingLists: StreamingListMode;
  onRequest: (entry: RequestLogEntry) => void;
  onWatcherEnd: (w: Watcher) => void;
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
  kind: "resource";
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  legacyWatch: boolean;
}

const JSON_HEADERS = { "Content-Type": "application/json" };

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

function statusResponse(status: Status, headers: Record<string, string> = {}): Response {
  return json(status, status.code ?? 500, headers);
}

function isMetadataOnly(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  // The first acceptable media type wins; PartialObjectMetadata(List) asks for metadata only.
  const first = accept.split(",")[0] ?? "";
  return /as=PartialObjectMetadata(List)?\b/.test(first);
}

function parseBool(v: string | null): boolean {
  return v === "true" || v === "1";
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  const text = JSON.stringify({ v: "meta.k8s.io/v1", rv: t.rv, start: t.start });
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeContinue(s: string): ContinueToken {
  try {
    const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    const v = JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4))) as Record<
      string,
      unknown
    >;
    if (v.v !== "meta.k8s.io/v1" || typeof v.rv !== "number" || typeof v.start !== "string")
      throw new Error();
    return { rv: v.rv, start: v.start };
  } catch {
    throw badRequest(
      "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    );
  }
}

function parseRv(s: string): number {
  if (!/^\d+$/.test(s)) {
    throw new StatusError(400, `invalid resource version "${s}"`, { reason: "BadRequest" });
  }
  return Number(s);
}

/**
 * What a real API server answers (504, reason `Timeout`, cause
 * `ResourceVersionTooLarge`) to a list or watch from a resource version it
 * has not reached.
 */
function tooLargeResourceVersion(rv: number, current: number): StatusError {
  return new StatusError(504, `Too large resource version: ${rv}, current: ${current}`, {
    reason: "Timeout",
    details: {
      causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
      retryAfterSeconds: 1,
    },
  });
}

function notFoundPath(): StatusError {
  return new StatusError(404, "the server could not find the requested resource", {
    reason: "NotFound",
  });
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
    const info: RequestInfo = {
      method,
      path,
      verb: undefined,
      plural: undefined,
      subresource: undefined,
      watch: false,
    };
    let response: Response;
    try {
      const route = this.#route(path);
      if (route) {
        info.plural = route.type.plural;
        info.subresource = route.subresource;
        info.watch = route.legacyWatch || parseBool(url.searchParams.get("watch"));
        info.verb = this.#verb(method, route, info.watch);
      }
      if (ctx.token !== undefined && !/^\/(version|healthz|livez|readyz)$/.test(path)) {
        const auth = request.headers.get("authorization");
        if (auth !== `Bearer ${ctx.token}`)
          throw new StatusError(401, "Unauthorized", { reason: "Unauthorized" });
      }
      const rule = ctx.faults.take(info);
      const delay = ctx.faults.delayFor(info);
      if (delay > 0) await ctx.clock.sleep(delay);
      if (rule) response = this.#failure(rule, info);
      else if (route) response = await this.#resource(request, url, route, info);
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

  #errorResponse(e: unknown): Response {
    if (e instanceof StatusError) {
      const headers: Record<string, string> = {};
      if (e.details?.retryAfterSeconds !== undefined)
        headers["Retry-After"] = String(e.details.retryAfterSeconds);
      return statusResponse(e.toStatus(), headers);
    }
    if (e instanceof SelectorParseError) return statusResponse(badRequest(e.message).toStatus());
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
    const status = statusObject(
      o.status,
      message,
      o.reason,
      o.retryAfterSeconds !== undefined ? { retryAfterSeconds: o.retryAfterSeconds } : undefined,
    );
    const asEvent = o.asWatchEvent ?? (info.watch && o.status === 410);
    if (info.watch && asEvent) {
      const body = `${JSON.stringify({ type: "ERROR", object: status })}\n`;
      return new Response(body, { status: 200, headers: JSON_HEADERS });
    }
    return statusResponse(status, headers);
  }

  #route(path: string): Route | undefined {
    const parts = path
      .split("/")
      .filter((p) => p !== "")
      .map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === "api" && parts.length >= 3) {
      group = "";
      version = parts[1]!;
      rest = parts.slice(2);
    } else if (parts[0] === "apis" && parts.length >= 4) {
      group = parts[1]!;
      version = parts[2]!;
      rest = parts.slice(3);
    } else {
      return undefined;
    }
    let legacyWatch = false;
    if (rest[0] === "watch") {
      legacyWatch = true;
      rest = rest.slice(1);
    }
    const store = this.#ctx.store;
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    let sub: string[];
    if (rest[0] === "namespaces" && rest.length >= 3) {
      const nsType = store.findType(group, rest[2]!);
      if (nsType?.namespaced) {
        namespace = rest[1]!;
        plural = rest[2]!;
        name = rest[3];
        sub = rest.slice(4);
      } else {
        plural = rest[0]!;
        name = rest[1];
        sub = rest.slice(2);
      }
    } else {
      plural = rest[0]!;
      name = rest[1];
      sub = rest.slice(2);
    }
    const type = store.findType(group, plural);
    if (!type || type.version !== version) {
      throw new StatusError(404, "the server could not find the requested resource", {
        reason: "NotFound",
        details: { group, kind: plural },
      });
    }
    if (type.namespaced && namespace === undefined && name !== undefined) throw notFoundPath();
    const subresource = sub.length ? sub.join("/") : undefined;
    checkPathSegments(namespace, name, subresource !== undefined);
    if (subresource !== undefined && subresource !== "status") throw notFoundPath();
    return { kind: "resource", type, namespace, name, subresource, legacyWatch };
  }

  #verb(method: string, route: Route, watch: boolean): Verb | undefined {
    if (route.name === undefined) {
      if (method === "GET") return watch ? "watch" : "list";
      if (method === "POST") return "create";
      if (method === "DELETE") return "deletecollection";
      return undefined;
    }
    switch (method) {
      case "GET":
        return watch ? "watch" : "get";
      case "PUT":
        return "update";
      case "PATCH":
        return "patch";
      case "DELETE":
        return "delete";
      default:
        return undefined;
    }
  }

  #nonResource(path: string, method: string, url: URL): Response {
    if (method !== "GET" && method !== "HEAD") {
      throw new StatusError(
        405,
        `the server does not allow this method on the requested resource`,
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
    throw notFoundPath();
  }

  async #readBody(request: Request): Promise<unknown> {
    const text = await request.text();
    if (text.trim() === "") return undefined;
    try {
      return JSON.parse(text);
    } catch (e) {
      throw badRequest(
        `the request body is not valid JSON: ${e instanceof Error ? e.message : String(e)} (YAML bodies are not supported)`,
      );
    }
  }

  async #readObject(request: Request, route: Route): Promise<KubernetesObject> {
    const body = await this.#readBody(request);
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw badRequest("the request body must be a JSON object");
    }
    const obj = body as KubernetesObject;
    const type = route.type;
    if (obj.apiVersion !== undefined && obj.apiVersion !== type.apiVersion) {
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${type.apiVersion})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${type.kind})`,
      );
    }
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== "object" || Array.isArray(obj.metadata)) {
      throw badRequest("metadata must be an object");
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
      if (obj.metadata.name === undefined || obj.metadata.name === "")
        obj.metadata.name = route.name;
      else if (obj.metadata.name !== route.name) {
        throw badRequest(
          `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${route.name})`,
        );
      }
    }
    return obj;
  }

  #serialize(obj: KubernetesObject, metadataOnly: boolean): KubernetesObject {
    return metadataOnly ? toPartialMetadata(obj) : obj;
  }

  async #resource(request: Request, url: URL, route: Route, info: RequestInfo): Promise<Response> {
    const { store } = this.#ctx;
    const type = route.type;
    const metadataOnly = isMetadataOnly(request);
    const q = url.searchParams;
    switch (info.verb) {
      case "list":
        return this.#list(route, q, metadataOnly);
      case "watch":
        return this.#watch(request, route, q, metadataOnly);
      case "get":
        return json(this.#serialize(store.get(type, route.namespace, route.name!), metadataOnly));
      case "create": {
        if (route.subresource) throw notFoundPath();
        if (type.namespaced && route.namespace === undefined) {
          throw new StatusError(
            405,
            "the server does not allow this method on the requested resource",
            {
              reason: "MethodNotAllowed",
            },
          );
        }
        const obj = await this.#readObject(request, route);
        if (q.get("dryRun") === "All") return json(obj, 201);
        return json(this.#serialize(store.create(type, obj), metadataOnly), 201);
      }
      case "update": {
        const obj = await this.#readObject(request, route);
        const sub = route.subresource === "status" ? "status" : undefined;
        return json(this.#serialize(store.update(type, obj, { subresource: sub }), metadataOnly));
      }
      case "patch":
        return this.#patch(request, route, q, metadataOnly);
      case "delete": {
        if (route.subresource) throw notFoundPath();
        const body = (await this.#readBody(request)) as
          | { preconditions?: { uid?: string; resourceVersion?: string } }
          | undefined;
        const res = store.delete(type, route.namespace, route.name!, body?.preconditions ?? {});
        return json(this.#serialize(res.object, metadataOnly), res.deleted ? 200 : 202);
      }
      case "deletecollection": {
        const label = this.#labelSelector(q);
        const field = this.#fieldSelector(q);
        const { items } = store.list(type, {
          namespace: route.namespace,
          labelSelector: label,
          fieldSelector: field,
        });
        const deleted: KubernetesObject[] = [];
        for (const item of items) {
          deleted.push(store.delete(type, item.metadata.namespace, item.metadata.name!).object);
        }
        return json({
          apiVersion: type.apiVersion,
          kind: `${type.kind}List`,
          metadata: { resourceVersion: String(store.rv) },
          items: deleted,
        });
      }
      default:
        throw new StatusError(
          405,
          "the server does not allow this method on the requested resource",
          {
            reason: "MethodNotAllowed",
          },
        );
    }
  }

  #labelSelector(q: URLSearchParams): ParsedLabelSelector | undefined {
    const s = q.get("labelSelector");
    return s ? parseLabelSelector(s) : undefined;
  }

  #fieldSelector(q: URLSearchParams): ParsedFieldSelector | undefined {
    const s = q.get("fieldSelector");
    if (!s) return undefined;
    const sel = parseFieldSelector(s);
    for (const r of sel.requirements) {
      if (r.field !== "metadata.name" && r.field !== "metadata.namespace") {
        throw badRequest(`field label not supported: ${r.field}`);
      }
    }
    return sel;
  }

  #list(route: Route, q: URLSearchParams, metadataOnly: boolean): Response {
    const { store } = this.#ctx;
    const type = route.type;
    const labelSelector = this.#labelSelector(q);
    const fieldSelector = this.#fieldSelector(q);
    const limitText = q.get("limit");
    let limit: number | undefined;
    if (limitText !== null && limitText !== "") {
      if (!/^\d+$/.test(limitText)) throw badRequest(`invalid limit "${limitText}"`);
      limit = Number(limitText) || undefined;
    }
    const rvText = q.get("resourceVersion") ?? "";
    const match = q.get("resourceVersionMatch") ?? "";
    const cont = q.get("continue") ?? "";
    let atRv: number | undefined;
    let after: string | undefined;
    if (cont) {
      if (rvText !== "" && rvText !== "0") {
        throw badRequest("specifying resource version is not allowed when using continue");
      }
      const token = decodeContinue(cont);
      if (token.rv < store.compactedRv) {
        const fresh = encodeContinue({ rv: store.rv, start: token.start });
        throw new StatusError(
          410,
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
          { reason: "Expired", listMeta: { continue: fresh } },
        );
      }
      atRv = token.rv;
      after = token.start;
    } else {
      if (match !== "" && match !== "Exact" && match !== "NotOlderThan") {
        throw badRequest(`invalid resourceVersionMatch "${match}"`);
      }
      if (match !== "" && rvText === "") {
        throw badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
      }
      if (rvText !== "" && rvText !== "0") {
        const rv = parseRv(rvText);
        if (rv > store.rv) throw tooLargeResourceVersion(rv, store.rv);
        if (match === "Exact") {
          if (rv < store.compactedRv) throw store.tooOld(rv);
          atRv = rv;
        }
      } else if (match === "Exact") {
        throw badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
      }
    }
    const result = store.list(type, {
      namespace: route.namespace,
      labelSelector,
      fieldSelector,
      atRv,
      after,
      limit,
    });
    const metadata: ObjectList<KubernetesObject>["metadata"] = {
      resourceVersion: String(result.rv),
    };
    if (result.nextAfter !== undefined) {
      metadata.continue = encodeContinue({ rv: result.rv, start: result.nextAfter });
      if (!labelSelector && !fieldSelector) metadata.remainingItemCount = result.remaining;
    }
    const list: ObjectList<KubernetesObject> = metadataOnly
      ? {
          apiVersion: "meta.k8s.io/v1",
          kind: "PartialObjectMetadataList",
          metadata,
          items: result.items.map(toPartialMetadata),
        }
      : { apiVersion: type.apiVersion, kind: `${type.kind}List`, metadata, items: result.items };
    return json(list);
  }

  #watch(request: Request, route: Route, q: URLSearchParams, metadataOnly: boolean): Response {
    const ctx = this.#ctx;
    const { store } = ctx;
    const type = route.type;
    const labelSelector = this.#labelSelector(q);
    let fieldSelector = this.#fieldSelector(q);
    if (route.name !== undefined) {
      const byName = `metadata.name=${route.name}`;
      fieldSelector = parseFieldSelector(
        fieldSelector ? `${fieldSelector.toString()},${byName}` : byName,
      );
    }
    const rvText = q.get("resourceVersion") ?? "";
    const match = q.get("resourceVersionMatch") ?? "";
    const bookmarks = parseBool(q.get("allowWatchBookmarks"));
    let sendInitial = q.get("sendInitialEvents");
    const timeoutText = q.get("timeoutSeconds");
    let timeoutMs: number | undefined;
    if (timeoutText !== null && timeoutText !== "") {
      if (!/^\d+$/.test(timeoutText)) throw badRequest(`invalid timeoutSeconds "${timeoutText}"`);
      timeoutMs = Number(timeoutText) * 1000;
    }
    if (sendInitial !== null && ctx.streamingLists === "ignored") {
      sendInitial = null;
    }
    const streaming = sendInitial === "true";
    if (sendInitial !== null || match !== "") {
      if (ctx.streamingLists === "rejected" && sendInitial !== null) {
        throw new StatusError(
          422,
          "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
          {
            reason: "Invalid",
            details: { causes: [{ reason: "FieldValueForbidden", field: "sendInitialEvents" }] },
          },
        );
      }
      if (ctx.streamingLists !== "ignored") {
        if (sendInitial === null) {
          throw new StatusError(
            422,
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch",
            {
              reason: "Invalid",
              details: {
                causes: [{ reason: "FieldValueForbidden", field: "resourceVersionMatch" }],
              },
            },
          );
        }
        if (match !== "NotOlderThan") {
          throw new StatusError(
            422,
            'resourceVersionMatch: Unsupported value: "' +
              match +
              '": sendInitialEvents requires resourceVersionMatch=NotOlderThan',
            { reason: "Invalid" },
          );
        }
        if (streaming && !bookmarks) {
          throw new StatusError(
            422,
            "allowWatchBookmarks: Required value: sendInitialEvents requires allowWatchBookmarks=true",
            {
              reason: "Invalid",
            },
          );
        }
      }
    }
    if (rvText !== "" && rvText !== "0") {
      // a real API server waits (~3 s) for its watch cache to reach `rv`, then
      // answers 504 before any event is streamed (checked before the watcher
      // exists: it owns timers)
      const rv = parseRv(rvText);
      if (rv > store.rv) throw tooLargeResourceVersion(rv, store.rv);
    }
    const watcher = new Watcher({
      type,
      namespace: route.namespace,
      labelSelector,
      fieldSelector,
      bookmarks,
      metadataOnly,
      timeoutMs,
      bufferLimit: ctx.watchBufferLimit,
      bookmarkIntervalMs: ctx.bookmarkIntervalMs,
      clock: ctx.clock,
      logger: ctx.logger,
      currentRv: () => store.rv,
      onEnd: (w) => ctx.onWatcherEnd(w),
      signal: request.signal,
    });
    const headers = { ...JSON_HEADERS, "Cache-Control": "no-cache, private" };
    if (streaming || rvText === "" || rvText === "0") {
      // sendInitialEvents=false: start at the most recent state, without synthetic ADDED events.
      if (sendInitial !== "false") {
        watcher.setInitial([...store.objects(type)], streaming ? store.rv : undefined);
      }
      ctx.hub.add(watcher);
      return new Response(watcher.stream, { status: 200, headers });
    }
    const rv = parseRv(rvText);
    let events: ReturnType<ObjectStore["eventsAfter"]>;
    try {
      events = store.eventsAfter(rv, `${type.group}/${type.plural}`);
    } catch (e) {
      if (e instanceof StatusError) {
        ctx.hub.add(watcher);
        watcher.error(e.toStatus());
        return new Response(watcher.stream, { status: 200, headers });
      }
      throw e;
    }
    for (const ev of events) watcher.offer(ev);
    watcher.options.afterRv = rv;
    ctx.hub.add(watcher);
    return new Response(watcher.stream, { status: 200, headers });
  }

  async #patch(
    request: Request,
    route: Route,
    q: URLSearchParams,
    metadataOnly: boolean,
  ): Promise<Response> {
    const { store } = this.#ctx;
    const type = route.type;
    const patchType = patchTypeOf(request.headers.get("content-type"));
    if (!patchType) {
      throw new StatusError(
        415,
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        { reason: "UnsupportedMediaType" },
      );
    }
    const patch = await this.#readBody(request);
    if (patch === undefined) throw badRequest("the patch body is empty");
    const current = store.peek(type, route.namespace, route.name!);
    if (!current) {
      if (patchType === "apply" && !route.subresource) {
        const obj = patch as KubernetesObject;
        if (obj === null || typeof obj !== "object" || Array.isArray(obj))
          throw badRequest("apply body must be an object");
        obj.metadata = { ...(obj.metadata ?? {}), name: route.name };
        if (type.namespaced) obj.metadata.namespace = route.namespace;
        return json(this.#serialize(store.create(type, obj), metadataOnly), 201);
      }
      throw notFound(type.group, type.plural, route.name!);
    }
    void q;
    let patched: KubernetesObject;
    try {
      patched = applyPatch(patchType, current, patch) as KubernetesObject;
    } catch (e) {
      if (e instanceof PatchError) {
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
    const meta =
      patched.metadata && typeof patched.metadata === "object" ? { ...patched.metadata } : {};
    meta.name = current.metadata.name;
    if (type.namespaced) meta.namespace = current.metadata.namespace;
    if (meta.resourceVersion === undefined) meta.resourceVersion = current.metadata.resourceVersion;
    patched = { ...patched, metadata: meta };
    const sub = route.subresource === "status" ? "status" : undefined;
    return json(this.#serialize(store.update(type, patched, { subresource: sub }), metadataOnly));
  }
}
