import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { createInformer, type Informer, SharedInformer } from "../../src/cache/informer.ts";
import type { ListWatchClient } from "../../src/cache/reflector.ts";
import { KubeClient } from "../../src/client/client.ts";
import { ApiError } from "../../src/client/errors.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { MemoryLogger, silentLogger } from "../../src/util/logger.ts";
import { cm, type Env, eventually, paths, Recorder, requests, seed, setup } from "./support.ts";

const stops: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** Start an informer; the after-hook aborts it and closes the server. */
function start<T extends ConfigMap>(
  env: Env,
  informer: Informer<T>,
): { ac: AbortController; done: Promise<void> } {
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  stops.push(async () => {
    ac.abort();
    await done;
    await env.server.close();
  });
  return { ac, done };
}

function informerFor(
  env: Env,
  opts: Parameters<typeof createInformer<ConfigMap>>[2] = {},
): Informer<ConfigMap> {
  return createInformer(env.client, ConfigMaps, {
    clock: env.clock,
    random: () => 0,
    logger: silentLogger, // failures are injected on purpose; tests that check logs pass a MemoryLogger
    ...opts,
  });
}

describe("informer: list and watch", () => {
  it("KubeClient satisfies ListWatchClient", () => {
    const env = setup();
    const c: ListWatchClient = env.client;
    assert.ok(c);
  });

  it("lists with rv 0 and limit 500 (served whole, as from a real API server's watch cache), then watches from the list's rv", async () => {
    const env = setup();
    seed(env.server, 1203);
    const informer = informerFor(env, { random: () => 0.5 });
    const rec = new Recorder<ConfigMap>();
    informer.addEventHandler(rec.handler);
    assert.equal(informer.hasSynced(), false);
    start(env, informer);
    assert.equal(await informer.waitForSync(), true);
    assert.equal(informer.store.size, 1203);
    assert.equal(rec.count("add"), 1203);
    // a real API server ignores the limit of a resourceVersion=0 list (served from its watch cache)
    const lists = requests(env.server, "list");
    assert.equal(lists.length, 1);
    assert.equal(lists[0]!.get("resourceVersion"), "0");
    assert.equal(lists[0]!.get("limit"), "500");
    await eventually(() => requests(env.server, "watch").length > 0);
    const watches = requests(env.server, "watch");
    assert.equal(watches[0]!.get("resourceVersion"), env.server.resourceVersion());
    assert.equal(watches[0]!.get("allowWatchBookmarks"), "true");
    assert.equal(watches[0]!.get("timeoutSeconds"), "450", "300 + 0.5 * 300");
    assert.equal(informer.lastSyncResourceVersion(), env.server.resourceVersion());
    assert.equal(informer.stats().pages, 1);
  });

  it("delivers adds, updates and deletes after the store is updated", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const informer = informerFor(env);
    const seen: string[] = [];
    informer.addEventHandler({
      onAdd: (o) =>
        seen.push(
          `add ${o.metadata.name} cached=${informer.store.get(`default/${o.metadata.name}`) === o}`,
        ),
      onUpdate: (oldObj, newObj) =>
        seen.push(
          `update ${oldObj.data?.v ?? "-"}->${newObj.data?.v} cached=${informer.store.get("default/a") === newObj}`,
        ),
      onDelete: (o, info) =>
        seen.push(
          `delete ${o.metadata.name} ${info.finalStateUnknown} cached=${informer.store.has("default/a")}`,
        ),
    });
    start(env, informer);
    await informer.waitForSync();
    env.server.update(ConfigMaps, cm("a", "default", { v: "2" }));
    env.server.create(ConfigMaps, cm("b"));
    env.server.delete(ConfigMaps, "a", "default");
    await eventually(() => seen.length === 4);
    assert.deepEqual(seen, [
      "add a cached=true",
      "update -->2 cached=true",
      "add b cached=true",
      "delete a false cached=false",
    ]);
    assert.deepEqual(informer.store.keys(), ["default/b"]);
    assert.equal(informer.lastSyncResourceVersion(), env.server.resourceVersion());
  });

  it("advances the resource version on bookmarks", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const informer = informerFor(env);
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    // changes to another kind move the global rv but send no ConfigMap event
    env.server.create(ConfigMaps, cm("x", "other"));
    env.server.delete(ConfigMaps, "x", "other");
    await eventually(() => informer.lastSyncResourceVersion() === env.server.resourceVersion());
    const { Secrets } = await import("../../src/resources/core.ts");
    env.server.create(Secrets, { metadata: { name: "s", namespace: "default" } });
    const rvAfterSecret = env.server.resourceVersion();
    assert.notEqual(informer.lastSyncResourceVersion(), rvAfterSecret);
    env.server.bookmark();
    await eventually(() => informer.lastSyncResourceVersion() === rvAfterSecret);
    assert.ok(informer.stats().bookmarks >= 1);
    // a reconnect resumes from the bookmark's rv
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    await eventually(() => requests(env.server, "watch").length === 2);
    assert.equal(requests(env.server, "watch")[1]!.get("resourceVersion"), rvAfterSecret);
  });

  it("reconnects from the last resource version without relisting on a clean end", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const informer = informerFor(env);
    const rec = new Recorder<ConfigMap>();
    informer.addEventHandler(rec.handler);
    start(env, informer);
    await informer.waitForSync();
    env.server.update(ConfigMaps, cm("a", "default", { v: "1" }));
    await eventually(() => rec.count("update") === 1);
    const rv = env.server.resourceVersion();
    env.server.faults.closeWatches();
    await eventually(() => requests(env.server, "watch").length === 2);
    assert.equal(requests(env.server, "watch")[1]!.get("resourceVersion"), rv);
    env.server.create(ConfigMaps, cm("b"));
    await eventually(() => informer.store.has("default/b"));
    const s = informer.stats();
    assert.equal(s.lists, 1);
    assert.equal(s.relists, 0);
    assert.equal(s.reconnects, 1);
    assert.equal(requests(env.server, "list").length, 1);
  });

  it("treats an immediate empty clean end as a failure and backs off (client-go's short watch)", async () => {
    const env = setup();
    const informer = informerFor(env);
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    env.server.faults.closeWatches();
    await eventually(() => informer.stats().backoffs === 1);
    assert.equal(requests(env.server, "watch").length, 1);
    await env.clock.advance(800);
    await eventually(() => requests(env.server, "watch").length === 2);
    assert.equal(requests(env.server, "list").length, 1);
  });

  it("replaces a stalled watch after the idle timeout and resumes from the last rv", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const logger = new MemoryLogger();
    const errors: unknown[] = [];
    const informer = informerFor(env, {
      idleTimeoutMs: 10_000,
      logger,
      onError: (e) => errors.push(e),
    });
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    env.server.faults.stallWatches();
    env.server.create(ConfigMaps, cm("b")); // queued on the stalled watch
    await env.clock.advance(9_999);
    assert.equal(informer.stats().stalls, 0);
    assert.ok(!informer.store.has("default/b"));
    await env.clock.advance(1);
    await eventually(() => informer.store.has("default/b"));
    assert.equal(informer.stats().stalls, 1);
    assert.equal(informer.stats().lists, 1, "no relist");
    assert.equal(logger.find("warn", "watch stalled").length, 1);
    assert.equal((errors[0] as Error).name, "WatchStalledError");
    await eventually(() => env.server.watcherCount() === 1);
  });

  it("an idle watch that keeps getting events or bookmarks is not aborted", async () => {
    const env = setup();
    const informer = informerFor(env, { idleTimeoutMs: 10_000 });
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    for (let i = 0; i < 5; i++) {
      await env.clock.advance(6_000);
      env.server.bookmark();
      await eventually(() => informer.stats().bookmarks === i + 1);
    }
    assert.equal(informer.stats().stalls, 0);
    assert.equal(requests(env.server, "watch").length, 1);
  });
});

