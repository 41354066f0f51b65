// Bad input reaching a running informer (real KubeClient + real SharedInformer
// against the FakeApiServer in-process): malformed JSON lines, unknown event
// types, objects without metadata, a huge line, invalid UTF-8, broken list
// bodies. Each is refused with a typed error (class and fields checked),
// logged and counted; the informer keeps its cache and, once the server
// answers normally again, ends up equal to the server.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type InformerStats, SharedInformer } from "../../src/cache/informer.ts";
import { InvalidObjectError } from "../../src/cache/reflector.ts";
import { KubeClient } from "../../src/client/client.ts";
import { ApiError, WatchDecodeError } from "../../src/client/errors.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { assertStoreEqualsServer, eventually, storeMatchesServer } from "./harness.ts";

const NS = "bad";
const enc = new TextEncoder();

/** A fetch in front of the fake server that can answer the next watch or list with poison. */
class Poisoner {
  readonly watches: Uint8Array[] = [];
  readonly lists: (string | Uint8Array)[] = [];
  served = 0;
  constructor(readonly server: FakeApiServer) {}
  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request && init === undefined ? input : new Request(input, init);
    const url = new URL(req.url);
    const watch = url.searchParams.get("watch") === "true";
    if (req.method === "GET" && url.pathname.endsWith("/configmaps")) {
      const poison = watch ? this.watches.shift() : this.lists.shift();
      if (poison !== undefined) {
        this.served++;
        return new Response(poison as BodyInit, {
          status: 200,
          headers: { "content-type": "application/json" },
        });
      }
    }
    return this.server.fetch(req);
  };
}

interface Caught {
  err: unknown;
  phase: string;
  key: string | undefined;
}

