// Patches: JSON merge patch, JSON patch (a failed test op), strategic merge patch (lists merged by key,
// $patch, $setElementOrder, $retainKeys, $deleteFromPrimitiveList) and server-side apply (managedFields
// per manager, conflicts with causes, force, removal of fields a manager stopped applying, map/set/atomic
// lists). Docs: https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/,
// /reference/using-api/server-side-apply/, API conventions ("Patch operations").
import assert from "node:assert/strict";
import { type CaseContext, conformance } from "./support/suite.ts";

const deployment = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          { name: "main", image: "nginx:1", env: [{ name: "A", value: "1" }], args: ["x", "y"] },
          { name: "side", image: "busybox:1" },
        ],
        volumes: [{ name: "v1", emptyDir: {} }],
      },
    },
  },
});

async function newDeployment(t: CaseContext): Promise<string> {
  const ns = await t.namespace();
  const r = await t.post(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web"));
  assert.equal(r.status, 201, r.text);
  return `/apis/apps/v1/namespaces/${ns}/deployments/web`;
}

const containers = (body: any): any[] => body.spec.template.spec.containers;

/** managedFields without their times, for comparison. */
const owners = (body: any): any[] =>
  (body.metadata.managedFields ?? []).map(({ time: _t, ...e }: any) => e);

const applyCm = (
  name: string,
  data: Record<string, string>,
  extra: Record<string, unknown> = {},
) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...extra },
  data,
});

