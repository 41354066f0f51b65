import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConfigMaps, Namespaces } from "../../src/resources/core.ts";
import { StatusError } from "../../src/testing/mod.ts";
import { cm, type Harness, harness, MODES } from "./support.ts";

const CM = "/api/v1/namespaces/default/configmaps";
const DEP = "/apis/apps/v1/namespaces/default/deployments";

function dep(name: string, replicas = 1): any {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
    },
  };
}

for (const mode of MODES) {
  describe(`fake API server CRUD (${mode})`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(mode);
    });
    after(async () => {
      await h.close();
    });

    it("serves discovery for kubectl", async () => {
      const version = await h.json("/version");
      assert.equal(version.status, 200);
      assert.equal(version.body.major, "1");
      const api = await h.json("/api");
      assert.equal(api.body.kind, "APIVersions");
      assert.deepEqual(api.body.versions, ["v1"]);
      const v1 = await h.json("/api/v1");
      assert.equal(v1.body.kind, "APIResourceList");
      const cms = v1.body.resources.find((r: any) => r.name === "configmaps");
      assert.equal(cms.kind, "ConfigMap");
      assert.equal(cms.namespaced, true);
      assert.ok(cms.verbs.includes("watch"));
      assert.deepEqual(cms.shortNames, ["cm"]);
      const apis = await h.json("/apis");
      assert.equal(apis.body.kind, "APIGroupList");
      assert.ok(apis.body.groups.some((g: any) => g.name === "apps"));
      const apps = await h.json("/apis/apps/v1");
      assert.ok(
        apps.body.resources.some((r: any) => r.name === "deployments" && r.kind === "Deployment"),
      );
      const group = await h.json("/apis/apps");
      assert.equal(group.body.kind, "APIGroup");
      // an unknown group is not routed: a real API server's mux answers a plain-text 404
      const missing = await h.json("/apis/nope.example.com/v1");
      assert.equal(missing.status, 404);
      assert.equal(missing.body, "404 page not found\n");
    });

    it("creates objects with uid, creationTimestamp, resourceVersion and generation", async () => {
      const rv0 = Number(h.server.resourceVersion());
      const res = await h.send("POST", CM, cm("created", undefined, { data: { a: "1" } }));
      assert.equal(res.status, 201);
      const o = res.body;
      assert.equal(o.apiVersion, "v1");
      assert.equal(o.kind, "ConfigMap");
      assert.match(o.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(o.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // ConfigMaps track no generation (a real API server sets it for kinds with a spec, e.g. Deployments)
      assert.equal(o.metadata.generation, undefined);
      assert.equal(o.metadata.namespace, "default");
      assert.ok(Number(o.metadata.resourceVersion) > rv0);
      assert.equal(h.server.resourceVersion(), o.metadata.resourceVersion);
      const got = await h.json(`${CM}/created`);
      assert.deepEqual(got.body, o);
    });

    it("takes the namespace from the path and rejects a mismatch", async () => {
      const res = await h.send("POST", CM, { metadata: { name: "nsless" } });
      assert.equal(res.status, 201);
      assert.equal(res.body.metadata.namespace, "default");
      const bad = await h.send("POST", CM, cm("x", "other"));
      assert.equal(bad.status, 400);
      assert.equal(bad.body.reason, "BadRequest");
      const noNs = await h.send("POST", "/api/v1/configmaps", cm("y"));
      assert.equal(noNs.status, 405);
    });

    it("answers 409 AlreadyExists", async () => {
      await h.send("POST", CM, cm("dup"));
      const res = await h.send("POST", CM, cm("dup"));
      assert.equal(res.status, 409);
      assert.equal(res.body.kind, "Status");
      assert.equal(res.body.reason, "AlreadyExists");
      assert.equal(res.body.code, 409);
      assert.equal(res.body.details.name, "dup");
      assert.equal(res.body.message, 'configmaps "dup" already exists');
    });

    it("supports generateName", async () => {
      const res = await h.send("POST", CM, { metadata: { generateName: "gen-" } });
      assert.equal(res.status, 201);
      assert.match(res.body.metadata.name, /^gen-[a-z0-9]{5}$/);
      assert.equal(res.body.metadata.generateName, "gen-");
    });

    it("rejects bad requests with 400/422 Status objects", async () => {
      const malformed = await h.send("POST", CM, "{not json");
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.reason, "BadRequest");
      const noName = await h.send("POST", CM, { metadata: {} });
      assert.equal(noName.status, 422);
      assert.equal(noName.body.reason, "Invalid");
      assert.equal(noName.body.details.causes[0].field, "metadata.name");
      const wrongKind = await h.send("POST", CM, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s" },
      });
      assert.equal(wrongKind.status, 400);
      const wrongVersion = await h.send("POST", CM, {
        apiVersion: "apps/v1",
        kind: "ConfigMap",
        metadata: { name: "s" },
      });
      assert.equal(wrongVersion.status, 400);
      const badName = await h.send("POST", CM, cm("Bad_Name"));
      assert.equal(badName.status, 422);
      // a value of the wrong type fails decoding on a real API server: 400, not 422
      const schema = await h.send("POST", CM, { metadata: { name: "typed" }, data: { a: 1 } });
      assert.equal(schema.status, 400);
      assert.equal(schema.body.reason, "BadRequest");
      const notObject = await h.send("POST", CM, "[1,2]");
      assert.equal(notObject.status, 400);
      const unknown = await h.json("/api/v1/namespaces/default/widgets");
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.reason, "NotFound");
      const method = await h.send("PUT", CM, cm("m"));
      assert.equal(method.status, 405);
      assert.equal(method.body.reason, "MethodNotAllowed");
      // The server still works after all that.
      assert.equal((await h.json(CM)).status, 200);
    });

    it("answers 404 NotFound with a Status", async () => {
      const res = await h.json(`${CM}/missing`);
      assert.equal(res.status, 404);
      assert.deepEqual(
        {
          kind: res.body.kind,
          reason: res.body.reason,
          code: res.body.code,
          name: res.body.details.name,
        },
        { kind: "Status", reason: "NotFound", code: 404, name: "missing" },
      );
      assert.equal(res.body.message, 'configmaps "missing" not found');
      const del = await h.send("DELETE", `${CM}/missing`);
      assert.equal(del.status, 404);
    });

    it("updates with optimistic concurrency (409 Conflict on a stale resourceVersion)", async () => {
      const created = (await h.send("POST", CM, cm("occ", undefined, { data: { v: "1" } }))).body;
      const updated = await h.send("PUT", `${CM}/occ`, { ...created, data: { v: "2" } });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.data.v, "2");
      assert.notEqual(updated.body.metadata.resourceVersion, created.metadata.resourceVersion);
      assert.equal(updated.body.metadata.uid, created.metadata.uid);
      const stale = await h.send("PUT", `${CM}/occ`, { ...created, data: { v: "3" } });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.reason, "Conflict");
      const { resourceVersion: _, ...meta } = created.metadata;
      const unconditional = await h.send("PUT", `${CM}/occ`, {
        ...created,
        metadata: meta,
        data: { v: "4" },
      });
      assert.equal(unconditional.status, 200);
      const nameMismatch = await h.send("PUT", `${CM}/occ`, cm("other"));
      assert.equal(nameMismatch.status, 400);
      const missing = await h.send("PUT", `${CM}/nothere`, cm("nothere"));
      assert.equal(missing.status, 404);
    });

    it("does not bump the resourceVersion for a no-op update", async () => {
      const created = (await h.send("POST", CM, cm("noop", undefined, { data: { v: "1" } }))).body;
      const same = await h.send("PUT", `${CM}/noop`, created);
      assert.equal(same.status, 200);
      assert.equal(same.body.metadata.resourceVersion, created.metadata.resourceVersion);
    });

    it("bumps generation when the spec changes, not for metadata or status", async () => {
      const created = (await h.send("POST", DEP, dep("web"))).body;
      assert.equal(created.metadata.generation, 1);
      const labelled = await h.send("PUT", `${DEP}/web`, {
        ...created,
        metadata: { ...created.metadata, labels: { a: "b" } },
      });
      assert.equal(labelled.body.metadata.generation, 1);
      const scaled = await h.send("PUT", `${DEP}/web`, {
        ...labelled.body,
        spec: { ...labelled.body.spec, replicas: 3 },
      });
      assert.equal(scaled.body.metadata.generation, 2);
      const status = await h.send("PUT", `${DEP}/web/status`, {
        ...scaled.body,
        status: { readyReplicas: 3 },
      });
      assert.equal(status.status, 200);
      assert.equal(status.body.metadata.generation, 2);
      assert.equal(status.body.status.readyReplicas, 3);
    });

    it("keeps status out of main updates and spec out of status updates", async () => {
      const created = (await h.send("POST", DEP, dep("sub"))).body;
      const main = await h.send("PUT", `${DEP}/sub`, { ...created, status: { replicas: 9 } });
      // the status the server set on create ({} for a Deployment) stays
      assert.deepEqual(main.body.status, {});
      const st = await h.send("PUT", `${DEP}/sub/status`, {
        ...main.body,
        spec: { ...main.body.spec, replicas: 5 },
        status: { replicas: 1 },
      });
      assert.equal(st.body.spec.replicas, 1);
      assert.equal(st.body.status.replicas, 1);
      const patched = await h.send(
        "PATCH",
        `${DEP}/sub/status`,
        { status: { replicas: 2 } },
        "application/merge-patch+json",
      );
      assert.equal(patched.status, 200);
      assert.equal(patched.body.status.replicas, 2);
      const badSub = await h.json(`${CM}/p/scale`);
      assert.equal(badSub.status, 404);
    });

    it("patches with merge, JSON and strategic merge patches", async () => {
      await h.send("POST", CM, cm("p", undefined, { data: { a: "1", b: "2" } }));
      const merge = await h.send(
        "PATCH",
        `${CM}/p`,
        { data: { a: null, c: "3" } },
        "application/merge-patch+json",
      );
      assert.equal(merge.status, 200);
      assert.deepEqual(merge.body.data, { b: "2", c: "3" });
      const jp = await h.send(
        "PATCH",
        `${CM}/p`,
        [
          { op: "test", path: "/data/b", value: "2" },
          { op: "replace", path: "/data/b", value: "20" },
          { op: "add", path: "/metadata/labels", value: { x: "y" } },
        ],
        "application/json-patch+json",
      );
      assert.equal(jp.status, 200);
      assert.equal(jp.body.data.b, "20");
      assert.deepEqual(jp.body.metadata.labels, { x: "y" });
      const failedTest = await h.send(
        "PATCH",
        `${CM}/p`,
        [{ op: "test", path: "/data/b", value: "nope" }],
        "application/json-patch+json",
      );
      assert.equal(failedTest.status, 422);
      const smp = await h.send(
        "PATCH",
        `${CM}/p`,
        { data: { d: "4" }, "$setElementOrder/x": [] },
        "application/strategic-merge-patch+json",
      );
      assert.equal(smp.status, 200);
      assert.equal(smp.body.data.d, "4");
      const stale = await h.send(
        "PATCH",
        `${CM}/p`,
        { metadata: { resourceVersion: "1" }, data: { e: "5" } },
        "application/merge-patch+json",
      );
      assert.equal(stale.status, 409, "a resourceVersion in a patch is a precondition");
      const unsupported = await h.send("PATCH", `${CM}/p`, { data: {} }, "text/plain");
      assert.equal(unsupported.status, 415);
      const missing = await h.send(
        "PATCH",
        `${CM}/nope`,
        { data: {} },
        "application/merge-patch+json",
      );
      assert.equal(missing.status, 404);
      const apply = await h.send(
        "PATCH",
        `${CM}/applied?fieldManager=test`,
        cm("applied", undefined, { data: { z: "1" } }),
        "application/apply-patch+yaml",
      );
      assert.equal(apply.status, 201);
      const reapply = await h.send(
        "PATCH",
        `${CM}/applied?fieldManager=test`,
        cm("applied", undefined, { data: { z: "2" } }),
        "application/apply-patch+yaml",
      );
      assert.equal(reapply.status, 200);
      assert.equal(reapply.body.data.z, "2");
    });

    it("deletes, honouring finalizers and preconditions", async () => {
      await h.send("POST", CM, cm("plain"));
      const del = await h.send("DELETE", `${CM}/plain`);
      assert.equal(del.status, 200);
      assert.equal((await h.json(`${CM}/plain`)).status, 404);

      const withFin = (
        await h.send("POST", CM, { metadata: { name: "fin", finalizers: ["example.com/x"] } })
      ).body;
      // a real API server answers 200 (202 only with orphanDependents=false)
      const pending = await h.send("DELETE", `${CM}/fin`);
      assert.equal(pending.status, 200);
      assert.ok(pending.body.metadata.deletionTimestamp);
      const still = await h.json(`${CM}/fin`);
      assert.equal(still.status, 200);
      assert.ok(still.body.metadata.deletionTimestamp);
      const again = await h.send("DELETE", `${CM}/fin`);
      assert.equal(again.status, 200);
      assert.equal(again.body.metadata.resourceVersion, still.body.metadata.resourceVersion);
      const cleared = await h.send(
        "PATCH",
        `${CM}/fin`,
        { metadata: { finalizers: null } },
        "application/merge-patch+json",
      );
      assert.equal(cleared.status, 200);
      assert.equal((await h.json(`${CM}/fin`)).status, 404, "gone once finalizers are empty");
      assert.ok(withFin.metadata.uid);

      const pre = (await h.send("POST", CM, cm("pre"))).body;
      const badPre = await h.send("DELETE", `${CM}/pre`, { preconditions: { uid: "nope" } });
      assert.equal(badPre.status, 409);
      const goodPre = await h.send("DELETE", `${CM}/pre`, {
        preconditions: { uid: pre.metadata.uid },
      });
      assert.equal(goodPre.status, 200);
    });

    it("deletes collections by selector and honours dryRun=All on create", async () => {
      await h.send("POST", CM, { metadata: { name: "dc1", labels: { batch: "x" } } });
      await h.send("POST", CM, { metadata: { name: "dc2", labels: { batch: "x" } } });
      await h.send("POST", CM, { metadata: { name: "dc3", labels: { batch: "y" } } });
      const res = await h.send("DELETE", `${CM}?labelSelector=batch%3Dx`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.items.map((i: any) => i.metadata.name).sort(), ["dc1", "dc2"]);
      assert.equal((await h.json(`${CM}/dc1`)).status, 404);
      assert.equal((await h.json(`${CM}/dc3`)).status, 200);
      const dry = await h.send("POST", `${CM}?dryRun=All`, cm("dry"));
      assert.equal(dry.status, 201);
      assert.equal((await h.json(`${CM}/dry`)).status, 404);
    });

    it("serves cluster-scoped resources", async () => {
      const ns = await h.send("POST", "/api/v1/namespaces", { metadata: { name: "team-a" } });
      assert.equal(ns.status, 201);
      assert.equal(ns.body.metadata.namespace, undefined);
      const got = await h.json("/api/v1/namespaces/team-a");
      assert.equal(got.body.metadata.name, "team-a");
      const list = await h.json("/api/v1/namespaces");
      assert.ok(list.body.items.some((n: any) => n.metadata.name === "team-a"));
      const inNs = await h.send("POST", "/api/v1/namespaces/team-a/configmaps", {
        metadata: { name: "c" },
      });
      assert.equal(inNs.status, 201);
      assert.equal(inNs.body.metadata.namespace, "team-a");
    });

    it("serves metadata-only (PartialObjectMetadata) responses", async () => {
      await h.send("POST", CM, cm("meta", undefined, { data: { secret: "x" } }));
      const accept = {
        Accept: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json",
      };
      const one = await h.json(`${CM}/meta`, { headers: accept });
      assert.equal(one.body.kind, "PartialObjectMetadata");
      assert.equal(one.body.apiVersion, "meta.k8s.io/v1");
      assert.equal(one.body.data, undefined);
      assert.equal(one.body.metadata.name, "meta");
      const list = await h.json(CM, {
        headers: { Accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1" },
      });
      assert.equal(list.body.kind, "PartialObjectMetadataList");
      assert.ok(
        list.body.items.every(
          (i: any) => i.kind === "PartialObjectMetadata" && i.data === undefined,
        ),
      );
    });

    it("checks a bearer token when configured", async () => {
      const secured = await harness(mode, { token: "s3cret" });
      try {
        // no credentials: system:anonymous, forbidden (a real API server allows anonymous requests)
        const no = await secured.json(CM);
        assert.equal(no.status, 403);
        assert.equal(no.body.reason, "Forbidden");
        const wrong = await secured.json(CM, { headers: { Authorization: "Bearer wrong" } });
        assert.equal(wrong.status, 401);
        assert.equal(wrong.body.reason, "Unauthorized");
        const yes = await secured.json(CM, { headers: { Authorization: "Bearer s3cret" } });
        assert.equal(yes.status, 200);
        const version = await secured.json("/version");
        assert.equal(version.status, 200);
      } finally {
        await secured.close();
      }
    });
  });
}