describe("bad input: refused, typed, logged, counted; the informer goes on", () => {
  let server: FakeApiServer;
  let poison: Poisoner;
  let informer: SharedInformer<ConfigMap>;
  let logger: MemoryLogger;
  const caught: Caught[] = [];
  const ac = new AbortController();
  let done: Promise<void>;
  let n = 0;

  before(async () => {
    server = new FakeApiServer();
    poison = new Poisoner(server);
    logger = new MemoryLogger();
    for (let i = 0; i < 5; i++)
      server.create(ConfigMaps, { metadata: { name: `cm-${i}`, namespace: NS }, data: { i: "0" } });
    const client = new KubeClient({ server: "http://fake.invalid", fetch: poison.fetch });
    informer = new SharedInformer(client, ConfigMaps, {
      namespace: NS,
      logger,
      backoff: { initialMs: 1, maxMs: 5, jitter: 0 },
      onError: (err, info) => caught.push({ err, phase: info.phase, key: info.key }),
    });
    done = informer.run(ac.signal);
    assert.equal(await informer.waitForSync(AbortSignal.timeout(10_000)), true);
  });

  after(async () => {
    ac.abort();
    await done;
    await server.close();
  });

  /**
   * Queue `body` as the answer to the next watch, make the informer reconnect,
   * wait for the error, check the cache was kept, then change the server and
   * wait for convergence. Returns the error and the stats delta.
   */
  async function poisonWatch(
    body: Uint8Array | string,
    accept: (c: Caught) => boolean,
  ): Promise<{ caught: Caught; delta: InformerStats }> {
    const before = informer.stats();
    const snapshot = new Map(informer.store.list().map((o) => [o.metadata.name, o]));
    const from = caught.length;
    const servedBefore = poison.served;
    poison.watches.push(typeof body === "string" ? enc.encode(body) : body);
    server.faults.closeWatches();
    const hit = await eventually(() => caught.slice(from).find(accept), {
      what: "the poisoned watch's error",
    });
    assert.equal(poison.served, servedBefore + 1, "the poisoned response was served");
    // nothing was lost or changed in the cache by the poison
    for (const [name, obj] of snapshot)
      assert.equal(informer.store.get(`${NS}/${name}`), obj, `cache kept ${name}`);
    // the loop continues: later changes arrive and the cache equals the server
    n++;
    server.update(ConfigMaps, {
      metadata: { name: `cm-${n % 5}`, namespace: NS },
      data: { i: String(n) },
    });
    server.create(ConfigMaps, { metadata: { name: `new-${n}`, namespace: NS }, data: {} });
    await eventually(() => storeMatchesServer(informer, server, NS), { what: "convergence" });
    assertStoreEqualsServer(informer, server, NS);
    const now = informer.stats();
    const delta = Object.fromEntries(
      Object.entries(now).map(([k, v]) => [k, v - before[k as keyof InformerStats]]),
    ) as unknown as InformerStats;
    return { caught: hit, delta };
  }

  function logged(text: string): void {
    assert.ok(
      logger.records.some(
        (r) =>
          (r.level === "error" || r.level === "warn") &&
          `${r.msg} ${JSON.stringify(r.fields)}`.includes(text),
      ),
      `no error/warn log line mentions ${text}`,
    );
  }

  it("a malformed JSON line: WatchDecodeError invalid-json", async () => {
    const { caught: c, delta } = await poisonWatch(
      '{"type":"ADDED","object":{"metadata":{"name":"x"\n',
      (c) => c.err instanceof WatchDecodeError,
    );
    assert.ok(c.err instanceof WatchDecodeError);
    assert.equal(c.err.kind, "invalid-json");
    assert.equal(c.err.line, 1);
    assert.equal(c.phase, "watch");
    assert.ok(delta.errors >= 1);
    logged("not JSON");
  });

  it("a wrong event type: WatchDecodeError invalid-event", async () => {
    const { caught: c, delta } = await poisonWatch(
      `${JSON.stringify({ type: "EXPLODED", object: { metadata: { name: "cm-1", namespace: NS } } })}\n`,
      (c) => c.err instanceof WatchDecodeError,
    );
    assert.ok(c.err instanceof WatchDecodeError);
    assert.equal(c.err.kind, "invalid-event");
    assert.match(c.err.message, /EXPLODED/);
    assert.ok(delta.errors >= 1);
    logged("EXPLODED");
  });

  it("a line that is not a {type, object} event: WatchDecodeError invalid-event", async () => {
    const { caught: c } = await poisonWatch(
      '{"type":"ADDED","object":"surprise"}\n',
      (c) => c.err instanceof WatchDecodeError,
    );
    assert.ok(c.err instanceof WatchDecodeError);
    assert.equal(c.err.kind, "invalid-event");
  });

  it("an object without metadata: InvalidObjectError, counted, not stored", async () => {
    const size = informer.store.size;
    const { caught: c, delta } = await poisonWatch(
      `${JSON.stringify({ type: "ADDED", object: { kind: "ConfigMap", data: { a: "b" } } })}\n`,
      (c) => c.err instanceof InvalidObjectError,
    );
    assert.ok(c.err instanceof InvalidObjectError);
    assert.equal(c.err.kind, "ConfigMap");
    assert.equal(c.err.eventType, "ADDED");
    assert.equal(c.err.key, undefined);
    assert.ok(c.err.issues.some((i) => i.path[0] === "metadata"));
    assert.equal(c.phase, "validation");
    assert.equal(delta.invalidObjects, 1);
    assert.ok(informer.store.size >= size);
    logged("invalid ConfigMap");
  });

  it("an object whose metadata has the wrong types: InvalidObjectError with its key", async () => {
    const { caught: c, delta } = await poisonWatch(
      `${JSON.stringify({
        type: "MODIFIED",
        object: { metadata: { name: "cm-2", namespace: NS, labels: { a: 1 } } },
      })}\n`,
      (c) => c.err instanceof InvalidObjectError,
    );
    assert.ok(c.err instanceof InvalidObjectError);
    assert.equal(c.err.key, `${NS}/cm-2`);
    assert.equal(c.err.eventType, "MODIFIED");
    assert.equal(delta.invalidObjects, 1);
  });

  it("a huge line (over the 16 MiB bound): WatchDecodeError line-too-long", async () => {
    const big = new Uint8Array(17 * 1024 * 1024).fill(0x61);
    big.set(enc.encode('{"type":"ADDED","object":{"metadata":{"name":"'), 0);
    const { caught: c } = await poisonWatch(big, (c) => c.err instanceof WatchDecodeError);
    assert.ok(c.err instanceof WatchDecodeError);
    assert.equal(c.err.kind, "line-too-long");
    assert.equal(c.err.line, 1);
    logged("maxLineBytes");
  });

  it("invalid UTF-8: WatchDecodeError invalid-utf8", async () => {
    const line = enc.encode('{"type":"ADDED","object":{"metadata":{"name":"u"}}}\n');
    const body = new Uint8Array(line.byteLength + 2);
    body[0] = 0xff;
    body[1] = 0xfe;
    body.set(line, 2);
    const { caught: c } = await poisonWatch(body, (c) => c.err instanceof WatchDecodeError);
    assert.ok(c.err instanceof WatchDecodeError);
    assert.equal(c.err.kind, "invalid-utf8");
    assert.equal(c.err.line, 1);
  });

  it("invalid UTF-8 inside a name: refused, no U+FFFD object in the cache", async () => {
    const line = enc.encode(
      `{"type":"ADDED","object":{"metadata":{"name":"utfX","namespace":"${NS}"}}}\n`,
    );
    line[line.indexOf(0x58)] = 0xff;
    const { caught: c } = await poisonWatch(line, (c) => c.err instanceof WatchDecodeError);
    assert.ok(c.err instanceof WatchDecodeError);
    assert.equal(c.err.kind, "invalid-utf8");
    assert.ok(!informer.store.keys().some((k) => k.includes("\uFFFD")));
  });

  it("a stream cut mid-line: WatchDecodeError truncated, retried", async () => {
    const { caught: c } = await poisonWatch(
      '{"type":"ADDED","object":{"metadata":{"name":"half',
      (c) => c.err instanceof WatchDecodeError,
    );
    assert.ok(c.err instanceof WatchDecodeError);
    assert.equal(c.err.kind, "truncated");
  });

  /** Force a relist whose first page is `body`. */
  async function poisonList(
    body: string,
    accept: (c: Caught) => boolean,
  ): Promise<{ caught: Caught; delta: InformerStats }> {
    poison.lists.push(body);
    server.faults.failNext({ watch: true, status: 410 });
    // the 410 arrives on the next watch; the relist then gets the poisoned page
    return poisonWatchLike(accept);
  }

  async function poisonWatchLike(
    accept: (c: Caught) => boolean,
  ): Promise<{ caught: Caught; delta: InformerStats }> {
    const before = informer.stats();
    const snapshot = new Map(informer.store.list().map((o) => [o.metadata.name, o]));
    const from = caught.length;
    server.faults.closeWatches();
    const hit = await eventually(() => caught.slice(from).find(accept), {
      what: "the poisoned list's error",
    });
    for (const [name, obj] of snapshot)
      assert.equal(informer.store.get(`${NS}/${name}`), obj, `cache kept ${name}`);
    n++;
    server.create(ConfigMaps, { metadata: { name: `new-${n}`, namespace: NS }, data: {} });
    await eventually(() => storeMatchesServer(informer, server, NS), { what: "convergence" });
    assertStoreEqualsServer(informer, server, NS);
    const now = informer.stats();
    const delta = Object.fromEntries(
      Object.entries(now).map(([k, v]) => [k, v - before[k as keyof InformerStats]]),
    ) as unknown as InformerStats;
    return { caught: hit, delta };
  }

  it("a list body that is not JSON: ApiError, the informer relists", async () => {
    const { caught: c, delta } = await poisonList(
      "<html>proxy error</html>",
      (c) => c.phase === "list",
    );
    assert.ok(c.err instanceof Error, String(c.err));
    assert.ok(delta.relists >= 1);
  });

  it("a list whose items is not an array: ApiError InvalidResponse", async () => {
    const { caught: c } = await poisonList(
      JSON.stringify({ kind: "ConfigMapList", metadata: { resourceVersion: "1" }, items: {} }),
      (c) => c.phase === "list",
    );
    assert.ok(c.err instanceof ApiError);
    assert.equal(c.err.reason, "InvalidResponse");
  });

  it("a list with a wrong kind (a PodList): ApiError InvalidResponse, nothing stored", async () => {
    const { caught: c } = await poisonList(
      JSON.stringify({
        kind: "PodList",
        apiVersion: "v1",
        metadata: { resourceVersion: server.resourceVersion() },
        items: [
          {
            kind: "Pod",
            apiVersion: "v1",
            metadata: { name: "intruder", namespace: NS },
            spec: { containers: [] },
          },
        ],
      }),
      (c) => c.phase === "list",
    );
    assert.ok(c.err instanceof ApiError);
    assert.equal(c.err.reason, "InvalidResponse");
    assert.match(c.err.message, /PodList/);
    assert.equal(informer.store.get(`${NS}/intruder`), undefined);
  });

  it("a watch event carrying another kind: InvalidObjectError, not stored", async () => {
    const { caught: c } = await poisonWatch(
      `${JSON.stringify({
        type: "ADDED",
        object: { kind: "Pod", apiVersion: "v1", metadata: { name: "intruder", namespace: NS } },
      })}\n`,
      (c) => c.err instanceof InvalidObjectError,
    );
    assert.ok(c.err instanceof InvalidObjectError);
    assert.equal(c.err.key, `${NS}/intruder`);
    assert.ok(c.err.issues.some((i) => i.path[0] === "kind"));
    assert.equal(informer.store.get(`${NS}/intruder`), undefined);
  });

  it("an object the server itself holds invalid: last valid version kept through a relist, then fixed", async () => {
    const key = `${NS}/cm-3`;
    const before = informer.store.get(key);
    assert.ok(before);
    const from = caught.length;
    const invalidBefore = informer.stats().invalidObjects;
    server.faults.serveInvalid(ConfigMaps, {
      metadata: { name: "cm-3", namespace: NS, labels: { broken: 1 as unknown as string } },
    });
    await eventually(() => caught.slice(from).find((c) => c.err instanceof InvalidObjectError), {
      what: "the invalid MODIFIED",
    });
    assert.equal(informer.store.get(key), before, "the last valid version is kept");
    // a relist sees the invalid object again: still kept, not deleted
    server.faults.failNext({ watch: true, status: 410 });
    server.faults.closeWatches();
    const relists = informer.stats().relists;
    await eventually(() => informer.stats().relists > relists, { what: "the relist" });
    assert.equal(informer.store.get(key), before, "kept through the relist");
    assert.ok(informer.stats().invalidObjects >= invalidBefore + 2);
    // fixed on the server: the cache follows
    server.update(ConfigMaps, {
      metadata: { name: "cm-3", namespace: NS },
      data: { fixed: "yes" },
    });
    await eventually(() => storeMatchesServer(informer, server, NS), { what: "convergence" });
    assertStoreEqualsServer(informer, server, NS);
    assert.equal(informer.store.get(key)?.data?.fixed, "yes");
  });

  it("a list item without metadata: InvalidObjectError (LIST), the rest is stored", async () => {
    const rv = server.resourceVersion();
    const items = server.list(ConfigMaps, { namespace: NS });
    const { caught: c } = await poisonList(
      JSON.stringify({
        kind: "ConfigMapList",
        apiVersion: "v1",
        metadata: { resourceVersion: rv },
        items: [...items, { data: { no: "metadata" } }],
      }),
      (c) => c.err instanceof InvalidObjectError,
    );
    assert.ok(c.err instanceof InvalidObjectError);
    assert.equal(c.err.eventType, "LIST");
  });
});
