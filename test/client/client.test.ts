import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeClient, listQuery, resourcePath, watchQuery } from "../../src/client/client.ts";
import { protectConfig, redactConfig } from "../../src/client/config.ts";
import {
  ApiError,
  NetworkError,
  TimeoutError,
  ValidationError,
  WatchDecodeError,
} from "../../src/client/errors.ts";
import { Deployments } from "../../src/resources/apps.ts";
import { ConfigMaps, Namespaces, Pods } from "../../src/resources/core.ts";
import type { WatchEvent } from "../../src/resources/meta.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { MemoryLogger } from "../../src/util/logger.ts";

type Handler = (req: Request) => Response | Promise<Response>;

function fakeFetch(handler: Handler): { fetch: typeof fetch; requests: Request[] } {
  const requests: Request[] = [];
  const f = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    requests.push(req);
    return handler(req);
  };
  return { fetch: f as typeof fetch, requests };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

const cm = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", resourceVersion: "1" },
  data: { a: "1" },
  ...extra,
});

const enc = new TextEncoder();

/** A watch response whose body the test controls. */
function controlledStream(): {
  response: Response;
  send(line: string): void;
  close(): void;
  cancelled: () => boolean;
} {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  let wasCancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
    cancel() {
      wasCancelled = true;
    },
  });
  return {
    response: new Response(body, { status: 200 }),
    send: (line) => ctl.enqueue(enc.encode(line)),
    close: () => ctl.close(),
    cancelled: () => wasCancelled,
  };
}

describe("paths and query strings", () => {
  it("builds core, group, namespaced, cluster-scoped and subresource paths", () => {
    assert.equal(resourcePath(Pods, { namespace: "default" }), "/api/v1/namespaces/default/pods");
    assert.equal(resourcePath(Pods, {}), "/api/v1/pods");
    assert.equal(
      resourcePath(Pods, { namespace: "ns", name: "web" }),
      "/api/v1/namespaces/ns/pods/web",
    );
    assert.equal(
      resourcePath(Deployments, { namespace: "ns", name: "web", subresource: "status" }),
      "/apis/apps/v1/namespaces/ns/deployments/web/status",
    );
    assert.equal(
      resourcePath(Namespaces, { namespace: "ignored", name: "kube-system" }),
      "/api/v1/namespaces/kube-system",
    );
    assert.equal(
      resourcePath(ConfigMaps, { namespace: "a b", name: "x y€" }),
      "/api/v1/namespaces/a%20b/configmaps/x%20y%E2%82%AC",
    );
    // a "/" is refused (test/client/path.test.ts), not encoded: the API server would decode it
    assert.throws(() => resourcePath(ConfigMaps, { namespace: "a", name: "x/y" }), TypeError);
  });

  it("never sends resourceVersion with continue", () => {
    assert.equal(
      listQuery({ resourceVersion: "0", limit: 500 }).toString(),
      "limit=500&resourceVersion=0",
    );
    const q = listQuery({
      resourceVersion: "5",
      resourceVersionMatch: "Exact",
      continue: "tok",
      limit: 10,
    });
    assert.equal(q.get("continue"), "tok");
    assert.equal(q.has("resourceVersion"), false);
    assert.equal(q.has("resourceVersionMatch"), false);
    assert.equal(
      listQuery({ labelSelector: "app=web", fieldSelector: "metadata.name=x" }).toString(),
      "labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dx",
    );
  });

  it("builds watch queries", () => {
    const q = watchQuery({
      resourceVersion: "10",
      allowWatchBookmarks: true,
      timeoutSeconds: 300,
      sendInitialEvents: true,
      resourceVersionMatch: "NotOlderThan",
    });
    assert.equal(
      q.toString(),
      "watch=true&resourceVersion=10&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=300&sendInitialEvents=true",
    );
  });
});

