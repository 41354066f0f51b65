import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConfigMaps, Pods } from "../../src/resources/core.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { cm, type Harness, harness, MODES, waitFor } from "./support.ts";

const CM = "/api/v1/namespaces/default/configmaps";

for (const mode of MODES) {
  describe(`fake API server faults (${mode})`, () => {
    let h: Harness;
    let clock: FakeClock;
    before(async () => {
      clock = new FakeClock(Date.UTC(2026, 0, 1));
      h = await harness(mode, { clock, historyLimit: 100 });
    });
    after(async () => {
      await h.close();
    });

    it("fails the next N matching requests with a Status and Retry-After", async () => {
      const rule = h.server.faults.failNext({
        verb: "list",
        resource: ConfigMaps,
        status: 503,
        times: 2,
        retryAfterSeconds: 3,
      });
      const getOk = await h.json("/api/v1/namespaces/default/pods");
      assert.equal(getOk.status, 200, "other resources unaffected");
      for (let i = 0; i < 2; i++) {
        const res = await h.json(CM);
        assert.equal(res.status, 503);
        assert.equal(res.headers.get("retry-after"), "3");
        assert.equal(res.body.kind, "Status");
        assert.equal(res.body.reason, "ServiceUnavailable");
        assert.equal(res.body.details.retryAfterSeconds, 3);
      }
      assert.equal((await h.json(CM)).status, 200);
      assert.equal(rule.hits, 2);
      assert.equal(rule.remaining, 0);
      assert.equal(h.server.faults.rules.length, 0);
    });

    it("fails with 500, 429 (plain text, as priority-and-fairness) and 403", async () => {
      h.server.faults.failNext({ method: "POST", status: 500 });
      h.server.faults.failNext({
        path: "/api/v1/namespaces/default/configmaps/x",
        status: 403,
        message: "forbidden by test",
      });
      h.server.faults.failNext({
        path: /secrets/,
        status: 429,
        retryAfterSeconds: 1,
        plainText: true,
      });
      const create = await h.send("POST", CM, cm("f500"));
      assert.equal(create.status, 500);
      assert.equal(create.body.reason, "InternalError");
      assert.equal(h.server.get(ConfigMaps, "f500", "default"), undefined, "nothing stored");
      const forbidden = await h.json(`${CM}/x`);
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.body.message, "forbidden by test");
      const tooMany = await h.call("/api/v1/namespaces/default/secrets");
      assert.equal(tooMany.status, 429);
      assert.equal(tooMany.headers.get("retry-after"), "1");
      assert.match(tooMany.headers.get("content-type") ?? "", /text\/plain/);
      assert.match(await tooMany.text(), /injected failure/);
    });

    it("fails a watch with 410 as an ERROR event, or as an HTTP status", async () => {
      h.server.faults.failNext({ watch: true, status: 410 });
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${h.server.resourceVersion()}`);
      assert.equal(w.response.status, 200);
      const ev = await w.next();
      assert.equal(ev.type, "ERROR");
      assert.equal(ev.object.code, 410);
      assert.equal(ev.object.reason, "Expired");
      assert.equal(await w.next(), undefined);
      h.server.faults.failNext({ watch: true, status: 500 });
      const res = await h.json(`${CM}?watch=true`);
      assert.equal(res.status, 500);
      h.server.faults.failNext({ watch: true, status: 410, asWatchEvent: false });
      assert.equal((await h.json(`${CM}?watch=true`)).status, 410);
      const list = await h.json(CM);
      assert.equal(list.status, 200, "watch-only rule did not hit the list");
    });

    it("closes every open watch cleanly", async () => {
      const a = await h.watch(`${CM}?watch=true&resourceVersion=${h.server.resourceVersion()}`);
      const b = await h.watch(
        `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${h.server.resourceVersion()}`,
      );
      await waitFor(() => h.server.watcherCount() === 2, "two watchers");
      h.server.faults.closeWatches();
      assert.equal(h.server.watcherCount(), 0);
      assert.equal(await a.next(), undefined);
      assert.equal(await b.next(), undefined);
      assert.equal(a.error, undefined);
    });

    it("cuts watches in the middle of a line", async () => {
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${h.server.resourceVersion()}`);
      await waitFor(() => h.server.watcherCount() === 1, "watcher");
      h.server.create(ConfigMaps, cm("before-cut"));
      assert.equal((await w.next()).object.metadata.name, "before-cut");
      h.server.faults.cutWatches();
      assert.equal(await w.next(), undefined);
      assert.ok(w.tail.length > 0, "a partial line was left");
      assert.throws(() => JSON.parse(w.tail));
      assert.equal(h.server.watcherCount(), 0);
      const r = await h.watch(`${CM}?watch=true&resourceVersion=${h.server.resourceVersion()}`);
      await waitFor(() => h.server.watcherCount() === 1, "watcher");
      h.server.faults.cutWatches({ reset: true });
      assert.equal(await r.next(), undefined);
      assert.ok(r.error !== undefined || r.tail.length > 0, "reset: stream errors");
      h.server.delete(ConfigMaps, "before-cut", "default");
    });

    it("stalls watches (connection open, no bytes) until resumed", async () => {
      const w = await h.watch(
        `${CM}?watch=true&resourceVersion=${h.server.resourceVersion()}&allowWatchBookmarks=true`,
      );
      await waitFor(() => h.server.watcherCount() === 1, "watcher");
      h.server.faults.stallWatches();
      h.server.create(ConfigMaps, cm("stalled"));
      h.server.bookmark();
      assert.ok(await w.silentFor(50), "nothing arrives while stalled");
      assert.equal(w.done, false);
      assert.equal(h.server.watcherCount(), 1);
      await h.server.flushWatches(); // stalled watches are skipped, so this resolves
      const fresh = await h.watch(`${CM}?watch=true&resourceVersion=${h.server.resourceVersion()}`);
      h.server.patch(ConfigMaps, "stalled", { data: { a: "b" } }, { namespace: "default" });
      assert.equal((await fresh.next()).type, "MODIFIED", "new watches are not stalled");
      h.server.faults.resumeWatches();
      const events = await w.take(3);
      assert.deepEqual(
        events.map((e) => e.type),
        ["ADDED", "BOOKMARK", "MODIFIED"],
      );
      await w.close();
      await fresh.close();
      await waitFor(() => h.server.watcherCount() === 0, "watchers gone");
      h.server.delete(ConfigMaps, "stalled", "default");
    });

    it("delays responses on the injected clock", async () => {
      h.server.faults.delay(5_000, { verb: "get" });
      const timersBefore = clock.pendingTimers;
      let done = false;
      const pending = h.json(`${CM}/nothing`).then((r) => {
        done = true;
        return r;
      });
      await clock.waitForTimers(timersBefore + 1);
      await clock.advance(4_999);
      assert.equal(done, false);
      await clock.advance(1);
      const res = await pending;
      assert.equal(res.status, 404);
      h.server.faults.delay(0);
      assert.equal((await h.json(CM)).status, 200);
    });

    it("compacts history so older resource versions get 410", async () => {
      const rv = h.server.resourceVersion();
      h.server.create(ConfigMaps, cm("c1"));
      h.server.faults.compact();
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${rv}`);
      const ev = await w.next();
      assert.equal(ev.type, "ERROR");
      assert.equal(ev.object.code, 410);
      const list = await h.json(CM);
      const fresh = await h.watch(
        `${CM}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`,
      );
      h.server.create(ConfigMaps, cm("c2"));
      assert.equal(
        (await fresh.next()).object.metadata.name,
        "c2",
        "a fresh list's rv still watches",
      );
      await fresh.close();
      h.server.delete(ConfigMaps, "c1", "default");
      h.server.delete(ConfigMaps, "c2", "default");
    });

    it("serves schema-invalid objects to lists and watches", async () => {
      const w = await h.watch(`${CM}?watch=true&resourceVersion=${h.server.resourceVersion()}`);
      h.server.faults.serveInvalid(ConfigMaps, {
        metadata: { name: "bad", namespace: "default" },
        data: { n: 42 },
      });
      const ev = await w.next();
      assert.equal(ev.type, "ADDED");
      assert.equal(ev.object.data.n, 42);
      const list = await h.json(CM);
      assert.ok(list.body.items.some((i: any) => i.metadata.name === "bad" && i.data.n === 42));
      h.server.faults.serveInvalid(ConfigMaps, {
        metadata: { name: "bad", namespace: "default" },
        data: { n: [1] },
      });
      const mod = await w.next();
      assert.equal(mod.type, "MODIFIED");
      assert.deepEqual(mod.object.data.n, [1]);
      await w.close();
      h.server.delete(ConfigMaps, "bad", "default");
    });

    it("reset removes rules and delays and resumes stalled watches", async () => {
      h.server.faults.failNext({ status: 500, times: Number.POSITIVE_INFINITY });
      h.server.faults.delay(1_000);
      h.server.faults.reset();
      assert.equal((await h.json(CM)).status, 200);
    });
  });
}

describe("slow watchers", () => {
  for (const mode of MODES) {
    it(`drops a watcher whose consumer falls too far behind (${mode})`, async () => {
      const logger = new MemoryLogger();
      const h = await harness(mode, { watchBufferLimit: 100, logger });
      try {
        const w = await h.watch(
          `${"/api/v1/namespaces/default/configmaps"}?watch=true&resourceVersion=${h.server.resourceVersion()}`,
        );
        await waitFor(() => h.server.watcherCount() === 1, "watcher");
        h.server.faults.stallWatches(); // the consumer reads nothing from now on
        for (let i = 0; i < 150; i++) h.server.create(ConfigMaps, cm(`slow-${i}`));
        assert.equal(h.server.watcherCount(), 0, "dropped");
        assert.equal(logger.find("warn", "fell too far behind").length, 1);
        const rest = await w.rest();
        assert.equal(rest.length, 0, "the queue was dropped, the stream ended cleanly");
        assert.equal(h.server.objectCount(), 150);
        void Pods;
      } finally {
        await h.close();
      }
    });

    it(`replays history longer than the buffer limit to a watch from an old resource version (${mode})`, async () => {
      // A client that re-watches after falling behind starts from its last resource version; if the
      // replay counted against the limit, every such watch would be dropped again, forever.
      const logger = new MemoryLogger();
      const h = await harness(mode, { watchBufferLimit: 100, historyLimit: 1000, logger });
      try {
        const from = h.server.resourceVersion();
        for (let i = 0; i < 250; i++) h.server.create(ConfigMaps, cm(`old-${i}`));
        const w = await h.watch(`${CM}?watch=true&resourceVersion=${from}`);
        const replayed = await w.take(250);
        assert.deepEqual(
          replayed.map((e) => e.object.metadata.name),
          Array.from({ length: 250 }, (_, i) => `old-${i}`),
        );
        assert.equal(h.server.watcherCount(), 1, "still open");
        h.server.create(ConfigMaps, cm("live"));
        assert.equal((await w.next()).object.metadata.name, "live");
        assert.equal(logger.find("warn", "fell too far behind").length, 0);
        await w.close();
      } finally {
        await h.close();
      }
    });
  }
});
