import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConfigMaps } from "../../src/resources/core.ts";
import { cm, type Harness, harness, MODES } from "./support.ts";

const CM = "/api/v1/namespaces/default/configmaps";

for (const mode of MODES) {
  describe(`fake API server lists (${mode})`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(mode, { historyLimit: 50 });
      const labels: Record<string, Record<string, string>> = {
        a: { app: "web", tier: "frontend" },
        b: { app: "web", tier: "backend" },
        c: { app: "db" },
        d: { app: "db", canary: "true" },
        e: {},
      };
      for (const [name, l] of Object.entries(labels)) {
        h.server.create(ConfigMaps, { metadata: { name, namespace: "default", labels: l } });
      }
      h.server.create(ConfigMaps, {
        metadata: { name: "x", namespace: "other", labels: { app: "web" } },
      });
    });
    after(async () => {
      await h.close();
    });

    const names = (body: any): string[] => body.items.map((i: any) => i.metadata.name);

    it("lists in a namespace and across namespaces, sorted, with list kind and resourceVersion", async () => {
      const res = await h.json(CM);
      assert.equal(res.status, 200);
      assert.equal(res.body.kind, "ConfigMapList");
      assert.equal(res.body.apiVersion, "v1");
      assert.deepEqual(names(res.body), ["a", "b", "c", "d", "e"]);
      assert.equal(res.body.metadata.resourceVersion, h.server.resourceVersion());
      const all = await h.json("/api/v1/configmaps");
      assert.deepEqual(
        all.body.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`),
        ["default/a", "default/b", "default/c", "default/d", "default/e", "other/x"],
      );
      // as from a real API server, list items carry no kind or apiVersion (the list does)
      assert.ok(
        res.body.items.every((i: any) => i.kind === undefined && i.apiVersion === undefined),
      );
    });

    it("filters by label selector", async () => {
      const q = async (sel: string): Promise<string[]> =>
        names((await h.json(`${CM}?labelSelector=${encodeURIComponent(sel)}`)).body);
      assert.deepEqual(await q("app=web"), ["a", "b"]);
      assert.deepEqual(await q("app==web"), ["a", "b"]);
      assert.deepEqual(await q("app!=web"), ["c", "d", "e"]);
      assert.deepEqual(await q("tier in (frontend,backend)"), ["a", "b"]);
      assert.deepEqual(await q("app notin (web)"), ["c", "d", "e"]);
      assert.deepEqual(await q("canary"), ["d"]);
      assert.deepEqual(await q("!canary,app=db"), ["c"]);
      assert.deepEqual(await q("app"), ["a", "b", "c", "d"]);
    });

    it("filters by field selector", async () => {
      const q = async (sel: string, path = CM): Promise<any> =>
        (await h.json(`${path}?fieldSelector=${encodeURIComponent(sel)}`)).body;
      assert.deepEqual(names(await q("metadata.name=c")), ["c"]);
      assert.deepEqual(names(await q("metadata.name!=c")), ["a", "b", "d", "e"]);
      assert.deepEqual(names(await q("metadata.namespace=other", "/api/v1/configmaps")), ["x"]);
      assert.deepEqual(names(await q("metadata.namespace!=default", "/api/v1/configmaps")), ["x"]);
    });

    it("rejects invalid selectors with 400", async () => {
      for (const url of [
        `${CM}?labelSelector=${encodeURIComponent("a in (b")}`,
        `${CM}?fieldSelector=${encodeURIComponent("metadata.name")}`,
        `${CM}?fieldSelector=${encodeURIComponent("spec.nodeName=x")}`,
        `${CM}?limit=abc`,
        `${CM}?continue=garbage`,
      ]) {
        const res = await h.json(url);
        assert.equal(res.status, 400, url);
        assert.equal(res.body.kind, "Status", url);
        assert.equal(res.body.reason, "BadRequest", url);
      }
      // as a real API server: invalid ListOptions are 422, an unparsable resourceVersion a 500
      for (const url of [
        `${CM}?resourceVersionMatch=Exact`,
        `${CM}?resourceVersion=0&resourceVersionMatch=Exact`,
      ]) {
        const res = await h.json(url);
        assert.equal(res.status, 422, url);
        assert.equal(res.body.reason, "Invalid", url);
      }
      assert.equal((await h.json(`${CM}?resourceVersion=abc`)).status, 500);
    });

    it("pages with limit/continue and remainingItemCount", async () => {
      const p1 = await h.json(`${CM}?limit=2`);
      assert.deepEqual(names(p1.body), ["a", "b"]);
      assert.equal(p1.body.metadata.remainingItemCount, 3);
      assert.ok(p1.body.metadata.continue);
      const p2 = await h.json(
        `${CM}?limit=2&continue=${encodeURIComponent(p1.body.metadata.continue)}`,
      );
      assert.deepEqual(names(p2.body), ["c", "d"]);
      assert.equal(p2.body.metadata.remainingItemCount, 1);
      assert.equal(p2.body.metadata.resourceVersion, p1.body.metadata.resourceVersion);
      const p3 = await h.json(
        `${CM}?limit=2&continue=${encodeURIComponent(p2.body.metadata.continue)}`,
      );
      assert.deepEqual(names(p3.body), ["e"]);
      assert.equal(p3.body.metadata.continue, undefined);
      assert.equal(p3.body.metadata.remainingItemCount, undefined);
      const sel = await h.json(`${CM}?limit=1&labelSelector=app%3Dweb`);
      assert.deepEqual(names(sel.body), ["a"]);
      assert.ok(sel.body.metadata.continue);
      assert.equal(sel.body.metadata.remainingItemCount, undefined, "not sent with selectors");
      const withRv = await h.json(
        `${CM}?limit=2&resourceVersion=5&continue=${encodeURIComponent(p1.body.metadata.continue)}`,
      );
      assert.equal(withRv.status, 400);
    });

    it("serves later pages from a consistent snapshot", async () => {
      const p1 = await h.json(`${CM}?limit=2`);
      const rv = p1.body.metadata.resourceVersion;
      h.server.patch(ConfigMaps, "c", { data: { changed: "yes" } }, { namespace: "default" });
      h.server.delete(ConfigMaps, "d", "default");
      h.server.create(ConfigMaps, { metadata: { name: "cc", namespace: "default" } });
      const p2 = await h.json(
        `${CM}?limit=10&continue=${encodeURIComponent(p1.body.metadata.continue)}`,
      );
      assert.equal(p2.body.metadata.resourceVersion, rv);
      assert.deepEqual(names(p2.body), ["c", "d", "e"], "d still there, cc not yet");
      assert.equal(p2.body.items[0].data, undefined, "c as it was");
      const now = await h.json(CM);
      assert.deepEqual(names(now.body), ["a", "b", "c", "cc", "e"]);
      // Exact snapshot at the old resource version.
      const exact = await h.json(`${CM}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
      assert.deepEqual(names(exact.body), ["a", "b", "c", "d", "e"]);
      assert.equal(exact.body.metadata.resourceVersion, rv);
      // NotOlderThan / "0" serve the latest state.
      const notOlder = await h.json(
        `${CM}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`,
      );
      assert.deepEqual(names(notOlder.body), ["a", "b", "c", "cc", "e"]);
      const any = await h.json(`${CM}?resourceVersion=0`);
      assert.deepEqual(names(any.body), ["a", "b", "c", "cc", "e"]);
      // restore
      h.server.delete(ConfigMaps, "cc", "default");
      h.server.create(ConfigMaps, {
        metadata: { name: "d", namespace: "default", labels: { app: "db", canary: "true" } },
      });
    });

    it("answers 504 for a resourceVersion from the future", async () => {
      const res = await h.json(`${CM}?resourceVersion=999999`);
      assert.equal(res.status, 504);
      assert.equal(res.body.reason, "Timeout");
    });

    it("answers 410 Expired for a continue token older than the history, with a fresh token", async () => {
      const p1 = await h.json(`${CM}?limit=2`);
      h.server.faults.compact();
      h.server.patch(ConfigMaps, "a", { data: { after: "compact" } }, { namespace: "default" });
      const res = await h.json(
        `${CM}?limit=2&continue=${encodeURIComponent(p1.body.metadata.continue)}`,
      );
      assert.equal(res.status, 410);
      assert.equal(res.body.reason, "Expired");
      assert.equal(res.body.code, 410);
      assert.ok(res.body.metadata.continue, "inconsistent-continue token");
      const rest = await h.json(
        `${CM}?limit=10&continue=${encodeURIComponent(res.body.metadata.continue)}`,
      );
      assert.deepEqual(names(rest.body), ["c", "d", "e"]);
      const exact = await h.json(
        `${CM}?resourceVersion=${p1.body.metadata.resourceVersion}&resourceVersionMatch=Exact`,
      );
      assert.equal(exact.status, 410);
    });

    it("expires old snapshots once the history window moves past them", async () => {
      const p1 = await h.json(`${CM}?limit=1`);
      for (let i = 0; i < 60; i++)
        h.server.patch(ConfigMaps, "e", { data: { i: String(i) } }, { namespace: "default" });
      const res = await h.json(
        `${CM}?limit=1&continue=${encodeURIComponent(p1.body.metadata.continue)}`,
      );
      assert.equal(res.status, 410);
    });
  });
}

describe("large lists", () => {
  it("pages through 5,000 objects with client-go's limit of 500", async () => {
    const h = await harness("in-process");
    try {
      for (let i = 0; i < 5000; i++)
        h.server.create(ConfigMaps, cm(`cm-${String(i).padStart(5, "0")}`));
      let cont = "";
      let seen = 0;
      let pages = 0;
      do {
        const res = await h.json(
          `${"/api/v1/configmaps"}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`,
        );
        seen += res.body.items.length;
        pages++;
        cont = res.body.metadata.continue ?? "";
      } while (cont);
      assert.equal(seen, 5000);
      assert.equal(pages, 10);
    } finally {
      await h.close();
    }
  });
});