describe("KubeClient requests", () => {
  it("gets an object with auth, accept and the config namespace", async () => {
    const { fetch, requests } = fakeFetch(() => json(cm("a")));
    const client = new KubeClient({
      server: "https://k8s.example:6443/",
      token: "tok-123",
      namespace: "team",
      fetch,
    });
    const obj = await client.get(ConfigMaps, "a");
    assert.equal(obj.data?.a, "1");
    assert.equal(requests[0]!.url, "https://k8s.example:6443/api/v1/namespaces/team/configmaps/a");
    assert.equal(requests[0]!.headers.get("authorization"), "Bearer tok-123");
    assert.equal(requests[0]!.headers.get("accept"), "application/json");
  });

  it("keeps a server path prefix", async () => {
    const { fetch, requests } = fakeFetch(() => json(cm("a")));
    const client = new KubeClient({ server: "https://proxy/k8s/clusters/c1", fetch });
    await client.get(ConfigMaps, "a", { namespace: "default" });
    assert.equal(
      requests[0]!.url,
      "https://proxy/k8s/clusters/c1/api/v1/namespaces/default/configmaps/a",
    );
  });

  it("uses basic auth and token providers", async () => {
    const basic = fakeFetch(() => json(cm("a")));
    await new KubeClient({
      server: "https://k",
      username: "admin",
      password: "pässword",
      fetch: basic.fetch,
    }).get(ConfigMaps, "a");
    const header = basic.requests[0]!.headers.get("authorization")!;
    assert.ok(header.startsWith("Basic "));
    const decoded = new TextDecoder().decode(
      Uint8Array.from(atob(header.slice(6)), (c) => c.charCodeAt(0)),
    );
    assert.equal(decoded, "admin:pässword");

    let n = 0;
    const prov = fakeFetch(() => json(cm("a")));
    const client = new KubeClient({
      server: "https://k",
      tokenProvider: () => `rotating-${++n}`,
      fetch: prov.fetch,
    });
    await client.get(ConfigMaps, "a");
    await client.get(ConfigMaps, "a");
    assert.equal(prov.requests[0]!.headers.get("authorization"), "Bearer rotating-1");
    assert.equal(prov.requests[1]!.headers.get("authorization"), "Bearer rotating-2");
  });

  it("lists one page, fills kind/apiVersion of items, reports invalid items", async () => {
    const { fetch, requests } = fakeFetch(() =>
      json({
        apiVersion: "v1",
        kind: "ConfigMapList",
        metadata: { resourceVersion: "42", continue: "next" },
        items: [
          { metadata: { name: "a", namespace: "default" } },
          { metadata: { name: "bad", namespace: "default" }, data: { x: 1 } },
        ],
      }),
    );
    const client = new KubeClient({ server: "https://k", fetch });
    const invalid: ValidationError[] = [];
    const page = await client.list(ConfigMaps, {
      namespace: "default",
      limit: 2,
      resourceVersion: "0",
      onInvalid: (e) => invalid.push(e),
    });
    assert.equal(
      requests[0]!.url,
      "https://k/api/v1/namespaces/default/configmaps?limit=2&resourceVersion=0",
    );
    assert.equal(page.metadata.resourceVersion, "42");
    assert.equal(page.metadata.continue, "next");
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0]!.kind, "ConfigMap");
    assert.equal(page.items[0]!.apiVersion, "v1");
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0]!.key, "default/bad");
    assert.equal(invalid[0]!.kind, "ConfigMap");

    await assert.rejects(
      client.list(ConfigMaps, { namespace: "default" }),
      (err: unknown) =>
        err instanceof ValidationError && err.key === "default/bad" && /data: /.test(err.message),
    );
  });

  it("listAll follows continue without resourceVersion, and relists on an expired token", async () => {
    const { fetch, requests } = fakeFetch((req) => {
      const url = new URL(req.url);
      const cont = url.searchParams.get("continue");
      if (!cont)
        return json({ metadata: { resourceVersion: "7", continue: "p2" }, items: [cm("a")] });
      if (cont === "p2")
        return json({ metadata: { resourceVersion: "7", continue: "p3" }, items: [cm("b")] });
      return json({ metadata: { resourceVersion: "7" }, items: [cm("c")] });
    });
    const client = new KubeClient({ server: "https://k", fetch });
    const all = await client.listAll(ConfigMaps, { resourceVersion: "0" });
    assert.deepEqual(
      all.items.map((i) => i.metadata.name),
      ["a", "b", "c"],
    );
    assert.equal(all.metadata.resourceVersion, "7");
    assert.equal(all.metadata.continue, undefined);
    assert.equal(requests[0]!.url, "https://k/api/v1/configmaps?limit=500&resourceVersion=0");
    assert.equal(requests[1]!.url, "https://k/api/v1/configmaps?limit=500&continue=p2");

    let calls = 0;
    const expiring = fakeFetch((req) => {
      calls++;
      const url = new URL(req.url);
      if (url.searchParams.get("continue")) {
        return json(
          { kind: "Status", code: 410, reason: "Expired", message: "continue token expired" },
          410,
        );
      }
      if (url.searchParams.get("limit"))
        return json({ metadata: { continue: "old" }, items: [cm("a")] });
      return json({ metadata: { resourceVersion: "9" }, items: [cm("a"), cm("b")] });
    });
    const relisted = await new KubeClient({ server: "https://k", fetch: expiring.fetch }).listAll(
      ConfigMaps,
      {},
    );
    assert.equal(relisted.items.length, 2);
    assert.equal(relisted.metadata.resourceVersion, "9");
    assert.equal(calls, 3);
  });

  it("refuses objects and lists of another kind", async () => {
    const podList = fakeFetch(() =>
      json({
        kind: "PodList",
        apiVersion: "v1",
        metadata: {},
        items: [{ kind: "Pod", apiVersion: "v1", metadata: { name: "p" } }],
      }),
    );
    await assert.rejects(
      new KubeClient({ server: "https://k", fetch: podList.fetch }).list(ConfigMaps),
      (err: unknown) => err instanceof ApiError && /expected a ConfigMapList/.test(err.message),
    );
    const wrongItem = fakeFetch(() =>
      json({
        kind: "ConfigMapList",
        metadata: {},
        items: [{ kind: "Pod", metadata: { name: "p", namespace: "x" } }, cm("ok")],
      }),
    );
    const invalid: ValidationError[] = [];
    const page = await new KubeClient({ server: "https://k", fetch: wrongItem.fetch }).list(
      ConfigMaps,
      {
        onInvalid: (e) => invalid.push(e),
      },
    );
    assert.equal(page.items.length, 1);
    assert.match(invalid[0]!.message, /expected kind ConfigMap, got "Pod"/);
    const wrongGroup = fakeFetch(() => json({ ...cm("a"), apiVersion: "example.com/v1" }));
    await assert.rejects(
      new KubeClient({ server: "https://k", fetch: wrongGroup.fetch }).get(ConfigMaps, "a"),
      (err: unknown) => err instanceof ValidationError && /apiVersion/.test(err.message),
    );
  });

  it("accepts full objects for metadata-only requests when a server ignores as=", async () => {
    const { fetch } = fakeFetch(() =>
      json({ kind: "ConfigMapList", apiVersion: "v1", metadata: {}, items: [cm("a")] }),
    );
    const list = await new KubeClient({ server: "https://k", fetch }).list(ConfigMaps, {
      metadataOnly: true,
    });
    assert.equal(list.items[0]!.metadata.name, "a");
  });

  it("sends metadata-only Accept headers", async () => {
    const { fetch, requests } = fakeFetch((req) =>
      req.url.endsWith("/a")
        ? json({
            apiVersion: "meta.k8s.io/v1",
            kind: "PartialObjectMetadata",
            metadata: { name: "a" },
          })
        : json({
            kind: "PartialObjectMetadataList",
            metadata: {},
            items: [{ metadata: { name: "a" } }],
          }),
    );
    const client = new KubeClient({ server: "https://k", fetch });
    const one = await client.get(Pods, "a", { metadataOnly: true });
    assert.equal(one.kind, "PartialObjectMetadata");
    const list = await client.list(Pods, { metadataOnly: true });
    assert.equal(list.items[0]!.kind, "PartialObjectMetadata");
    assert.equal(
      requests[0]!.headers.get("accept"),
      "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json",
    );
    assert.equal(
      requests[1]!.headers.get("accept"),
      "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
    );
  });

  it("creates, replaces, patches (every type), replaces status and deletes", async () => {
    const { fetch, requests } = fakeFetch((req) => {
      if (req.method === "DELETE")
        return json({ kind: "Status", apiVersion: "v1", status: "Success", code: 200 });
      return json(cm("a"));
    });
    const client = new KubeClient({ server: "https://k", fetch });
    await client.create(
      ConfigMaps,
      { metadata: { name: "a", namespace: "ns1" }, data: {} },
      { fieldManager: "me" },
    );
    await client.replace(ConfigMaps, cm("a"));
    await client
      .replaceStatus(Deployments, {
        metadata: { name: "web", namespace: "default" },
        status: { replicas: 1 },
      })
      .catch(() => {});
    await client.patch(
      ConfigMaps,
      "a",
      { data: { b: "2" } },
      { type: "merge", namespace: "default" },
    );
    await client.patch(ConfigMaps, "a", [{ op: "add", path: "/data/c", value: "3" }], {
      type: "json",
    });
    await client.patch(ConfigMaps, "a", { data: { d: "4" } }, { type: "strategic" });
    await client.patch(
      ConfigMaps,
      "a",
      { metadata: { name: "a" }, data: { e: "5" } },
      {
        type: "apply",
        fieldManager: "ctl",
        force: true,
      },
    );
    await client
      .patch(Pods, "p", { status: { phase: "Running" } }, { type: "merge", subresource: "status" })
      .catch(() => {});
    const del = await client.delete(ConfigMaps, "a", {
      propagationPolicy: "Foreground",
      preconditions: { uid: "u1", resourceVersion: "3" },
    });
    assert.equal((del as { status?: string }).status, "Success");

    const summary = requests.map(
      (r) => `${r.method} ${r.url.replace("https://k", "")} ${r.headers.get("content-type") ?? ""}`,
    );
    assert.deepEqual(summary, [
      "POST /api/v1/namespaces/ns1/configmaps?fieldManager=me application/json",
      "PUT /api/v1/namespaces/default/configmaps/a application/json",
      "PUT /apis/apps/v1/namespaces/default/deployments/web/status application/json",
      "PATCH /api/v1/namespaces/default/configmaps/a application/merge-patch+json",
      "PATCH /api/v1/namespaces/default/configmaps/a application/json-patch+json",
      "PATCH /api/v1/namespaces/default/configmaps/a application/strategic-merge-patch+json",
      "PATCH /api/v1/namespaces/default/configmaps/a?fieldManager=ctl&force=true application/apply-patch+yaml",
      "PATCH /api/v1/namespaces/default/pods/p/status application/merge-patch+json",
      "DELETE /api/v1/namespaces/default/configmaps/a application/json",
    ]);
    const created = await requests[0]!.json();
    assert.equal(created.kind, "ConfigMap");
    assert.equal(created.apiVersion, "v1");
    const applied = await requests[6]!.json();
    assert.equal(applied.kind, "ConfigMap");
    const delBody = await requests[8]!.json();
    assert.equal(delBody.propagationPolicy, "Foreground");
    assert.deepEqual(delBody.preconditions, { uid: "u1", resourceVersion: "3" });
  });

  it("completes a server-side apply body from the type and the call (apiVersion, kind, name, namespace)", async () => {
    const { fetch, requests } = fakeFetch((req) =>
      req.url.includes("/namespaces/prod")
        ? json({ apiVersion: "v1", kind: "Namespace", metadata: { name: "prod" } })
        : json(cm("a")),
    );
    const client = new KubeClient({ server: "https://k", fetch, namespace: "team" });
    const body = { data: { mode: "fast" } };
    await client.patch(ConfigMaps, "settings", body, { type: "apply", fieldManager: "me" });
    assert.deepEqual(await requests[0]!.json(), {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings", namespace: "team" },
      data: { mode: "fast" },
    });
    assert.deepEqual(body, { data: { mode: "fast" } }, "the caller's object is not modified");
    // what the body says is kept (the server rejects mismatches); metadata keeps its other fields
    await client.patch(
      ConfigMaps,
      "settings",
      { metadata: { name: "other", labels: { a: "b" } }, data: {} },
      { type: "apply", fieldManager: "me", namespace: "ns2" },
    );
    assert.deepEqual(await requests[1]!.json(), {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "other", labels: { a: "b" }, namespace: "ns2" },
      data: {},
    });
    // cluster-scoped: no namespace
    await client.patch(
      Namespaces,
      "prod",
      { metadata: { labels: { env: "prod" } } },
      {
        type: "apply",
        fieldManager: "me",
      },
    );
    assert.deepEqual(await requests[2]!.json(), {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { labels: { env: "prod" }, name: "prod" },
    });
    // other patch types are sent as given
    await client.patch(ConfigMaps, "settings", { data: { x: "1" } }, { type: "merge" });
    assert.deepEqual(await requests[3]!.json(), { data: { x: "1" } });
  });

  it("refuses apply without fieldManager and non-array JSON patches", async () => {
    const client = new KubeClient({
      server: "https://k",
      fetch: fakeFetch(() => json(cm("a"))).fetch,
    });
    await assert.rejects(client.patch(ConfigMaps, "a", {}, { type: "apply" }), TypeError);
    await assert.rejects(client.patch(ConfigMaps, "a", {}, { type: "json" }), TypeError);
  });

  it("turns error statuses into ApiError and failures into NetworkError", async () => {
    const notFound = fakeFetch(() =>
      json(
        { kind: "Status", code: 404, reason: "NotFound", message: 'configmaps "x" not found' },
        404,
      ),
    );
    await assert.rejects(
      new KubeClient({ server: "https://k", fetch: notFound.fetch }).get(ConfigMaps, "x"),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === 404 &&
        err.reason === "NotFound" &&
        err.method === "GET",
    );
    const down = fakeFetch(() => {
      throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:1") });
    });
    await assert.rejects(
      new KubeClient({ server: "https://127.0.0.1:1", fetch: down.fetch }).get(ConfigMaps, "x"),
      (err: unknown) =>
        err instanceof NetworkError &&
        /ECONNREFUSED/.test(err.message) &&
        /127\.0\.0\.1:1/.test(err.message),
    );
    const notJson = fakeFetch(() => new Response("<html>", { status: 200 }));
    await assert.rejects(
      new KubeClient({ server: "https://k", fetch: notJson.fetch }).get(ConfigMaps, "x"),
      (err: unknown) => err instanceof ApiError && err.reason === "InvalidResponse",
    );
    const invalid = fakeFetch(() => json({ metadata: { name: 5 } }));
    await assert.rejects(
      new KubeClient({ server: "https://k", fetch: invalid.fetch }).get(ConfigMaps, "x"),
      (err: unknown) => err instanceof ValidationError && /metadata\.name/.test(err.message),
    );
  });

  it("rethrows the caller's abort reason and times out with TimeoutError", async () => {
    const hanging = fakeFetch(
      (req) =>
        new Promise<Response>((_resolve, reject) => {
          if (req.signal.aborted) reject(req.signal.reason);
          req.signal.addEventListener("abort", () => reject(req.signal.reason));
        }),
    );
    const ac = new AbortController();
    const client = new KubeClient({ server: "https://k", fetch: hanging.fetch });
    const p = client.get(ConfigMaps, "x", { signal: ac.signal });
    const reason = new Error("stop now");
    ac.abort(reason);
    await assert.rejects(p, (err: unknown) => err === reason);

    const clock = new FakeClock();
    const timed = new KubeClient({
      server: "https://k",
      fetch: hanging.fetch,
      timeoutMs: 5000,
      clock,
    });
    const t = assert.rejects(
      timed.get(ConfigMaps, "x"),
      (err: unknown) => err instanceof TimeoutError && err.timeoutMs === 5000,
    );
    await clock.waitForTimers(1);
    await clock.advance(5000);
    await t;
  });

  it("propagates a failing token provider without leaving timers behind", async () => {
    const clock = new FakeClock();
    const client = new KubeClient({
      server: "https://k",
      timeoutMs: 1000,
      clock,
      tokenProvider: () => Promise.reject(new Error("no token")),
      fetch: fakeFetch(() => json(cm("a"))).fetch,
    });
    await assert.rejects(client.get(ConfigMaps, "a"), /no token/);
    assert.equal(clock.pendingTimers, 0);
  });

  it("rate-limits with a token bucket", async () => {
    const clock = new FakeClock();
    const { fetch, requests } = fakeFetch(() => json(cm("a")));
    const client = new KubeClient({
      server: "https://k",
      fetch,
      clock,
      rateLimit: { qps: 1, burst: 1 },
    });
    await client.get(ConfigMaps, "a");
    const second = client.get(ConfigMaps, "a");
    await clock.waitForTimers(1);
    assert.equal(requests.length, 1);
    await clock.advance(1000);
    await second;
    assert.equal(requests.length, 2);
  });
});

