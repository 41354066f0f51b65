// Deletion: preconditions, finalizers, propagation policies (on a lone API server the garbage
// collector's finalizers stay), graceful pod deletion, deletecollection, the namespace lifecycle,
// and dryRun on every verb.
// Docs: https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/,
// /concepts/architecture/garbage-collection/, /reference/using-api/api-concepts/ ("Dry-run"),
// /tasks/administer-cluster/namespaces/. Fake vs real: docs/testing.md ("Fake vs real").
import assert from "node:assert/strict";
import { conformance } from "./support/suite.ts";

const cm = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...extra },
  data: { k: "v" },
});

await conformance("delete", (c) => {
  c.test(
    "preconditions: a wrong uid or resourceVersion is 409 Conflict; the right ones delete",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      const created = (await t.post(base, cm("a"))).body;
      const uid = await t.delete(`${base}/a`, {
        preconditions: { uid: "00000000-0000-0000-0000-000000000000" },
      });
      assert.equal(uid.status, 409);
      assert.equal(uid.body.reason, "Conflict");
      assert.equal(
        uid.body.message,
        `Operation cannot be fulfilled on ConfigMap "a": the UID in the precondition (00000000-0000-0000-0000-000000000000) does not match the UID in record (${created.metadata.uid}). The object might have been deleted and then recreated`,
      );
      assert.deepEqual(uid.body.details, { name: "a", kind: "ConfigMap" });
      const rv = await t.delete(`${base}/a`, { preconditions: { resourceVersion: "1" } });
      assert.equal(rv.status, 409);
      assert.equal(
        rv.body.message,
        `Operation cannot be fulfilled on ConfigMap "a": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${created.metadata.resourceVersion}). The object might have been modified`,
      );
      const ok = await t.delete(`${base}/a`, {
        apiVersion: "v1",
        kind: "DeleteOptions",
        preconditions: {
          uid: created.metadata.uid,
          resourceVersion: created.metadata.resourceVersion,
        },
      });
      assert.equal(ok.status, 200);
      assert.equal((await t.get(`${base}/a`)).status, 404);
    },
  );

  c.test(
    "finalizers: delete sets deletionTimestamp and keeps the object until they are removed",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, cm("a", { finalizers: ["example.com/hold"] }));
      const rv = (await t.get(base)).body.metadata.resourceVersion;
      const w = await t.watch(`${base}?watch=true&resourceVersion=${rv}`);
      const r = await t.delete(`${base}/a`);
      assert.equal(r.status, 200);
      assert.equal(r.body.kind, "ConfigMap");
      assert.match(r.body.metadata.deletionTimestamp, /Z$/);
      assert.equal(r.body.metadata.deletionGracePeriodSeconds, 0);
      assert.deepEqual(r.body.metadata.finalizers, ["example.com/hold"]);
      // deleting again changes nothing
      const again = await t.delete(`${base}/a`);
      assert.equal(again.status, 200);
      assert.equal(again.body.metadata.resourceVersion, r.body.metadata.resourceVersion);
      // adding a finalizer to an object being deleted is allowed; the object stays
      const still = await t.get(`${base}/a`);
      assert.equal(still.status, 200);
      const cleared = await t.patch(`${base}/a`, "merge", { metadata: { finalizers: null } });
      assert.equal(cleared.status, 200);
      assert.equal((await t.get(`${base}/a`)).status, 404);
      const evs = await w.take(2);
      assert.deepEqual(
        evs.map((e) => e.type),
        ["MODIFIED", "DELETED"],
      );
    },
  );

  c.test("creating an object with a deletionTimestamp ignores it", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(
      `/api/v1/namespaces/${ns}/configmaps`,
      cm("a", { deletionTimestamp: "2020-01-01T00:00:00Z" }),
    );
    assert.equal(r.status, 201);
    assert.equal(r.body.metadata.deletionTimestamp, undefined);
  });

  c.test(
    "propagationPolicy=Foreground adds the foregroundDeletion finalizer (no garbage collector removes it on a lone server)",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, cm("a"));
      const r = await t.delete(`${base}/a`, { propagationPolicy: "Foreground" });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.metadata.finalizers, ["foregroundDeletion"]);
      assert.ok(r.body.metadata.deletionTimestamp);
      const still = await t.get(`${base}/a`);
      assert.equal(still.status, 200, "the object waits for the garbage collector");
    },
  );

  c.test(
    "propagationPolicy=Orphan (and orphanDependents=true) add the orphan finalizer",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, cm("a"));
      await t.post(base, cm("b"));
      const r = await t.delete(`${base}/a?propagationPolicy=Orphan`);
      assert.deepEqual(r.body.metadata.finalizers, ["orphan"]);
      const legacy = await t.delete(`${base}/b`, { orphanDependents: true });
      assert.deepEqual(legacy.body.metadata.finalizers, ["orphan"]);
    },
  );

  c.test("propagationPolicy=Background deletes at once; an unknown policy is 422", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    await t.post(base, cm("a"));
    const bad = await t.delete(`${base}/a?propagationPolicy=Sometimes`);
    assert.equal(bad.status, 422);
    assert.equal(bad.body.reason, "Invalid");
    assert.equal(
      bad.body.message,
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sometimes": supported values: "Foreground", "Background", "Orphan", "nil"',
    );
    const both = await t.delete(`${base}/a`, {
      propagationPolicy: "Background",
      orphanDependents: false,
    });
    assert.equal(both.status, 422);
    const r = await t.delete(`${base}/a?propagationPolicy=Background`);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, "Success");
  });

  c.test(
    "a Pod on a node is deleted gracefully: it stays with a deletionTimestamp for its grace period",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/pods`;
      const pod = {
        metadata: { name: "p" },
        spec: { nodeName: "node-1", containers: [{ name: "c", image: "busybox" }] },
      };
      assert.equal((await t.post(base, pod)).status, 201);
      const r = await t.delete(`${base}/p`);
      assert.equal(r.status, 200);
      assert.equal(r.body.metadata.deletionGracePeriodSeconds, 30);
      const deadline = Date.parse(r.body.metadata.deletionTimestamp);
      const created = Date.parse(r.body.metadata.creationTimestamp);
      assert.ok(
        deadline >= created + 29_000,
        "the deletion timestamp is the end of the grace period",
      );
      assert.equal((await t.get(`${base}/p`)).status, 200);
      // a shorter grace period shortens it; zero deletes at once
      const shorter = await t.delete(`${base}/p?gracePeriodSeconds=10`);
      assert.equal(shorter.body.metadata.deletionGracePeriodSeconds, 10);
      const now = await t.delete(`${base}/p?gracePeriodSeconds=0`);
      assert.equal(now.status, 200);
      assert.equal((await t.get(`${base}/p`)).status, 404);
    },
  );

  c.test(
    "deletecollection deletes what matches, answers the deleted items, honours finalizers",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, cm("a"));
      await t.post(base, cm("b", { finalizers: ["example.com/hold"] }));
      const r = await t.delete(base);
      assert.equal(r.status, 200);
      assert.equal(r.body.kind, "ConfigMapList");
      const left = (await t.get(base)).body.items;
      assert.deepEqual(
        left.map((i: any) => i.metadata.name),
        ["b"],
      );
      assert.ok(left[0].metadata.deletionTimestamp);
    },
  );

  c.test(
    "dryRun=All on create, update, patch, delete and deletecollection changes nothing",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      const dryCreate = await t.post(`${base}?dryRun=All`, cm("dry"));
      assert.equal(dryCreate.status, 201);
      assert.equal(dryCreate.body.metadata.name, "dry");
      assert.match(dryCreate.body.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.equal(dryCreate.body.metadata.resourceVersion, undefined);
      assert.equal((await t.get(`${base}/dry`)).status, 404);
      const real = (await t.post(base, cm("a"))).body;
      const dryUpdate = await t.put(`${base}/a?dryRun=All`, { ...real, data: { k: "2" } });
      assert.equal(dryUpdate.status, 200);
      assert.deepEqual(dryUpdate.body.data, { k: "2" });
      const dryPatch = await t.patch(`${base}/a?dryRun=All`, "merge", { data: { k: "3" } });
      assert.equal(dryPatch.status, 200);
      assert.deepEqual(dryPatch.body.data, { k: "3" });
      const dryDelete = await t.delete(`${base}/a?dryRun=All`);
      assert.equal(dryDelete.status, 200);
      assert.equal(dryDelete.body.status, "Success");
      const dryCollection = await t.delete(`${base}?dryRun=All`);
      assert.equal(dryCollection.status, 200);
      const now = await t.get(`${base}/a`);
      assert.equal(now.status, 200);
      assert.deepEqual(now.body.data, { k: "v" });
      assert.equal(now.body.metadata.resourceVersion, real.metadata.resourceVersion);
    },
  );

  c.test("dryRun still validates and still conflicts", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    await t.post(base, cm("a"));
    assert.equal((await t.post(`${base}?dryRun=All`, cm("a"))).status, 409);
    assert.equal((await t.post(`${base}?dryRun=All`, cm("Bad_Name"))).status, 422);
  });

  c.test("dryRun with a generateName generates a name but stores nothing", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const r = await t.post(`${base}?dryRun=All`, { metadata: { generateName: "g-" } });
    assert.equal(r.status, 201);
    assert.match(r.body.metadata.name, /^g-[a-z0-9]{5}$/);
    assert.deepEqual((await t.get(base)).body.items, []);
  });

  c.test("a dry-run Service allocates no cluster IP", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/services?dryRun=All`, {
      metadata: { name: "s" },
      spec: { ports: [{ port: 80 }] },
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.spec.clusterIP, undefined);
    assert.equal(r.body.spec.type, "ClusterIP");
  });

  for (const value of ["foo", "all", ""]) {
    c.test(`dryRun=${JSON.stringify(value)}: 422 naming the supported value`, async (t) => {
      const ns = await t.namespace();
      const r = await t.post(`/api/v1/namespaces/${ns}/configmaps?dryRun=${value}`, cm("a"));
      assert.equal(r.status, 422);
      assert.equal(
        r.body.message,
        `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{${JSON.stringify(value)}}: supported values: "All"`,
      );
      assert.deepEqual(r.body.details.causes, [
        {
          reason: "FieldValueNotSupported",
          message: `Unsupported value: []string{${JSON.stringify(value)}}: supported values: "All"`,
          field: "dryRun",
        },
      ]);
    });
  }

  c.test("a fieldManager longer than 128 bytes: 422", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(
      `/api/v1/namespaces/${ns}/configmaps?fieldManager=${"m".repeat(129)}`,
      cm("a"),
    );
    assert.equal(r.status, 422);
    assert.equal(
      r.body.message,
      'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: must have at most 128 bytes',
    );
  });

  c.test("a deleted namespace is Terminating; creating in it is 403 Forbidden", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    await t.post(base, cm("held", { finalizers: ["example.com/hold"] }));
    const r = await t.delete(`/api/v1/namespaces/${ns}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.kind, "Namespace");
    assert.ok(r.body.metadata.deletionTimestamp);
    assert.equal(r.body.status.phase, "Terminating");
    assert.deepEqual(r.body.spec.finalizers, ["kubernetes"]);
    const ns2 = await t.get(`/api/v1/namespaces/${ns}`);
    assert.equal(ns2.body.status.phase, "Terminating");
    const create = await t.post(base, cm("late"));
    assert.equal(create.status, 403);
    assert.equal(create.body.reason, "Forbidden");
    assert.equal(
      create.body.message,
      `configmaps "late" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
    );
    assert.deepEqual(create.body.details, {
      name: "late",
      kind: "configmaps",
      causes: [
        {
          reason: "NamespaceTerminating",
          message: `namespace ${ns} is being terminated`,
          field: "metadata.namespace",
        },
      ],
    });
  });

  c.test(
    "/finalize empties a terminating namespace's spec.finalizers and removes it",
    async (t) => {
      const name = t.name("kc-fin");
      assert.equal((await t.post("/api/v1/namespaces", { metadata: { name } })).status, 201);
      t.defer(async () => {
        const left = await t.get(`/api/v1/namespaces/${name}`);
        if (left.status === 200) {
          await t.delete(`/api/v1/namespaces/${name}`);
          await t.put(`/api/v1/namespaces/${name}/finalize`, {
            ...left.body,
            spec: { finalizers: [] },
          });
        }
      });
      await t.delete(`/api/v1/namespaces/${name}`);
      const current = await t.get(`/api/v1/namespaces/${name}`);
      if (current.status === 200) {
        // a lone API server: nobody runs the namespace controller
        const fin = await t.put(`/api/v1/namespaces/${name}/finalize`, {
          ...current.body,
          spec: { finalizers: [] },
        });
        assert.equal(fin.status, 200);
      } else {
        assert.equal(
          t.real,
          false,
          "only the fake server (which runs a namespace controller) removes it by itself",
        );
      }
      assert.equal((await t.get(`/api/v1/namespaces/${name}`)).status, 404);
    },
  );

  c.test("an invalid namespace name: 422 (a DNS label, not a subdomain)", async (t) => {
    const r = await t.post("/api/v1/namespaces", { metadata: { name: "has.dot" } });
    assert.equal(r.status, 422);
    assert.match(r.body.details.causes[0].message, /a lowercase RFC 1123 label must consist of/);
  });
});