describe("informer: 410 and relists", () => {
  it('relists with resourceVersion="" on a 410 ERROR event and deletes vanished objects with finalStateUnknown', async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    env.server.create(ConfigMaps, cm("b"));
    const informer = informerFor(env);
    const rec = new Recorder<ConfigMap>();
    informer.addEventHandler(rec.handler);
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    // the watch stalls, b is deleted and c created meanwhile, history is compacted, the stream is cut
    env.server.faults.stallWatches();
    env.server.delete(ConfigMaps, "b", "default");
    env.server.create(ConfigMaps, cm("c"));
    env.server.update(ConfigMaps, cm("a", "default", { v: "2" }));
    env.server.faults.compact();
    env.server.faults.cutWatches();
    await eventually(() => informer.stats().backoffs === 1);
    await env.clock.advance(800);
    await eventually(() => informer.stats().relists === 1);
    const lists = requests(env.server, "list");
    assert.equal(lists.length, 2);
    assert.equal(lists[1]!.get("resourceVersion"), "", "a relist after 410 is a consistent read");
    assert.deepEqual(informer.store.keys().sort(), ["default/a", "default/c"]);
    assert.equal(informer.store.get("default/a")?.data?.v, "2");
    assert.deepEqual(rec.last.get("default/b")?.type, "delete");
    assert.equal(rec.last.get("default/b")?.finalStateUnknown, true);
    assert.ok(rec.calls.includes("add default/c"));
    assert.ok(rec.calls.includes("update default/a"));
    assert.equal(informer.stats().gone, 1);
    // the new watch starts from the relist's rv
    await eventually(() => requests(env.server, "watch").length === 3);
    assert.equal(
      requests(env.server, "watch")[2]!.get("resourceVersion"),
      env.server.resourceVersion(),
    );
  });

  it("relists on an HTTP 410 when connecting the watch", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const informer = informerFor(env);
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    env.server.faults.failNext({ watch: true, status: 410, asWatchEvent: false });
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    await eventually(() => informer.stats().relists === 1);
    assert.equal(requests(env.server, "list")[1]!.get("resourceVersion"), "");
    await eventually(() => env.server.watcherCount() === 1);
    env.server.create(ConfigMaps, cm("b"));
    await eventually(() => informer.store.has("default/b"));
  });

  it("relists on a 410 ERROR event in the middle of a live stream (reason Gone or Expired)", async () => {
    for (const reason of ["Expired", "Gone"]) {
      const env = setup();
      const { injectableFetch } = await import("./support.ts");
      const { KubeClient } = await import("../../src/client/client.ts");
      const inj = injectableFetch(env.server);
      env.client = new KubeClient({ server: "http://fake", fetch: inj.fetch });
      env.server.create(ConfigMaps, cm("a"));
      const informer = informerFor(env);
      const rec = new Recorder<ConfigMap>();
      informer.addEventHandler(rec.handler);
      start(env, informer);
      await informer.waitForSync();
      await eventually(() => env.server.watcherCount() === 1);
      env.server.create(ConfigMaps, cm("b"));
      await eventually(() => informer.store.has("default/b"));
      assert.equal(
        inj.inject(
          JSON.stringify({
            type: "ERROR",
            object: { kind: "Status", code: 410, reason, message: "too old" },
          }),
        ),
        1,
      );
      await eventually(() => informer.stats().relists === 1);
      assert.equal(informer.store.size, 2);
      assert.equal(rec.count("add"), 2, "objects unchanged by the relist are not re-dispatched");
      assert.equal(requests(env.server, "list")[1]!.get("resourceVersion"), "");
    }
  });

  it("restarts the list when a continue token expires", async () => {
    const env = setup();
    seed(env.server, 7);
    const { KubeClient } = await import("../../src/client/client.ts");
    let compacted = false;
    env.client = new KubeClient({
      server: "http://fake",
      fetch: (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        if (url.searchParams.get("continue") && !compacted) {
          compacted = true;
          env.server.create(ConfigMaps, cm("late"));
          env.server.faults.compact();
        }
        return env.server.fetch(input as Request, init);
      },
    });
    // a resourceVersion=0 list is served whole (as by a real API server), so page a consistent list:
    // the first list fails with 410 and the informer relists with resourceVersion=""
    env.server.faults.failNext({ verb: "list", status: 410 });
    const informer = informerFor(env, { pageSize: 3 });
    start(env, informer);
    await eventually(() => informer.hasSynced() || informer.stats().backoffs >= 1);
    if (!informer.hasSynced()) await env.clock.advance(800);
    assert.equal(await informer.waitForSync(), true);
    assert.equal(informer.store.size, 8);
    const lists = requests(env.server, "list");
    const statuses = env.server.requests.filter((r) => r.verb === "list").map((r) => r.status);
    assert.equal(lists[0]!.get("resourceVersion"), "0");
    assert.equal(statuses[0], 410);
    assert.equal(lists[1]!.get("resourceVersion"), "");
    assert.ok(lists[2]!.get("continue"));
    assert.equal(statuses[2], 410);
    assert.equal(lists[3]!.get("continue"), null, "the list restarts from the beginning");
    assert.equal(lists[3]!.get("resourceVersion"), "", "with a consistent read");
    assert.equal(statuses[3], 200);
  });
});