describe("configuration checks", () => {
  it("warns loudly when TLS verification is off", () => {
    const logger = new MemoryLogger();
    new KubeClient({ server: "https://k", insecureSkipTLSVerify: true, logger });
    assert.equal(logger.find("warn", "TLS verification is disabled").length, 1);
  });

  it("rejects a missing or malformed server URL", () => {
    assert.throws(() => new KubeClient({ server: "" }), TypeError);
    assert.throws(() => new KubeClient({ server: "not a url" }), /not a URL/);
    assert.throws(() => new KubeClient({ server: "ftp://k" }), /http\(s\)/);
  });

  it("reports an unreachable server as NetworkError", async () => {
    const client = new KubeClient({ server: "http://127.0.0.1:1" });
    await assert.rejects(
      client.list(Pods),
      (err: unknown) => err instanceof NetworkError && /127\.0\.0\.1:1/.test(err.message),
    );
  });
});

describe("redaction", () => {
  const CANARY = "canary-token-Zx81Q";
  it("never shows tokens, passwords or keys", async () => {
    const echo = fakeFetch((req) =>
      json(
        {
          kind: "Status",
          code: 401,
          reason: "Unauthorized",
          message: `bad ${req.headers.get("authorization")}`,
        },
        401,
      ),
    );
    const config = protectConfig({
      server: "https://k",
      token: CANARY,
      password: `${CANARY}-pw`,
      username: "u",
      clientKey: `${CANARY}-key`,
      fetch: echo.fetch,
    });
    const client = new KubeClient(config);
    const err = await client.get(ConfigMaps, "a").catch((e: unknown) => e as Error);
    assert.ok(err instanceof ApiError);
    for (const text of [
      err.message,
      String(err),
      JSON.stringify(err),
      JSON.stringify(client),
      String(client),
      JSON.stringify(config),
      String(config),
      JSON.stringify(redactConfig(config)),
    ]) {
      assert.ok(!text.includes(CANARY), `leaked in: ${text}`);
    }
    const broken = fakeFetch(() => {
      throw new TypeError(`failed with ${CANARY}`);
    });
    const err2 = await new KubeClient({ server: "https://k", token: CANARY, fetch: broken.fetch })
      .get(ConfigMaps, "a")
      .catch((e: unknown) => e as Error);
    assert.ok(err2 instanceof NetworkError);
    assert.ok(!err2.message.includes(CANARY));
  });

  it("turns credentials in the server URL into basic auth and never shows them", async () => {
    const { fetch, requests } = fakeFetch(() => json(cm("a")));
    const client = new KubeClient({ server: `https://admin:${CANARY}@k:6443/`, fetch });
    await client.get(ConfigMaps, "a");
    assert.equal(requests[0]!.url, "https://k:6443/api/v1/namespaces/default/configmaps/a");
    assert.equal(requests[0]!.headers.get("authorization"), `Basic ${btoa(`admin:${CANARY}`)}`);
    assert.ok(!JSON.stringify(client).includes(CANARY));
    assert.equal(client.server, "https://k:6443");
    const down = new KubeClient({ server: `http://admin:${CANARY}@127.0.0.1:1` });
    const err = await down.list(ConfigMaps).catch((e: unknown) => e as Error);
    assert.ok(err instanceof NetworkError);
    assert.ok(!`${err.message}${err.stack}${String(err.cause)}`.includes(CANARY));
  });
});

