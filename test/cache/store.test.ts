import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deepFreeze, NAMESPACE_INDEX, Store } from "../../src/cache/store.ts";
import type { KubernetesObject } from "../../src/resources/meta.ts";

function obj(
  ns: string | undefined,
  name: string,
  rv = "1",
  labels?: Record<string, string>,
): KubernetesObject {
  return {
    metadata: {
      name,
      ...(ns === undefined ? {} : { namespace: ns }),
      resourceVersion: rv,
      ...(labels ? { labels } : {}),
    },
  };
}

const byApp = (o: KubernetesObject): string[] =>
  o.metadata.labels?.app ? [o.metadata.labels.app] : [];

describe("Store", () => {
  it("stores objects by namespace/name key (name for cluster-scoped)", () => {
    const s = new Store();
    assert.equal(s.add(obj("default", "a")), undefined);
    s.add(obj(undefined, "node-1"));
    assert.equal(s.size, 2);
    assert.equal(s.get("default/a")?.metadata.name, "a");
    assert.equal(s.get("node-1")?.metadata.name, "node-1");
    assert.ok(s.has("default/a"));
    assert.ok(!s.has("a"));
    assert.deepEqual(s.keys().sort(), ["default/a", "node-1"]);
    assert.equal(s.list().length, 2);
  });

  it("update returns the previous object and delete removes by key or object", () => {
    const s = new Store();
    const a1 = obj("ns", "a", "1");
    const a2 = obj("ns", "a", "2");
    s.add(a1);
    assert.equal(s.update(a2), a1);
    assert.equal(s.get("ns/a"), a2);
    assert.equal(s.delete("ns/a"), a2);
    assert.equal(s.delete("ns/a"), undefined);
    s.add(a1);
    assert.equal(s.delete(a2), a1);
    assert.equal(s.size, 0);
  });

  it("has a built-in namespace index", () => {
    const s = new Store();
    s.add(obj("a", "x"));
    s.add(obj("a", "y"));
    s.add(obj("b", "x"));
    s.add(obj(undefined, "cluster"));
    assert.deepEqual(s.indexKeys(NAMESPACE_INDEX, "a").sort(), ["a/x", "a/y"]);
    assert.deepEqual(
      s.byIndex("namespace", "b").map((o) => o.metadata.name),
      ["x"],
    );
    assert.deepEqual(s.indexKeys("namespace", ""), ["cluster"]);
    assert.deepEqual(s.indexValues("namespace").sort(), ["", "a", "b"]);
    s.delete("a/x");
    s.delete("a/y");
    assert.deepEqual(s.byIndex("namespace", "a"), []);
    assert.ok(!s.indexValues("namespace").includes("a"), "empty index buckets are dropped");
  });

  it("builds the namespace index when first queried, then keeps it up to date", () => {
    const s = new Store();
    assert.deepEqual(s.indexNames(), [NAMESPACE_INDEX]);
    assert.throws(() => s.addIndexer(NAMESPACE_INDEX, () => []), RangeError);
    s.replace([obj("a", "x"), obj("b", "y")], "1");
    s.add(obj("a", "z"));
    s.delete("b/y");
    // built now, from what the store holds
    assert.deepEqual(s.indexKeys(NAMESPACE_INDEX, "a").sort(), ["a/x", "a/z"]);
    assert.deepEqual(s.indexValues(NAMESPACE_INDEX), ["a"]);
    // and maintained from here on
    s.add(obj("b", "w"));
    s.delete("a/x");
    s.replace([obj("c", "v"), obj("a", "z")], "2");
    assert.deepEqual(s.indexValues(NAMESPACE_INDEX).sort(), ["a", "c"]);
    assert.deepEqual(s.indexKeys(NAMESPACE_INDEX, "c"), ["c/v"]);
    assert.deepEqual(s.indexNames(), [NAMESPACE_INDEX]);
  });

  it("keeps custom indexes up to date incrementally, including multi-valued ones", () => {
    let calls = 0;
    const s = new Store<KubernetesObject>({
      indexers: {
        byApp,
        byLabelValue: (o) => {
          calls++;
          return Object.values(o.metadata.labels ?? {});
        },
      },
    });
    s.add(obj("ns", "a", "1", { app: "web", tier: "web" }));
    s.add(obj("ns", "b", "1", { app: "db" }));
    assert.deepEqual(s.indexKeys("byLabelValue", "web"), ["ns/a"], "duplicate values index once");
    assert.deepEqual(s.indexKeys("byApp", "web"), ["ns/a"]);
    s.update(obj("ns", "a", "2", { app: "db" }));
    assert.deepEqual(s.indexKeys("byApp", "web"), []);
    assert.deepEqual(s.indexKeys("byApp", "db").sort(), ["ns/a", "ns/b"]);
    assert.deepEqual(s.indexKeys("byLabelValue", "web"), []);
    s.update(obj("ns", "a", "3"));
    assert.deepEqual(s.indexKeys("byApp", "db"), ["ns/b"]);
    const before = calls;
    s.update(obj("ns", "b", "2", { app: "db" }));
    assert.equal(
      calls - before,
      1,
      "an update calls each index function once for that object only",
    );
    assert.ok(s.indexNames().includes("byApp"));
  });

  it("addIndexer indexes existing objects and rejects duplicate names", () => {
    const s = new Store();
    s.add(obj("ns", "a", "1", { app: "web" }));
    s.addIndexer("byApp", byApp);
    assert.deepEqual(s.indexKeys("byApp", "web"), ["ns/a"]);
    assert.throws(() => s.addIndexer("byApp", byApp), RangeError);
    assert.throws(() => s.byIndex("nope", "x"), RangeError);
    assert.throws(() => s.indexKeys("nope", "x"), RangeError);
  });

  it("survives an index function that throws, reporting it", () => {
    const errors: string[] = [];
    const s = new Store<KubernetesObject>({
      indexers: {
        bad: (o) => {
          if (o.metadata.name === "boom") throw new Error("boom");
          return ["ok"];
        },
      },
      onIndexError: (name, o) => errors.push(`${name}:${o.metadata.name}`),
    });
    s.add(obj("ns", "boom"));
    s.add(obj("ns", "fine"));
    assert.equal(s.size, 2);
    assert.deepEqual(s.indexKeys("bad", "ok"), ["ns/fine"]);
    assert.deepEqual(errors, ["bad:boom"]);
  });

  it("replace computes additions, updates, unchanged objects and deletions with last known state", () => {
    const s = new Store<KubernetesObject>({ indexers: { byApp } });
    const a = obj("ns", "a", "1", { app: "web" });
    const b = obj("ns", "b", "1", { app: "web" });
    const c = obj("ns", "c", "1");
    s.add(a);
    s.add(b);
    s.add(c);
    const a2 = obj("ns", "a", "1", { app: "web" }); // same rv: unchanged
    const b2 = obj("ns", "b", "7", { app: "db" }); // updated
    const d = obj("ns", "d", "3"); // added
    const r = s.replace([a2, b2, d], "42");
    assert.equal(r.unchanged, 1);
    assert.deepEqual(r.added, [d]);
    assert.deepEqual(r.updated, [{ oldObj: b, newObj: b2 }]);
    assert.deepEqual(r.deleted, [{ key: "ns/c", object: c }]);
    assert.equal(s.get("ns/a"), a, "unchanged objects keep the cached instance");
    assert.equal(s.resourceVersion, "42");
    assert.deepEqual(s.keys().sort(), ["ns/a", "ns/b", "ns/d"]);
    assert.deepEqual(s.indexKeys("byApp", "web"), ["ns/a"]);
    assert.deepEqual(s.indexKeys("byApp", "db"), ["ns/b"]);
    const empty = s.replace([], "43");
    assert.equal(empty.deleted.length, 3);
    assert.equal(s.size, 0);
    assert.deepEqual(s.indexValues("byApp"), []);
    assert.deepEqual(s.indexValues("namespace"), []);
  });

  it("replace treats an object as unchanged only when both uid and resource version are equal", () => {
    const s = new Store<KubernetesObject>();
    const withUid = (name: string, uid: string, rv: string, v: string): KubernetesObject => ({
      metadata: { name, namespace: "ns", uid, resourceVersion: rv },
      data: { v },
    });
    const a = withUid("a", "uid-a", "5", "old");
    const b = withUid("b", "uid-b", "6", "old");
    s.add(a);
    s.add(b);
    // a: same uid and rv (unchanged); b: recreated (new uid) with the same rv,
    // as after an API server restart that counts resource versions from 1 again
    const a2 = withUid("a", "uid-a", "5", "old");
    const b2 = withUid("b", "uid-b2", "6", "new");
    const r = s.replace([a2, b2], "9");
    assert.equal(r.unchanged, 1);
    assert.deepEqual(r.added, []);
    assert.deepEqual(r.deleted, []);
    assert.deepEqual(r.updated, [{ oldObj: b, newObj: b2 }]);
    assert.equal(s.get("ns/a"), a, "unchanged: the cached instance is kept");
    assert.equal(s.get("ns/b"), b2, "recreated: the new object replaces the stale one");
  });

  it("freezes objects deeply when asked", () => {
    const s = new Store({ freeze: true });
    const a = obj("ns", "a", "1", { app: "web" });
    s.add(a);
    assert.ok(Object.isFrozen(a));
    assert.ok(Object.isFrozen(a.metadata.labels));
    assert.throws(() => {
      (s.get("ns/a")!.metadata.labels as Record<string, string>).app = "x";
    }, TypeError);
    const plain = new Store();
    const b = obj("ns", "b");
    plain.add(b);
    assert.ok(!Object.isFrozen(b));
    assert.equal(deepFreeze(null), null);
  });

  it("clear empties objects and indexes", () => {
    const s = new Store();
    s.add(obj("ns", "a"));
    s.clear();
    assert.equal(s.size, 0);
    assert.deepEqual(s.indexValues("namespace"), []);
  });
});