describe("informer: API server behind the client (504 Too large resource version)", () => {
  it('a watch answered 504 ResourceVersionTooLarge relists with resourceVersion="" after backoff; a recreated name is delete + add', async () => {
    const env = setup(); // the first API server
    for (const n of ["a", "b", "c"]) env.server.create(ConfigMaps, cm(n, "default", { from: "a" }));
    for (let i = 0; i < 10; i++)
      env.server.update(ConfigMaps, cm("c", "default", { from: "a", i: String(i) }));
    // its replacement counts resource versions from 1 again: "a" gets the
    // resource version the old "a" had (1), with another uid and other data
    const b = new FakeApiServer({ clock: env.serverClock });
    b.create(ConfigMaps, cm("a", "default", { from: "b" }));
    b.create(ConfigMaps, cm("d", "default", { from: "b" }));
    let current = env.server;
    const client = new KubeClient({
      server: "http://fake",
      fetch: (input, init) => current.fetch(input as Request | string | URL, init),
    });
    const informer = createInformer(client, ConfigMaps, {
      clock: env.clock,
      random: () => 0,
      logger: silentLogger,
    });
    const rec = new Recorder<ConfigMap>();
    informer.addEventHandler(rec.handler);
    start(env, informer);
    stops.push(() => b.close());
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    const oldRv = informer.lastSyncResourceVersion();
    assert.equal(oldRv, env.server.resourceVersion());
    assert.ok(Number(oldRv) > Number(b.resourceVersion()));
    const newA = b.get(ConfigMaps, "a", "default");
    assert.equal(
      informer.store.get("default/a")?.metadata.resourceVersion,
      newA?.metadata.resourceVersion,
    );
    assert.notEqual(informer.store.get("default/a")?.metadata.uid, newA?.metadata.uid);
    current = b;
    // a server below the watch's resource version: a real API server (1.20) lets such a watch wait;
    // one that refuses it answers 504 ResourceVersionTooLarge, injected here
    b.faults.failNext({
      verb: "watch",
      status: 504,
      reason: "Timeout",
      message: `Timeout: Too large resource version: ${oldRv}, current: ${b.resourceVersion()}`,
      causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
      retryAfterSeconds: 1,
    });
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    // the watch resumes from the old resource version on a server below it: 504, then backoff (no hot retry)
    await eventually(() => informer.stats().backoffs === 1);
    const watches = requests(b, "watch");
    assert.equal(watches.length, 1);
    assert.equal(watches[0]!.get("resourceVersion"), oldRv);
    const err = informer.lastError() as ApiError;
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 504);
    assert.equal(err.status?.details?.causes?.[0]?.reason, "ResourceVersionTooLarge");
    assert.equal(requests(b, "list").length, 0, "the relist waits for the backoff");
    await env.clock.advance(800);
    await eventually(() => informer.stats().relists === 1);
    assert.deepEqual(
      requests(b, "list").map((q) => q.get("resourceVersion")),
      [""],
      "a consistent read, not the same resource version again",
    );
    assert.deepEqual(informer.store.keys().sort(), ["default/a", "default/d"]);
    assert.equal(
      informer.store.get("default/a")?.data?.from,
      "b",
      "the recreated object, not the stale one",
    );
    assert.equal(informer.lastSyncResourceVersion(), b.resourceVersion());
    assert.deepEqual(rec.calls, [
      "add default/a",
      "add default/b",
      "add default/c",
      "add default/d",
      "delete? default/a",
      "add default/a",
      "delete? default/b",
      "delete? default/c",
    ]);
    // and it follows the new server from the relist's resource version
    await eventually(() => b.watcherCount() === 1);
    assert.equal(requests(b, "watch")[1]!.get("resourceVersion"), b.resourceVersion());
    b.create(ConfigMaps, cm("e"));
    await eventually(() => informer.store.has("default/e"));
  });

  it('a list answered 504 "Too large resource version" without a cause (older servers) relists with resourceVersion=""', async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    let tooLarge = 1;
    const client = new KubeClient({
      server: "http://fake",
      fetch: async (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        if (tooLarge > 0 && url.searchParams.get("watch") !== "true") {
          tooLarge--;
          return new Response(
            JSON.stringify({
              kind: "Status",
              apiVersion: "v1",
              status: "Failure",
              code: 504,
              reason: "Timeout",
              message: "Too large resource version: 9, current: 1",
            }),
            { status: 504, headers: { "content-type": "application/json" } },
          );
        }
        return env.server.fetch(input as Request | string | URL, init);
      },
    });
    const informer = createInformer(client, ConfigMaps, {
      clock: env.clock,
      random: () => 0,
      logger: silentLogger,
    });
    start(env, informer);
    await eventually(() => informer.stats().backoffs === 1);
    assert.equal((informer.lastError() as ApiError).code, 504);
    await env.clock.advance(800);
    assert.equal(await informer.waitForSync(), true);
    assert.deepEqual(
      requests(env.server, "list").map((q) => q.get("resourceVersion")),
      [""],
    );
    assert.deepEqual(informer.store.keys(), ["default/a"]);
  });

  it("another 504 on a watch (no ResourceVersionTooLarge) resumes from the same resource version without relisting", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const informer = informerFor(env);
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    const rv = informer.lastSyncResourceVersion();
    env.server.faults.failNext({ watch: true, status: 504, asWatchEvent: false });
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    await eventually(() => informer.stats().backoffs === 1);
    assert.equal((informer.lastError() as ApiError).code, 504);
    await env.clock.advance(800);
    await eventually(() => env.server.watcherCount() === 1);
    assert.equal(informer.stats().relists, 0);
    assert.equal(requests(env.server, "list").length, 1);
    const watches = requests(env.server, "watch");
    assert.equal(watches.length, 3);
    assert.equal(watches[2]!.get("resourceVersion"), rv);
  });
});

