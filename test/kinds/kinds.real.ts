// Every generated kind a lone API server can hold, on the real server of this run: created,
// read, listed and watched through its generated ResourceType (the client validates each
// object with the generated schema, and validate() is asked again here). Kinds the server
// only answers (reviews, Binding) are created and their responses validated; list-only kinds
// are listed. Which kinds: those of the server's discovery that kubeloop generates at the same
// version; a served kind without a sample here fails the test.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rawRequester } from "../../scripts/fixtures/record.ts";
import type { KubeClient } from "../../src/client/client.ts";
import { allBuiltinResources } from "../../src/resources/builtin.ts";
import type { KubernetesObject } from "../../src/resources/meta.ts";
import type { ResourceType } from "../../src/resources/resource.ts";
import { validate } from "../../src/resources/validate.ts";
import { realClient, realConfig, removeNamespace, suffix, testNamespace } from "../real/support.ts";

const labels = { app: "kinds" };
const podSpec = { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"] }] };
const template = { metadata: { labels }, spec: podSpec };
// A certificate signing request for CN=kubeloop-test (a throw-away key; the public half only).
const CSR =
  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIbE1JR05BZ0VBTUNzeEZqQVVCZ05WQkFNTURXdDFZbVZzYjI5d0xYUmxjM1F4RVRBUEJnTlZCQW9NQ0d0MQpZbVZzYjI5d01Ga3dFd1lIS29aSXpqMENBUVlJS29aSXpqMERBUWNEUWdBRTlmSmlHVnhzMlpZNkZkWWZXelVhCkVOMVBQNFJSK0YybU5HVTJ5V1VzMkdaZWcxdE54ZEtVWnJrRmpjdjVoUzNjekEyOGpqQ3RPNkRmc1BzTnRCSmMKV2FBQU1Bb0dDQ3FHU000OUJBTUNBMGNBTUVRQ0lBS1NRMnBwc2NNWnVJMlRwS3ZsS2l6K3hpblM3akVDSnZoWgo5alNGWGlGbEFpQUtxbG9Idmw0SnFjWHNDSGRFN3M4V0Z4TUhGQ2Y1K1c4bU1VczF2ck5qNnc9PQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K";

/**
 * A valid object of each kind a lone 1.20 API server stores, by `apiVersion kind` (`n`: unique
 * name); `name` overrides the object's name where the kind dictates it.
 */
function samples(n: string, namespace: string): Record<string, Record<string, unknown>> {
  const ref = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" };
  return {
    "v1 ConfigMap": { data: { k: "v" } },
    "v1 Secret": { type: "Opaque", stringData: { k: "v" } },
    "v1 Service": { spec: { ports: [{ port: 80, targetPort: 8080 }], selector: labels } },
    "v1 Endpoints": { subsets: [{ addresses: [{ ip: "10.1.2.3" }], ports: [{ port: 80 }] }] },
    "v1 Namespace": {},
    "v1 Node": { spec: { unschedulable: true } },
    "v1 ServiceAccount": {},
    "v1 Event": {
      involvedObject: { kind: "Pod", name: "p", namespace },
      reason: "Test",
      message: "m",
    },
    "v1 Pod": { spec: podSpec },
    "v1 PodTemplate": { template },
    "v1 ReplicationController": { spec: { replicas: 0, selector: labels, template } },
    "v1 LimitRange": { spec: { limits: [{ type: "Container", max: { cpu: "2" } }] } },
    "v1 ResourceQuota": { spec: { hard: { pods: "10", "requests.cpu": "500m" } } },
    "v1 PersistentVolume": {
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        hostPath: { path: `/tmp/${n}` },
      },
    },
    "v1 PersistentVolumeClaim": {
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    },
    "apps/v1 Deployment": { spec: { replicas: 0, selector: { matchLabels: labels }, template } },
    "apps/v1 ReplicaSet": { spec: { replicas: 0, selector: { matchLabels: labels }, template } },
    "apps/v1 StatefulSet": {
      spec: { replicas: 0, serviceName: n, selector: { matchLabels: labels }, template },
    },
    "apps/v1 DaemonSet": { spec: { selector: { matchLabels: labels }, template } },
    "apps/v1 ControllerRevision": { revision: 1, data: { spec: { template } } },
    "batch/v1 Job": {
      spec: {
        template: { metadata: { labels }, spec: { ...podSpec, restartPolicy: "Never" } },
      },
    },
    "autoscaling/v1 HorizontalPodAutoscaler": {
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: n },
        maxReplicas: 3,
        targetCPUUtilizationPercentage: 80,
      },
    },
    "networking.k8s.io/v1 Ingress": {
      spec: {
        rules: [
          {
            host: "example.com",
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: n, port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
    "networking.k8s.io/v1 IngressClass": { spec: { controller: "example.com/ingress" } },
    "networking.k8s.io/v1 NetworkPolicy": {
      spec: { podSelector: { matchLabels: labels }, policyTypes: ["Ingress"] },
    },
    "rbac.authorization.k8s.io/v1 Role": {
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
    },
    "rbac.authorization.k8s.io/v1 RoleBinding": {
      roleRef: ref,
      subjects: [{ kind: "ServiceAccount", name: "default", namespace: "default" }],
    },
    "rbac.authorization.k8s.io/v1 ClusterRole": {
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`kl-${n}`]: "true" } }] },
    },
    "rbac.authorization.k8s.io/v1 ClusterRoleBinding": {
      roleRef: ref,
      subjects: [{ kind: "User", name: `kl-${n}`, apiGroup: "rbac.authorization.k8s.io" }],
    },
    "storage.k8s.io/v1 StorageClass": { provisioner: "example.com/none", reclaimPolicy: "Delete" },
    "storage.k8s.io/v1 VolumeAttachment": {
      spec: { attacher: "example.com", nodeName: n, source: { persistentVolumeName: n } },
    },
    "storage.k8s.io/v1 CSIDriver": { spec: { attachRequired: false, podInfoOnMount: true } },
    "storage.k8s.io/v1 CSINode": { spec: { drivers: [{ name: "example.com", nodeID: n }] } },
    "scheduling.k8s.io/v1 PriorityClass": { value: 1000, description: "kubeloop test" },
    "coordination.k8s.io/v1 Lease": { spec: { holderIdentity: "me", leaseDurationSeconds: 15 } },
    "events.k8s.io/v1 Event": {
      eventTime: "2026-01-01T00:00:00.000000Z",
      reportingController: "kubeloop.dev/test",
      reportingInstance: "test",
      action: "Test",
      reason: "Test",
      regarding: { kind: "Pod", name: "p", namespace },
      type: "Normal",
    },
    "node.k8s.io/v1 RuntimeClass": { handler: "runc" },
    "certificates.k8s.io/v1 CertificateSigningRequest": {
      spec: {
        request: CSR,
        signerName: "example.com/kubeloop",
        usages: ["digital signature", "key encipherment"],
      },
    },
    "admissionregistration.k8s.io/v1 MutatingWebhookConfiguration": { webhooks: [] },
    "admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration": { webhooks: [] },
    "apiextensions.k8s.io/v1 CustomResourceDefinition": {
      name: `things.${n}.example.com`,
      spec: {
        group: `${n}.example.com`,
        scope: "Namespaced",
        names: { plural: "things", kind: "Thing" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
          },
        ],
      },
    },
    "apiregistration.k8s.io/v1 APIService": {
      name: `v1.api.${n}.example.com`,
      spec: {
        group: `api.${n}.example.com`,
        version: "v1",
        groupPriorityMinimum: 100,
        versionPriority: 10,
        service: { name: n, namespace: "default", port: 443 },
        insecureSkipTLSVerify: true,
      },
    },
  };
}

