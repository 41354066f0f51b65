// Custom resources of a CRD created through the API: established, discovered, validated and pruned by
// their schema, with status and scale subresources, printer columns, list types for server-side apply,
// and a new type's watch history (a 410 from an older resourceVersion).
// Docs: https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/
import assert from "node:assert/strict";
import { type CaseContext, conformance } from "./support/suite.ts";

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

interface Crd {
  group: string;
  base: (ns: string) => string;
}

function widgetCrd(group: string): unknown {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: {
        plural: "widgets",
        singular: "widget",
        kind: "Widget",
        shortNames: ["wd"],
        categories: ["all"],
      },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: {
            status: {},
            scale: {
              specReplicasPath: ".spec.replicas",
              statusReplicasPath: ".status.replicas",
              labelSelectorPath: ".status.selector",
            },
          },
          additionalPrinterColumns: [{ name: "Size", type: "integer", jsonPath: ".spec.size" }],
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  required: ["size"],
                  properties: {
                    size: { type: "integer", minimum: 1 },
                    color: { type: "string", enum: ["red", "blue"] },
                    replicas: { type: "integer" },
                    tags: {
                      type: "array",
                      items: { type: "string" },
                      "x-kubernetes-list-type": "set",
                    },
                    ports: {
                      type: "array",
                      "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["name"],
                      items: {
                        type: "object",
                        required: ["name"],
                        properties: { name: { type: "string" }, port: { type: "integer" } },
                      },
                    },
                  },
                },
                status: {
                  type: "object",
                  properties: { replicas: { type: "integer" }, selector: { type: "string" } },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/** Create a CRD of a unique group, wait until it is established, delete it when the case ends. */
async function createCrd(t: CaseContext): Promise<Crd> {
  const group = `${t.name("g")}.conformance.kubeloop.dev`;
  const r = await t.post(CRDS, widgetCrd(group));
  assert.equal(r.status, 201, r.text);
  t.defer(() => t.delete(`${CRDS}/widgets.${group}`));
  await t.until(
    // the new resource is served once discovery lists it
    async () => (await established(t, group)) && (await t.get(`/apis/${group}/v1`)).status === 200,
    `CRD widgets.${group} was not established in 10 s`,
  );
  return { group, base: (ns) => `/apis/${group}/v1/namespaces/${ns}/widgets` };
}

/** The CRD of `group` has the condition Established=True. */
async function established(t: CaseContext, group: string): Promise<boolean> {
  const got = await t.get(`${CRDS}/widgets.${group}`);
  return (got.body.status?.conditions ?? []).some(
    (c: any) => c.type === "Established" && c.status === "True",
  );
}

const widget = (
  crd: Crd,
  name: string,
  spec: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  apiVersion: `${crd.group}/v1`,
  kind: "Widget",
  metadata: { name },
  spec,
  ...extra,
});

