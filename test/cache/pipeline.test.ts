// The reflector's fast paths: list pages fetched one ahead while the previous one is validated and stored,
// watch events handled a batch at a time, managedFields left out before parsing by default. Each keeps the
// order and results of the plain path.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createInformer } from "../../src/cache/informer.ts";
import { listWatchStep, listWatchStepNow } from "../../src/cache/list-watch.ts";
import {
  dropManagedFields,
  emptyStats,
  type ListWatchClient,
  Reflector,
  type ReflectorListOptions,
  type ReflectorSink,
  type ReflectorWatchOptions,
} from "../../src/cache/reflector.ts";
import { KubeClient } from "../../src/client/client.ts";
import { ApiError } from "../../src/client/errors.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import type { ObjectList, WatchEvent } from "../../src/resources/meta.ts";
import { silentLogger } from "../../src/util/logger.ts";

const cm = (name: string, rv = "1"): ConfigMap => ({
  metadata: { name, namespace: "ns", resourceVersion: rv },
  data: { k: name },
});

/** Resolves when `fn` (checked after each macrotask) holds; bounded. */
async function until(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, i < 50 ? 0 : 2));
  }
  throw new Error(`not reached: ${what}`);
}

/** A client whose list pages resolve only when the test says so; it logs what happens in order. */
class GatedClient implements ListWatchClient {
  readonly log: string[] = [];
  readonly gates = new Map<string, (page: ObjectList<ConfigMap> | Error) => void>();
  readonly watchEvents: WatchEvent<ConfigMap>[][] = [];
  readonly heads = new Map<string, ((token: string) => void) | undefined>();
  list<T>(_type: unknown, opts: ReflectorListOptions = {}): Promise<ObjectList<T>> {
    const key = opts.continue ?? `first rv=${opts.resourceVersion}`;
    this.log.push(`request ${key}`);
    this.heads.set(key, opts.onContinue);
    return new Promise((resolve, reject) => {
      this.gates.set(key, (page) => {
        this.log.push(`response ${key}`);
        if (page instanceof Error) reject(page);
        else resolve(page as unknown as ObjectList<T>);
      });
      opts.signal?.addEventListener("abort", () => {
        this.log.push(`aborted ${key}`);
        reject(opts.signal?.reason);
      });
    });
  }
  async *watch<T>(_type: unknown, opts: ReflectorWatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    this.log.push(`watch rv=${opts.resourceVersion}`);
    for (const batch of this.watchEvents.splice(0))
      for (const ev of batch) yield ev as WatchEvent<T>;
    await new Promise<void>((_, reject) =>
      opts.signal?.addEventListener("abort", () => reject(opts.signal?.reason)),
    );
  }
  /** The head of page `key` arrives and shows the next page's token (as KubeClient reports it). */
  head(key: string, token: string): void {
    const onContinue = this.heads.get(key);
    assert.ok(onContinue, `request ${key} takes no onContinue`);
    this.log.push(`head ${key}`);
    onContinue(token);
  }
  open(key: string, page: ObjectList<ConfigMap> | Error): void {
    const gate = this.gates.get(key);
    assert.ok(gate, `no request ${key} (log: ${this.log.join(", ")})`);
    this.gates.delete(key);
    gate(page);
  }
}

const page = (items: ConfigMap[], cont?: string): ObjectList<ConfigMap> => ({
  metadata: { resourceVersion: "10", ...(cont ? { continue: cont } : {}) },
  items,
});

function recordingSink(log: string[]): ReflectorSink<ConfigMap> {
  return {
    replace: (objs, rv) => log.push(`replace ${objs.map((o) => o.metadata.name).join(",")} @${rv}`),
    apply: (type, obj) => log.push(`${type} ${obj.metadata.name}`),
    bookmark: (rv) => log.push(`bookmark ${rv}`),
  };
}

/** A reflector over a GatedClient, run until it has asked for its first page. */
async function startPaging(): Promise<{
  client: GatedClient;
  ac: AbortController;
  done: Promise<void>;
  reflector: Reflector<ConfigMap>;
}> {
  const client = new GatedClient();
  const reflector = new Reflector(client, ConfigMaps, recordingSink(client.log), {
    logger: silentLogger,
  });
  const ac = new AbortController();
  const done = reflector.run(ac.signal);
  await until(() => client.gates.has("first rv=0"), "first page requested");
  return { client, ac, done, reflector };
}

