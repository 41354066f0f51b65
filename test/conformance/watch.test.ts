// Watch: query parameters, what a watch sends first, resourceVersion semantics, ERROR events,
// bookmarks, timeoutSeconds, selectors. Docs: https://kubernetes.io/docs/reference/using-api/api-concepts/
// ("Efficient detection of changes", "Watch bookmarks", "Resource versions").
import assert from "node:assert/strict";
import { type CaseContext, conformance } from "./support/suite.ts";

const cm = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels },
  data: { k: name },
});

async function listRv(t: CaseContext, path: string): Promise<string> {
  const r = await t.get(path);
  assert.equal(r.status, 200, r.text);
  return r.body.metadata.resourceVersion;
}

await conformance("watch", (c) => {
  c.test(
    "a watch without resourceVersion starts with ADDED for every object, then live events",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, cm("a"));
      await t.post(base, cm("b"));
      const w = await t.watch(`${base}?watch=true`);
      assert.equal(w.response.status, 200);
      assert.match(w.response.headers.get("content-type") ?? "", /^application\/json/);
      const first = await w.take(2);
      assert.deepEqual(
        first.map((e) => e.type),
        ["ADDED", "ADDED"],
      );
      assert.deepEqual(first.map((e) => e.object.metadata.name).sort(), ["a", "b"]);
      // every watched object carries its kind and apiVersion
      for (const e of first) {
        assert.equal(e.object.kind, "ConfigMap");
        assert.equal(e.object.apiVersion, "v1");
      }
      await t.post(base, cm("c"));
      const live = await w.next();
      assert.equal(live.type, "ADDED");
      assert.equal(live.object.metadata.name, "c");
    },
  );

  c.test("resourceVersion=0 also starts with the current state", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    await t.post(base, cm("a"));
    const w = await t.watch(`${base}?watch=true&resourceVersion=0`);
    const [ev] = await w.take(1);
    assert.equal(ev.type, "ADDED");
    assert.equal(ev.object.metadata.name, "a");
  });

  c.test("a watch from a list's resourceVersion sends only later changes, in order", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    await t.post(base, cm("a"));
    const rv = await listRv(t, base);
    const w = await t.watch(`${base}?watch=true&resourceVersion=${rv}`);
    const b = (await t.post(base, cm("b"))).body;
    await t.patch(`${base}/a`, "merge", { data: { k: "2" } });
    await t.delete(`${base}/b`);
    const evs = await w.take(3);
    assert.deepEqual(
      evs.map((e) => `${e.type} ${e.object.metadata.name}`),
      ["ADDED b", "MODIFIED a", "DELETED b"],
    );
    assert.equal(evs[0].object.metadata.resourceVersion, b.metadata.resourceVersion);
    // a DELETED event carries the object's last state at a new resourceVersion
    assert.equal(evs[2].object.data.k, "b");
    assert.notEqual(evs[2].object.metadata.resourceVersion, b.metadata.resourceVersion);
    assert.ok(await w.silentFor(200));
  });

  c.test("the legacy /watch/ path prefix is a watch", async (t) => {
    const ns = await t.namespace();
    await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"));
    const w = await t.watch(`/api/v1/watch/namespaces/${ns}/configmaps`);
    const [ev] = await w.take(1);
    assert.equal(ev.type, "ADDED");
    const one = await t.watch(`/api/v1/watch/namespaces/${ns}/configmaps/a`);
    const [ev1] = await one.take(1);
    assert.equal(ev1.object.metadata.name, "a");
  });

  c.test("watch=true on a single object's path is a plain get", async (t) => {
    const ns = await t.namespace();
    await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"));
    const r = await t.get(`/api/v1/namespaces/${ns}/configmaps/a?watch=true`);
    assert.equal(r.status, 200);
    assert.equal(r.body.kind, "ConfigMap");
    assert.equal(r.body.metadata.name, "a");
  });

  for (const value of ["true", "1", "True", "yes", "f", ""]) {
    c.test(`watch=${JSON.stringify(value)} is a watch (anything but 0 and false)`, async (t) => {
      const ns = await t.namespace();
      await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"));
      const w = await t.watch(`/api/v1/namespaces/${ns}/configmaps?watch=${value}`);
      const [ev] = await w.take(1);
      assert.equal(ev.type, "ADDED");
    });
  }

  for (const value of ["false", "0", "False", "FALSE"]) {
    c.test(`watch=${value} is a list`, async (t) => {
      const ns = await t.namespace();
      const r = await t.get(`/api/v1/namespaces/${ns}/configmaps?watch=${value}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.kind, "ConfigMapList");
    });
  }

  c.test("timeoutSeconds ends the watch cleanly at the deadline", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const rv = await listRv(t, base);
    const w = await t.watch(`${base}?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
    assert.ok(await w.silentFor(100));
    await t.elapse(1100);
    assert.deepEqual(await w.rest(3000), []);
    assert.equal(w.done, true);
    assert.equal(w.error, undefined);
  });

  c.test("timeoutSeconds=0 means no timeout", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const rv = await listRv(t, base);
    const w = await t.watch(`${base}?watch=true&resourceVersion=${rv}&timeoutSeconds=0`);
    await t.elapse(1200);
    await t.post(base, cm("later"));
    const [ev] = await w.take(1, 3000);
    assert.equal(ev.object.metadata.name, "later");
    assert.equal(w.done, false);
  });

  c.test("a negative timeoutSeconds ends the watch at once", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    await t.post(base, cm("a"));
    const w = await t.watch(`${base}?watch=true&timeoutSeconds=-1`);
    assert.equal(w.response.status, 200);
    // the deadline has passed: the stream ends at once (the initial events may race with the end)
    const events = await w.rest(3000);
    assert.ok(
      events.every((e) => e.type === "ADDED"),
      JSON.stringify(events),
    );
    assert.equal(w.done, true);
  });

  for (const value of ["abc", "1.5"]) {
    c.test(`timeoutSeconds=${value}: 400 BadRequest`, async (t) => {
      const ns = await t.namespace();
      const r = await t.get(
        `/api/v1/namespaces/${ns}/configmaps?watch=true&timeoutSeconds=${value}`,
      );
      assert.equal(r.status, 400);
      assert.equal(r.body.reason, "BadRequest");
      assert.equal(r.body.message, `strconv.ParseInt: parsing "${value}": invalid syntax`);
    });
  }

  c.test("an unparsable resourceVersion: 500 with an Invalid value message", async (t) => {
    const ns = await t.namespace();
    const r = await t.get(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=abc`);
    assert.equal(r.status, 500);
    assert.equal(r.body.kind, "Status");
    assert.equal(
      r.body.message,
      'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax',
    );
  });

  c.test("a resourceVersion the server has not reached: the watch waits for it", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const rv = Number(await listRv(t, base));
    const w = await t.watch(`${base}?watch=true&resourceVersion=${rv + 1000000}`);
    assert.equal(w.response.status, 200);
    await t.post(base, cm("early"));
    assert.ok(
      await w.silentFor(300),
      "events at or below the requested resourceVersion are not sent",
    );
  });

  c.test("resourceVersionMatch on a watch: 422 Invalid", async (t) => {
    const ns = await t.namespace();
    const r = await t.get(
      `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=1&resourceVersionMatch=NotOlderThan`,
    );
    assert.equal(r.status, 422);
    assert.equal(r.body.reason, "Invalid");
    assert.equal(
      r.body.message,
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch',
    );
    assert.deepEqual(r.body.details, {
      group: "meta.k8s.io",
      kind: "ListOptions",
      causes: [
        {
          reason: "FieldValueForbidden",
          message: "Forbidden: resourceVersionMatch is forbidden for watch",
          field: "resourceVersionMatch",
        },
      ],
    });
  });

  c.test("limit and continue are ignored by a watch", async (t) => {
    const ns = await t.namespace();
    await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"));
    await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("b"));
    const w = await t.watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&limit=1&continue=abc`);
    const evs = await w.take(2);
    assert.equal(evs.length, 2);
  });

  c.test("a bad label selector on a watch: 400 before any event", async (t) => {
    const ns = await t.namespace();
    const r = await t.get(`/api/v1/namespaces/${ns}/configmaps?watch=true&labelSelector=n%3D(`);
    assert.equal(r.status, 400);
    assert.equal(r.body.reason, "BadRequest");
    assert.equal(r.body.message, "unable to parse requirement: found '(', expected: identifier");
  });

  c.test("objects entering and leaving a label selector: ADDED and DELETED", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    await t.post(base, cm("a", { tier: "web" }));
    const rv = await listRv(t, base);
    const w = await t.watch(`${base}?watch=true&resourceVersion=${rv}&labelSelector=tier%3Dweb`);
    const left = (await t.patch(`${base}/a`, "merge", { metadata: { labels: { tier: "db" } } }))
      .body;
    const back = (await t.patch(`${base}/a`, "merge", { metadata: { labels: { tier: "web" } } }))
      .body;
    const [gone, added] = await w.take(2);
    assert.equal(gone.type, "DELETED");
    // the object as it last matched, at the resourceVersion of the change that made it leave
    assert.equal(gone.object.metadata.labels.tier, "web");
    assert.equal(gone.object.metadata.resourceVersion, left.metadata.resourceVersion);
    assert.equal(added.type, "ADDED");
    assert.equal(added.object.metadata.resourceVersion, back.metadata.resourceVersion);
  });

  c.test("a field selector on metadata.name watches one object", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const rv = await listRv(t, base);
    const w = await t.watch(
      `${base}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Db`,
    );
    await t.post(base, cm("a"));
    await t.post(base, cm("b"));
    const [ev] = await w.take(1);
    assert.equal(ev.object.metadata.name, "b");
    assert.ok(await w.silentFor(200));
  });

  c.test(
    "bookmarks: only when asked for, only after the resource type changed, with only the resourceVersion",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      const rv = await listRv(t, base);
      const quiet = await t.watch(
        `${base}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=3`,
      );
      const plain = await t.watch(`${base}?watch=true&resourceVersion=${rv}&timeoutSeconds=3`);
      const created = (await t.post(base, cm("a"))).body;
      const [added] = await quiet.take(1);
      assert.equal(added.type, "ADDED");
      // a real 1.20 server sends bookmarks from 2 s before the deadline on
      await t.elapse(2000);
      const [bookmark] = await quiet.take(1, 3000);
      assert.equal(bookmark.type, "BOOKMARK");
      assert.equal(bookmark.object.kind, "ConfigMap");
      assert.equal(bookmark.object.apiVersion, "v1");
      assert.ok(
        Number(bookmark.object.metadata.resourceVersion) >=
          Number(created.metadata.resourceVersion),
      );
      assert.equal(bookmark.object.metadata.name, undefined);
      assert.equal(bookmark.object.data, undefined);
      await t.elapse(1200);
      const rest = await quiet.rest(3000);
      assert.ok(rest.every((e) => e.type === "BOOKMARK"));
      const plainEvents = await plain.rest(3000);
      assert.deepEqual(
        plainEvents.map((e) => e.type),
        ["ADDED"],
      );
    },
  );

  c.test(
    "streaming list: sendInitialEvents sends the state, then a bookmark marked initial-events-end",
    {
      needs: "1.27",
      older: async (t) => {
        // a 1.20 server refuses the parameters: clients must fall back to list + watch
        const ns = await t.namespace();
        const r = await t.get(
          `/api/v1/namespaces/${ns}/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
        );
        assert.equal(r.status, 422);
        assert.equal(r.body.reason, "Invalid");
        assert.deepEqual(
          r.body.details.causes.map((c: any) => c.message),
          [
            "Forbidden: resourceVersionMatch is forbidden for watch",
            "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
          ],
        );
      },
    },
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, cm("a"));
      await t.post(base, cm("b"));
      const w = await t.watch(
        `${base}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
      );
      const evs = await w.take(3);
      assert.deepEqual(
        evs.map((e) => e.type),
        ["ADDED", "ADDED", "BOOKMARK"],
      );
      assert.equal(evs[2].object.metadata.annotations["k8s.io/initial-events-end"], "true");
    },
  );
});