/** Kinds the server answers but does not store: a create returns the filled-in object. */
function answers(n: string, namespace: string): Record<string, Record<string, unknown>> {
  const attrs = { namespace, verb: "get", resource: "configmaps" };
  return {
    "authentication.k8s.io/v1 TokenReview": { spec: { token: "not-a-valid-token" } },
    "authorization.k8s.io/v1 SubjectAccessReview": {
      spec: { user: `kl-${n}`, resourceAttributes: attrs },
    },
    "authorization.k8s.io/v1 SelfSubjectAccessReview": { spec: { resourceAttributes: attrs } },
    "authorization.k8s.io/v1 SelfSubjectRulesReview": { spec: { namespace: "default" } },
    "authorization.k8s.io/v1 LocalSubjectAccessReview": {
      spec: { user: `kl-${n}`, resourceAttributes: attrs },
    },
  };
}

/** Kinds only listed (the server makes them) and kinds handled by their own test below. */
const LIST_ONLY = new Set(["v1 ComponentStatus"]);
const OWN_TEST = new Set(["v1 Binding"]);

const key = (t: ResourceType): string => `${t.apiVersion} ${t.kind}`;

describe("every generated kind a lone API server serves, through its generated type", () => {
  let client: KubeClient;
  let ns: { name: string; remove(): Promise<void> };
  let served: ResourceType[] = [];
  const n = `kl-kinds-${suffix()}`;
  const cleanup: (() => Promise<unknown>)[] = [];

  before(async () => {
    client = await realClient();
    ns = await testNamespace(client, "kinds");
    const raw = await rawRequester(await realConfig("admin"));
    const groups = (await raw.request("GET", "/apis")).body as {
      groups: { versions: { groupVersion: string }[] }[];
    };
    const gvs = ["v1", ...groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
    const kinds = new Set<string>();
    for (const gv of gvs) {
      const list = (await raw.request("GET", gv === "v1" ? "/api/v1" : `/apis/${gv}`)).body as {
        resources: { name: string; kind: string }[];
      };
      for (const r of list.resources) if (!r.name.includes("/")) kinds.add(`${gv} ${r.kind}`);
    }
    served = allBuiltinResources.filter((t) => kinds.has(key(t)));
  });

  /** Delete an object; with no controllers running, also drop finalizers (pv-protection, ...). */
  async function remove(t: ResourceType, name: string, namespace: string | undefined) {
    if (t.kind === "Namespace") return removeNamespace(name);
    await client.delete(t, name, { namespace }).catch(() => undefined);
    const left = await client.get(t, name, { namespace }).catch(() => undefined);
    if (left?.metadata.finalizers?.length) {
      await client.patch(t, name, { metadata: { finalizers: null } }, { type: "merge", namespace });
    }
  }

  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    await ns?.remove();
  });

  it("has a sample for every served kind (so none is left out)", () => {
    assert.ok(served.length >= 40, `only ${served.length} generated kinds served`);
    const known = new Set([
      ...Object.keys(samples(n, "default")),
      ...Object.keys(answers(n, "default")),
      ...LIST_ONLY,
      ...OWN_TEST,
    ]);
    const missing = served.map(key).filter((k) => !known.has(k));
    assert.deepEqual(missing, [], "served kinds without a sample");
  });

  it("creates, gets, lists and watches one object of each storable kind", async () => {
    const all = samples(n, ns.name);
    const done: string[] = [];
    for (const type of served) {
      const sample = all[key(type)];
      if (!sample) continue;
      const { name: fixed, ...body } = sample as { name?: string };
      const t = type as ResourceType<KubernetesObject>;
      const name =
        fixed ??
        (type.kind === "Namespace"
          ? n
          : `${n}-${type.group.split(".")[0] || "core"}-${type.kind.toLowerCase()}`.slice(0, 63));
      const namespace = type.namespaced ? ns.name : undefined;
      const before = await client.list(t, { namespace, limit: 1 });
      cleanup.push(() => remove(t, name, namespace));
      const created = await client.create(t, {
        apiVersion: type.apiVersion,
        kind: type.kind,
        metadata: { name, namespace, labels },
        ...body,
      } as KubernetesObject);
      const got = await client.get(t, name, { namespace });
      const listed = await client.list(t, { namespace, fieldSelector: `metadata.name=${name}` });
      assert.equal(listed.items.length, 1, key(type));
      let watched: KubernetesObject | undefined;
      for await (const ev of client.watch(t, {
        namespace,
        resourceVersion: before.metadata.resourceVersion,
        fieldSelector: `metadata.name=${name}`,
        timeoutSeconds: 5,
      })) {
        if (ev.type === "ADDED") {
          watched = ev.object as KubernetesObject;
          break;
        }
      }
      assert.ok(watched, `${key(type)}: no ADDED event`);
      for (const [what, obj] of [
        ["create", created],
        ["get", got],
        ["list", listed.items[0]],
        ["watch", watched],
      ] as const) {
        const r = validate(t.schema, obj);
        assert.ok(
          r.success,
          `${key(type)} ${what}: ${!r.success ? JSON.stringify(r.error.issues.slice(0, 3)) : ""}`,
        );
      }
      done.push(key(type));
    }
    assert.ok(done.length >= 35, `${done.length} kinds done`);
  });

  it("creates each kind the server only answers, and validates the answer", async () => {
    const all = answers(n, ns.name);
    for (const type of served) {
      const body = all[key(type)];
      if (!body) continue;
      const t = type as ResourceType<KubernetesObject>;
      const namespace = type.namespaced ? ns.name : undefined;
      const answer = await client.create(t, {
        apiVersion: type.apiVersion,
        kind: type.kind,
        metadata: { namespace },
        ...body,
      } as KubernetesObject);
      assert.ok(validate(t.schema, answer).success, key(type));
      assert.ok((answer as { status?: unknown }).status !== undefined, `${key(type)} has a status`);
    }
  });

  it("lists the kinds the server makes itself (ComponentStatus)", async () => {
    for (const type of served.filter((t) => LIST_ONLY.has(key(t)))) {
      const list = await client.list(type);
      for (const item of list.items) assert.ok(validate(type.schema, item).success, key(type));
    }
  });

  it("binds a pod to a node with a Binding (the pods/binding subresource's kind)", async () => {
    const Bindings = served.find((t) => key(t) === "v1 Binding");
    const Pods = allBuiltinResources.find((t) => key(t) === "v1 Pod")!;
    assert.ok(Bindings);
    const pod = `${n}-bound`;
    await client.create(Pods, {
      metadata: { name: pod, namespace: ns.name },
      spec: podSpec,
    } as KubernetesObject);
    cleanup.push(() => remove(Pods, pod, ns.name));
    // A real server answers a Binding with a Status, not the Binding: send it raw, and check the
    // body against the generated Binding schema.
    const binding = {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: pod, namespace: ns.name },
      target: { apiVersion: "v1", kind: "Node", name: `${n}-node` },
    };
    assert.ok(validate(Bindings.schema, binding).success);
    const raw = await rawRequester(await realConfig("admin"));
    const res = await raw.request("POST", `/api/v1/namespaces/${ns.name}/bindings`, binding);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const bound = (await client.get(Pods, pod, { namespace: ns.name })) as {
      spec?: { nodeName?: string };
    };
    assert.equal(bound.spec?.nodeName, `${n}-node`);
  });
});
