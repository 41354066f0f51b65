// CRUD: status codes, Status bodies, server-set metadata, generateName, optimistic concurrency.
// Docs: https://kubernetes.io/docs/reference/using-api/api-concepts/ ("Resource Operations",
// "Resource versions"), API conventions ("Response Status Kind", "Concurrency Control").
import assert from "node:assert/strict";
import { conformance } from "./support/suite.ts";

const cm = (name: string, data: Record<string, string> = { k: "v" }) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data,
});

/** A failure `Status` body as the API conventions describe it. */
function assertStatus(body: any, code: number, reason: string): void {
  assert.equal(body.kind, "Status", JSON.stringify(body));
  assert.equal(body.apiVersion, "v1");
  assert.equal(body.status, "Failure");
  assert.equal(body.code, code);
  assert.equal(body.reason, reason);
  assert.equal(typeof body.message, "string");
}

await conformance("CRUD", (c) => {
  c.test("create answers 201 with the object and server-set metadata", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"));
    assert.equal(r.status, 201);
    assert.equal(r.body.kind, "ConfigMap");
    assert.equal(r.body.apiVersion, "v1");
    assert.equal(r.body.metadata.name, "a");
    assert.equal(r.body.metadata.namespace, ns);
    assert.match(r.body.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(r.body.metadata.resourceVersion, /^\d+$/);
    assert.match(r.body.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(r.body.data, { k: "v" });
    // ConfigMaps have no spec: the API server does not track a generation for them
    assert.equal(r.body.metadata.generation, undefined);
  });

  c.test("get of a missing object: 404 NotFound with details", async (t) => {
    const ns = await t.namespace();
    const r = await t.get(`/api/v1/namespaces/${ns}/configmaps/missing`);
    assert.equal(r.status, 404);
    assertStatus(r.body, 404, "NotFound");
    assert.equal(r.body.message, 'configmaps "missing" not found');
    assert.deepEqual(r.body.details, { name: "missing", kind: "configmaps" });
  });

  c.test("404 for a missing object of a named group carries the group", async (t) => {
    const ns = await t.namespace();
    const r = await t.get(`/apis/apps/v1/namespaces/${ns}/deployments/missing`);
    assert.equal(r.status, 404);
    assertStatus(r.body, 404, "NotFound");
    assert.equal(r.body.message, 'deployments.apps "missing" not found');
    assert.deepEqual(r.body.details, { name: "missing", group: "apps", kind: "deployments" });
  });

  c.test("create of an existing name: 409 AlreadyExists", async (t) => {
    const ns = await t.namespace();
    assert.equal((await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"))).status, 201);
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"));
    assert.equal(r.status, 409);
    assertStatus(r.body, 409, "AlreadyExists");
    assert.equal(r.body.message, 'configmaps "a" already exists');
    assert.deepEqual(r.body.details, { name: "a", kind: "configmaps" });
  });

  c.test("an invalid name: 422 Invalid with a cause per field", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: "Bad_Name", labels: { "-x": "y" } },
    });
    assert.equal(r.status, 422);
    assertStatus(r.body, 422, "Invalid");
    assert.equal(r.body.details.name, "Bad_Name");
    assert.equal(r.body.details.kind, "ConfigMap");
    const fields = r.body.details.causes.map((c: any) => `${c.reason} ${c.field}`);
    assert.deepEqual(fields, [
      "FieldValueInvalid metadata.name",
      "FieldValueInvalid metadata.labels",
    ]);
    assert.match(
      r.body.message,
      /^ConfigMap "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": /,
    );
  });

  c.test("a missing name: 422 with a FieldValueRequired cause", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, { metadata: {} });
    assert.equal(r.status, 422);
    assertStatus(r.body, 422, "Invalid");
    assert.deepEqual(
      r.body.details.causes.map((c: any) => [c.reason, c.field]),
      [["FieldValueRequired", "metadata.name"]],
    );
    assert.match(r.body.message, /name or generateName is required/);
  });

  c.test("generateName: the server appends 5 random characters", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { generateName: "gen-" },
    });
    assert.equal(r.status, 201);
    assert.match(r.body.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(r.body.metadata.generateName, "gen-");
    const again = await t.get(`/api/v1/namespaces/${ns}/configmaps/${r.body.metadata.name}`);
    assert.equal(again.status, 200);
  });

  c.test("a name set beside generateName wins", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: "fixed", generateName: "gen-" },
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.metadata.name, "fixed");
  });

  c.test("a namespace in the body that differs from the URL: 400 BadRequest", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: "a", namespace: "elsewhere" },
    });
    assert.equal(r.status, 400);
    assertStatus(r.body, 400, "BadRequest");
    assert.equal(
      r.body.message,
      "the namespace of the provided object does not match the namespace sent on the request",
    );
  });

  c.test("create in a namespace that does not exist: 404 for the namespace", async (t) => {
    const r = await t.post(`/api/v1/namespaces/kc-no-such-ns/configmaps`, cm("a"));
    assert.equal(r.status, 404);
    assertStatus(r.body, 404, "NotFound");
    assert.equal(r.body.message, 'namespaces "kc-no-such-ns" not found');
    assert.deepEqual(r.body.details, { name: "kc-no-such-ns", kind: "namespaces" });
  });

  c.test("update with a stale resourceVersion: 409 Conflict", async (t) => {
    const ns = await t.namespace();
    const created = (await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"))).body;
    const first = await t.put(`/api/v1/namespaces/${ns}/configmaps/a`, {
      ...created,
      data: { k: "2" },
    });
    assert.equal(first.status, 200);
    assert.notEqual(first.body.metadata.resourceVersion, created.metadata.resourceVersion);
    const stale = await t.put(`/api/v1/namespaces/${ns}/configmaps/a`, {
      ...created,
      data: { k: "3" },
    });
    assert.equal(stale.status, 409);
    assertStatus(stale.body, 409, "Conflict");
    assert.equal(
      stale.body.message,
      'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.deepEqual(stale.body.details, { name: "a", kind: "configmaps" });
  });

  c.test("update without a resourceVersion is unconditional for ConfigMaps", async (t) => {
    const ns = await t.namespace();
    const created = (await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"))).body;
    delete created.metadata.resourceVersion;
    const r = await t.put(`/api/v1/namespaces/${ns}/configmaps/a`, {
      ...created,
      data: { k: "2" },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, { k: "2" });
  });

  c.test("update of a missing object: 404", async (t) => {
    const ns = await t.namespace();
    const r = await t.put(`/api/v1/namespaces/${ns}/configmaps/a`, cm("a"));
    assert.equal(r.status, 404);
    assertStatus(r.body, 404, "NotFound");
  });

  c.test("update with a name that differs from the URL: 400", async (t) => {
    const ns = await t.namespace();
    await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"));
    const r = await t.put(`/api/v1/namespaces/${ns}/configmaps/a`, cm("b"));
    assert.equal(r.status, 400);
    assertStatus(r.body, 400, "BadRequest");
    assert.equal(
      r.body.message,
      "the name of the object (b) does not match the name on the URL (a)",
    );
  });

  c.test("a no-op update keeps the resourceVersion", async (t) => {
    const ns = await t.namespace();
    const created = (await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"))).body;
    const r = await t.put(`/api/v1/namespaces/${ns}/configmaps/a`, created);
    assert.equal(r.status, 200);
    assert.equal(r.body.metadata.resourceVersion, created.metadata.resourceVersion);
  });

  c.test(
    "uid and creationTimestamp in an update are ignored or refused as the server does",
    async (t) => {
      const ns = await t.namespace();
      const created = (await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"))).body;
      const r = await t.put(`/api/v1/namespaces/${ns}/configmaps/a`, {
        ...created,
        metadata: { ...created.metadata, creationTimestamp: "2000-01-01T00:00:00Z" },
        data: { k: "2" },
      });
      assert.equal(r.status, 200);
      assert.equal(r.body.metadata.creationTimestamp, created.metadata.creationTimestamp);
      const wrongUid = await t.put(`/api/v1/namespaces/${ns}/configmaps/a`, {
        ...r.body,
        metadata: { ...r.body.metadata, uid: "00000000-0000-0000-0000-000000000000" },
      });
      assert.equal(wrongUid.status, 409);
      assertStatus(wrongUid.body, 409, "Conflict");
      assert.match(
        wrongUid.body.message,
        /Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: /,
      );
    },
  );

  c.test(
    "an immediate delete answers 200 with a Status of success naming the object",
    async (t) => {
      const ns = await t.namespace();
      const created = (await t.post(`/api/v1/namespaces/${ns}/configmaps`, cm("a"))).body;
      const r = await t.delete(`/api/v1/namespaces/${ns}/configmaps/a`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Success",
        details: { name: "a", kind: "configmaps", uid: created.metadata.uid },
      });
      assert.equal((await t.get(`/api/v1/namespaces/${ns}/configmaps/a`)).status, 404);
    },
  );

  c.test("a Pod's delete answers with the Pod (the kind returns deleted objects)", async (t) => {
    const ns = await t.namespace();
    const pod = {
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    };
    assert.equal((await t.post(`/api/v1/namespaces/${ns}/pods`, pod)).status, 201);
    const r = await t.delete(`/api/v1/namespaces/${ns}/pods/p`);
    assert.equal(r.status, 200);
    assert.equal(r.body.kind, "Pod");
    // not scheduled: deleted at once, with a zero grace period
    assert.equal(r.body.metadata.deletionGracePeriodSeconds, 0);
    assert.equal((await t.get(`/api/v1/namespaces/${ns}/pods/p`)).status, 404);
  });

  c.test("delete of a missing object: 404", async (t) => {
    const ns = await t.namespace();
    const r = await t.delete(`/api/v1/namespaces/${ns}/configmaps/missing`);
    assert.equal(r.status, 404);
    assertStatus(r.body, 404, "NotFound");
  });

  c.test("an unknown resource: 404 with the generic message", async (t) => {
    const ns = await t.namespace();
    const r = await t.get(`/api/v1/namespaces/${ns}/widgets`);
    assert.equal(r.status, 404);
    assertStatus(r.body, 404, "NotFound");
    assert.equal(r.body.message, "the server could not find the requested resource");
    const group = await t.get(`/apis/nope.example.com/v1/widgets`);
    assert.equal(group.status, 404);
  });

  c.test("a method the resource does not support: 405 MethodNotAllowed", async (t) => {
    const ns = await t.namespace();
    const r = await t.send("POST", `/api/v1/namespaces/${ns}/configmaps/a`, cm("a"));
    assert.equal(r.status, 405);
    assertStatus(r.body, 405, "MethodNotAllowed");
  });

  c.test("a body that is not JSON: 400 BadRequest", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, "{not json");
    assert.equal(r.status, 400);
    assertStatus(r.body, 400, "BadRequest");
  });

  c.test("a body of another kind: 400 BadRequest", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "a" },
    });
    assert.equal(r.status, 400);
    assertStatus(r.body, 400, "BadRequest");
  });

  c.test("the unprivileged user: 403 Forbidden naming user, verb and resource", async (t) => {
    const ns = await t.namespace();
    const r = await t.get(`/api/v1/namespaces/${ns}/configmaps`, { unprivileged: true });
    assert.equal(r.status, 403);
    assertStatus(r.body, 403, "Forbidden");
    assert.match(
      r.body.message,
      new RegExp(
        `^configmaps is forbidden: User "[^"]+" cannot list resource "configmaps" in API group "" in the namespace "${ns}"$`,
      ),
    );
    assert.deepEqual(r.body.details, { kind: "configmaps" });
    const get = await t.get(`/apis/apps/v1/namespaces/${ns}/deployments/x`, { unprivileged: true });
    assert.equal(get.status, 403);
    assert.deepEqual(get.body.details, { name: "x", group: "apps", kind: "deployments" });
    const discovery = await t.get(`/api/v1`, { unprivileged: true });
    assert.equal(discovery.status, 200);
  });
});