describe("informer: failures and backoff", () => {
  it("backs off on 500s during the list, reports each failure and shows lastError while unsynced", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    env.server.faults.failNext({ verb: "list", status: 500, times: 3 });
    const errors: { err: unknown; phase: string }[] = [];
    const informer = informerFor(env, {
      onError: (err, info) => errors.push({ err, phase: info.phase }),
    });
    start(env, informer);
    await eventually(() => informer.stats().backoffs === 1);
    assert.equal(informer.hasSynced(), false);
    assert.ok(informer.lastError() instanceof ApiError);
    assert.equal((informer.lastError() as ApiError).code, 500);
    await env.clock.advance(799);
    assert.equal(requests(env.server, "list").length, 1);
    await env.clock.advance(1);
    await eventually(() => informer.stats().backoffs === 2);
    await env.clock.advance(1600);
    await eventually(() => informer.stats().backoffs === 3);
    await env.clock.advance(3200);
    assert.equal(await informer.waitForSync(), true);
    assert.equal(informer.lastError(), undefined);
    assert.equal(errors.length, 3);
    assert.deepEqual(
      errors.map((e) => e.phase),
      ["list", "list", "list"],
    );
    assert.equal(informer.stats().errors, 3);
    assert.equal(
      env.clock.pendingTimers,
      1,
      "only the watch's idle deadline, no backoff timer left",
    );
  });

  it("honours Retry-After on 429 and keeps retrying 403 (reported, never silently syncing)", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    env.server.faults.failNext({
      verb: "list",
      status: 429,
      retryAfterSeconds: 20,
      plainText: true,
    });
    env.server.faults.failNext({ verb: "list", status: 403, times: 2 });
    const informer = informerFor(env);
    start(env, informer);
    await eventually(() => informer.stats().backoffs === 1);
    assert.equal((informer.lastError() as ApiError).code, 429);
    await env.clock.advance(19_999);
    assert.equal(requests(env.server, "list").length, 1);
    await env.clock.advance(1);
    await eventually(() => informer.stats().backoffs === 2);
    assert.equal((informer.lastError() as ApiError).code, 403);
    assert.equal(informer.hasSynced(), false);
    await env.clock.advance(1600);
    await eventually(() => informer.stats().backoffs === 3);
    await env.clock.advance(3200);
    assert.equal(await informer.waitForSync(), true);
  });

  it("survives bursts of 500 and 429 on the watch, resuming without relist, and resets the backoff after success", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const informer = informerFor(env);
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    env.server.faults.failNext({ watch: true, status: 500, times: 2 });
    env.server.faults.failNext({ watch: true, status: 429, times: 1, retryAfterSeconds: 10 });
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    await eventually(() => informer.stats().backoffs === 1);
    await env.clock.advance(800);
    await eventually(() => informer.stats().backoffs === 2);
    await env.clock.advance(1600);
    await eventually(() => informer.stats().backoffs === 3);
    await env.clock.advance(9_999);
    assert.equal(requests(env.server, "watch").length, 4);
    await env.clock.advance(1);
    await eventually(() => env.server.watcherCount() === 1);
    env.server.create(ConfigMaps, cm("b"));
    await eventually(() => informer.store.has("default/b"));
    assert.equal(informer.stats().lists, 1);
    assert.equal(informer.lastError(), undefined);
    // the backoff starts over after the success
    env.server.faults.failNext({ watch: true, status: 503 });
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    await eventually(() => informer.stats().backoffs === 4);
    await env.clock.advance(800);
    await eventually(() => env.server.watcherCount() === 1);
  });

  it("recovers from a stream cut mid-line (clean end or connection reset) without relisting", async () => {
    for (const reset of [false, true]) {
      const env = setup();
      env.server.create(ConfigMaps, cm("a"));
      const informer = informerFor(env);
      const errors: unknown[] = [];
      const inf = createInformer(env.client, ConfigMaps, {
        clock: env.clock,
        random: () => 0,
        logger: silentLogger,
        onError: (e) => errors.push(e),
      });
      void informer;
      start(env, inf);
      await inf.waitForSync();
      await eventually(() => env.server.watcherCount() === 1);
      env.server.faults.stallWatches();
      env.server.create(ConfigMaps, cm("b"));
      env.server.faults.cutWatches({ reset });
      await eventually(() => inf.stats().backoffs === 1);
      assert.ok(errors.length >= 1);
      await env.clock.advance(800);
      await eventually(() => inf.store.has("default/b"));
      assert.equal(inf.stats().lists, 1);
      assert.equal(requests(env.server, "list").length, 1);
    }
  });

  it("never hot-loops: repeated 410s and ERROR events get the growing backoff", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const informer = informerFor(env);
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    // every watch answers 410: one immediate relist, then backoff between attempts
    const rule = env.server.faults.failNext({
      watch: true,
      status: 410,
      times: Number.POSITIVE_INFINITY,
    });
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    await eventually(() => informer.stats().backoffs === 1);
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
    assert.equal(informer.stats().backoffs, 1);
    assert.equal(requests(env.server, "list").length, 2, "one immediate relist, then wait");
    await env.clock.advance(800);
    await eventually(() => informer.stats().backoffs === 2);
    await env.clock.advance(1599);
    assert.equal(informer.stats().backoffs, 2, "the delay grew to 1600 ms");
    env.server.faults.reset();
    void rule;
    await env.clock.advance(1);
    await eventually(() => env.server.watcherCount() === 1);
    // a watch event is progress: the backoff starts over
    env.server.create(ConfigMaps, cm("x"));
    await eventually(() => informer.store.has("default/x"));
    // ERROR events (not 410) as the first line: the backoff grows too
    env.server.faults.failNext({ watch: true, status: 500, asWatchEvent: true, times: 3 });
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    const before = informer.stats().backoffs;
    await eventually(() => informer.stats().backoffs === before + 1);
    await env.clock.advance(800);
    await eventually(() => informer.stats().backoffs === before + 2);
    await env.clock.advance(1599);
    assert.equal(informer.stats().backoffs, before + 2);
    await env.clock.advance(1);
    await eventually(() => informer.stats().backoffs === before + 3);
    await env.clock.advance(3200);
    await eventually(() => env.server.watcherCount() === 1);
    env.server.create(ConfigMaps, cm("b"));
    await eventually(() => informer.store.has("default/b"));
  });

  it("backs off when every list answers 410", async () => {
    const env = setup();
    env.server.faults.failNext({ verb: "list", status: 410, times: 4 });
    const informer = informerFor(env);
    start(env, informer);
    await eventually(() => informer.stats().backoffs === 1);
    assert.equal(requests(env.server, "list").length, 2, 'one immediate restart with rv ""');
    await env.clock.advance(800);
    await eventually(() => informer.stats().backoffs === 2);
    assert.equal(requests(env.server, "list").length, 4);
    await env.clock.advance(1600);
    assert.equal(await informer.waitForSync(), true);
  });

  it("backs off on a non-410 ERROR event", async () => {
    const env = setup();
    const informer = informerFor(env);
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    env.server.faults.failNext({ watch: true, status: 500, asWatchEvent: true });
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    await eventually(() => informer.stats().backoffs === 1);
    assert.equal((informer.lastError() as ApiError).code, 500);
    await env.clock.advance(800);
    await eventually(() => env.server.watcherCount() === 1);
    assert.equal(informer.stats().relists, 0);
  });
});

