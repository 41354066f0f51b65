// Discovery (/api, /apis, /api/v1, group versions, short names, categories, subresources), content
// negotiation (Table, PartialObjectMetadata, YAML, protobuf refused so clients fall back) and the
// request bodies kubectl and other clients send.
// Docs: https://kubernetes.io/docs/reference/using-api/api-concepts/ ("Receiving resources as Tables",
// "Alternate representations of resources", "Discovery"), /reference/using-api/#api-groups.
import assert from "node:assert/strict";
import { conformance } from "./support/suite.ts";

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";
const POM = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io";
const POML = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io";

await conformance("discovery and representations", (c) => {
  c.test("/api lists v1; /apis lists groups with their preferred version", async (t) => {
    const api = await t.get("/api");
    assert.equal(api.status, 200);
    assert.equal(api.body.kind, "APIVersions");
    assert.deepEqual(api.body.versions, ["v1"]);
    const apis = await t.get("/apis");
    assert.equal(apis.body.kind, "APIGroupList");
    assert.equal(apis.body.apiVersion, "v1");
    const apps = apis.body.groups.find((g: any) => g.name === "apps");
    assert.deepEqual(apps, {
      name: "apps",
      versions: [{ groupVersion: "apps/v1", version: "v1" }],
      preferredVersion: { groupVersion: "apps/v1", version: "v1" },
    });
    const group = await t.get("/apis/apps");
    assert.deepEqual(group.body, { kind: "APIGroup", apiVersion: "v1", ...apps });
  });

  c.test(
    "/api/v1 lists resources with verbs, short names, categories and subresources",
    async (t) => {
      const r = await t.get("/api/v1");
      assert.equal(r.status, 200);
      assert.equal(r.body.kind, "APIResourceList");
      assert.equal(r.body.groupVersion, "v1");
      const byName = new Map<string, any>(r.body.resources.map((x: any) => [x.name, x]));
      const pick = (name: string): Record<string, unknown> => {
        const { storageVersionHash: _h, ...rest } = byName.get(name) ?? {};
        return rest;
      };
      assert.deepEqual(pick("configmaps"), {
        name: "configmaps",
        singularName: "",
        namespaced: true,
        kind: "ConfigMap",
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        shortNames: ["cm"],
      });
      assert.deepEqual(pick("pods").categories, ["all"]);
      assert.deepEqual(pick("pods").shortNames, ["po"]);
      assert.deepEqual(pick("pods/status"), {
        name: "pods/status",
        singularName: "",
        namespaced: true,
        kind: "Pod",
        verbs: ["get", "patch", "update"],
      });
      assert.deepEqual(pick("namespaces").verbs, [
        "create",
        "delete",
        "get",
        "list",
        "patch",
        "update",
        "watch",
      ]);
      assert.equal(pick("namespaces").namespaced, false);
      assert.deepEqual(pick("namespaces/finalize").verbs, ["update"]);
      assert.equal(byName.has("configmaps/status"), false, "no status subresource for ConfigMaps");
      assert.equal(pick("secrets").shortNames, undefined);
      // sorted by name
      const names = r.body.resources.map((x: any) => x.name);
      assert.deepEqual(names, [...names].sort());
    },
  );

  c.test("/apis/apps/v1 lists the scale subresource as autoscaling/v1 Scale", async (t) => {
    const r = await t.get("/apis/apps/v1");
    assert.equal(r.body.apiVersion, "v1");
    assert.equal(r.body.groupVersion, "apps/v1");
    const scale = r.body.resources.find((x: any) => x.name === "deployments/scale");
    assert.deepEqual(scale, {
      name: "deployments/scale",
      singularName: "",
      namespaced: true,
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      verbs: ["get", "patch", "update"],
    });
    const deploy = r.body.resources.find((x: any) => x.name === "deployments");
    assert.deepEqual(deploy.shortNames, ["deploy"]);
    assert.deepEqual(deploy.categories, ["all"]);
  });

  c.test("the unprivileged user may read discovery", async (t) => {
    for (const path of ["/api", "/api/v1", "/apis", "/apis/apps/v1", "/version"]) {
      const r = await t.get(path, { unprivileged: true });
      assert.equal(r.status, 200, path);
    }
  });

  c.test(
    "an unknown group is a plain-text 404; an unknown resource in a known group a Status",
    async (t) => {
      const group = await t.get("/apis/nope.example.com/v1");
      assert.equal(group.status, 404);
      assert.match(group.headers.get("content-type") ?? "", /^text\/plain/);
      assert.equal(group.text, "404 page not found\n");
      const resource = await t.get("/apis/apps/v1/namespaces/default/widgets");
      assert.equal(resource.status, 404);
      assert.deepEqual(resource.body, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "the server could not find the requested resource",
        reason: "NotFound",
        details: {},
        code: 404,
      });
    },
  );

  c.test(
    "Table: column definitions, rows with cells and PartialObjectMetadata objects",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, { metadata: { name: "a" }, data: { x: "1", y: "2" } });
      const r = await t.get(base, { accept: TABLE });
      assert.equal(r.status, 200);
      assert.equal(r.body.kind, "Table");
      assert.equal(r.body.apiVersion, "meta.k8s.io/v1");
      assert.match(r.body.metadata.resourceVersion, /^\d+$/);
      assert.deepEqual(
        r.body.columnDefinitions.map((c: any) => [c.name, c.type, c.format, c.priority]),
        [
          ["Name", "string", "name", 0],
          ["Data", "string", "", 0],
          ["Age", "string", "", 0],
        ],
      );
      assert.equal(r.body.rows.length, 1);
      const [row] = r.body.rows;
      assert.equal(row.cells[0], "a");
      assert.equal(row.cells[1], 2);
      assert.match(row.cells[2], /^\d+s$/);
      assert.equal(row.object.kind, "PartialObjectMetadata");
      assert.equal(row.object.apiVersion, "meta.k8s.io/v1");
      assert.equal(row.object.metadata.name, "a");
      const none = await t.get(`${base}?includeObject=None`, { accept: TABLE });
      assert.equal(none.body.rows[0].object, null);
      const full = await t.get(`${base}?includeObject=Object`, { accept: TABLE });
      assert.equal(full.body.rows[0].object.kind, "ConfigMap");
      assert.deepEqual(full.body.rows[0].object.data, { x: "1", y: "2" });
      const one = await t.get(`${base}/a`, { accept: TABLE });
      assert.equal(one.body.kind, "Table");
      assert.equal(one.body.rows.length, 1);
    },
  );

  c.test("Table columns of Pods and Deployments", async (t) => {
    const ns = await t.namespace();
    await t.post(`/api/v1/namespaces/${ns}/pods`, {
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    });
    const pods = await t.get(`/api/v1/namespaces/${ns}/pods`, { accept: TABLE });
    assert.deepEqual(
      pods.body.columnDefinitions.map((c: any) => `${c.name}:${c.type}:${c.priority}`),
      [
        "Name:string:0",
        "Ready:string:0",
        "Status:string:0",
        "Restarts:integer:0",
        "Age:string:0",
        "IP:string:1",
        "Node:string:1",
        "Nominated Node:string:1",
        "Readiness Gates:string:1",
      ],
    );
    assert.deepEqual(pods.body.rows[0].cells.slice(0, 4), ["p", "0/1", "Pending", 0]);
    const deploys = await t.get(`/apis/apps/v1/namespaces/${ns}/deployments`, { accept: TABLE });
    assert.deepEqual(
      deploys.body.columnDefinitions.map((c: any) => c.name),
      ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"],
    );
    assert.deepEqual(
      deploys.body.rows,
      [],
      "a built-in printer's empty table has an empty list of rows",
    );
    const crds = await t.get(
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?labelSelector=kubeloop.dev%2Fnone",
      { accept: TABLE },
    );
    assert.deepEqual(
      crds.body.columnDefinitions.map((c: any) => `${c.name}:${c.type}`),
      ["Name:string", "Created At:date"],
      "kinds without a printer get the default columns",
    );
    assert.equal(crds.body.rows, null, "and an empty table without rows");
  });

  c.test(
    "Table columns and cells of Jobs, DaemonSets, Nodes, EndpointSlices and Events",
    async (t) => {
      const ns = await t.namespace();
      const ages = /^(\d+[smhdy])+$/;
      const table = async (path: string): Promise<{ columns: string[]; cells: unknown[] }> => {
        const r = await t.get(path, { accept: TABLE });
        assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
        return {
          columns: r.body.columnDefinitions.map((c: any) => `${c.name}:${c.type}:${c.priority}`),
          cells: r.body.rows[0].cells,
        };
      };
      const template = (labels: Record<string, string>) => ({
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          containers: [
            { name: "c", image: "busybox" },
            { name: "d", image: "nginx:1.25" },
          ],
        },
      });

      const job = await t.post(`/apis/batch/v1/namespaces/${ns}/jobs`, {
        metadata: { name: "j" },
        spec: { parallelism: 2, template: template({}) },
      });
      assert.equal(job.status, 201, JSON.stringify(job.body));
      const jobs = await table(`/apis/batch/v1/namespaces/${ns}/jobs`);
      assert.deepEqual(jobs.columns, [
        "Name:string:0",
        "Completions:string:0",
        "Duration:string:0",
        "Age:string:0",
        "Containers:string:1",
        "Images:string:1",
        "Selector:string:1",
      ]);
      const [jobName, completions, duration, jobAge, ...jobWide] = jobs.cells;
      assert.deepEqual([jobName, completions, duration], ["j", "0/1 of 2", ""]);
      assert.match(String(jobAge), ages);
      assert.deepEqual(jobWide.slice(0, 2), ["c,d", "busybox,nginx:1.25"]);
      assert.match(String(jobWide[2]), /^controller-uid=[0-9a-f-]+$/);

      const ds = await t.post(`/apis/apps/v1/namespaces/${ns}/daemonsets`, {
        metadata: { name: "ds" },
        spec: {
          selector: { matchLabels: { app: "ds" } },
          template: {
            ...template({ app: "ds" }),
            spec: {
              nodeSelector: { disk: "ssd", zone: "a" },
              containers: [{ name: "c", image: "busybox" }],
            },
          },
        },
      });
      assert.equal(ds.status, 201, JSON.stringify(ds.body));
      const daemonsets = await table(`/apis/apps/v1/namespaces/${ns}/daemonsets`);
      assert.deepEqual(daemonsets.columns, [
        "Name:string:0",
        "Desired:integer:0",
        "Current:integer:0",
        "Ready:integer:0",
        "Up-to-date:integer:0",
        "Available:integer:0",
        "Node Selector:string:0",
        "Age:string:0",
        "Containers:string:1",
        "Images:string:1",
        "Selector:string:1",
      ]);
      assert.deepEqual(daemonsets.cells.slice(0, 7), ["ds", 0, 0, 0, 0, 0, "disk=ssd,zone=a"]);
      assert.deepEqual(daemonsets.cells.slice(8), ["c", "busybox", "app=ds"]);

      const node = `kubeloop-table-${ns}`;
      const created = await t.post("/api/v1/nodes", {
        metadata: {
          name: node,
          labels: {
            "node-role.kubernetes.io/worker": "",
            "node-role.kubernetes.io/control-plane": "",
          },
        },
        spec: { unschedulable: true },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      try {
        const nodes = await table(`/api/v1/nodes?fieldSelector=metadata.name%3D${node}`);
        assert.deepEqual(nodes.columns, [
          "Name:string:0",
          "Status:string:0",
          "Roles:string:0",
          "Age:string:0",
          "Version:string:0",
          "Internal-IP:string:1",
          "External-IP:string:1",
          "OS-Image:string:1",
          "Kernel-Version:string:1",
          "Container-Runtime:string:1",
        ]);
        const [name, status, roles, , ...rest] = nodes.cells;
        assert.deepEqual(
          [name, status, roles, ...rest],
          [
            node,
            "Unknown,SchedulingDisabled",
            "control-plane,worker",
            "",
            "<none>",
            "<none>",
            "<unknown>",
            "<unknown>",
            "<unknown>",
          ],
        );
      } finally {
        await t.delete(`/api/v1/nodes/${node}`);
      }

      const sliceVersion = t.target.atLeast("1.21") ? "v1" : "v1beta1";
      const slice = await t.post(
        `/apis/discovery.k8s.io/${sliceVersion}/namespaces/${ns}/endpointslices`,
        {
          metadata: { name: "es" },
          addressType: "IPv4",
          ports: [
            { name: "http", port: 80, protocol: "TCP" },
            { name: "https", port: 443, protocol: "TCP" },
          ],
          endpoints: [
            { addresses: ["10.0.0.1"] },
            { addresses: ["10.0.0.2"] },
            { addresses: ["10.0.0.3"] },
            { addresses: ["10.0.0.4"] },
            { addresses: ["10.0.0.5"] },
          ],
        },
      );
      assert.equal(slice.status, 201, JSON.stringify(slice.body));
      const slices = await table(
        `/apis/discovery.k8s.io/${sliceVersion}/namespaces/${ns}/endpointslices`,
      );
      assert.deepEqual(slices.columns, [
        "Name:string:0",
        "AddressType:string:0",
        "Ports:string:0",
        "Endpoints:string:0",
        "Age:string:0",
      ]);
      assert.deepEqual(slices.cells.slice(0, 4), [
        "es",
        "IPv4",
        "80,443",
        "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...",
      ]);

      const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
      const event = await t.post(`/api/v1/namespaces/${ns}/events`, {
        metadata: { name: "ev" },
        involvedObject: { kind: "Pod", name: "p", namespace: ns, fieldPath: "spec.containers{c}" },
        reason: "Pulled",
        message: "pulled the image ",
        type: "Normal",
        count: 3,
        source: { component: "kubelet", host: "n1" },
        firstTimestamp: hourAgo,
        lastTimestamp: hourAgo,
      });
      assert.equal(event.status, 201, JSON.stringify(event.body));
      const eventColumns = [
        "Last Seen:string:0",
        "Type:string:0",
        "Reason:string:0",
        "Object:string:0",
        "Subobject:string:1",
        "Source:string:1",
        "Message:string:0",
        "First Seen:string:1",
        "Count:string:1",
        "Name:string:1",
      ];
      const expectedCells = [
        "Normal",
        "Pulled",
        "pod/p",
        "spec.containers{c}",
        "kubelet, n1",
        "pulled the image",
      ];
      // (core/v1 only: the fake server keeps events.k8s.io/v1 Events apart, see docs/testing.md)
      const events = await table(`/api/v1/namespaces/${ns}/events`);
      assert.deepEqual(events.columns, eventColumns);
      assert.deepEqual(events.cells.slice(1, 7), expectedCells);
      assert.match(String(events.cells[0]), /^(59m|60m)$/);
      assert.match(String(events.cells[7]), /^(59m|60m)$/);
      assert.deepEqual(events.cells.slice(8), [3, "ev"]);
    },
  );

  c.test("Table v1beta1 is still served; an unknown Table version is 406", async (t) => {
    const ns = await t.namespace();
    const v1beta1 = await t.get(`/api/v1/namespaces/${ns}/configmaps`, {
      accept: "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
    });
    assert.equal(v1beta1.body.apiVersion, "meta.k8s.io/v1beta1");
    const bad = await t.get(`/api/v1/namespaces/${ns}/configmaps`, {
      accept: "application/json;as=Table;v=v2;g=meta.k8s.io",
    });
    assert.equal(bad.status, 406);
    assert.equal(bad.body.reason, "NotAcceptable");
    assert.equal(
      bad.body.message,
      "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf",
    );
    const fallback = await t.get(`/api/v1/namespaces/${ns}/configmaps`, {
      accept: `${TABLE}, application/json`,
    });
    assert.equal(fallback.body.kind, "Table");
  });

  c.test(
    "PartialObjectMetadata for objects and watches, PartialObjectMetadataList for lists; mixed up: 406",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, { metadata: { name: "a", labels: { l: "1" } }, data: { secret: "x" } });
      const one = await t.get(`${base}/a`, { accept: POM });
      assert.equal(one.body.kind, "PartialObjectMetadata");
      assert.equal(one.body.apiVersion, "meta.k8s.io/v1");
      assert.deepEqual(one.body.metadata.labels, { l: "1" });
      assert.equal(one.body.data, undefined);
      const list = await t.get(base, { accept: POML });
      assert.equal(list.body.kind, "PartialObjectMetadataList");
      assert.equal(list.body.items[0].kind, "PartialObjectMetadata");
      assert.equal(list.body.items[0].data, undefined);
      const wrongForList = await t.get(base, { accept: POM });
      assert.equal(wrongForList.status, 406);
      assert.match(
        wrongForList.body.message,
        /^you requested PartialObjectMetadata, but the requested object is a list/,
      );
      const wrongForObject = await t.get(`${base}/a`, { accept: POML });
      assert.equal(wrongForObject.status, 406);
      assert.match(
        wrongForObject.body.message,
        /^you requested PartialObjectMetadataList, but the requested object is not a list/,
      );
      const w = await t.watch(`${base}?watch=true`, { headers: { Accept: POM } });
      const [ev] = await w.take(1);
      assert.equal(ev.object.kind, "PartialObjectMetadata");
      assert.equal(ev.object.data, undefined);
    },
  );

  c.test(
    "Accept */* and JSON-after-protobuf get JSON; application/* and protobuf alone get 406 from the fake",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      assert.equal((await t.get(base, { accept: "*/*" })).body.kind, "ConfigMapList");
      const mixed = await t.get(base, {
        accept: "application/vnd.kubernetes.protobuf, application/json",
      });
      assert.equal(mixed.status, 200);
      assert.match(
        mixed.headers.get("content-type") ?? "",
        /^application\/(json|vnd\.kubernetes\.protobuf)/,
      );
      const wild = await t.get(base, { accept: "application/*" });
      assert.equal(wild.status, 406);
      assert.equal(wild.body.message, "406: Not Acceptable");
    },
  );

  c.test(
    "YAML request bodies are read (the first document); Accept: application/yaml answers YAML",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      const yaml =
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: "1"\n---\nignored: true\n';
      const r = await t.post(base, yaml, { contentType: "application/yaml" });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.body.data, { k: "1" });
      const out = await t.get(`${base}/from-yaml`, { accept: "application/yaml" });
      assert.equal(out.status, 200);
      assert.match(out.headers.get("content-type") ?? "", /^application\/yaml/);
      assert.match(out.text, /^apiVersion: v1\n/m);
      assert.match(out.text, /name: from-yaml/);
    },
  );

  c.test("an unknown body type is 415 naming what is accepted", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, "x", {
      contentType: "text/plain",
    });
    assert.equal(r.status, 415);
    assert.equal(r.body.reason, "UnsupportedMediaType");
    assert.match(
      r.body.message,
      /^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml/,
    );
  });

  c.test(
    "a malformed body is 400 from the decoder; a wrong type of value in a built-in kind too",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      const malformed = await t.post(base, "{not json");
      assert.equal(malformed.status, 400);
      assert.match(
        malformed.body.message,
        /^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error: /,
      );
      const empty = await t.post(base, "");
      assert.equal(empty.status, 400);
      const typed = await t.post(base, { metadata: { name: "a" }, data: { k: 1 } });
      assert.equal(typed.status, 400);
      assert.match(
        typed.body.message,
        /^ConfigMap in version "v1" cannot be handled as a ConfigMap: /,
      );
      const version = await t.post(base, {
        apiVersion: "apps/v1",
        kind: "ConfigMap",
        metadata: { name: "b" },
      });
      assert.equal(version.status, 400);
      assert.match(
        version.body.message,
        /cannot be handled as a ConfigMap: no kind "ConfigMap" is registered for version "apps\/v1"/,
      );
    },
  );

  c.test(
    "an update without metadata.name is 400: the name is not taken from the URL",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, { metadata: { name: "a" } });
      const r = await t.put(`${base}/a`, { data: { k: "v" } });
      assert.equal(r.status, 400);
      assert.equal(
        r.body.message,
        "the name of the object (a based on URL) was undeterminable: name must be provided",
      );
    },
  );

  c.test(
    "a patch sent as application/json is 415; an unparsable patch type lists the accepted ones",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      await t.post(base, { metadata: { name: "a" } });
      const plain = await t.send(
        "PATCH",
        `${base}/a`,
        { data: { k: "v" } },
        { contentType: "application/json" },
      );
      assert.equal(plain.status, 415);
      assert.equal(plain.body.reason, "UnsupportedMediaType");
      assert.equal(plain.body.message, "415: Unsupported Media Type");
      const r = await t.send(
        "PATCH",
        `${base}/a`,
        { data: { k: "v" } },
        { contentType: "application/merge-patch+json, text/plain" },
      );
      assert.equal(r.status, 415);
      assert.equal(
        r.body.message,
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
      );
    },
  );
});
