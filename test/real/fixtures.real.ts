// Real objects on a real API server: the fixture recorder run afresh against this run's server
// (every recording passes its kind's schema unchanged), and the workload kinds whose pod templates
// carry `creationTimestamp: null` created with client.create and held by informers.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fixtureObjects } from "../../scripts/fixtures/objects.ts";
import { rawRequester, recordFixtures } from "../../scripts/fixtures/record.ts";
import { createInformer } from "../../src/cache/informer.ts";
import type { KubeClient } from "../../src/client/client.ts";
import { DaemonSets, Deployments, ReplicaSets, StatefulSets } from "../../src/resources/apps.ts";
import { CronJobs, Jobs } from "../../src/resources/batch.ts";
import { allBuiltinResources as builtinResources } from "../../src/resources/builtin.ts";
import type { KubernetesObject } from "../../src/resources/meta.ts";
import type { ResourceType } from "../../src/resources/resource.ts";
import { validate } from "../../src/resources/validate.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { realClient, realConfig, testNamespace } from "./support.ts";

const labels = { app: "web" };
const podTemplate = {
  metadata: { labels },
  spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
};
const jobTemplate = {
  metadata: { labels },
  spec: {
    restartPolicy: "Never",
    containers: [{ name: "job", image: "busybox:1.36", command: ["true"] }],
  },
};

describe("real fixtures, recorded afresh from this run's server", () => {
  it("every kind the server serves passes its schema unchanged as GET, LIST item and WATCH event", async () => {
    const fixtures = await recordFixtures(await realConfig("admin"));
    // one per kind of the recorder (scripts/fixtures/objects.ts); a 1.20 server serves CronJob and
    // EndpointSlice only in their beta versions
    assert.equal(fixtures.length, fixtureObjects("ns", "x").length);
    for (const f of fixtures) {
      const type = builtinResources.find(
        (r) => r.apiVersion === f.apiVersion && r.kind === f.kind,
      )!;
      for (const [what, obj] of [
        ["GET", f.get],
        ["LIST item", f.list.items[0]],
        ["WATCH", f.watch.object],
      ] as const) {
        const r = validate(type.schema, structuredClone(obj));
        assert.ok(
          r.success,
          `${f.kind} ${what}: ${r.success ? "" : JSON.stringify(r.error.issues.slice(0, 3))}`,
        );
        assert.deepEqual(r.data, obj, `${f.kind} ${what} unchanged`);
      }
    }
  });
});

describe("workloads on a real server: client.create validates them, informers hold them all", () => {
  let client: KubeClient;
  let ns: { name: string; remove(): Promise<void> };
  let cronJobs: ResourceType<KubernetesObject>;

  before(async () => {
    client = await realClient();
    ns = await testNamespace(client, "workloads");
    // CronJob is batch/v1 from Kubernetes 1.21; a 1.20 server has it as batch/v1beta1 (same shape)
    const raw = await rawRequester(await realConfig("admin"));
    const v1 = await raw.request("GET", "/apis/batch/v1");
    const servesV1 = (v1.body as { resources?: { name: string }[] }).resources?.some(
      (r) => r.name === "cronjobs",
    );
    cronJobs = (
      servesV1 ? CronJobs : { ...CronJobs, version: "v1beta1", apiVersion: "batch/v1beta1" }
    ) as ResourceType<KubernetesObject>;
  });

  after(async () => {
    await ns?.remove();
  });

  const COUNT = 3;
  const bodies = (i: number): [ResourceType<KubernetesObject>, KubernetesObject][] => [
    [
      Deployments as ResourceType<KubernetesObject>,
      {
        metadata: { name: `web-${i}` },
        spec: { replicas: 1, selector: { matchLabels: labels }, template: podTemplate },
      },
    ],
    [
      ReplicaSets as ResourceType<KubernetesObject>,
      {
        metadata: { name: `web-${i}` },
        spec: { replicas: 1, selector: { matchLabels: labels }, template: podTemplate },
      },
    ],
    [
      StatefulSets as ResourceType<KubernetesObject>,
      {
        metadata: { name: `db-${i}` },
        spec: { serviceName: "db", selector: { matchLabels: labels }, template: podTemplate },
      },
    ],
    [
      DaemonSets as ResourceType<KubernetesObject>,
      {
        metadata: { name: `agent-${i}` },
        spec: { selector: { matchLabels: labels }, template: podTemplate },
      },
    ],
    [
      Jobs as ResourceType<KubernetesObject>,
      { metadata: { name: `job-${i}` }, spec: { template: jobTemplate } },
    ],
    [
      cronJobs,
      {
        metadata: { name: `cron-${i}` },
        spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: jobTemplate } } },
      },
    ],
  ];

  it("client.create returns each validated, with the server's creationTimestamp: null inside the template", async () => {
    for (let i = 0; i < COUNT; i++) {
      for (const [type, body] of bodies(i)) {
        const created = await client.create(type, body, { namespace: ns.name });
        assert.ok(created.metadata.uid, `${type.kind} created`);
        const spec = created.spec as {
          template?: { metadata?: Record<string, unknown> };
          jobTemplate?: { spec: { template: { metadata?: Record<string, unknown> } } };
        };
        const template = spec.template ?? spec.jobTemplate?.spec.template;
        assert.equal(template?.metadata?.creationTimestamp, null, `${type.kind}: the real null`);
      }
    }
  });

  it("an informer per kind holds every object and rejects none", async () => {
    const logger = new MemoryLogger();
    const ac = new AbortController();
    const informers = bodies(0).map(([type]) =>
      createInformer(client, type, { namespace: ns.name, logger }),
    );
    const runs = informers.map((inf) => inf.run(ac.signal));
    try {
      for (const inf of informers) {
        assert.equal(await inf.waitForSync(AbortSignal.timeout(30_000)), true);
        assert.equal(inf.store.size, COUNT, `${inf.resourceType.kind}: all ${COUNT} held`);
        assert.equal(inf.stats().invalidObjects, 0, `${inf.resourceType.kind}: none rejected`);
      }
      assert.deepEqual(logger.find("warn", "invalid"), []);
    } finally {
      ac.abort();
      await Promise.all(runs);
    }
  });
});
