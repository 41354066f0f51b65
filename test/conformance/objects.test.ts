// What the API server does to objects: defaulting controllers can observe (Pods, Deployments, Services,
// Secrets, Namespaces), allocation (a Service's cluster IP), generation, validation (names, labels, data
// keys, size limits, immutable fields, per-kind rules) and the status and scale subresources.
// Docs: https://kubernetes.io/docs/reference/using-api/api-concepts/, API conventions ("Spec and
// Status", "Metadata"), /concepts/overview/working-with-objects/names/ and labels/,
// /concepts/configuration/configmap/#configmap-immutable, /concepts/configuration/secret/.
import assert from "node:assert/strict";
import { conformance } from "./support/suite.ts";

const deployment = (name: string, labels: Record<string, string> = { app: name }) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    selector: { matchLabels: labels },
    template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "nginx:1.25" }] } },
  },
});

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

await conformance("objects", (c) => {
  c.test(
    "Pod defaults: restart and DNS policy, grace period, scheduler, container defaults, status Pending",
    async (t) => {
      const ns = await t.namespace();
      const r = await t.post(`/api/v1/namespaces/${ns}/pods`, {
        metadata: { name: "p" },
        spec: {
          containers: [
            {
              name: "c",
              image: "nginx",
              ports: [{ containerPort: 80 }],
              readinessProbe: { httpGet: { port: 80 } },
              env: [{ name: "N", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
              resources: { limits: { cpu: "1", memory: "1Gi" } },
            },
            { name: "tagged", image: "busybox:1.36" },
          ],
          volumes: [{ name: "s", secret: { secretName: "x" } }, { name: "e" }],
        },
      });
      assert.equal(r.status, 201, r.text);
      const spec = r.body.spec;
      assert.equal(spec.restartPolicy, "Always");
      assert.equal(spec.dnsPolicy, "ClusterFirst");
      assert.equal(spec.terminationGracePeriodSeconds, 30);
      assert.equal(spec.schedulerName, "default-scheduler");
      assert.deepEqual(spec.securityContext, {});
      assert.equal(spec.enableServiceLinks, true);
      const [c1, c2] = spec.containers;
      assert.equal(c1.imagePullPolicy, "Always", "no tag: Always");
      assert.equal(c2.imagePullPolicy, "IfNotPresent", "a tag: IfNotPresent");
      assert.equal(c1.terminationMessagePath, "/dev/termination-log");
      assert.equal(c1.terminationMessagePolicy, "File");
      assert.equal(c1.ports[0].protocol, "TCP");
      assert.deepEqual(c1.readinessProbe, {
        httpGet: { path: "/", port: 80, scheme: "HTTP" },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      });
      assert.equal(c1.env[0].valueFrom.fieldRef.apiVersion, "v1");
      assert.deepEqual(
        c1.resources.requests,
        { cpu: "1", memory: "1Gi" },
        "requests default to limits",
      );
      assert.deepEqual(c2.resources, {});
      assert.equal(spec.volumes[0].secret.defaultMode, 420);
      assert.deepEqual(spec.volumes[1].emptyDir, {}, "a volume without a source is an emptyDir");
      assert.equal(r.body.status.phase, "Pending");
      assert.equal(r.body.status.qosClass, "Burstable");
      // admission: priority and the not-ready/unreachable tolerations
      assert.equal(spec.priority, 0);
      assert.deepEqual(
        spec.tolerations.map((x: any) => `${x.key}:${x.effect}:${x.tolerationSeconds}`),
        [
          "node.kubernetes.io/not-ready:NoExecute:300",
          "node.kubernetes.io/unreachable:NoExecute:300",
        ],
      );
    },
  );

  c.test("Deployment defaults, generation 1 and an empty status", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web"));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.metadata.generation, 1);
    const spec = r.body.spec;
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
    });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.equal(spec.template.spec.restartPolicy, "Always");
    // a zero time in the pod template: clients' schemas must accept the null
    assert.equal(spec.template.metadata.creationTimestamp, null);
    assert.equal(spec.template.spec.containers[0].imagePullPolicy, "IfNotPresent");
    assert.deepEqual(r.body.status, {});
  });

  c.test(
    "generation moves with the spec (and a Deployment's annotations), not with labels or status",
    async (t) => {
      const ns = await t.namespace();
      const base = `/apis/apps/v1/namespaces/${ns}/deployments`;
      await t.post(base, deployment("web"));
      const labels = await t.patch(`${base}/web`, "merge", { metadata: { labels: { x: "y" } } });
      assert.equal(labels.body.metadata.generation, 1);
      const spec = await t.patch(`${base}/web`, "merge", { spec: { replicas: 3 } });
      assert.equal(spec.body.metadata.generation, 2);
      const ann = await t.patch(`${base}/web`, "merge", { metadata: { annotations: { a: "b" } } });
      assert.equal(ann.body.metadata.generation, 3);
      const status = await t.patch(`${base}/web/status`, "merge", { status: { replicas: 3 } });
      assert.equal(status.body.metadata.generation, 3);
    },
  );

  c.test(
    "a Service gets a cluster IP, a target port, type ClusterIP; the cluster IP cannot change",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/services`;
      const r = await t.post(base, {
        metadata: { name: "web" },
        spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
      });
      assert.equal(r.status, 201, r.text);
      const spec = r.body.spec;
      assert.match(spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/);
      assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
      assert.equal(spec.type, "ClusterIP");
      assert.equal(spec.sessionAffinity, "None");
      assert.deepEqual(spec.ports, [{ port: 80, protocol: "TCP", targetPort: 80 }]);
      assert.deepEqual(r.body.status, { loadBalancer: {} });
      const other = await t.post(base, {
        metadata: { name: "other" },
        spec: { ports: [{ port: 81 }] },
      });
      assert.notEqual(
        other.body.spec.clusterIP,
        spec.clusterIP,
        "each Service gets its own address",
      );
      // an update that leaves the cluster IP out is refused (Kubernetes 1.20; later versions keep it)
      const { clusterIP: _ip, clusterIPs: _ips, ...rest } = spec;
      const unset = await t.put(`${base}/web`, { ...r.body, spec: rest });
      assert.equal(unset.status, 422, unset.text);
      assert.equal(
        unset.body.message,
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string(nil): primary clusterIP can not be unset',
      );
      const changed = await t.patch(`${base}/web`, "merge", { spec: { clusterIP: "10.0.0.250" } });
      assert.equal(changed.status, 422);
      assert.deepEqual(changed.body.details.causes, [
        {
          reason: "FieldValueInvalid",
          message: 'Invalid value: []string{"10.0.0.250"}: may not change once set',
          field: "spec.clusterIPs[0]",
        },
      ]);
    },
  );

  c.test("a Service name is a DNS-1035 label; a Service needs ports", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/services`;
    const digit = await t.post(base, {
      metadata: { name: "1web" },
      spec: { ports: [{ port: 80 }] },
    });
    assert.equal(digit.status, 422);
    assert.match(
      digit.body.details.causes[0].message,
      /a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/,
    );
    const noPorts = await t.post(base, { metadata: { name: "web" }, spec: {} });
    assert.equal(noPorts.status, 422);
    assert.deepEqual(noPorts.body.details.causes, [
      { reason: "FieldValueRequired", message: "Required value", field: "spec.ports" },
    ]);
  });

  c.test(
    "a Secret's stringData is folded into base64 data and never stored; type defaults to Opaque",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/secrets`;
      const r = await t.post(base, {
        metadata: { name: "s" },
        data: { a: "YQ==" },
        stringData: { b: "héllo", a: "over" },
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.type, "Opaque");
      assert.equal(r.body.stringData, undefined);
      assert.deepEqual(r.body.data, { a: "b3Zlcg==", b: "aMOpbGxv" });
      const got = await t.get(`${base}/s`);
      assert.equal(got.body.stringData, undefined);
      assert.deepEqual(got.body.data, r.body.data);
    },
  );

  c.test("a Namespace gets the kubernetes finalizer and phase Active", async (t) => {
    const name = t.name("kc-ns");
    const r = await t.post("/api/v1/namespaces", { metadata: { name } });
    t.defer(async () => {
      await t.delete(`/api/v1/namespaces/${name}`);
      const left = await t.get(`/api/v1/namespaces/${name}`);
      if (left.status === 200)
        await t.put(`/api/v1/namespaces/${name}/finalize`, {
          ...left.body,
          spec: { finalizers: [] },
        });
    });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.spec, { finalizers: ["kubernetes"] });
    assert.deepEqual(r.body.status, { phase: "Active" });
  });

  c.test(
    "names: too long, invalid characters, and a generateName that cannot make a valid name",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/configmaps`;
      const long = await t.post(base, { metadata: { name: "x".repeat(254) } });
      assert.equal(long.status, 422);
      assert.deepEqual(
        long.body.details.causes.map((c: any) => c.message.replace(/"x+"/, '"…"')),
        ['Invalid value: "…": must be no more than 253 characters'],
      );
      const gen = await t.post(base, { metadata: { generateName: "Bad_" } });
      assert.equal(gen.status, 422);
      assert.deepEqual(
        gen.body.details.causes.map((c: any) => [c.field, c.message]),
        [
          ["metadata.generateName", `Invalid value: "Bad_": ${SUBDOMAIN_MESSAGE}`],
          ["metadata.name", `Invalid value: "${gen.body.details.name}": ${SUBDOMAIN_MESSAGE}`],
        ],
      );
      assert.match(gen.body.details.name, /^Bad_[a-z0-9]{5}$/);
    },
  );

  c.test("labels: a value over 63 characters is invalid", async (t) => {
    const ns = await t.namespace();
    const value = "v".repeat(64);
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: "a", labels: { k: value } },
    });
    assert.equal(r.status, 422);
    assert.deepEqual(r.body.details.causes, [
      {
        reason: "FieldValueInvalid",
        message: `Invalid value: "${value}": must be no more than 63 characters`,
        field: "metadata.labels",
      },
    ]);
  });

  c.test("size limits: annotations over 256 KiB, ConfigMap data over 1 MiB", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const ann = await t.post(base, {
      metadata: { name: "a", annotations: { big: "x".repeat(262145) } },
    });
    assert.equal(ann.status, 422);
    assert.deepEqual(ann.body.details.causes, [
      {
        reason: "FieldValueTooLong",
        message: "Too long: must have at most 262144 bytes",
        field: "metadata.annotations",
      },
    ]);
    const data = await t.post(base, {
      metadata: { name: "b" },
      data: { big: "x".repeat(1048577) },
    });
    assert.equal(data.status, 422);
    assert.deepEqual(data.body.details.causes, [
      {
        reason: "FieldValueTooLong",
        message: "Too long: must have at most 1048576 bytes",
        field: "[]",
      },
    ]);
  });

  c.test("ConfigMap data keys: letters, digits, '-', '_', '.'", async (t) => {
    const ns = await t.namespace();
    const r = await t.post(`/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: "a" },
      data: { "bad key": "1" },
    });
    assert.equal(r.status, 422);
    assert.deepEqual(r.body.details.causes, [
      {
        reason: "FieldValueInvalid",
        message:
          "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        field: "data[bad key]",
      },
    ]);
  });

  c.test("an immutable ConfigMap refuses changes to data and to immutable", async (t) => {
    const ns = await t.namespace();
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    await t.post(base, { metadata: { name: "a" }, immutable: true, data: { k: "1" } });
    const data = await t.patch(`${base}/a`, "merge", { data: { k: "2" } });
    assert.equal(data.status, 422);
    assert.equal(
      data.body.message,
      'ConfigMap "a" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    );
    const flag = await t.patch(`${base}/a`, "merge", { immutable: false });
    assert.equal(flag.status, 422);
    assert.equal(flag.body.details.causes[0].field, "immutable");
    const labels = await t.patch(`${base}/a`, "merge", { metadata: { labels: { ok: "yes" } } });
    assert.equal(labels.status, 200, "metadata may still change");
  });

  c.test("a Deployment's selector must match its template and never changes", async (t) => {
    const ns = await t.namespace();
    const base = `/apis/apps/v1/namespaces/${ns}/deployments`;
    const mismatch = deployment("bad");
    mismatch.spec.template.metadata.labels = { app: "other" };
    const r = await t.post(base, mismatch);
    assert.equal(r.status, 422);
    assert.deepEqual(r.body.details.causes, [
      {
        reason: "FieldValueInvalid",
        message:
          'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
        field: "spec.template.metadata.labels",
      },
    ]);
    await t.post(base, deployment("web"));
    const changed = await t.patch(`${base}/web`, "merge", {
      spec: {
        selector: { matchLabels: { app: "x" } },
        template: { metadata: { labels: { app: "x" } } },
      },
    });
    assert.equal(changed.status, 422);
    assert.deepEqual(changed.body.details.causes, [
      {
        reason: "FieldValueInvalid",
        message:
          'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
        field: "spec.selector",
      },
    ]);
  });

  c.test(
    "a Pod needs containers with names and images; after creation its spec is (mostly) immutable",
    async (t) => {
      const ns = await t.namespace();
      const base = `/api/v1/namespaces/${ns}/pods`;
      const empty = await t.post(base, {
        metadata: { name: "p0" },
        spec: { containers: [{ name: "", image: "" }] },
      });
      assert.equal(empty.status, 422);
      assert.deepEqual(
        empty.body.details.causes.map((c: any) => `${c.reason} ${c.field}`),
        [
          "FieldValueRequired spec.containers[0].name",
          "FieldValueRequired spec.containers[0].image",
        ],
      );
      await t.post(base, {
        metadata: { name: "p" },
        spec: { containers: [{ name: "c", image: "busybox:1" }] },
      });
      const image = await t.patch(`${base}/p`, "strategic", {
        spec: { containers: [{ name: "c", image: "busybox:2" }] },
      });
      assert.equal(image.status, 200, image.text);
      assert.equal(image.body.spec.containers[0].image, "busybox:2");
      const policy = await t.patch(`${base}/p`, "merge", { spec: { restartPolicy: "Never" } });
      assert.equal(policy.status, 422);
      assert.equal(policy.body.details.causes[0].field, "spec");
      assert.match(
        policy.body.details.causes[0].message,
        /^Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`, `spec.initContainers\[\*\].image`, `spec.activeDeadlineSeconds` or `spec.tolerations` \(only additions to existing tolerations\)/,
      );
    },
  );

  c.test(
    "the status subresource: main writes keep status, status writes keep the spec",
    async (t) => {
      const ns = await t.namespace();
      const base = `/apis/apps/v1/namespaces/${ns}/deployments`;
      const created = (await t.post(base, deployment("web"))).body;
      const main = await t.put(`${base}/web`, {
        ...created,
        spec: { ...created.spec, replicas: 2 },
        status: { replicas: 9 },
      });
      assert.equal(main.status, 200);
      assert.equal(main.body.spec.replicas, 2);
      assert.deepEqual(main.body.status, {});
      const status = await t.put(`${base}/web/status`, {
        ...main.body,
        spec: { ...main.body.spec, replicas: 7 },
        status: { replicas: 1 },
      });
      assert.equal(status.status, 200);
      assert.equal(status.body.spec.replicas, 2);
      assert.equal(status.body.status.replicas, 1);
      const read = await t.get(`${base}/web/status`);
      assert.equal(read.status, 200);
      assert.equal(read.body.kind, "Deployment");
      assert.equal(read.body.status.replicas, 1);
    },
  );

  c.test("kinds without a status subresource answer 404 for it", async (t) => {
    const ns = await t.namespace();
    await t.post(`/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: "a" } });
    for (const sub of ["status", "scale"]) {
      const r = await t.get(`/api/v1/namespaces/${ns}/configmaps/a/${sub}`);
      assert.equal(r.status, 404);
      assert.equal(r.body.message, "the server could not find the requested resource");
    }
  });

  c.test("the scale subresource reads and writes replicas as autoscaling/v1 Scale", async (t) => {
    const ns = await t.namespace();
    const base = `/apis/apps/v1/namespaces/${ns}/deployments`;
    const created = (await t.post(base, deployment("web"))).body;
    const scale = await t.get(`${base}/web/scale`);
    assert.equal(scale.status, 200);
    assert.deepEqual(scale.body, {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: "web",
        namespace: ns,
        uid: created.metadata.uid,
        resourceVersion: created.metadata.resourceVersion,
        creationTimestamp: created.metadata.creationTimestamp,
      },
      spec: { replicas: 1 },
      status: { replicas: 0, selector: "app=web" },
    });
    const put = await t.put(`${base}/web/scale`, { ...scale.body, spec: { replicas: 3 } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.spec.replicas, 3);
    const patched = await t.patch(`${base}/web/scale`, "merge", { spec: { replicas: 4 } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.spec.replicas, 4);
    const dep = await t.get(`${base}/web`);
    assert.equal(dep.body.spec.replicas, 4);
    assert.equal(dep.body.metadata.generation, 3);
    const noNamespace = await t.put(`${base}/web/scale`, {
      metadata: { name: "web" },
      spec: { replicas: 1 },
    });
    assert.equal(noNamespace.status, 422);
    assert.equal(
      noNamespace.body.message,
      'Scale.autoscaling "web" is invalid: metadata.namespace: Required value',
    );
  });

  c.test(
    "a Job gets a generated selector, controller-uid and job-name labels, and defaults",
    async (t) => {
      const ns = await t.namespace();
      const r = await t.post(`/apis/batch/v1/namespaces/${ns}/jobs`, {
        metadata: { name: "j" },
        spec: {
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] },
          },
        },
      });
      assert.equal(r.status, 201, r.text);
      const uid = r.body.metadata.uid;
      assert.deepEqual(r.body.spec.selector, { matchLabels: { "controller-uid": uid } });
      assert.deepEqual(r.body.spec.template.metadata.labels, {
        "controller-uid": uid,
        "job-name": "j",
      });
      assert.deepEqual(r.body.metadata.labels, { "controller-uid": uid, "job-name": "j" });
      assert.equal(r.body.spec.backoffLimit, 6);
      assert.equal(r.body.spec.completions, 1);
      assert.equal(r.body.spec.parallelism, 1);
      assert.equal(r.body.metadata.generation, undefined);
    },
  );
});
