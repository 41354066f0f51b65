// Informers and controllers against the real API server, through a TCP proxy (test/real/support.ts)
// that cuts, refuses and stalls connections and counts the requests that pass.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createInformer, type Informer, type InformerOptions } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import type { ClusterConfig } from "../../src/client/config.ts";
import { ApiError, NetworkError } from "../../src/client/errors.ts";
import { Controller, type ControllerErrorInfo } from "../../src/controller/controller.ts";
import { newResource } from "../../src/controller/resource.ts";
import { ItemExponentialRateLimiter } from "../../src/queue/rate-limiters.ts";
import { type ConfigMap, ConfigMaps, Secrets } from "../../src/resources/core.ts";
import type { KubernetesObject } from "../../src/resources/meta.ts";
import { type LogFields, type Logger, MemoryLogger } from "../../src/util/logger.ts";
import { realClient, realConfig, TcpProxy, testNamespace, waitFor } from "./support.ts";

let admin: KubeClient;
let config: ClusterConfig;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  config = await realConfig("admin");
  admin = await realClient();
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function namespace(prefix: string): Promise<string> {
  const ns = await testNamespace(admin, prefix);
  cleanups.push(() => ns.remove());
  return ns.name;
}

async function proxy(): Promise<TcpProxy> {
  const p = await TcpProxy.start(config);
  cleanups.push(() => p.close());
  return p;
}

/** Run an informer through `p`; stopped in the after-hook. */
function informerVia<T extends KubernetesObject = ConfigMap>(
  p: TcpProxy,
  options: InformerOptions<T> & { namespace: string },
  type = ConfigMaps as unknown as Parameters<typeof createInformer<T>>[1],
  user?: ClusterConfig,
): Informer<T> {
  const client = new KubeClient({ ...p.configFor(user ?? config), timeoutMs: 30_000 });
  const informer = createInformer<T>(client, type, {
    backoff: { initialMs: 200, maxMs: 2_000 },
    ...options,
  });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  cleanups.push(async () => {
    ac.abort();
    await done;
  });
  return informer;
}

async function seedConfigMaps(ns: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await admin.create(ConfigMaps, {
      metadata: { name: `cm-${String(i).padStart(3, "0")}`, namespace: ns },
      data: { i: String(i) },
    });
  }
}