await conformance("patch", (c) => {
  c.test("merge patch: objects merge, null deletes, lists are replaced", async (t) => {
    const base = await newDeployment(t);
    const r = await t.patch(base, "merge", {
      metadata: { labels: { tier: "web" } },
      spec: { template: { spec: { containers: [{ name: "only", image: "nginx:2" }] } } },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.metadata.labels, { tier: "web" });
    assert.deepEqual(
      containers(r.body).map((x: any) => x.name),
      ["only"],
    );
    const del = await t.patch(base, "merge", { metadata: { labels: { tier: null } } });
    assert.equal(del.body.metadata.labels, undefined, "an emptied label map is gone");
  });

  c.test(
    "merge patch with a stale resourceVersion: 409; renaming through a patch: 400",
    async (t) => {
      const base = await newDeployment(t);
      const stale = await t.patch(base, "merge", { metadata: { resourceVersion: "1" } });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.reason, "Conflict");
      const rename = await t.patch(base, "merge", { metadata: { name: "other" } });
      assert.equal(rename.status, 400);
      assert.equal(
        rename.body.message,
        "the name of the object (other) does not match the name on the URL (web)",
      );
    },
  );

  c.test(
    "JSON patch: add, replace, remove, move, copy and a passing test apply in order",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, { metadata: { name: "a" }, data: { y: "1", z: "0" } });
      const r = await t.patch(`${base}/a`, "json", [
        { op: "test", path: "/data/y", value: "1" },
        { op: "add", path: "/data/q", value: "1" },
        { op: "replace", path: "/data/y", value: "3" },
        { op: "remove", path: "/data/z" },
        { op: "move", from: "/data/q", path: "/data/r" },
        { op: "copy", from: "/data/r", path: "/data/s" },
      ]);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.data, { y: "3", r: "1", s: "1" });
    },
  );

  c.test("JSON patch: a failed test (or a missing path) is 422 and changes nothing", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const created = (await t.post(base, { metadata: { name: "a" }, data: { y: "1" } })).body;
    for (const ops of [
      [
        { op: "test", path: "/data/y", value: "nope" },
        { op: "replace", path: "/data/y", value: "2" },
      ],
      [{ op: "remove", path: "/data/missing" }],
    ]) {
      const r = await t.patch(`${base}/a`, "json", ops);
      assert.equal(r.status, 422);
      assert.equal(r.body.reason, "Invalid");
      assert.equal(
        r.body.message,
        "the server rejected our request due to an error in our request",
      );
    }
    const now = await t.get(`${base}/a`);
    assert.equal(now.body.metadata.resourceVersion, created.metadata.resourceVersion);
    const notArray = await t.patch(`${base}/a`, "json", { op: "remove" });
    assert.equal(notArray.status, 400);
    assert.equal(
      notArray.body.message,
      "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
    );
  });

  c.test("strategic merge patch merges containers by name and keeps the others", async (t) => {
    const base = await newDeployment(t);
    const r = await t.patch(base, "strategic", {
      spec: {
        template: {
          spec: {
            containers: [
              { name: "main", image: "nginx:2", env: [{ name: "B", value: "2" }] },
              { name: "extra", image: "alpine:3" },
            ],
          },
        },
      },
    });
    assert.equal(r.status, 200, r.text);
    const cs = containers(r.body);
    // the patch's items in its order, then the others
    assert.deepEqual(
      cs.map((x: any) => `${x.name}=${x.image}`),
      ["main=nginx:2", "extra=alpine:3", "side=busybox:1"],
    );
    // env merges by name too; args (no patch strategy) was not mentioned, so it stays
    assert.deepEqual(cs[0].env, [
      { name: "B", value: "2" },
      { name: "A", value: "1" },
    ]);
    assert.deepEqual(cs[0].args, ["x", "y"]);
    // defaulted fields of the new container are there
    assert.equal(cs[1].imagePullPolicy, "IfNotPresent");
  });

  c.test("strategic merge patch: a list without a merge strategy is replaced", async (t) => {
    const base = await newDeployment(t);
    const r = await t.patch(base, "strategic", {
      spec: { template: { spec: { containers: [{ name: "main", args: ["z"] }] } } },
    });
    assert.deepEqual(containers(r.body)[0].args, ["z"]);
  });

  c.test(
    "strategic merge patch directives: $patch delete and replace, $setElementOrder",
    async (t) => {
      const base = await newDeployment(t);
      const del = await t.patch(base, "strategic", {
        spec: { template: { spec: { containers: [{ name: "side", $patch: "delete" }] } } },
      });
      assert.equal(del.status, 200, del.text);
      assert.deepEqual(
        containers(del.body).map((x: any) => x.name),
        ["main"],
      );
      const ordered = await t.patch(base, "strategic", {
        spec: {
          template: {
            spec: {
              "$setElementOrder/containers": [{ name: "b" }, { name: "main" }],
              containers: [{ name: "b", image: "busybox:2" }],
            },
          },
        },
      });
      assert.equal(ordered.status, 200, ordered.text);
      assert.deepEqual(
        containers(ordered.body).map((x: any) => x.name),
        ["b", "main"],
      );
      await t.patch(base, "merge", { metadata: { labels: { a: "1", b: "2" } } });
      const replaced = await t.patch(base, "strategic", {
        metadata: { labels: { $patch: "replace", only: "this" } },
      });
      assert.deepEqual(replaced.body.metadata.labels, { only: "this" });
    },
  );

  c.test(
    "strategic merge patch: finalizers merge as a set; $deleteFromPrimitiveList removes",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, { metadata: { name: "a", finalizers: ["x/a"] } });
      const added = await t.patch(`${base}/a`, "strategic", {
        metadata: { finalizers: ["x/b", "x/a"] },
      });
      // the patch's values in its order, then the others
      assert.deepEqual(added.body.metadata.finalizers, ["x/b", "x/a"]);
      const removed = await t.patch(`${base}/a`, "strategic", {
        metadata: { "$deleteFromPrimitiveList/finalizers": ["x/a"] },
      });
      assert.deepEqual(removed.body.metadata.finalizers, ["x/b"]);
      await t.patch(`${base}/a`, "merge", { metadata: { finalizers: null } });
    },
  );

  c.test(
    "strategic merge patch: $retainKeys drops the keys it does not list (Deployment strategy)",
    async (t) => {
      const base = await newDeployment(t);
      const r = await t.patch(base, "strategic", {
        spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } },
      });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.spec.strategy, { type: "Recreate" });
    },
  );

  c.test(
    "server-side apply creates the object; its manager owns the fields it applied",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      const r = await t.patch(
        `${base}/a?fieldManager=alice`,
        "apply",
        applyCm("a", { x: "1", y: "2" }, { labels: { l: "1" } }),
      );
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.body.data, { x: "1", y: "2" });
      assert.deepEqual(owners(r.body), [
        {
          manager: "alice",
          operation: "Apply",
          apiVersion: "v1",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:data": { "f:x": {}, "f:y": {} },
            "f:metadata": { "f:labels": { "f:l": {} } },
          },
        },
      ]);
      assert.match(r.body.metadata.managedFields[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    },
  );

  c.test(
    "a create records its manager (fieldManager, else the user agent) as an Update",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      const named = await t.post(`${base}?fieldManager=creator`, {
        metadata: { name: "a", labels: { l: "1" } },
        data: { k: "v" },
      });
      assert.deepEqual(owners(named.body), [
        {
          manager: "creator",
          operation: "Update",
          apiVersion: "v1",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:data": { ".": {}, "f:k": {} },
            "f:metadata": { "f:labels": { ".": {}, "f:l": {} } },
          },
        },
      ]);
      const agent = await t.post(
        base,
        { metadata: { name: "b" }, data: { k: "v" } },
        { headers: { "User-Agent": "my-controller/1.2 (linux)" } },
      );
      assert.equal(agent.body.metadata.managedFields[0].manager, "my-controller");
    },
  );

  c.test(
    "server-side apply: a conflict with another manager is 409 with a cause per field",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.patch(`${base}/a?fieldManager=alice`, "apply", applyCm("a", { x: "1", y: "2" }));
      const r = await t.patch(
        `${base}/a?fieldManager=bob`,
        "apply",
        applyCm("a", { x: "9", z: "3" }),
      );
      assert.equal(r.status, 409);
      assert.equal(r.body.reason, "Conflict");
      assert.equal(r.body.message, 'Apply failed with 1 conflict: conflict with "alice": .data.x');
      assert.deepEqual(r.body.details, {
        causes: [
          { reason: "FieldManagerConflict", message: 'conflict with "alice"', field: ".data.x" },
        ],
      });
    },
  );

  c.test(
    "server-side apply: a conflict with an Update manager names its API version",
    async (t) => {
      const base = await newDeployment(t);
      const r = await t.patch(`${base}?fieldManager=app`, "apply", {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web" },
        spec: { template: { spec: { containers: [{ name: "main", image: "nginx:9" }] } } },
      });
      assert.equal(r.status, 409);
      assert.match(
        r.body.message,
        /^Apply failed with 1 conflict: conflict with "[^"]+" using apps\/v1: \.spec\.template\.spec\.containers\[name="main"\]\.image$/,
      );
      assert.equal(
        r.body.details.causes[0].field,
        '.spec.template.spec.containers[name="main"].image',
      );
    },
  );

  c.test(
    "server-side apply: applying the same value shares ownership; force takes it; dropped fields go",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.patch(
        `${base}/a?fieldManager=alice`,
        "apply",
        applyCm("a", { x: "1", y: "2" }, { labels: { l: "1" } }),
      );
      const shared = await t.patch(
        `${base}/a?fieldManager=bob`,
        "apply",
        applyCm("a", { x: "1", z: "3" }),
      );
      assert.equal(shared.status, 200, shared.text);
      assert.deepEqual(shared.body.data, { x: "1", y: "2", z: "3" });
      assert.deepEqual(
        owners(shared.body).map((e: any) => [e.manager, e.operation, e.fieldsV1]),
        [
          [
            "alice",
            "Apply",
            { "f:data": { "f:x": {}, "f:y": {} }, "f:metadata": { "f:labels": { "f:l": {} } } },
          ],
          ["bob", "Apply", { "f:data": { "f:x": {}, "f:z": {} } }],
        ],
      );
      // an Update manager takes y over from alice
      const carol = await t.patch(`${base}/a?fieldManager=carol`, "merge", { data: { y: "22" } });
      assert.deepEqual(
        owners(carol.body).map((e: any) => [e.manager, e.operation, e.fieldsV1]),
        [
          [
            "alice",
            "Apply",
            { "f:data": { "f:x": {} }, "f:metadata": { "f:labels": { "f:l": {} } } },
          ],
          ["bob", "Apply", { "f:data": { "f:x": {}, "f:z": {} } }],
          ["carol", "Update", { "f:data": { "f:y": {} } }],
        ],
      );
      // alice stops applying the label: it goes (nobody else owns it); y stays (carol owns it)
      const alice = await t.patch(
        `${base}/a?fieldManager=alice`,
        "apply",
        applyCm("a", { x: "1" }),
      );
      assert.deepEqual(alice.body.data, { x: "1", y: "22", z: "3" });
      assert.equal(alice.body.metadata.labels, undefined);
      // bob forces y and stops applying z and x: z goes, x stays (alice still owns it), carol is gone
      const forced = await t.patch(
        `${base}/a?fieldManager=bob&force=true`,
        "apply",
        applyCm("a", { y: "5" }),
      );
      assert.equal(forced.status, 200, forced.text);
      assert.deepEqual(forced.body.data, { x: "1", y: "5" });
      assert.deepEqual(
        owners(forced.body).map((e: any) => [e.manager, e.operation, e.fieldsV1]),
        [
          ["alice", "Apply", { "f:data": { "f:x": {} } }],
          ["bob", "Apply", { "f:data": { "f:y": {} } }],
        ],
      );
      // the same apply again changes nothing, not even the resourceVersion
      const again = await t.patch(`${base}/a?fieldManager=bob`, "apply", applyCm("a", { y: "5" }));
      assert.equal(again.status, 200);
      assert.equal(again.body.metadata.resourceVersion, forced.body.metadata.resourceVersion);
    },
  );

  c.test(
    "server-side apply merges containers by name, finalizers as a set and args atomically",
    async (t) => {
      const base = await newDeployment(t);
      const apply = (spec: unknown, extra: Record<string, unknown> = {}, force = true) =>
        t.patch(`${base}?fieldManager=app${force ? "&force=true" : ""}`, "apply", {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web", ...extra },
          spec,
        });
      const r = await apply(
        {
          template: {
            spec: {
              containers: [
                { name: "main", image: "nginx:2" },
                { name: "third", image: "alpine:1", args: ["a"] },
              ],
            },
          },
        },
        { finalizers: ["x/y"] },
      );
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(
        containers(r.body).map((x: any) => `${x.name}=${x.image}`),
        ["main=nginx:2", "side=busybox:1", "third=alpine:1"],
      );
      assert.deepEqual(
        containers(r.body)[0].env,
        [{ name: "A", value: "1" }],
        "fields of other managers stay",
      );
      assert.deepEqual(r.body.metadata.finalizers, ["x/y"]);
      const app = r.body.metadata.managedFields.find((e: any) => e.manager === "app");
      assert.deepEqual(app.fieldsV1, {
        "f:metadata": { "f:finalizers": { 'v:"x/y"': {} } },
        "f:spec": {
          "f:template": {
            "f:spec": {
              "f:containers": {
                'k:{"name":"main"}': { ".": {}, "f:image": {}, "f:name": {} },
                'k:{"name":"third"}': { ".": {}, "f:args": {}, "f:image": {}, "f:name": {} },
              },
            },
          },
        },
      });
      // args is atomic: a new apply replaces it whole
      const args = await apply(
        {
          template: {
            spec: {
              containers: [
                { name: "main", image: "nginx:2" },
                { name: "third", image: "alpine:1", args: ["b", "c"] },
              ],
            },
          },
        },
        { finalizers: ["x/y"] },
      );
      assert.deepEqual(containers(args.body)[2].args, ["b", "c"]);
      // dropping "third" (owned by app alone) removes the container
      const dropped = await apply(
        { template: { spec: { containers: [{ name: "main", image: "nginx:2" }] } } },
        { finalizers: ["x/y"] },
      );
      assert.deepEqual(
        containers(dropped.body).map((x: any) => x.name),
        ["main", "side"],
      );
      await t.patch(base, "merge", { metadata: { finalizers: null } });
    },
  );

  c.test(
    "server-side apply needs a fieldManager, apiVersion and kind, and the URL's name",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      const noManager = await t.patch(`${base}/a`, "apply", applyCm("a", { x: "1" }));
      assert.equal(noManager.status, 422);
      assert.equal(
        noManager.body.message,
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
      const noVersion = await t.patch(`${base}/a?fieldManager=m`, "apply", {
        metadata: { name: "a" },
        data: { x: "1" },
      });
      assert.equal(noVersion.status, 400);
      assert.equal(
        noVersion.body.message,
        "Incorrect version specified in apply patch. Specified patch version: , expected: v1",
      );
      const noName = await t.patch(`${base}/a?fieldManager=m`, "apply", {
        apiVersion: "v1",
        kind: "ConfigMap",
        data: { x: "1" },
      });
      assert.equal(noName.status, 400);
      assert.equal(
        noName.body.message,
        "the name of the object (a based on URL) was undeterminable: name must be provided",
      );
      const force = await t.patch(`${base}/a?force=true`, "merge", { data: {} });
      assert.equal(force.status, 422);
      assert.equal(
        force.body.message,
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
      );
    },
  );

  c.test("server-side apply accepts a YAML body", async (t) => {
    const ns = await t.namespace();
    const r = await t.patch(
      `/api/v1/namespaces/${ns}/configmaps/yml?fieldManager=m`,
      "apply",
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yml\ndata:\n  k: "1"\n',
    );
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.data, { k: "1" });
  });
});