describe("fake API server direct helpers", () => {
  it("create/get/update/updateStatus/patch/delete/list without HTTP", async () => {
    const { FakeApiServer } = await import("../../src/testing/mod.ts");
    const server = new FakeApiServer();
    const a = server.create(ConfigMaps, {
      metadata: { name: "a", namespace: "default", labels: { app: "x" } },
    });
    assert.equal(a.metadata.resourceVersion, server.resourceVersion());
    a.data = { mutated: "locally" };
    assert.equal(
      server.get(ConfigMaps, "a", "default")?.data,
      undefined,
      "returned objects are copies",
    );
    const updated = server.update(ConfigMaps, { ...a, data: { k: "v" } });
    assert.deepEqual(updated.data, { k: "v" });
    assert.throws(
      () => server.update(ConfigMaps, { ...a, data: { k: "stale" } }),
      (e: unknown) => e instanceof StatusError && e.code === 409 && e.reason === "Conflict",
    );
    assert.throws(
      () => server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" } }),
      (e: unknown) => e instanceof StatusError && e.reason === "AlreadyExists",
    );
    const patched = server.patch(ConfigMaps, "a", { data: { k2: "v2" } }, { namespace: "default" });
    assert.deepEqual(patched.data, { k: "v", k2: "v2" });
    server.create(ConfigMaps, { metadata: { name: "b", namespace: "other" } });
    assert.deepEqual(
      server.list(ConfigMaps).map((o) => o.metadata.name),
      ["a", "b"],
    );
    assert.deepEqual(
      server.list(ConfigMaps, { namespace: "other" }).map((o) => o.metadata.name),
      ["b"],
    );
    assert.deepEqual(
      server.list(ConfigMaps, { labelSelector: "app=x" }).map((o) => o.metadata.name),
      ["a"],
    );
    const ns = server.create(Namespaces, { metadata: { name: "n1" } });
    const withStatus = server.updateStatus(Namespaces, { ...ns, status: { phase: "Active" } });
    assert.equal(withStatus.status?.phase, "Active");
    server.delete(ConfigMaps, "a", "default");
    assert.equal(server.get(ConfigMaps, "a", "default"), undefined);
    assert.equal(server.objectCount(), 2);
    assert.equal(
      server.load([
        { apiVersion: "v1", kind: "List", metadata: {}, items: [cm("l1"), cm("l2")] } as any,
      ]),
      2,
    );
    assert.equal(server.list(ConfigMaps, { namespace: "default" }).length, 2);
    assert.ok(server.requests.length === 0);
    await server.close();
  });

  it("requireNamespaces rejects objects in missing or terminating namespaces", async () => {
    const { FakeApiServer } = await import("../../src/testing/mod.ts");
    const server = new FakeApiServer({ requireNamespaces: true });
    assert.throws(
      () => server.create(ConfigMaps, { metadata: { name: "a", namespace: "nope" } }),
      (e: unknown) =>
        e instanceof StatusError && e.code === 404 && e.message === 'namespaces "nope" not found',
    );
    server.create(Namespaces, { metadata: { name: "live", finalizers: ["example.com/hold"] } });
    server.create(ConfigMaps, { metadata: { name: "a", namespace: "live" } });
    server.delete(Namespaces, "live");
    const res = await server.fetch("http://x/api/v1/namespaces/live/configmaps", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ metadata: { name: "b" } }),
    });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).reason, "Forbidden");
    await server.close();
  });

  it("serves registered custom resources", async () => {
    const { z } = await import("zod");
    const { defineResource } = await import("../../src/resources/resource.ts");
    const { ObjectMetaSchema } = await import("../../src/resources/meta.ts");
    const { FakeApiServer } = await import("../../src/testing/mod.ts");
    const Widgets = defineResource({
      group: "example.com",
      version: "v1alpha1",
      kind: "Widget",
      plural: "widgets",
      namespaced: true,
      schema: z.looseObject({
        apiVersion: z.string().optional(),
        kind: z.string().optional(),
        metadata: ObjectMetaSchema,
        spec: z.looseObject({ size: z.number() }),
      }),
    });
    const server = new FakeApiServer();
    server.register(Widgets);
    const res = await server.fetch(
      "http://x/apis/example.com/v1alpha1/namespaces/default/widgets",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ metadata: { name: "w" }, spec: { size: 3 } }),
      },
    );
    assert.equal(res.status, 201);
    const bad = await server.fetch(
      "http://x/apis/example.com/v1alpha1/namespaces/default/widgets",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ metadata: { name: "w2" }, spec: { size: "big" } }),
      },
    );
    assert.equal(bad.status, 422);
    const disco = await (await server.fetch("http://x/apis/example.com/v1alpha1")).json();
    assert.equal(disco.resources[0].kind, "Widget");
    const wrongVersion = await server.fetch(
      "http://x/apis/example.com/v1/namespaces/default/widgets",
    );
    assert.equal(wrongVersion.status, 404);
    await server.close();
  });
});