describe("informer through a proxy, against the real API server", () => {
  it("syncs (one list: a real server serves resourceVersion=0 from its cache and ignores limit), then watches", async () => {
    const ns = await namespace("sync");
    await seedConfigMaps(ns, 30);
    const p = await proxy();
    const logger = new MemoryLogger();
    const informer = informerVia(p, { namespace: ns, pageSize: 10, logger });
    assert.equal(await informer.waitForSync(AbortSignal.timeout(20_000)), true);
    assert.equal(informer.store.size, 30);
    const lists = p.requests.filter((r) => r.verb === "list");
    assert.equal(
      lists.length,
      1,
      "limit is ignored with resourceVersion=0 (client-go sees the same)",
    );
    assert.equal(lists[0]!.query.get("resourceVersion"), "0");
    assert.equal(lists[0]!.query.get("limit"), "10");
    assert.equal(informer.stats().pages, 1);
    await waitFor(() => p.count("watch") === 1, "the watch");
    assert.equal(
      p.requests.find((r) => r.verb === "watch")!.query.get("allowWatchBookmarks"),
      "true",
    );
    assert.deepEqual(
      logger.records.filter((r) => r.level !== "debug" && r.level !== "info"),
      [],
    );
  });

  it("reads the continue token from the head of a real list page (metadata before items), the same as the parsed page's", async () => {
    const ns = await namespace("head");
    await seedConfigMaps(ns, 3);
    const tokens: string[] = [];
    const page = await admin.list(ConfigMaps, {
      namespace: ns,
      limit: 1,
      onContinue: (t) => tokens.push(t),
    });
    assert.ok(page.metadata.continue, "a paged list (a consistent read) has a continue token");
    assert.deepEqual(tokens, [page.metadata.continue]);
    const last = await admin.list(ConfigMaps, {
      namespace: ns,
      limit: 5,
      onContinue: (t) => tokens.push(t),
    });
    assert.equal(last.metadata.continue, undefined);
    assert.equal(tokens.length, 1, "no token for a last page");
  });

  it("resumes from its resourceVersion after the connection is cut, without relisting", async () => {
    const ns = await namespace("cut");
    await seedConfigMaps(ns, 5);
    const p = await proxy();
    const informer = informerVia(p, { namespace: ns, logger: new MemoryLogger() });
    await informer.waitForSync(AbortSignal.timeout(20_000));
    await waitFor(() => p.count("watch") === 1, "the watch");
    const rv = informer.lastSyncResourceVersion();
    p.cut();
    await admin.create(ConfigMaps, { metadata: { name: "after-cut", namespace: ns } });
    await waitFor(() => informer.store.has(`${ns}/after-cut`), "the object created after the cut");
    assert.equal(p.count("list"), 1, "no relist");
    const s = informer.stats();
    assert.equal(s.relists, 0);
    assert.ok(s.reconnects >= 1);
    const resumed = p.requests.filter((r) => r.verb === "watch")[1]!;
    assert.equal(resumed.query.get("resourceVersion"), rv, "resumed from the last resourceVersion");
  });

  it("backs off while connections are refused, keeps its cache, reports the error, then resumes", async () => {
    const ns = await namespace("refuse");
    await seedConfigMaps(ns, 3);
    const p = await proxy();
    const errors: unknown[] = [];
    const informer = informerVia(p, {
      namespace: ns,
      logger: new MemoryLogger(),
      onError: (e) => errors.push(e),
    });
    await informer.waitForSync(AbortSignal.timeout(20_000));
    await waitFor(() => p.count("watch") === 1, "the watch");
    p.refuse();
    p.cut();
    await waitFor(() => informer.stats().backoffs >= 2 && p.refused >= 2, "backoff while refused");
    assert.ok(informer.lastError() instanceof NetworkError, String(informer.lastError()));
    assert.equal(informer.hasSynced(), true, "still synced: the cache is kept");
    assert.equal(informer.store.size, 3);
    await admin.create(ConfigMaps, { metadata: { name: "while-refused", namespace: ns } });
    p.refuse(false);
    await waitFor(
      () => informer.store.has(`${ns}/while-refused`),
      "the change made meanwhile",
      30_000,
    );
    assert.equal(p.count("list"), 1, "resumed without relisting");
    await waitFor(() => informer.lastError() === undefined, "lastError cleared after recovery");
    assert.ok(errors.some((e) => e instanceof NetworkError));
  });

  it("finds a stalled connection at its idle deadline (timeoutSeconds + 5 s), aborts it and resumes", {
    timeout: 60_000,
  }, async () => {
    const ns = await namespace("stall");
    const p = await proxy();
    const logger = new MemoryLogger();
    const informer = informerVia(p, {
      namespace: ns,
      logger,
      watchTimeoutSeconds: { min: 3, max: 3 },
    });
    await informer.waitForSync(AbortSignal.timeout(20_000));
    await waitFor(() => p.count("watch") >= 1, "the watch");
    const stalledAt = Date.now();
    p.stall();
    await admin.create(ConfigMaps, { metadata: { name: "during-stall", namespace: ns } });
    await waitFor(() => informer.stats().stalls === 1, "the stall", 20_000);
    const after = Date.now() - stalledAt;
    p.resume();
    await waitFor(() => informer.store.has(`${ns}/during-stall`), "the change after the stall");
    // the deadline is the watch's own timeout plus 5 s: 8 s from the last byte at the latest
    assert.ok(after <= 8_500, `stall found after ${after} ms`);
    assert.equal(logger.find("warn", "watch stalled").length, 1);
    assert.equal(informer.stats().relists, 0);
  });

  it("a quiet watch outlives its idle deadline without a single false stall (bookmark only ~2 s before each timeout)", {
    timeout: 90_000,
  }, async () => {
    // Scaled down 100×: watches of 3–6 s instead of 300–600 s. The old fixed deadline (300 s
    // for 300–600 s watches) would be 3 s here: shorter than most watches, a false stall each.
    const ns = await namespace("quiet");
    const busy = await namespace("busy");
    const p = await proxy();
    const deadlines: { timeoutSeconds: number; idleMs: number }[] = [];
    const logger: Logger = {
      ...new MemoryLogger(),
      debug(msg: string, fields?: LogFields) {
        if (msg === "watching")
          deadlines.push({
            timeoutSeconds: fields?.timeoutSeconds as number,
            idleMs: fields?.idleMs as number,
          });
      },
      info() {},
      warn() {},
      error() {},
    };
    const informer = informerVia(p, {
      namespace: ns,
      logger,
      watchTimeoutSeconds: { min: 3, max: 6 },
    });
    await informer.waitForSync(AbortSignal.timeout(20_000));
    // Phase 1, a quiet type: a 1.20 server then sends no bookmark at all (its bookmark would not be
    // newer than the watch's resourceVersion), the watch just ends at its timeout.
    const quietUntil = Date.now() + 15_000;
    await waitFor(() => Date.now() > quietUntil, "15 s of quiet", 20_000, 250);
    const quiet = { ...informer.stats() };
    // Phase 2: ConfigMaps change elsewhere (not in the watched namespace): the server now sends a
    // bookmark about 2 s before each watch's timeout, still no event for the informer.
    let n = 0;
    const churn = setInterval(() => {
      void admin
        .create(ConfigMaps, { metadata: { name: `tick-${n++}`, namespace: busy } })
        .catch(() => undefined);
    }, 400);
    const busyUntil = Date.now() + 15_000;
    try {
      await waitFor(() => Date.now() > busyUntil, "15 s with churn elsewhere", 20_000, 250);
    } finally {
      clearInterval(churn);
    }
    const s = informer.stats();
    console.log(
      `quiet watch (timeoutSeconds 3–6): ${quiet.watches} watches, ${quiet.bookmarks} bookmarks in 15 s on a quiet type; ` +
        `${s.watches - quiet.watches} watches, ${s.bookmarks - quiet.bookmarks} bookmarks in 15 s with the type busy elsewhere; ` +
        `stalls ${s.stalls}, errors ${s.errors}, relists ${s.relists}, events ${s.events}`,
    );
    assert.equal(s.stalls, 0, "no false stall");
    assert.equal(s.errors, 0);
    assert.equal(s.relists, 0);
    assert.equal(s.events, 0, "nothing happened in the watched namespace");
    assert.ok(quiet.watches >= 3, `watches renewed at their timeout: ${quiet.watches}`);
    assert.ok(s.bookmarks - quiet.bookmarks >= 2, "bookmarks once the type is busy");
    for (const d of deadlines) assert.ok(d.idleMs > d.timeoutSeconds * 1000, JSON.stringify(d));
  });

  it("reports a 403 through lastError() and onError, never as 'still syncing'", async () => {
    const ns = await namespace("forbidden");
    const p = await proxy();
    const errors: unknown[] = [];
    const logger = new MemoryLogger();
    const informer = informerVia(
      p,
      { namespace: ns, logger, onError: (e) => errors.push(e) },
      undefined,
      await realConfig("unprivileged"),
    );
    await waitFor(() => informer.lastError() !== undefined, "the 403");
    const err = informer.lastError();
    assert.ok(err instanceof ApiError && err.code === 403, String(err));
    assert.equal(err.reason, "Forbidden");
    assert.equal(informer.hasSynced(), false);
    assert.ok(errors.length >= 1);
    assert.match(logger.find("error", "ConfigMap list failed")[0]!.msg, /list failed/);
    // still retried (with backoff), never silently "syncing"
    await waitFor(() => p.count("list") >= 2, "a retry");
    assert.equal(await informer.waitForSync(AbortSignal.timeout(500)), false);
  });

  it("a metadata-only informer holds PartialObjectMetadata (no data) and follows changes", async () => {
    const ns = await namespace("meta");
    for (let i = 0; i < 4; i++) {
      await admin.create(Secrets, {
        metadata: { name: `s-${i}`, namespace: ns, labels: { i: String(i) } },
        stringData: { password: `secret-${i}` },
      });
    }
    const p = await proxy();
    const informer = informerVia(
      p,
      { namespace: ns, metadataOnly: true, logger: new MemoryLogger() },
      Secrets as never,
    );
    await informer.waitForSync(AbortSignal.timeout(20_000));
    assert.equal(informer.store.size, 4);
    const s0 = informer.store.get(`${ns}/s-0`) as unknown as Record<string, unknown>;
    assert.equal(s0.kind, "PartialObjectMetadata");
    assert.equal(s0.data, undefined, "no secret data in the cache");
    assert.deepEqual((s0.metadata as { labels: unknown }).labels, { i: "0" });
    const list = p.requests.find((r) => r.verb === "list")!;
    assert.ok(list);
    const cur = await admin.get(Secrets, "s-1", { namespace: ns });
    await admin.replace(Secrets, { ...cur, metadata: { ...cur.metadata, labels: { i: "one" } } });
    await waitFor(
      () =>
        (informer.store.get(`${ns}/s-1`) as { metadata: { labels?: Record<string, string> } })
          ?.metadata.labels?.i === "one",
      "the label change",
    );
    assert.equal(informer.stats().invalidObjects, 0);
  });

  it("falls back cleanly from a streaming list (1.20 refuses sendInitialEvents): one warning, synced, no error", async () => {
    const ns = await namespace("stream");
    await seedConfigMaps(ns, 4);
    const p = await proxy();
    const logger = new MemoryLogger();
    const informer = informerVia(p, { namespace: ns, streamingList: true, logger });
    assert.equal(await informer.waitForSync(AbortSignal.timeout(20_000)), true);
    assert.equal(informer.store.size, 4);
    const watches = p.requests.filter((r) => r.verb === "watch");
    assert.equal(watches[0]!.query.get("sendInitialEvents"), "true", "tried the streaming list");
    assert.equal(p.count("list"), 1, "then list + watch");
    assert.equal(informer.stats().streamingFallbacks, 1);
    assert.equal(informer.lastError(), undefined);
    assert.equal(logger.find("warn", "falling back to list + watch").length, 1);
    assert.deepEqual(
      logger.records.filter((r) => r.level === "error"),
      [],
    );
    await admin.create(ConfigMaps, { metadata: { name: "live", namespace: ns } });
    await waitFor(() => informer.store.has(`${ns}/live`), "a live event");
    // later reconnects do not try the streaming list again
    p.cut();
    await admin.create(ConfigMaps, { metadata: { name: "after-cut", namespace: ns } });
    await waitFor(() => informer.store.has(`${ns}/after-cut`), "the change after a cut");
    assert.equal(p.requests.filter((r) => r.query.get("sendInitialEvents") === "true").length, 1);
  });
});

