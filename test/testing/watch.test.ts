import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConfigMaps } from "../../src/resources/core.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { cm, type Harness, harness, MODES, waitFor } from "./support.ts";

const CM = "/api/v1/namespaces/default/configmaps";

for (const mode of MODES) {
  describe(`fake API server watches (${mode})`, () => {
    let h: Harness;
    let clock: FakeClock;
    before(async () => {
      clock = new FakeClock(Date.UTC(2026, 0, 1));
      h = await harness(mode, { clock, historyLimit: 20, bookmarkIntervalMs: 60_000 });
    });
    after(async () => {
      await h.close();
    });

    it("streams ADDED, MODIFIED and DELETED with apiVersion and kind on every object", async () => {
      const rv = h.server.resourceVersion();
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${rv}`);
      assert.equal(w.response.status, 200);
      assert.match(w.response.headers.get("content-type") ?? "", /application\/json/);
      h.server.create(ConfigMaps, cm("w1"));
      h.server.patch(ConfigMaps, "w1", { data: { a: "1" } }, { namespace: "default" });
      h.server.delete(ConfigMaps, "w1", "default");
      const events = await w.take(3);
      assert.deepEqual(
        events.map((e) => e.type),
        ["ADDED", "MODIFIED", "DELETED"],
      );
      for (const e of events) {
        assert.equal(e.object.apiVersion, "v1");
        assert.equal(e.object.kind, "ConfigMap");
      }
      const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
      assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, "strictly increasing");
      assert.equal(events[1].object.data.a, "1");
      await w.close();
      await waitFor(() => h.server.watcherCount() === 0, "watcher to go away");
    });

    it("accepts watch=1 and sends synthetic ADDED events without a resourceVersion", async () => {
      h.server.create(ConfigMaps, cm("pre1"));
      h.server.create(ConfigMaps, cm("pre2"));
      for (const rv of ["", "&resourceVersion=0"]) {
        const w = await h.watch(`${CM}?watch=1${rv}`);
        const events = await w.take(2);
        assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]).sort(), [
          ["ADDED", "pre1"],
          ["ADDED", "pre2"],
        ]);
        h.server.create(ConfigMaps, cm(`live${rv.length}`));
        const live = await w.next();
        assert.equal(live.type, "ADDED");
        assert.equal(live.object.metadata.name, `live${rv.length}`);
        await w.close();
        h.server.delete(ConfigMaps, `live${rv.length}`, "default");
      }
      for (const n of ["pre1", "pre2"]) h.server.delete(ConfigMaps, n, "default");
    });

    it("replays from a resourceVersion within the history window", async () => {
      const start = h.server.resourceVersion();
      h.server.create(ConfigMaps, cm("r1"));
      h.server.create(ConfigMaps, cm("r2"));
      h.server.delete(ConfigMaps, "r1", "default");
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${start}`);
      const events = await w.take(3);
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.object.metadata.name}`),
        ["ADDED r1", "ADDED r2", "DELETED r1"],
      );
      await w.close();
      h.server.delete(ConfigMaps, "r2", "default");
    });

    it("waits for a resourceVersion from the future: events up to it are not sent (as a real 1.20 API server)", async () => {
      const current = Number(h.server.resourceVersion());
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${current + 2}`);
      assert.equal(w.response.status, 200);
      h.server.create(ConfigMaps, cm("fut1"));
      h.server.create(ConfigMaps, cm("fut2"));
      h.server.create(ConfigMaps, cm("fut3"));
      const ev = await w.next();
      assert.equal(ev.object.metadata.name, "fut3");
      await w.close();
      for (const n of ["fut1", "fut2", "fut3"]) h.server.delete(ConfigMaps, n, "default");
    });

    it("sends an ERROR event with 410 Expired for a resourceVersion older than the history", async () => {
      const old = h.server.resourceVersion();
      for (let i = 0; i < 25; i++) h.server.create(ConfigMaps, cm(`old-${i}`));
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${old}`);
      assert.equal(w.response.status, 200);
      const ev = await w.next();
      assert.equal(ev.type, "ERROR");
      assert.equal(ev.object.kind, "Status");
      assert.equal(ev.object.code, 410);
      assert.equal(ev.object.reason, "Expired");
      assert.match(ev.object.message, /too old resource version/);
      assert.equal(await w.next(), undefined, "the stream ends after the error");
      for (let i = 0; i < 25; i++) h.server.delete(ConfigMaps, `old-${i}`, "default");
    });

    it("filters by namespace, label and field selectors, with DELETED/ADDED on selector transitions", async () => {
      const rv = h.server.resourceVersion();
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${rv}&labelSelector=app%3Dweb`);
      const byName = await h.watch(
        `${CM}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dsel`,
      );
      h.server.create(
        ConfigMaps,
        cm("other-ns", "elsewhere", {
          metadata: { name: "sel", namespace: "elsewhere", labels: { app: "web" } },
        }),
      );
      h.server.create(ConfigMaps, { metadata: { name: "nolabel", namespace: "default" } });
      const o = h.server.create(ConfigMaps, {
        metadata: { name: "sel", namespace: "default", labels: { app: "web" } },
      });
      h.server.update(ConfigMaps, { ...o, metadata: { ...o.metadata, labels: { app: "db" } } });
      const o2 = h.server.get(ConfigMaps, "sel", "default")!;
      h.server.update(ConfigMaps, { ...o2, metadata: { ...o2.metadata, labels: { app: "web" } } });
      h.server.patch(ConfigMaps, "sel", { data: { x: "1" } }, { namespace: "default" });
      const events = await w.take(4);
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name}`),
        ["ADDED default/sel", "DELETED default/sel", "ADDED default/sel", "MODIFIED default/sel"],
      );
      // as a real API server: the object as it last matched, at the resourceVersion of the change
      assert.equal(
        events[1].object.metadata.labels.app,
        "web",
        "DELETED carries the last matching state",
      );
      const named = await byName.take(4);
      assert.deepEqual(
        named.map((e) => e.type),
        ["ADDED", "MODIFIED", "MODIFIED", "MODIFIED"],
      );
      // A legacy single-object watch path.
      const single = await h.watch(
        `/api/v1/watch/namespaces/default/configmaps/sel?resourceVersion=${rv}`,
      );
      const s = await single.take(4);
      assert.ok(
        s.every(
          (e) => e.object.metadata.name === "sel" && e.object.metadata.namespace === "default",
        ),
      );
      h.server.delete(ConfigMaps, "sel", "default");
      h.server.delete(ConfigMaps, "nolabel", "default");
      h.server.delete(ConfigMaps, "sel", "elsewhere");
      assert.equal((await w.next()).type, "DELETED");
      await w.close();
      await byName.close();
      await single.close();
    });

    it("sends bookmarks on demand and periodically when asked", async () => {
      const rv = h.server.resourceVersion();
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
      const noBookmarks = await h.watch(`${CM}?watch=true&resourceVersion=${rv}`);
      await waitFor(() => h.server.watcherCount() === 2, "two watchers");
      h.server.bookmark();
      const b = await w.next();
      assert.equal(b.type, "BOOKMARK");
      assert.equal(b.object.kind, "ConfigMap");
      assert.equal(b.object.apiVersion, "v1");
      assert.equal(b.object.metadata.resourceVersion, rv);
      h.server.create(ConfigMaps, cm("bm"));
      assert.equal((await w.next()).type, "ADDED");
      await clock.advance(60_000);
      const periodic = await w.next();
      assert.equal(periodic.type, "BOOKMARK");
      assert.equal(periodic.object.metadata.resourceVersion, h.server.resourceVersion());
      await clock.advance(60_000);
      assert.equal((await w.next()).type, "BOOKMARK");
      const first = await noBookmarks.next();
      assert.equal(first.type, "ADDED", "no bookmarks unless allowWatchBookmarks");
      assert.ok(await noBookmarks.silentFor(30));
      await w.close();
      await noBookmarks.close();
      h.server.delete(ConfigMaps, "bm", "default");
    });

    it("ends the watch after timeoutSeconds on the injected clock", async () => {
      const w = await h.watch(
        `${CM}?watch=true&resourceVersion=${h.server.resourceVersion()}&timeoutSeconds=30`,
      );
      await waitFor(() => h.server.watcherCount() === 1, "watcher");
      await clock.advance(29_000);
      assert.ok(await w.silentFor(20));
      assert.equal(w.done, false);
      await clock.advance(1_000);
      assert.equal(await w.next(), undefined, "clean end");
      assert.equal(w.error, undefined);
      await waitFor(() => h.server.watcherCount() === 0, "watcher gone");
    });

    it("streams lists with sendInitialEvents=true ending in the initial-events-end bookmark", async () => {
      h.server.create(ConfigMaps, cm("s1"));
      h.server.create(ConfigMaps, cm("s2"));
      const w = await h.watch(
        `${CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=`,
      );
      const events = await w.take(3);
      assert.deepEqual(
        events
          .slice(0, 2)
          .map((e) => `${e.type} ${e.object.metadata.name}`)
          .sort(),
        ["ADDED s1", "ADDED s2"],
      );
      assert.equal(events[2].type, "BOOKMARK");
      assert.deepEqual(events[2].object.metadata.annotations, {
        "k8s.io/initial-events-end": "true",
      });
      assert.equal(events[2].object.metadata.resourceVersion, h.server.resourceVersion());
      h.server.create(ConfigMaps, cm("s3"));
      const live = await w.next();
      assert.equal(live.object.metadata.name, "s3");
      await w.close();
      const bad = await h.json(`${CM}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true`);
      assert.equal(bad.status, 422, "needs resourceVersionMatch=NotOlderThan");
      const noBm = await h.json(
        `${CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`,
      );
      assert.equal(noBm.status, 422, "needs allowWatchBookmarks");
      const rvmOnly = await h.json(
        `${CM}?watch=true&resourceVersionMatch=NotOlderThan&resourceVersion=1`,
      );
      assert.equal(rvmOnly.status, 422);
      for (const n of ["s1", "s2", "s3"]) h.server.delete(ConfigMaps, n, "default");
    });

    it("sendInitialEvents=false starts at the current state without synthetic events", async () => {
      h.server.create(ConfigMaps, cm("nse1"));
      const w = await h.watch(
        `${CM}?watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan`,
      );
      h.server.create(ConfigMaps, cm("nse2"));
      const ev = await w.next();
      assert.equal(ev.object.metadata.name, "nse2");
      await w.close();
      for (const n of ["nse1", "nse2"]) h.server.delete(ConfigMaps, n, "default");
    });

    it("serves metadata-only watches", async () => {
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${h.server.resourceVersion()}`, {
        headers: { Accept: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1" },
      });
      h.server.create(ConfigMaps, cm("m1", "default", { data: { big: "x".repeat(100) } }));
      const ev = await w.next();
      assert.equal(ev.object.kind, "PartialObjectMetadata");
      assert.equal(ev.object.apiVersion, "meta.k8s.io/v1");
      assert.equal(ev.object.data, undefined);
      assert.equal(ev.object.metadata.name, "m1");
      await w.close();
      h.server.delete(ConfigMaps, "m1", "default");
    });

    it("flushWatches resolves once consumers have read every event", async () => {
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${h.server.resourceVersion()}`);
      await waitFor(() => h.server.watcherCount() === 1, "watcher");
      const seen: string[] = [];
      const reading = (async () => {
        for (;;) {
          const ev = await w.next(5000).catch(() => undefined);
          if (!ev) return;
          seen.push(ev.object.metadata.name);
        }
      })();
      for (let i = 0; i < 50; i++) h.server.create(ConfigMaps, cm(`f${i}`));
      await h.server.flushWatches();
      if (mode === "in-process") assert.equal(seen.length, 50);
      else await waitFor(() => seen.length === 50, "all 50 over HTTP");
      await w.close();
      await reading;
      for (let i = 0; i < 50; i++) h.server.delete(ConfigMaps, `f${i}`, "default");
    });
  });
}

describe("streaming list support can be turned off", () => {
  it("rejects sendInitialEvents with 422 when streamingLists is 'rejected'", async () => {
    const h = await harness("in-process", { streamingLists: "rejected" });
    try {
      const res = await h.json(
        `${CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
      );
      assert.equal(res.status, 422);
      assert.equal(res.body.reason, "Invalid");
    } finally {
      await h.close();
    }
  });

  it("ignores sendInitialEvents when streamingLists is 'ignored' (no end bookmark ever comes)", async () => {
    const h = await harness("in-process", { streamingLists: "ignored" });
    try {
      h.server.create(ConfigMaps, cm("i1"));
      const w = await h.watch(
        `${CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
      );
      const ev = await w.next();
      assert.equal(ev.type, "ADDED");
      assert.ok(await w.silentFor(30));
    } finally {
      await h.close();
    }
  });
});

describe("in-process watch lifecycle", () => {
  it("aborting the request signal ends the watch like fetch does", async () => {
    const h = await harness("in-process");
    try {
      const ac = new AbortController();
      const res = await h.server.fetch(`http://fake${CM}?watch=true`, { signal: ac.signal });
      const reader = res.body!.getReader();
      assert.equal(h.server.watcherCount(), 1);
      const pending = reader.read();
      ac.abort();
      await assert.rejects(pending);
      assert.equal(h.server.watcherCount(), 0);
    } finally {
      await h.close();
    }
  });

  it("server.close() ends open watches cleanly", async () => {
    const h = await harness("in-process");
    const w = await h.watch(`${CM}?watch=true&allowWatchBookmarks=true&timeoutSeconds=600`);
    assert.equal(h.server.watcherCount(), 1);
    await h.server.close();
    assert.equal(await w.next(), undefined);
    assert.equal(w.error, undefined);
    assert.equal(h.server.watcherCount(), 0);
    const after = await h.server.fetch(`http://fake${CM}`);
    assert.equal(after.status, 503);
    await h.close();
  });
});