describe("informer: validation, transform, handlers", () => {
  it("reports invalid objects (list and watch), never stores or dispatches them, keeps the last valid version", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("good", "default", { v: "1" }));
    env.server.create(ConfigMaps, cm("later-bad", "default", { v: "1" }));
    env.server.faults.serveInvalid(ConfigMaps, {
      metadata: { name: "bad", namespace: "default" },
      data: { n: 1 },
    });
    const logger = new MemoryLogger();
    const errors: { err: unknown; key: string | undefined }[] = [];
    const informer = informerFor(env, {
      logger,
      onError: (err, info) => errors.push({ err, key: info.key }),
    });
    const rec = new Recorder<ConfigMap>();
    informer.addEventHandler(rec.handler);
    start(env, informer);
    await informer.waitForSync();
    assert.deepEqual(informer.store.keys().sort(), ["default/good", "default/later-bad"]);
    assert.equal(informer.stats().invalidObjects, 1);
    assert.equal(errors[0]!.key, "default/bad");
    const first = errors[0]!.err as Error & { issues: { path: PropertyKey[] }[]; key: string };
    assert.equal(first.name, "InvalidObjectError");
    assert.equal(first.issues[0]!.path[0], "data");
    const warn = logger.find("warn", "invalid ConfigMap")[0]!;
    assert.equal(warn.fields?.key, "default/bad");
    assert.ok(Array.isArray(warn.fields?.issues));
    await eventually(() => env.server.watcherCount() === 1);
    // an update that breaks the schema: not dispatched, earlier version kept
    env.server.faults.serveInvalid(ConfigMaps, {
      metadata: { name: "later-bad", namespace: "default" },
      data: { v: ["x"] },
    });
    env.server.create(ConfigMaps, cm("after"));
    await eventually(() => informer.store.has("default/after"));
    assert.equal(informer.stats().invalidObjects, 2);
    assert.equal(informer.store.get("default/later-bad")?.data?.v, "1");
    assert.equal(rec.count("update"), 0);
    // a relist keeps the last valid version of an object that is now invalid
    env.server.faults.failNext({ watch: true, status: 410 });
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    await eventually(() => informer.stats().relists === 1);
    assert.equal(informer.store.get("default/later-bad")?.data?.v, "1");
    assert.ok(!informer.store.has("default/bad"));
    assert.equal(rec.count("delete"), 0);
    // deleting the invalid object removes the cached valid version
    await eventually(() => env.server.watcherCount() === 1);
    env.server.delete(ConfigMaps, "later-bad", "default");
    await eventually(() => !informer.store.has("default/later-bad"));
    assert.equal(rec.last.get("default/later-bad")?.type, "delete");
    assert.equal(rec.last.get("default/later-bad")?.obj.data?.v, "1");
  });

  it("freezes cached objects when asked, and validate: false trusts the server", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a", "default", { k: "v" }));
    env.server.faults.serveInvalid(ConfigMaps, {
      metadata: { name: "odd", namespace: "default" },
      data: { n: 1 },
    });
    const informer = informerFor(env, { freeze: true, validate: false });
    start(env, informer);
    await informer.waitForSync();
    const a = informer.store.get("default/a")!;
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.data));
    assert.throws(() => {
      (a.data as Record<string, string>).k = "changed";
    }, TypeError);
    assert.ok(informer.store.has("default/odd"), "not validated");
    assert.equal(informer.stats().invalidObjects, 0);
  });

  it("drops managedFields by default and applies a custom transform", async () => {
    const env = setup();
    env.server.create(ConfigMaps, {
      metadata: {
        name: "a",
        namespace: "default",
        managedFields: [{ manager: "kubectl", operation: "Apply" }],
      },
      data: { k: "v" },
    });
    const plain = informerFor(env);
    start(env, plain);
    await plain.waitForSync();
    const a = plain.store.get("default/a")!;
    assert.equal(a.metadata.managedFields, undefined);
    assert.equal(a.kind, "ConfigMap", "kind and apiVersion are filled in");
    const env2 = setup();
    env2.server.create(ConfigMaps, cm("a", "default", { k: "v" }));
    const custom = createInformer(env2.client, ConfigMaps, {
      clock: env2.clock,
      transform: (o) => ({ ...o, data: { ...o.data, extra: "1" } }),
    });
    start(env2, custom);
    await custom.waitForSync();
    assert.equal(custom.store.get("default/a")?.data?.extra, "1");
  });

  it("skips an object whose transform throws, reporting it", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    env.server.create(ConfigMaps, cm("boom"));
    const phases: string[] = [];
    const logger = new MemoryLogger();
    const informer = createInformer(env.client, ConfigMaps, {
      clock: env.clock,
      logger,
      transform: (o) => {
        if (o.metadata.name === "boom") throw new Error("no");
        return o;
      },
      onError: (_e, info) => phases.push(`${info.phase} ${info.key}`),
    });
    start(env, informer);
    await informer.waitForSync();
    assert.deepEqual(informer.store.keys(), ["default/a"]);
    assert.deepEqual(phases, ["transform default/boom"]);
    assert.equal(logger.find("error", "ConfigMap transform failed").length, 1);
  });

  it("keeps going when a handler throws", async () => {
    const env = setup();
    const logger = new MemoryLogger();
    const informer = informerFor(env, { logger });
    const rec = new Recorder<ConfigMap>();
    informer.addEventHandler({
      onAdd: () => {
        throw new Error("handler bug");
      },
    });
    informer.addEventHandler(rec.handler);
    start(env, informer);
    await informer.waitForSync();
    env.server.create(ConfigMaps, cm("a"));
    env.server.create(ConfigMaps, cm("b"));
    await eventually(() => rec.count("add") === 2);
    assert.equal(informer.stats().handlerErrors, 2);
    assert.equal(logger.find("error", "event handler onAdd threw").length, 2);
  });

  it("gives a handler added after sync synthetic adds for the cache, and remove() stops it", async () => {
    const env = setup();
    seed(env.server, 3);
    const informer = informerFor(env);
    start(env, informer);
    await informer.waitForSync();
    const late = new Recorder<ConfigMap>();
    const reg = informer.addEventHandler(late.handler);
    assert.equal(late.count("add"), 3, "synchronously");
    env.server.create(ConfigMaps, cm("new"));
    await eventually(() => late.count("add") === 4);
    reg.remove();
    env.server.create(ConfigMaps, cm("unseen"));
    await eventually(() => informer.store.has("default/unseen"));
    assert.equal(late.count("add"), 4);
  });

  it("re-delivers onUpdate(obj, obj) for every cached object each resync period", async () => {
    const env = setup();
    seed(env.server, 2);
    const informer = informerFor(env, { resyncPeriodMs: 60_000 });
    const updates: boolean[] = [];
    informer.addEventHandler({ onUpdate: (a, b) => updates.push(a === b) });
    const { ac, done } = start(env, informer);
    await informer.waitForSync();
    await env.clock.advance(59_999);
    assert.equal(updates.length, 0);
    await env.clock.advance(1);
    assert.deepEqual(updates, [true, true]);
    await env.clock.advance(60_000);
    assert.equal(updates.length, 4);
    assert.equal(informer.stats().resyncs, 2);
    ac.abort();
    await done;
    assert.equal(env.clock.pendingTimers, 0);
  });
});

