/**
 * `FakeApiServer`: an in-memory Kubernetes API server, usable in-process as a
 * fetch handler or over HTTP(S) on 127.0.0.1.
 *
 * @module
 */
import { builtinResources } from "../../resources/builtin.ts";
import type { KubernetesObject } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import { type Clock, realClock } from "../../util/clock.ts";
import { type Logger, silentLogger } from "../../util/logger.ts";
import { parseFieldSelector, parseLabelSelector } from "../../util/selector.ts";
import { crdTypes, establishedStatus, isCustomResource } from "./crd.ts";
import { FaultInjector } from "./faults.ts";
import { GarbageCollector } from "./gc.ts";
import { RequestHandler, type RequestLogEntry, type StreamingListMode } from "./handler.ts";
import { mergeInfoFor } from "./merge-tables.ts";
import type { YamlCodec } from "./negotiation.ts";
import { applyPatch, PatchError, type PatchType } from "./patch.ts";
import { applyStrategicMergePatchWith } from "./smp.ts";
import { ManagedFieldsTracker, serverSideApply } from "./ssa.ts";
import { badRequest, StatusError } from "./status.ts";
import { ObjectStore, type StoreEvent, timestamp } from "./store.ts";
import { type Watcher, WatchHub } from "./watch.ts";

/**
 * Options of {@link FakeApiServer}.
 *
 * @example
 * ```ts
 * import { FakeClock } from "kubeloop";
 * import { FakeApiServer, type FakeApiServerOptions } from "kubeloop/testing";
 * const options: FakeApiServerOptions = { clock: new FakeClock(), token: "secret", requireNamespaces: true };
 * const server = new FakeApiServer(options);
 * ```
 */
export interface FakeApiServerOptions {
  /** Resource types served (default: every built-in kind). Add CRDs with {@link FakeApiServer.register}. */
  resources?: readonly ResourceType[] | undefined;
  /** Clock for timestamps, bookmarks, watch timeouts and delays (default: the real clock). */
  clock?: Clock | undefined;
  /** Change events kept for watch replay and list snapshots (default 1000). */
  historyLimit?: number | undefined;
  /** Interval of periodic BOOKMARK events (default 60 000 ms, as a real server). */
  bookmarkIntervalMs?: number | undefined;
  /** When set, every request except `/version` and health checks needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /**
   * A second token, for a user with no RBAC bindings: it may read discovery,
   * `/version` and health checks, and gets `403 Forbidden` on everything
   * else, as a real user without role bindings (only with `token` set).
   */
  unprivilegedToken?: string | undefined;
  /** Logger (default: silent). */
  logger?: Logger | undefined;
  /**
   * Events a watcher may have queued, unread, before the server drops it
   * (default 10 000). The real API server drops unresponsive watchers too.
   */
  watchBufferLimit?: number | undefined;
  /**
   * Streaming lists (`sendInitialEvents=true`): `"supported"` (default),
   * `"rejected"` (422, as servers without the WatchList feature), or
   * `"ignored"` (the parameter is dropped: no initial-events-end bookmark ever comes).
   */
  streamingLists?: StreamingListMode | undefined;
  /**
   * A YAML codec (e.g. `import * as YAML from "yaml"`): with it the server
   * reads YAML request bodies and answers `Accept: application/yaml`, as a
   * real one does. Without it, YAML bodies get 415 (clients such as kubectl
   * send JSON anyway).
   */
  yaml?: YamlCodec | undefined;
  /** How many requests {@link FakeApiServer.requests} keeps (default 1000). */
  requestLogLimit?: number | undefined;
  /** Random source for `generateName` suffixes (default `Math.random`). */
  random?: (() => number) | undefined;
  /**
   * Validate written objects with their type's schema (default true: 422 on
   * failure). Turn off to bulk-load many objects faster.
   */
  validate?: boolean | undefined;
  /**
   * Reject creating namespaced objects in a Namespace that does not exist
   * (404) or is terminating (403), as the API server's NamespaceLifecycle
   * admission does (default false: any namespace works without creating it).
   */
  requireNamespaces?: boolean | undefined;
  /**
   * Run a garbage collector, as a cluster does (default true): deleting an
   * owner deletes, waits for, or orphans its dependents by their
   * `ownerReferences` and the delete's propagation policy (see
   * `fake-apiserver/gc.ts`). A lone API server (envtest) has none: `false`
   * behaves like one (dependents stay; `Foreground`/`Orphan` leave their
   * finalizer for good).
   */
  garbageCollection?: boolean | undefined;
}