describe("controller against the real API server", () => {
  it("retries a throwing reconcile with backoff, then drops and reports the key that keeps failing", {
    timeout: 60_000,
  }, async () => {
    const ns = await namespace("ctl");
    await admin.create(ConfigMaps, { metadata: { name: "flaky", namespace: ns } });
    await admin.create(ConfigMaps, { metadata: { name: "broken", namespace: ns } });
    await admin.create(ConfigMaps, { metadata: { name: "fine", namespace: ns } });
    const client = await realClient();
    const informer = createInformer(client, ConfigMaps, {
      namespace: ns,
      logger: new MemoryLogger(),
    });
    const attempts = new Map<string, number[]>();
    const errors: ControllerErrorInfo[] = [];
    const logger = new MemoryLogger();
    const t0 = Date.now();
    const controller = new Controller<ConfigMap>({
      logger,
      maxRetries: 4,
      // 100, 200, 400, 800 ms: long enough to be measured next to real requests
      rateLimiter: new ItemExponentialRateLimiter<string>(100, 10_000),
      onError: (_e, info) => errors.push(info),
      resource: newResource(
        informer,
        async (key, cm) => {
          const at = attempts.get(key) ?? [];
          at.push(Date.now() - t0);
          attempts.set(key, at);
          const name = cm.metadata.name;
          if (name === "broken") throw new Error("cannot reconcile broken");
          if (name === "flaky" && at.length < 3) throw new Error("not yet");
          // the work itself: record the reconcile on the real server
          await client.patch(
            ConfigMaps,
            name ?? "",
            { data: { reconciled: "yes" } },
            { type: "apply", fieldManager: "kubeloop-test", namespace: ns },
          );
        },
        () => {},
      ),
    });
    const ac = new AbortController();
    const done = controller.run(ac.signal);
    try {
      await waitFor(() => errors.some((e) => e.dropped), "the dropped key", 30_000);
      await waitFor(
        async () =>
          (await admin.get(ConfigMaps, "flaky", { namespace: ns })).data?.reconciled === "yes",
        "flaky reconciled after its retries",
      );
      // (a reconcile that writes the object gets its own MODIFIED event back: level-triggered)
      assert.equal(errors.filter((e) => e.key === `${ns}/fine`).length, 0);
      assert.deepEqual(
        errors.filter((e) => e.key === `${ns}/flaky`).map((e) => [e.attempt, e.dropped]),
        [
          [1, false],
          [2, false],
        ],
      );
      assert.equal(attempts.get(`${ns}/broken`)?.length, 5, "1 + maxRetries attempts");
      const b = attempts.get(`${ns}/broken`)!;
      for (let i = 1; i < b.length; i++) {
        const delay = 100 * 2 ** (i - 1);
        assert.ok(
          b[i]! - b[i - 1]! >= delay - 5,
          `retry ${i} after ≥ ${delay} ms: ${b.join(", ")}`,
        );
      }
      const dropped = errors.filter((e) => e.dropped);
      assert.deepEqual(
        dropped.map((e) => e.key),
        [`${ns}/broken`],
      );
      assert.equal(logger.find("error", "giving up on key").length, 1);
      assert.ok(logger.find("warn", "will retry").length >= 6);
      assert.equal(
        (await admin.get(ConfigMaps, "broken", { namespace: ns })).data?.reconciled,
        undefined,
      );
    } finally {
      ac.abort();
      await done;
    }
  });
});