describe("informer: scope", () => {
  it("watches only one namespace", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a", "one"));
    env.server.create(ConfigMaps, cm("a", "two"));
    const informer = informerFor(env, { namespace: "one" });
    start(env, informer);
    await informer.waitForSync();
    assert.deepEqual(informer.store.keys(), ["one/a"]);
    env.server.create(ConfigMaps, cm("b", "two"));
    env.server.create(ConfigMaps, cm("b", "one"));
    await eventually(() => informer.store.has("one/b"));
    assert.equal(informer.store.size, 2);
    assert.ok(paths(env.server, "list").every((p) => p === "/api/v1/namespaces/one/configmaps"));
    assert.ok(paths(env.server, "watch").every((p) => p === "/api/v1/namespaces/one/configmaps"));
    assert.deepEqual(informer.store.byIndex("namespace", "one").length, 2);
  });

  it("applies label and field selectors, including objects leaving the selection", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("web", "default", {}, { app: "web" }));
    env.server.create(ConfigMaps, cm("db", "default", {}, { app: "db" }));
    const informer = informerFor(env, { labelSelector: "app=web" });
    const rec = new Recorder<ConfigMap>();
    informer.addEventHandler(rec.handler);
    start(env, informer);
    await informer.waitForSync();
    assert.deepEqual(informer.store.keys(), ["default/web"]);
    assert.equal(requests(env.server, "list")[0]!.get("labelSelector"), "app=web");
    env.server.update(ConfigMaps, cm("web", "default", {}, { app: "other" }));
    await eventually(() => informer.store.size === 0);
    assert.equal(rec.last.get("default/web")?.type, "delete");
    env.server.update(ConfigMaps, cm("db", "default", {}, { app: "web" }));
    await eventually(() => informer.store.has("default/db"));

    const env2 = setup();
    env2.server.create(ConfigMaps, cm("x"));
    env2.server.create(ConfigMaps, cm("y"));
    const byName = createInformer(env2.client, ConfigMaps, {
      clock: env2.clock,
      fieldSelector: "metadata.name=y",
    });
    start(env2, byName);
    await byName.waitForSync();
    assert.deepEqual(byName.store.keys(), ["default/y"]);
    assert.equal(requests(env2.server, "watch").length >= 0, true);
  });

  it("supports custom indexers", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a", "default", {}, { app: "web" }));
    env.server.create(ConfigMaps, cm("b", "default", {}, { app: "db" }));
    const informer = informerFor(env, {
      indexers: { byApp: (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []) },
    });
    start(env, informer);
    await informer.waitForSync();
    informer.addIndexer("byName", (o) => [o.metadata.name ?? ""]);
    assert.deepEqual(informer.store.indexKeys("byApp", "web"), ["default/a"]);
    assert.deepEqual(informer.store.indexKeys("byName", "b"), ["default/b"]);
    env.server.update(ConfigMaps, cm("b", "default", {}, { app: "web" }));
    await eventually(() => informer.store.indexKeys("byApp", "web").length === 2);
  });

  it("watches metadata only", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a", "default", { big: "x".repeat(1000) }));
    const informer = createInformer(env.client, ConfigMaps, {
      clock: env.clock,
      metadataOnly: true,
    });
    start(env, informer as unknown as Informer<ConfigMap>);
    await informer.waitForSync();
    const a = informer.store.get("default/a")!;
    assert.equal(a.kind, "PartialObjectMetadata");
    assert.equal((a as { data?: unknown }).data, undefined);
    env.server.create(ConfigMaps, cm("b", "default", { big: "y" }));
    await eventually(() => informer.store.has("default/b"));
    assert.equal((informer.store.get("default/b") as { data?: unknown }).data, undefined);
  });
});