/** Answers the last page (c3), waits until the list is stored, and stops the reflector. */
async function lastPageAndStop(
  client: GatedClient,
  ac: AbortController,
  done: Promise<void>,
): Promise<void> {
  client.open("c3", page([cm("d")]));
  await until(() => client.log.some((l) => l.startsWith("replace")), "replaced");
  ac.abort();
  await done;
}

describe("list pipelining", () => {
  it("asks for page k+1 as soon as page k arrives, never more than one page ahead, objects in order", async () => {
    const { client, ac, done, reflector } = await startPaging();
    client.open("first rv=0", page([cm("a"), cm("b")], "c2"));
    await until(() => client.gates.has("c2"), "page 2 requested");
    // page 3 is not asked for before page 2 is in
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(client.gates.has("c3"), false);
    client.open("c2", page([cm("c")], "c3"));
    await until(() => client.gates.has("c3"), "page 3 requested");
    await lastPageAndStop(client, ac, done);
    assert.deepEqual(client.log.slice(0, 7), [
      "request first rv=0",
      "response first rv=0",
      "request c2",
      "response c2",
      "request c3",
      "response c3",
      "replace a,b,c,d @10",
    ]);
    assert.equal(reflector.stats.pages, 3);
  });

  it("the next page is requested before the current page's objects are validated", async () => {
    const client = new GatedClient();
    const order: string[] = [];
    const reflector = new Reflector(client, ConfigMaps, recordingSink([]), {
      logger: silentLogger,
      validate: false,
      transform: (obj) => {
        order.push(`accept ${obj.metadata.name} (pending: ${[...client.gates.keys()].join(",")})`);
        return obj;
      },
    });
    const ac = new AbortController();
    const done = reflector.run(ac.signal);
    await until(() => client.gates.has("first rv=0"), "first page requested");
    client.open("first rv=0", page([cm("a")], "c2"));
    await until(() => order.length === 1, "page 1 accepted");
    ac.abort();
    await done;
    assert.deepEqual(order, ["accept a (pending: c2)"]);
    assert.ok(client.log.includes("aborted c2"), "the page in flight is cancelled on stop");
  });

  it("asks for page k+1 when page k's head shows its token, still one page ahead at most", async () => {
    const { client, ac, done } = await startPaging();
    client.head("first rv=0", "c2");
    assert.ok(client.gates.has("c2"), "page 2 asked for before page 1 is parsed");
    // page 2's head arrives while page 1 is still processed: page 3 waits until page 2 is taken
    client.head("c2", "c3");
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(client.gates.has("c3"), false);
    client.open("first rv=0", page([cm("a"), cm("b")], "c2"));
    await until(() => client.gates.has("c3"), "page 3 requested once page 2 is taken");
    client.open("c2", page([cm("c")], "c3"));
    await lastPageAndStop(client, ac, done);
    assert.deepEqual(client.log.slice(0, 10), [
      "request first rv=0",
      "head first rv=0",
      "request c2",
      "head c2",
      "response first rv=0",
      "request c3",
      "response c2",
      "response c3",
      "replace a,b,c,d @10",
      "watch rv=10",
    ]);
    assert.equal(
      client.log.filter((l) => l.startsWith("aborted")).length,
      0,
      "no page asked for twice",
    );
  });

  it("KubeClient reports the continue token from the head of a list response", async () => {
    const body = JSON.stringify({
      kind: "ConfigMapList",
      apiVersion: "v1",
      metadata: { resourceVersion: "10", continue: "next-page" },
      items: [cm("a")],
    });
    let sent = false;
    const tokens: string[] = [];
    const client = new KubeClient({
      server: "http://kube.test",
      fetch: async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(c) {
              // the head (up to the first item) first, then the rest
              if (!sent) {
                sent = true;
                c.enqueue(new TextEncoder().encode(body.slice(0, body.indexOf("{", 80) + 1)));
              } else {
                c.enqueue(new TextEncoder().encode(body.slice(body.indexOf("{", 80) + 1)));
                c.close();
              }
            },
          }),
          { headers: { "content-type": "application/json" } },
        ),
    });
    const list = await client.list(ConfigMaps, { onContinue: (t) => tokens.push(t) });
    assert.equal(list.metadata.continue, "next-page");
    assert.deepEqual(tokens, ["next-page"]);
    // a head that is not a list head, or a last page: no token
    const plain = await new KubeClient({
      server: "http://kube.test",
      fetch: async () => new Response(JSON.stringify({ metadata: {}, items: [] })),
    }).list(ConfigMaps, { onContinue: (t) => tokens.push(t) });
    assert.equal(plain.items.length, 0);
    assert.deepEqual(tokens, ["next-page"]);
  });

  it("prefetchPages: false fetches one page after the other", async () => {
    const client = new GatedClient();
    const order: string[] = [];
    const reflector = new Reflector(client, ConfigMaps, recordingSink([]), {
      logger: silentLogger,
      prefetchPages: false,
      transform: (obj) => {
        order.push(`accept ${obj.metadata.name} (pending: ${[...client.gates.keys()].join(",")})`);
        return obj;
      },
    });
    const ac = new AbortController();
    const done = reflector.run(ac.signal);
    await until(() => client.gates.has("first rv=0"), "first page requested");
    client.open("first rv=0", page([cm("a")], "c2"));
    await until(() => client.gates.has("c2"), "page 2 requested");
    ac.abort();
    await done;
    assert.deepEqual(order, ["accept a (pending: )"]);
  });

  it("a page fetched ahead that fails with 410 (expired continue token) restarts the list", async () => {
    const client = new GatedClient();
    const log: string[] = [];
    const reflector = new Reflector(client, ConfigMaps, recordingSink(log), {
      logger: silentLogger,
    });
    const ac = new AbortController();
    const done = reflector.run(ac.signal);
    await until(() => client.gates.has("first rv=0"), "first page requested");
    client.open("first rv=0", page([cm("a")], "c2"));
    await until(() => client.gates.has("c2"), "page 2 requested");
    client.open(
      "c2",
      new ApiError({
        code: 410,
        reason: "Expired",
        message: "continue token expired",
        method: "GET",
        url: "http://k.invalid/api/v1/configmaps",
      }),
    );
    await until(() => client.gates.has("first rv="), "restarted with a consistent read");
    client.open("first rv=", page([cm("a", "2"), cm("b", "2")]));
    await until(() => log.length > 0, "replaced");
    ac.abort();
    await done;
    assert.deepEqual(log, ["replace a,b @10"]);
    assert.equal(reflector.stats.gone, 1);
  });
});