describe("KubeClient.watch", () => {
  it("streams validated events; bookmarks and errors use their own schemas", async () => {
    const s = controlledStream();
    const { fetch, requests } = fakeFetch(() => s.response);
    const client = new KubeClient({ server: "https://k", fetch });
    const invalid: ValidationError[] = [];
    const events: WatchEvent<unknown>[] = [];
    const done = (async () => {
      for await (const ev of client.watch(ConfigMaps, {
        namespace: "default",
        resourceVersion: "5",
        allowWatchBookmarks: true,
        onInvalid: (e) => invalid.push(e),
      })) {
        events.push(ev);
      }
    })();
    s.send(
      `${JSON.stringify({ type: "ADDED", object: { metadata: { name: "a", namespace: "default" } } })}\n`,
    );
    s.send(
      `${JSON.stringify({ type: "MODIFIED", object: { metadata: { name: "b" }, data: { x: 1 } } })}\n`,
    );
    s.send(
      `${JSON.stringify({ type: "BOOKMARK", object: { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: "9", annotations: { "k8s.io/initial-events-end": "true" } } } })}\n`,
    );
    s.send(
      `${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old" } })}\n`,
    );
    s.close();
    await done;
    assert.equal(
      requests[0]!.url,
      "https://k/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=5&allowWatchBookmarks=true",
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ["ADDED", "BOOKMARK", "ERROR"],
    );
    assert.equal((events[0]!.object as { kind: string }).kind, "ConfigMap");
    assert.equal(
      (events[1]!.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
      "9",
    );
    assert.equal((events[2]!.object as { code: number }).code, 410);
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0]!.objectName, "b");
  });

  it("throws ValidationError for an invalid object without onInvalid", async () => {
    const s = controlledStream();
    const client = new KubeClient({
      server: "https://k",
      fetch: fakeFetch(() => s.response).fetch,
    });
    s.send(
      `${JSON.stringify({ type: "ADDED", object: { metadata: { name: "b" }, data: { x: 1 } } })}\n`,
    );
    s.close();
    await assert.rejects(
      (async () => {
        for await (const _ of client.watch(ConfigMaps)) {
          // no-op
        }
      })(),
      ValidationError,
    );
  });

  it("ends with the abort reason when the signal aborts, and break aborts the request", async () => {
    const s = controlledStream();
    const { fetch, requests } = fakeFetch(() => s.response);
    const client = new KubeClient({ server: "https://k", fetch });
    const ac = new AbortController();
    const seen: string[] = [];
    const p = (async () => {
      for await (const ev of client.watch(ConfigMaps, { signal: ac.signal })) {
        seen.push(ev.type);
        ac.abort(new Error("shutdown"));
      }
    })();
    s.send(`${JSON.stringify({ type: "ADDED", object: { metadata: { name: "a" } } })}\n`);
    await assert.rejects(p, /shutdown/);
    assert.deepEqual(seen, ["ADDED"]);
    assert.equal(requests[0]!.signal.aborted, true);

    const s2 = controlledStream();
    const f2 = fakeFetch(() => s2.response);
    const client2 = new KubeClient({ server: "https://k", fetch: f2.fetch });
    s2.send(`${JSON.stringify({ type: "ADDED", object: { metadata: { name: "a" } } })}\n`);
    for await (const _ of client2.watch(ConfigMaps)) break;
    assert.equal(f2.requests[0]!.signal.aborted, true);
    assert.equal(s2.cancelled(), true);
  });

  it("reports truncated streams, oversized lines and idle timeouts", async () => {
    const s = controlledStream();
    const client = new KubeClient({
      server: "https://k",
      fetch: fakeFetch(() => s.response).fetch,
    });
    s.send('{"type":"ADDED","object":{"meta');
    s.close();
    await assert.rejects(
      (async () => {
        for await (const _ of client.watch(ConfigMaps)) {
          // no-op
        }
      })(),
      (err: unknown) => err instanceof WatchDecodeError && err.kind === "truncated",
    );

    const s2 = controlledStream();
    const client2 = new KubeClient({
      server: "https://k",
      fetch: fakeFetch(() => s2.response).fetch,
    });
    s2.send("x".repeat(300));
    await assert.rejects(
      (async () => {
        for await (const _ of client2.watch(ConfigMaps, { maxLineBytes: 256 })) {
          // no-op
        }
      })(),
      (err: unknown) => err instanceof WatchDecodeError && err.kind === "line-too-long",
    );

    const clock = new FakeClock();
    const s3 = controlledStream();
    const client3 = new KubeClient({
      server: "https://k",
      fetch: fakeFetch(() => s3.response).fetch,
      clock,
    });
    const p = assert.rejects(
      (async () => {
        for await (const _ of client3.watch(ConfigMaps, { idleTimeoutMs: 60_000 })) {
          // no-op
        }
      })(),
      (err: unknown) => err instanceof TimeoutError && /idle/.test(err.message),
    );
    await clock.waitForTimers(1);
    await clock.advance(60_000);
    await p;
  });

  it("surfaces a watch that fails to start as ApiError", async () => {
    const client = new KubeClient({
      server: "https://k",
      fetch: fakeFetch(() =>
        json({ kind: "Status", code: 403, reason: "Forbidden", message: "no" }, 403),
      ).fetch,
    });
    await assert.rejects(
      (async () => {
        for await (const _ of client.watch(Pods)) {
          // no-op
        }
      })(),
      (err: unknown) => err instanceof ApiError && err.code === 403,
    );
  });
});