describe("informer: streaming list", () => {
  it("uses sendInitialEvents and syncs at the initial-events-end bookmark, without a list request", async () => {
    const env = setup();
    seed(env.server, 5);
    const informer = informerFor(env, { streamingList: true });
    start(env, informer);
    await informer.waitForSync();
    assert.equal(informer.store.size, 5);
    assert.equal(requests(env.server, "list").length, 0);
    const w = requests(env.server, "watch")[0]!;
    assert.equal(w.get("sendInitialEvents"), "true");
    assert.equal(w.get("resourceVersionMatch"), "NotOlderThan");
    assert.equal(w.get("allowWatchBookmarks"), "true");
    env.server.create(ConfigMaps, cm("live"));
    await eventually(() => informer.store.has("default/live"));
    assert.equal(requests(env.server, "watch").length, 1, "the same watch goes on");
    // a clean end resumes with a plain watch from the last rv
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    await eventually(() => requests(env.server, "watch").length === 2);
    const w2 = requests(env.server, "watch")[1]!;
    assert.equal(w2.get("sendInitialEvents"), null);
    assert.equal(w2.get("resourceVersion"), env.server.resourceVersion());
  });

  it("falls back to list + watch when the server rejects streaming lists", async () => {
    const env = setup({ streamingLists: "rejected" });
    seed(env.server, 3);
    const logger = new MemoryLogger();
    const informer = informerFor(env, { streamingList: true, logger });
    start(env, informer);
    assert.equal(await informer.waitForSync(), true);
    assert.equal(informer.store.size, 3);
    assert.equal(requests(env.server, "list").length, 1);
    assert.equal(informer.stats().streamingFallbacks, 1);
    // a clean fallback: one warning, no error line (a 1.20 server refuses every streaming list)
    assert.equal(logger.find("warn", "falling back to list + watch").length, 1);
    assert.deepEqual(
      logger.records.filter((r) => r.level === "error"),
      [],
    );
    assert.equal(informer.lastError(), undefined);
  });

  it("falls back to list + watch when the end bookmark never comes", async () => {
    const env = setup({ streamingLists: "ignored" });
    seed(env.server, 3);
    const informer = informerFor(env, { streamingList: true, streamingListTimeoutMs: 5_000 });
    const rec = new Recorder<ConfigMap>();
    informer.addEventHandler(rec.handler);
    start(env, informer);
    await eventually(() => env.server.watcherCount() === 1);
    await env.clock.advance(4_999);
    assert.equal(informer.hasSynced(), false);
    assert.equal(rec.calls.length, 0, "initial events are not dispatched before the end");
    await env.clock.advance(1);
    assert.equal(await informer.waitForSync(), true);
    assert.equal(informer.store.size, 3);
    assert.equal(rec.count("add"), 3);
    assert.equal(informer.stats().streamingFallbacks, 1);
  });
});

