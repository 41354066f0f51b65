import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { $ZodType } from "zod/v4/core";
import {
  builtinResources,
  ConfigMapSchema,
  CronJobSchema,
  CustomResourceDefinitions,
  DaemonSetSchema,
  DeploymentSchema,
  EndpointSliceSchema,
  EndpointsSchema,
  EventSchema,
  findBuiltinResource,
  JobSchema,
  LeaseSchema,
  NodeSchema,
  PartialObjectMetadataSchema,
  PodSchema,
  ReplicaSetSchema,
  SecretSchema,
  ServiceAccountSchema,
  ServiceSchema,
  StatefulSetSchema,
  StringMapSchema,
  validate,
} from "../../src/resources/mod.ts";

const podJson = readFileSync(new URL("../fixtures/pod.json", import.meta.url), "utf8");

const meta = { name: "x", namespace: "default", resourceVersion: "1" };
const template = {
  metadata: { labels: { app: "x" } },
  spec: { containers: [{ name: "c", image: "i" }] },
};

describe("resource registry", () => {
  it("lists every built-in kind with unique apiVersion/kind", () => {
    const kinds = builtinResources.map((r) => `${r.apiVersion}/${r.kind}`);
    for (const k of [
      "v1/Pod",
      "v1/ConfigMap",
      "v1/Secret",
      "v1/Service",
      "v1/Endpoints",
      "v1/Namespace",
      "v1/Node",
      "v1/ServiceAccount",
      "v1/Event",
      "apps/v1/Deployment",
      "apps/v1/ReplicaSet",
      "apps/v1/StatefulSet",
      "apps/v1/DaemonSet",
      "batch/v1/Job",
      "batch/v1/CronJob",
      "coordination.k8s.io/v1/Lease",
      "discovery.k8s.io/v1/EndpointSlice",
      "apiextensions.k8s.io/v1/CustomResourceDefinition",
    ]) {
      assert.ok(kinds.includes(k), k);
    }
    assert.equal(new Set(kinds).size, kinds.length);
    assert.equal(findBuiltinResource("apps/v1", "Deployment")?.plural, "deployments");
    assert.equal(CustomResourceDefinitions.namespaced, false);
  });
});