describe("watch batches through the reflector", () => {
  it("applies every event of a batch in order, bookmarks included, with no await between them", async () => {
    const client = new GatedClient();
    client.watchEvents.push([
      { type: "ADDED", object: cm("x", "11") },
      { type: "BOOKMARK", object: { metadata: { resourceVersion: "12" } } },
      { type: "MODIFIED", object: cm("x", "13") },
      { type: "DELETED", object: cm("x", "14") },
    ]);
    const log: string[] = [];
    const batched: ListWatchClient = {
      list: (t, o) => client.list(t, o),
      watch: (t, o) => client.watch(t, o),
      // the same events as one batch
      async *watchBatches<T>(t: never, o?: ReflectorWatchOptions): AsyncGenerator<WatchEvent<T>[]> {
        const events = client.watchEvents.splice(0).flat();
        client.log.push(`watch rv=${o?.resourceVersion}`);
        yield events as unknown as WatchEvent<T>[];
        await new Promise<void>((_, reject) =>
          o?.signal?.addEventListener("abort", () => reject(o.signal?.reason)),
        );
        void t;
      },
    };
    const sink = recordingSink(log);
    // a microtask queued at the first apply runs at the first await: later applies of the batch must come first
    const sawAwait: boolean[] = [];
    let awaited = false;
    const reflector = new Reflector(
      batched,
      ConfigMaps,
      {
        ...sink,
        apply: (type, obj) => {
          if (sawAwait.length === 0) queueMicrotask(() => (awaited = true));
          sawAwait.push(awaited);
          sink.apply(type, obj);
        },
      },
      { logger: silentLogger },
    );
    const ac = new AbortController();
    const done = reflector.run(ac.signal);
    await until(() => client.gates.has("first rv=0"), "list requested");
    client.open("first rv=0", page([]));
    await until(() => log.length === 5, "events applied");
    ac.abort();
    await done;
    assert.deepEqual(log, ["replace  @10", "ADDED x", "bookmark 12", "MODIFIED x", "DELETED x"]);
    assert.equal(reflector.lastSyncResourceVersion(), "14");
    assert.deepEqual(
      sawAwait,
      [false, false, false],
      "the applies of one batch ran without an await",
    );
    assert.equal(reflector.stats.events, 3);
    assert.equal(reflector.stats.bookmarks, 1);
  });

  it("listWatchStepNow takes a buffered event at once and nothing otherwise", async () => {
    const stats = emptyStats();
    const buffer: WatchEvent<ConfigMap>[] = [{ type: "ADDED", object: cm("a", "5") }];
    const io = {
      kind: "ConfigMap",
      pageSize: 500,
      streamingList: false,
      stats,
      now: () => 7,
      watchTimeoutSeconds: () => 300,
      list: () => Promise.reject(new Error("not listing")),
      openWatch: () => {},
      next: () => Promise.resolve({ done: true as const, value: undefined }),
      buffered: () => {
        const ev = buffer.shift();
        return ev ? { done: false as const, value: ev } : undefined;
      },
      streamingListEnded: () => {},
      closeWatch: () => {},
      accept: (raw: unknown) => raw as ConfigMap,
      takeInvalidKeys: () => [],
    };
    const watching = {
      phase: "watching" as const,
      resourceVersion: "4",
      timeoutSeconds: 300,
      startedAt: 0,
      lastEventAt: 0,
      events: 0,
      progressed: false,
    };
    const now = listWatchStepNow(watching, io);
    assert.ok(now);
    assert.equal(now.event?.type, "apply");
    assert.deepEqual(now.state, {
      ...watching,
      resourceVersion: "5",
      events: 1,
      lastEventAt: 7,
      progressed: true,
    });
    // the same transition as the awaited step would make
    buffer.push({ type: "ADDED", object: cm("a", "5") });
    const awaited = await listWatchStep(
      { ...watching },
      {
        ...io,
        buffered: () => undefined,
        next: () => Promise.resolve({ done: false as const, value: buffer.shift()! }),
      },
    );
    assert.deepEqual(awaited, now);
    assert.equal(listWatchStepNow(watching, io), undefined, "nothing buffered");
    assert.equal(
      listWatchStepNow({ phase: "listed", resourceVersion: "4", afterList: true }, io),
      undefined,
    );
    assert.equal(listWatchStepNow({ phase: "empty", consistent: false }, io), undefined);
  });
});