describe("informer: lifecycle", () => {
  it("leaves no open watch, request or timer behind when aborted", async () => {
    const env = setup();
    seed(env.server, 3);
    const informer = informerFor(env, { resyncPeriodMs: 30_000, idleTimeoutMs: 60_000 });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    assert.ok(env.clock.pendingTimers > 0);
    ac.abort();
    await done;
    await eventually(() => env.server.watcherCount() === 0);
    assert.equal(env.clock.pendingTimers, 0);
    await assert.rejects(informer.run(new AbortController().signal), /already started/);
    await env.server.close();
  });

  it("stops cleanly while backing off and while listing", async () => {
    const env = setup();
    env.server.faults.failNext({ verb: "list", status: 503, times: Number.POSITIVE_INFINITY });
    const informer = informerFor(env);
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    const waiting = informer.waitForSync();
    await eventually(() => informer.stats().backoffs >= 1);
    ac.abort();
    await done;
    assert.equal(await waiting, false);
    assert.equal(env.clock.pendingTimers, 0);
    env.server.faults.reset();
    // a list in flight: the in-process fake server ignores the request's signal while it
    // delays, so let its clock release the response (a real fetch rejects at once)
    const env2 = setup();
    env2.server.faults.delay(10_000, { verb: "list" });
    const inf2 = createInformer(env2.client, ConfigMaps, { clock: env2.clock });
    const ac2 = new AbortController();
    const done2 = inf2.run(ac2.signal);
    await env2.serverClock.waitForTimers(1);
    ac2.abort();
    await env2.serverClock.advance(10_000);
    await done2;
    assert.equal(inf2.hasSynced(), false);
    assert.equal(env2.clock.pendingTimers, 0);
    await env.server.close();
    await env2.server.close();
  });

  it("waitForSync resolves false when its signal aborts", async () => {
    const env = setup();
    env.server.faults.failNext({ verb: "list", status: 503, times: Number.POSITIVE_INFINITY });
    const informer = informerFor(env);
    start(env, informer);
    const ac = new AbortController();
    const p = informer.waitForSync(ac.signal);
    ac.abort();
    assert.equal(await p, false);
  });

  it("works over HTTP", async () => {
    const env = setup();
    seed(env.server, 600);
    const listener = await env.server.listen();
    const { KubeClient } = await import("../../src/client/client.ts");
    const client = new KubeClient({ server: listener.url });
    const informer = new SharedInformer(client, ConfigMaps, { clock: env.clock, random: () => 0 });
    const rec = new Recorder<ConfigMap>();
    informer.addEventHandler(rec.handler);
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    assert.equal(await informer.waitForSync(), true);
    assert.equal(informer.store.size, 600);
    await eventually(() => env.server.watcherCount() === 1);
    env.server.create(ConfigMaps, cm("http"));
    env.server.delete(ConfigMaps, "cm-0000", "default");
    await eventually(
      () => informer.store.has("default/http") && !informer.store.has("default/cm-0000"),
    );
    await env.clock.advance(2000);
    env.server.faults.closeWatches();
    await eventually(() => requests(env.server, "watch").length === 2);
    env.server.create(ConfigMaps, cm("http2"));
    await eventually(() => informer.store.has("default/http2"));
    ac.abort();
    await done;
    await eventually(() => env.server.watcherCount() === 0);
    assert.equal(env.clock.pendingTimers, 0);
    await listener.close();
    await env.server.close();
  });
});