describe("schemas", () => {
  it("accept a realistic Pod and keep unknown fields", () => {
    const pod = PodSchema.parse(JSON.parse(podJson));
    assert.equal(pod.status?.phase, "Running");
    assert.equal(pod.spec?.containers[0]?.name, "web");
    assert.equal(pod.spec?.dnsPolicy, "ClusterFirst");
    assert.equal(pod.spec?.containers[0]?.readinessProbe?.httpGet?.port, 8080);
    assert.equal(pod.spec?.tolerations?.[0]?.tolerationSeconds, 300);
    const withFuture = PodSchema.parse({ ...JSON.parse(podJson), futureField: { a: 1 } });
    assert.deepEqual((withFuture as Record<string, unknown>).futureField, { a: 1 });
  });

  it("accept list items without kind/apiVersion", () => {
    assert.ok(PodSchema.safeParse({ metadata: meta, spec: { containers: [] } }).success);
    assert.ok(ConfigMapSchema.safeParse({ metadata: meta }).success);
  });

  it("validate metadata strictly", () => {
    for (const bad of [
      {},
      { metadata: null },
      { metadata: { name: 1 } },
      { metadata: { labels: { a: 1 } } },
      { metadata: { annotations: [] } },
      { metadata: { resourceVersion: 5 } },
      { metadata: { generation: 1.5 } },
      { metadata: { ownerReferences: [{ kind: "X" }] } },
    ]) {
      assert.equal(ConfigMapSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
    const issues = ConfigMapSchema.safeParse({ metadata: { labels: { a: 1 } } });
    assert.ok(!issues.success && issues.error.issues[0]!.path.join(".") === "metadata.labels");
  });

  it("check the main spec/status fields of each kind", () => {
    const cases: [string, $ZodType, unknown, unknown][] = [
      [
        "Pod",
        PodSchema,
        { metadata: meta, spec: { containers: [{ name: "c" }] } },
        { metadata: meta, spec: { containers: [{ image: "i" }] } },
      ],
      [
        "Secret",
        SecretSchema,
        { metadata: meta, type: "Opaque", data: { a: "YQ==" } },
        { metadata: meta, data: { a: 1 } },
      ],
      [
        "Service",
        ServiceSchema,
        { metadata: meta, spec: { ports: [{ port: 80, targetPort: "http" }] } },
        { metadata: meta, spec: { ports: [{ port: "80" }] } },
      ],
      [
        "Endpoints",
        EndpointsSchema,
        { metadata: meta, subsets: [{ addresses: [{ ip: "1.2.3.4" }], ports: [{ port: 80 }] }] },
        { metadata: meta, subsets: [{ addresses: [{}] }] },
      ],
      [
        "EndpointSlice",
        EndpointSliceSchema,
        {
          metadata: meta,
          addressType: "IPv4",
          endpoints: [{ addresses: ["1.2.3.4"], conditions: { ready: true } }],
        },
        { metadata: meta, endpoints: [] },
      ],
      [
        "Node",
        NodeSchema,
        {
          metadata: { name: "n" },
          status: { conditions: [{ type: "Ready", status: "True" }], capacity: { cpu: "4" } },
        },
        { metadata: { name: "n" }, status: { conditions: [{ type: "Ready" }] } },
      ],
      [
        "ServiceAccount",
        ServiceAccountSchema,
        { metadata: meta, secrets: [{ name: "s" }] },
        { metadata: meta, secrets: "s" },
      ],
      [
        "Event",
        EventSchema,
        {
          metadata: meta,
          involvedObject: { kind: "Pod", name: "p" },
          reason: "Started",
          count: 2,
          firstTimestamp: null,
        },
        { metadata: meta },
      ],
      [
        "Deployment",
        DeploymentSchema,
        {
          metadata: meta,
          spec: { replicas: 2, selector: { matchLabels: { app: "x" } }, template },
        },
        { metadata: meta, spec: { replicas: "2", selector: {}, template } },
      ],
      [
        "ReplicaSet",
        ReplicaSetSchema,
        { metadata: meta, spec: { selector: {} }, status: { replicas: 1 } },
        { metadata: meta, spec: {} },
      ],
      [
        "StatefulSet",
        StatefulSetSchema,
        {
          metadata: meta,
          spec: {
            selector: {},
            template,
            serviceName: "s",
            volumeClaimTemplates: [{ metadata: { name: "d" } }],
          },
        },
        { metadata: meta, spec: { selector: {} } },
      ],
      [
        "DaemonSet",
        DaemonSetSchema,
        {
          metadata: meta,
          spec: { selector: {}, template },
          status: {
            numberReady: 3,
            currentNumberScheduled: 3,
            desiredNumberScheduled: 3,
            numberMisscheduled: 0,
          },
        },
        { metadata: meta, status: { numberReady: "3" } },
      ],
      [
        "Job",
        JobSchema,
        { metadata: meta, spec: { template, backoffLimit: 3 }, status: { succeeded: 1 } },
        { metadata: meta, spec: { backoffLimit: 3 } },
      ],
      [
        "CronJob",
        CronJobSchema,
        { metadata: meta, spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template } } } },
        { metadata: meta, spec: { jobTemplate: {} } },
      ],
      [
        "Lease",
        LeaseSchema,
        {
          metadata: meta,
          spec: {
            holderIdentity: "me",
            leaseDurationSeconds: 15,
            renewTime: "2026-01-01T00:00:00.000000Z",
          },
        },
        { metadata: meta, spec: { leaseDurationSeconds: "15" } },
      ],
      [
        "CRD",
        CustomResourceDefinitions.schema,
        {
          metadata: { name: "widgets.example.com" },
          spec: {
            group: "example.com",
            scope: "Namespaced",
            names: { plural: "widgets", kind: "Widget" },
            versions: [
              {
                name: "v1",
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: "object" } },
              },
            ],
          },
        },
        { metadata: { name: "w" }, spec: { group: "g" } },
      ],
    ];
    for (const [name, schema, good, bad] of cases) {
      assert.equal(validate(schema, good).success, true, `${name} good`);
      assert.equal(validate(schema, bad).success, false, `${name} bad`);
    }
  });

  it("metadata-only schema and string maps", () => {
    assert.ok(
      PartialObjectMetadataSchema.safeParse({ kind: "PartialObjectMetadata", metadata: meta })
        .success,
    );
    assert.ok(StringMapSchema.safeParse({ a: "b" }).success);
    assert.ok(!StringMapSchema.safeParse({ a: null }).success);
    assert.ok(!StringMapSchema.safeParse(["a"]).success);
  });
});