await conformance("custom resources", (c) => {
  c.test(
    "a created CRD gets defaults, generation 1, and is then established with its accepted names",
    async (t) => {
      const group = `${t.name("g")}.conformance.kubeloop.dev`;
      const r = await t.post(CRDS, widgetCrd(group));
      t.defer(() => t.delete(`${CRDS}/widgets.${group}`));
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.metadata.generation, 1);
      assert.equal(r.body.spec.names.listKind, "WidgetList");
      assert.deepEqual(r.body.spec.conversion, { strategy: "None" });
      assert.deepEqual(r.body.status.storedVersions, ["v1"]);
      await t.until(() => established(t, group), "not established");
      const got = await t.get(`${CRDS}/widgets.${group}`);
      assert.deepEqual(
        got.body.status.conditions.map((c: any) => `${c.type}=${c.status}:${c.reason}`),
        ["NamesAccepted=True:NoConflicts", "Established=True:InitialNamesAccepted"],
      );
      assert.equal(got.body.status.acceptedNames.kind, "Widget");
      assert.equal(got.body.status.acceptedNames.listKind, "WidgetList");
    },
  );

  c.test(
    "discovery lists the custom resource with its singular name, short names, categories and subresources",
    async (t) => {
      const crd = await createCrd(t);
      const r = await t.get(`/apis/${crd.group}/v1`);
      assert.equal(r.status, 200);
      const byName = new Map<string, any>(r.body.resources.map((x: any) => [x.name, x]));
      const main = byName.get("widgets");
      assert.equal(main.singularName, "widget");
      assert.equal(main.kind, "Widget");
      assert.equal(main.namespaced, true);
      assert.deepEqual(main.shortNames, ["wd"]);
      assert.deepEqual(main.categories, ["all"]);
      assert.deepEqual([...main.verbs].sort(), [
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
      ]);
      assert.deepEqual(byName.get("widgets/status").verbs, ["get", "patch", "update"]);
      assert.equal(byName.get("widgets/scale").kind, "Scale");
      const groups = await t.get("/apis");
      assert.ok(groups.body.groups.some((g: any) => g.name === crd.group));
    },
  );

  c.test(
    "custom resources are validated by their schema: 422 with the API server's messages",
    async (t) => {
      const crd = await createCrd(t);
      const ns = await t.namespace();
      const bad = await t.post(crd.base(ns), widget(crd, "w", { size: "big", color: "green" }));
      assert.equal(bad.status, 422);
      // the causes come in no particular order (a Go map is walked)
      const expected = [
        'spec.color: Unsupported value: "green": supported values: "red", "blue"',
        'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
      ];
      const listed = bad.body.message
        .replace(`Widget.${crd.group} "w" is invalid: [`, "")
        .replace(/\]$/, "");
      assert.deepEqual(
        expected.filter((e) => listed.includes(e)),
        expected,
      );
      assert.deepEqual(bad.body.details.causes.map((c: any) => `${c.reason} ${c.field}`).sort(), [
        "FieldValueInvalid spec.size",
        "FieldValueNotSupported spec.color",
      ]);
      const small = await t.post(crd.base(ns), widget(crd, "w", { size: 0 }));
      assert.equal(
        small.body.details.causes[0].message,
        "Invalid value: 0: spec.size in body should be greater than or equal to 1",
      );
      const missing = await t.post(crd.base(ns), widget(crd, "w", {}));
      assert.deepEqual(missing.body.details.causes, [
        { reason: "FieldValueRequired", message: "Required value", field: "spec.size" },
      ]);
      const dup = await t.post(crd.base(ns), widget(crd, "w", { size: 1, tags: ["a", "a"] }));
      assert.deepEqual(dup.body.details.causes, [
        { reason: "FieldValueDuplicate", message: 'Duplicate value: "a"', field: "spec.tags[1]" },
      ]);
      const noKind = await t.post(crd.base(ns), { metadata: { name: "w" }, spec: { size: 1 } });
      assert.equal(noKind.status, 400);
      assert.match(
        noKind.body.message,
        /^Widget in version "v1" cannot be handled as a Widget: unmarshalerDecoder: Object 'Kind' is missing in /,
      );
    },
  );

  c.test(
    "unknown fields are pruned; status is ignored on create (status subresource); generation tracks the spec",
    async (t) => {
      const crd = await createCrd(t);
      const ns = await t.namespace();
      const r = await t.post(
        crd.base(ns),
        widget(crd, "w", { size: 2, extra: 1 }, { status: { replicas: 5 }, top: true }),
      );
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.body.spec, { size: 2 });
      assert.equal(r.body.status, undefined);
      assert.equal(r.body.top, undefined);
      assert.equal(r.body.metadata.generation, 1);
      const spec = await t.patch(`${crd.base(ns)}/w`, "merge", { spec: { size: 3 } });
      assert.equal(spec.body.metadata.generation, 2);
      const status = await t.patch(`${crd.base(ns)}/w/status`, "merge", {
        status: { replicas: 3, selector: "app=w" },
      });
      assert.equal(status.status, 200, status.text);
      assert.deepEqual(status.body.status, { replicas: 3, selector: "app=w" });
      assert.equal(status.body.metadata.generation, 2);
      const del = await t.delete(`${crd.base(ns)}/w`);
      assert.equal(del.status, 200);
      assert.deepEqual(del.body.details, {
        name: "w",
        group: crd.group,
        kind: "widgets",
        uid: r.body.metadata.uid,
      });
    },
  );

  c.test(
    "the scale subresource of a custom resource, and its error when spec.replicas is missing",
    async (t) => {
      const crd = await createCrd(t);
      const ns = await t.namespace();
      await t.post(crd.base(ns), widget(crd, "none", { size: 1 }));
      const missing = await t.get(`${crd.base(ns)}/none/scale`);
      assert.equal(missing.status, 500);
      assert.equal(
        missing.body.message,
        'Internal error occurred: the spec replicas field ".spec.replicas" does not exist',
      );
      await t.post(crd.base(ns), widget(crd, "w", { size: 1, replicas: 2 }));
      await t.patch(`${crd.base(ns)}/w/status`, "merge", {
        status: { replicas: 1, selector: "app=w" },
      });
      const scale = await t.get(`${crd.base(ns)}/w/scale`);
      assert.equal(scale.status, 200, scale.text);
      assert.deepEqual(
        { spec: scale.body.spec, status: scale.body.status },
        { spec: { replicas: 2 }, status: { replicas: 1, selector: "app=w" } },
      );
      const patched = await t.patch(`${crd.base(ns)}/w/scale`, "merge", { spec: { replicas: 5 } });
      assert.equal(patched.body.spec.replicas, 5);
      assert.equal((await t.get(`${crd.base(ns)}/w`)).body.spec.replicas, 5);
    },
  );

  c.test(
    "custom resources: strategic merge patch is 415; apply merges by the schema's list types",
    async (t) => {
      const crd = await createCrd(t);
      const ns = await t.namespace();
      await t.post(
        crd.base(ns),
        widget(crd, "w", { size: 1, tags: ["a"], ports: [{ name: "http", port: 80 }] }),
      );
      const smp = await t.patch(`${crd.base(ns)}/w`, "strategic", { spec: { size: 2 } });
      assert.equal(smp.status, 415);
      assert.equal(
        smp.body.message,
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
      );
      const applied = await t.patch(
        `${crd.base(ns)}/w?fieldManager=m&force=true`,
        "apply",
        widget(crd, "w", { size: 1, tags: ["b"], ports: [{ name: "grpc", port: 90 }] }),
      );
      assert.equal(applied.status, 200, applied.text);
      assert.deepEqual(applied.body.spec.tags, ["a", "b"]);
      assert.deepEqual(applied.body.spec.ports, [
        { name: "http", port: 80 },
        { name: "grpc", port: 90 },
      ]);
    },
  );

  c.test("an update of a custom resource needs its resourceVersion", async (t) => {
    const crd = await createCrd(t);
    const ns = await t.namespace();
    await t.post(crd.base(ns), widget(crd, "w", { size: 1 }));
    const r = await t.put(`${crd.base(ns)}/w`, widget(crd, "w", { size: 2 }));
    assert.equal(r.status, 422);
    assert.equal(
      r.body.message,
      `widgets.${crd.group} "w" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
    );
  });

  c.test("Table output uses the CRD's printer columns", async (t) => {
    const crd = await createCrd(t);
    const ns = await t.namespace();
    await t.post(crd.base(ns), widget(crd, "w", { size: 7 }));
    const r = await t.get(crd.base(ns), { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    assert.deepEqual(
      r.body.columnDefinitions.map((c: any) => `${c.name}:${c.type}`),
      ["Name:string", "Size:integer"],
    );
    assert.deepEqual(
      r.body.rows.map((row: any) => row.cells),
      [["w", 7]],
    );
  });

  c.test(
    "a watch from a resourceVersion older than the new type: HTTP 200 and an ERROR event with a 410 Status",
    async (t) => {
      const crd = await createCrd(t);
      const ns = await t.namespace();
      const w = await t.watch(`${crd.base(ns)}?watch=true&resourceVersion=1`);
      assert.equal(w.response.status, 200);
      const [ev] = await w.take(1, 5000);
      assert.equal(ev.type, "ERROR");
      assert.equal(ev.object.kind, "Status");
      assert.equal(ev.object.code, 410);
      assert.equal(ev.object.reason, "Expired");
      assert.match(ev.object.message, /^too old resource version: 1 \(\d+\)$/);
      assert.equal(await w.next(3000), undefined, "the stream ends after the error");
    },
  );

  c.test("no bookmark on a watch whose resource type did not change since it began", async (t) => {
    const crd = await createCrd(t);
    const ns = await t.namespace();
    const rv = (await t.get(crd.base(ns))).body.metadata.resourceVersion;
    const w = await t.watch(
      `${crd.base(ns)}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=3`,
    );
    await t.elapse(3100);
    assert.deepEqual(await w.rest(3000), []);
  });

  c.test("deleting the CRD removes its custom resources", async (t) => {
    const crd = await createCrd(t);
    const ns = await t.namespace();
    await t.post(crd.base(ns), widget(crd, "w", { size: 1 }));
    const del = await t.delete(`${CRDS}/widgets.${crd.group}`);
    assert.equal(del.status, 200);
    await t.until(
      async () => (await t.get(`${crd.base(ns)}/w`)).status === 404,
      "the custom resource is still served 10 s after its CRD was deleted",
    );
  });
});