describe("managedFields by default", () => {
  const mf = [{ manager: "m", operation: "Update", fieldsV1: { "f:data": {} } }];
  function server(): typeof fetch {
    let watched = false;
    const f = async (input: RequestInfo | URL): Promise<Response> => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.searchParams.get("watch") === "true") {
        if (watched) return new Response(new ReadableStream());
        watched = true;
        const obj = {
          metadata: { name: "b", namespace: "ns", resourceVersion: "11", managedFields: mf },
          data: {},
        };
        return new Response(`${JSON.stringify({ type: "ADDED", object: obj })}\n`);
      }
      const items = [
        {
          metadata: { name: "a", namespace: "ns", resourceVersion: "9", managedFields: mf },
          data: {},
        },
      ];
      return new Response(
        JSON.stringify({ kind: "ConfigMapList", metadata: { resourceVersion: "10" }, items }),
      );
    };
    return f as typeof fetch;
  }

  for (const [label, transform, kept] of [
    ["the default transform: never parsed, never stored", undefined, false],
    ["dropManagedFields passed explicitly: the same", dropManagedFields, false],
    ["a transform of its own: sees them", (o: ConfigMap) => o, true],
  ] as const) {
    it(label, async () => {
      const client = new KubeClient({
        server: "http://k.invalid",
        fetch: server(),
        rateLimit: false,
      });
      const informer = createInformer(client, ConfigMaps, {
        logger: silentLogger,
        ...(transform ? { transform } : {}),
      });
      const ac = new AbortController();
      const done = informer.run(ac.signal);
      await until(() => informer.store.has("ns/b"), "watch event stored");
      ac.abort();
      await done;
      for (const key of ["ns/a", "ns/b"]) {
        const md = informer.store.get(key)!.metadata;
        assert.equal("managedFields" in md, kept, key);
        assert.equal(md.name, key.slice(3));
      }
    });
  }
});