/**
 * Options of {@link FakeApiServer.listen}.
 *
 * @example
 * ```ts
 * import { FakeApiServer, type ListenOptions } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * const options: ListenOptions = { port: 0, hostname: "127.0.0.1" };
 * const listener = await server.listen(options);
 * await listener.close();
 * ```
 */
export interface ListenOptions {
  /** Port (default 0: any free port). */
  port?: number | undefined;
  /** Address (default `127.0.0.1`). */
  hostname?: string | undefined;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string } | undefined;
}

/**
 * A running HTTP(S) listener of a {@link FakeApiServer}.
 *
 * @example
 * ```ts
 * import { KubeClient } from "kubeloop";
 * import { FakeApiServer, type Listener } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * const listener: Listener = await server.listen();
 * const client = new KubeClient({ server: listener.url });
 * await listener.close();
 * ```
 */
export interface Listener {
  /** Base URL, e.g. `http://127.0.0.1:34567`. */
  readonly url: string;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/**
 * Options of {@link FakeApiServer.list}.
 *
 * @example
 * ```ts
 * import { Pods } from "kubeloop";
 * import { type DirectListOptions, FakeApiServer } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * const options: DirectListOptions = { namespace: "default", labelSelector: "app=web" };
 * const pods = server.list(Pods, options);
 * ```
 */
export interface DirectListOptions {
  /** Only objects in this namespace (default: all namespaces). */
  namespace?: string | undefined;
  /** Label selector, e.g. `"app=web,tier!=db"`. */
  labelSelector?: string | undefined;
  /** Field selector, e.g. `"metadata.name=a"`. */
  fieldSelector?: string | undefined;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/**
 * An in-memory Kubernetes API server for tests: CRUD, lists with selectors
 * and paging, watches with bookmarks and replay, streaming lists, discovery,
 * and fault injection. Use it in-process through {@link FakeApiServer.fetch}
 * or over HTTP with {@link FakeApiServer.listen}.
 *
 * @example
 * ```ts
 * import { ConfigMaps } from "kubeloop";
 * import { FakeApiServer } from "kubeloop/testing";
 *
 * const server = new FakeApiServer();
 * server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" }, data: { k: "v" } });
 * const res = await server.fetch(
 *   new Request("http://fake/api/v1/namespaces/default/configmaps"),
 * );
 * console.log((await res.json()).items.length); // 1
 * await server.close();
 * ```
 */
export class FakeApiServer {
  /** The fetch handler: pass it as a client's `fetch`, or call it with a `Request`. */
  readonly fetch: (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
  /** Fault injection. */
  readonly faults: FaultInjector;
  readonly #store: ObjectStore;
  readonly #hub = new WatchHub();
  readonly #gc: GarbageCollector | undefined;
  readonly #handler: RequestHandler;
  readonly #listeners = new Set<Listener>();
  readonly #requests: RequestLogEntry[] = [];
  readonly #requestLogLimit: number;
  readonly #clock: Clock;
  #closed = false;

  /**
   * Create a server with the built-in resources (or `options.resources`)
   * registered and an empty store.
   */
  constructor(options: FakeApiServerOptions = {}) {
    const clock = options.clock ?? realClock;
    this.#clock = clock;
    const logger = options.logger ?? silentLogger;
    this.#store = new ObjectStore({
      clock,
      historyLimit: options.historyLimit ?? 1000,
      validate: options.validate ?? true,
      requireNamespaces: options.requireNamespaces ?? false,
      ...(options.random ? { random: options.random } : {}),
    });
    this.#store.setFieldTracker(new ManagedFieldsTracker());
    for (const t of options.resources ?? builtinResources) this.#store.register(t);
    if (options.requireNamespaces) {
      // the namespaces every cluster starts with
      const namespaces = this.#store.findType("", "namespaces");
      if (namespaces) {
        for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
          this.#store.create(
            namespaces,
            { metadata: { name } },
            { writer: { manager: "kube-apiserver", operation: "Update" } },
          );
        }
      }
    }
    this.#store.subscribe((ev) => this.#hub.dispatch(ev));
    // the API server's own CRD controllers: serve, establish and retire custom resources
    this.#store.subscribe((ev) => {
      if (ev.typeKey === "apiextensions.k8s.io/customresourcedefinitions") this.#syncCrd(ev);
    });
    // the controller-manager's garbage collector (after the watch hub: watchers see each change first)
    this.#gc = options.garbageCollection === false ? undefined : new GarbageCollector(this.#store);
    this.#requestLogLimit = options.requestLogLimit ?? 1000;
    this.faults = new FaultInjector({
      closeWatches: () => {
        for (const w of this.#hub.list()) w.end();
      },
      cutWatches: (reset) => {
        for (const w of this.#hub.list()) w.cut(reset);
      },
      stallWatches: () => {
        for (const w of this.#hub.list()) w.stall();
      },
      resumeWatches: () => {
        for (const w of this.#hub.list()) w.resume();
      },
      compact: () => this.#store.compact(),
      serveInvalid: (type, obj) => this.#serveInvalid(type, obj),
    });
    this.#handler = new RequestHandler({
      store: this.#store,
      hub: this.#hub,
      faults: this.faults,
      clock,
      logger,
      token: options.token,
      unprivilegedToken: options.unprivilegedToken,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      random: options.random ?? Math.random,
      yaml: options.yaml,
      watchBufferLimit: options.watchBufferLimit ?? 10_000,
      streamingLists: options.streamingLists ?? "supported",
      onRequest: (entry) => {
        this.#requests.push(entry);
        if (this.#requests.length > this.#requestLogLimit) this.#requests.shift();
      },
      onWatcherEnd: (w: Watcher) => this.#hub.remove(w),
    });
    this.fetch = (input, init) => {
      const request =
        input instanceof Request && init === undefined ? input : new Request(input, init);
      if (this.#closed) {
        return Promise.resolve(
          new Response(
            JSON.stringify(new StatusError(503, "fake API server is closed").toStatus()),
            {
              status: 503,
              headers: { "Content-Type": "application/json" },
            },
          ),
        );
      }
      return this.#handler.handle(request);
    };
  }

  /** Serve another resource type (a custom resource). */
  register(type: ResourceType<KubernetesObject> | ResourceType): void {
    this.#store.register(type as ResourceType);
  }

  /** Resource types served. */
  resources(): ResourceType[] {
    return this.#store.types();
  }

  /** The current global resource version (an opaque string to clients). */
  resourceVersion(): string {
    return String(this.#store.rv);
  }

  /** Requests handled so far (most recent last, bounded). */
  get requests(): readonly RequestLogEntry[] {
    return this.#requests;
  }

  /**
   * Create an object directly (no HTTP); watchers see an ADDED event.
   * Throws {@link StatusError} (409 AlreadyExists, 422 Invalid …).
   */
  create<T extends KubernetesObject>(type: ResourceType<T>, obj: T): T {
    return clone(this.#store.create(type as unknown as ResourceType, clone(obj))) as T;
  }

  /**
   * Replace an object directly. Optimistic concurrency applies when
   * `metadata.resourceVersion` is set (409 Conflict). `status` is kept as
   * stored: use {@link FakeApiServer.updateStatus} for it.
   */
  update<T extends KubernetesObject>(type: ResourceType<T>, obj: T): T {
    return clone(this.#store.update(type as unknown as ResourceType, clone(obj))) as T;
  }

  /** Replace an object's `status` (the status subresource). */
  updateStatus<T extends KubernetesObject>(type: ResourceType<T>, obj: T): T {
    return clone(
      this.#store.update(type as unknown as ResourceType, clone(obj), { subresource: "status" }),
    ) as T;
  }

  /**
   * Patch an object directly: `"merge"` (default), `"json"` (RFC 6902),
   * `"strategic"` (merging lists by the kind's merge keys) or `"apply"`
   * (server-side apply as `options.fieldManager`, default `kubeloop`; 409
   * on conflicts unless `options.force`).
   */
  patch<T extends KubernetesObject>(
    type: ResourceType<T>,
    name: string,
    patch: unknown,
    options: {
      namespace?: string | undefined;
      patchType?: PatchType;
      subresource?: "status";
      fieldManager?: string | undefined;
      force?: boolean | undefined;
    } = {},
  ): T {
    const rt = type as unknown as ResourceType;
    const patchType = options.patchType ?? "merge";
    if (patchType === "apply") {
      const manager = options.fieldManager ?? "kubeloop";
      const current = this.#store.peek(rt, options.namespace, name);
      const config = { ...(patch as KubernetesObject) };
      config.metadata = { ...(config.metadata ?? {}), name };
      const result = serverSideApply(
        rt,
        current,
        config,
        manager,
        options.force ?? false,
        timestamp(this.#clock.now()),
      );
      const writer = { manager, operation: "Apply" as const, managedFields: result.managedFields };
      if (!current) {
        const obj = result.object!;
        if (rt.namespaced) obj.metadata = { ...obj.metadata, namespace: options.namespace };
        return clone(this.#store.create(rt, obj, { writer })) as T;
      }
      if (!result.object) return clone(current) as T;
      const next = {
        ...result.object,
        metadata: { ...result.object.metadata, resourceVersion: current.metadata.resourceVersion },
      };
      return clone(this.#store.update(rt, next, { subresource: options.subresource, writer })) as T;
    }
    const current = this.#store.get(rt, options.namespace, name);
    let patched: KubernetesObject;
    try {
      patched = (
        patchType === "strategic"
          ? applyStrategicMergePatchWith(clone(current), patch, mergeInfoFor(rt))
          : applyPatch(patchType, current, patch)
      ) as KubernetesObject;
    } catch (e) {
      if (e instanceof PatchError) throw new StatusError(e.malformed ? 400 : 422, e.message);
      throw e;
    }
    if (!patched || typeof patched !== "object" || !patched.metadata)
      throw badRequest("patch removed metadata");
    patched = {
      ...patched,
      metadata: {
        ...patched.metadata,
        name: current.metadata.name,
        namespace: current.metadata.namespace,
        resourceVersion: patched.metadata.resourceVersion ?? current.metadata.resourceVersion,
      },
    };
    return clone(this.#store.update(rt, patched, { subresource: options.subresource })) as T;
  }

  /**
   * Delete an object directly. With finalizers it only gets a
   * `deletionTimestamp`. Returns the deleted or terminating object.
   */
  delete<T extends KubernetesObject>(type: ResourceType<T>, name: string, namespace?: string): T {
    return clone(this.#store.delete(type as unknown as ResourceType, namespace, name).object) as T;
  }

  /** Get an object, or `undefined`. */
  get<T extends KubernetesObject>(
    type: ResourceType<T>,
    name: string,
    namespace?: string,
  ): T | undefined {
    const obj = this.#store.peek(type as unknown as ResourceType, namespace, name);
    return obj ? (clone(obj) as T) : undefined;
  }

  /** List objects (sorted by namespace/name), optionally in a namespace and by selectors. */
  list<T extends KubernetesObject>(type: ResourceType<T>, options: DirectListOptions = {}): T[] {
    const { items } = this.#store.list(type as unknown as ResourceType, {
      namespace: options.namespace,
      labelSelector: options.labelSelector ? parseLabelSelector(options.labelSelector) : undefined,
      fieldSelector: options.fieldSelector ? parseFieldSelector(options.fieldSelector) : undefined,
    });
    return items.map((o) => clone(o) as T);
  }

  /**
   * Create every object of a list (e.g. from a JSON file), finding the type
   * by `apiVersion` and `kind`. `List` objects are flattened. Returns the
   * number created.
   */
  load(objects: readonly KubernetesObject[]): number {
    let n = 0;
    for (const obj of objects) {
      if (
        obj.kind === "List" ||
        (typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items))
      ) {
        n += this.load(obj.items as KubernetesObject[]);
        continue;
      }
      const type = this.#store
        .types()
        .find((t) => t.apiVersion === obj.apiVersion && t.kind === obj.kind);
      if (!type)
        throw badRequest(
          `no resource type for apiVersion ${String(obj.apiVersion)} kind ${String(obj.kind)}`,
        );
      const copy = clone(obj);
      if (type.namespaced && !copy.metadata.namespace) copy.metadata.namespace = "default";
      this.#store.create(type, copy);
      n++;
    }
    return n;
  }

  #syncCrd(ev: StoreEvent): void {
    const name = ev.object.metadata.name ?? "";
    const served = ev.type === "DELETED" ? [] : crdTypes(ev.object);
    for (const t of this.#store.types()) {
      if (!isCustomResource(t) || t.crd !== name) continue;
      if (
        served.some((s) => s.group === t.group && s.plural === t.plural && s.version === t.version)
      )
        continue;
      this.#store.unregister(t);
      for (const w of this.#hub.list()) if (w.typeKey === `${t.group}/${t.plural}`) w.end();
    }
    for (const t of served) this.#store.register(t);
    if (ev.type === "DELETED") return;
    const conditions = (ev.object.status as { conditions?: { type: string }[] | null } | undefined)
      ?.conditions;
    if (!conditions?.some((c) => c.type === "Established")) {
      const crdType = this.#store.findType("apiextensions.k8s.io", "customresourcedefinitions");
      if (!crdType) return;
      const status = establishedStatus(ev.object, timestamp(this.#clock.now()));
      this.#store.update(crdType, { ...ev.object, status }, { subresource: "status" });
    }
  }

  #serveInvalid(type: ResourceType, obj: KubernetesObject): KubernetesObject {
    const existing = obj.metadata?.name
      ? this.#store.peek(type, obj.metadata.namespace, obj.metadata.name)
      : undefined;
    const stored = existing
      ? this.#store.update(
          type,
          { ...clone(obj), metadata: { ...clone(obj.metadata), resourceVersion: undefined } },
          {
            validate: false,
          },
        )
      : this.#store.create(type, clone(obj), { validate: false });
    return clone(stored);
  }

  /** Send a BOOKMARK at the current resource version on every watch that asked for bookmarks. */
  bookmark(): void {
    for (const w of this.#hub.list()) w.bookmark();
  }

  /**
   * Resolve once every open watch (except stalled ones) has had every event
   * so far read by its consumer, and the event loop has had a turn to let
   * the consumer's decoding pipeline (text decoding, line splitting,
   * validation) process them. Over HTTP "read" means written to the socket.
   */
  async flushWatches(): Promise<void> {
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        this.#hub
          .list()
          .filter((w) => !w.stalled)
          .map((w) => w.flushed()),
      );
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
  }

  /** Number of open watches. */
  watcherCount(): number {
    return this.#hub.size;
  }

  /** Number of objects held (all types). */
  objectCount(): number {
    return this.#store.size();
  }

  /** Remove every object and the history (types, rv counter and faults stay). */
  clear(): void {
    this.#store.clear();
  }

  /**
   * Listen on HTTP(S), by default on `127.0.0.1` and a free port. Needs a
   * runtime with `node:http` (Node, Deno, Bun); not workerd.
   */
  async listen(options: ListenOptions = {}): Promise<Listener> {
    const { serve } = await import("../../runtime/serve.ts");
    const handle = await serve((req) => this.fetch(req), {
      port: options.port,
      hostname: options.hostname ?? "127.0.0.1",
      tls: options.tls,
    });
    const listener: Listener = {
      url: handle.url,
      close: async () => {
        this.#listeners.delete(listener);
        await handle.close();
      },
    };
    this.#listeners.add(listener);
    return listener;
  }

  /** End every watch, cancel timers and close every listener. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#gc?.close();
    this.#store.close();
    for (const w of this.#hub.list()) w.end();
    await Promise.all([...this.#listeners].map((l) => l.close()));
  }
}
