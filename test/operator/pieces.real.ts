// The operator pieces against a real API server: the finalizer's guarded JSON
// patches (test ops on the finalizer list, the resourceVersion and an index),
// events.k8s.io/v1 Events with a series as the server validates them, and
// status written by server-side apply on a CRD's status subresource.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import type { KubeClient } from "../../src/client/client.ts";
import { ApiError } from "../../src/client/errors.ts";
import { EventRecorder } from "../../src/events/recorder.ts";
import { FinalizerError } from "../../src/finalizer/errors.ts";
import { withFinalizer } from "../../src/finalizer/finalizer.ts";
import { CustomResourceDefinitions } from "../../src/resources/apiextensions.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { EventsV1 } from "../../src/resources/events.ts";
import { type KubernetesObject, ObjectMetaSchema } from "../../src/resources/meta.ts";
import { defineResource, type ResourceType } from "../../src/resources/resource.ts";
import { applyStatus } from "../../src/status/apply.ts";
import { setCondition } from "../../src/status/conditions.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { realClient, suffix, testNamespace, waitFor } from "../real/support.ts";

const F = "test.kubeloop.dev/cleanup";

describe("operator pieces on a real API server", () => {
  let client: KubeClient;
  let ns: { name: string; remove(): Promise<void> };
  before(async () => {
    client = await realClient();
    ns = await testNamespace(client, "ops");
  });
  after(async () => {
    await ns?.remove();
  });

  it("withFinalizer: guarded add and remove; a stale patch is refused with 422", async () => {
    const cleaned: string[] = [];
    const upsert = withFinalizer<ConfigMap>({
      client,
      type: ConfigMaps,
      finalizer: F,
      apply: () => {},
      cleanup: (cm) => {
        cleaned.push(cm.metadata.name!);
      },
    });
    const get = () => client.get(ConfigMaps, "a", { namespace: ns.name });

    // no finalizers yet: the add is guarded by the resourceVersion
    const created = await client.create(ConfigMaps, {
      metadata: { name: "a", namespace: ns.name },
    });
    await client.patch(
      ConfigMaps,
      "a",
      { data: { x: "1" } },
      { type: "merge", namespace: ns.name },
    );
    const stale = await (async () => {
      try {
        await upsert(`${ns.name}/a`, created);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(stale instanceof FinalizerError && stale.step === "add", String(stale));
    assert.ok(stale.cause instanceof ApiError && stale.cause.code === 422, String(stale.cause));
    await upsert(`${ns.name}/a`, await get());
    assert.deepEqual((await get()).metadata.finalizers, [F]);

    // others' finalizers around ours; one goes while we clean up: our index is stale
    await client.patch(
      ConfigMaps,
      "a",
      [
        { op: "test", path: "/metadata/finalizers", value: [F] },
        {
          op: "replace",
          path: "/metadata/finalizers",
          value: ["test.kubeloop.dev/a", F, "test.kubeloop.dev/b"],
        },
      ],
      { type: "json", namespace: ns.name },
    );
    await client.delete(ConfigMaps, "a", { namespace: ns.name });
    const deleting = await get();
    assert.ok(deleting.metadata.deletionTimestamp);
    await client.patch(ConfigMaps, "a", [{ op: "remove", path: "/metadata/finalizers/0" }], {
      type: "json",
      namespace: ns.name,
    });
    await assert.rejects(
      async () => upsert(`${ns.name}/a`, deleting),
      (e: unknown) => e instanceof FinalizerError && e.step === "remove",
    );
    assert.deepEqual(
      (await get()).metadata.finalizers,
      [F, "test.kubeloop.dev/b"],
      "nobody else's finalizer removed",
    );
    await upsert(`${ns.name}/a`, await get());
    assert.deepEqual((await get()).metadata.finalizers, ["test.kubeloop.dev/b"]);
    assert.deepEqual(cleaned, ["a", "a"]);
    await client.patch(
      ConfigMaps,
      "a",
      { metadata: { finalizers: null } },
      { type: "merge", namespace: ns.name },
    );
    await waitFor(async () => {
      try {
        await get();
        return false;
      } catch (e) {
        return e instanceof ApiError && e.code === 404;
      }
    }, "ConfigMap gone");
  });

  it("EventRecorder: the server accepts the Event and its series update", async () => {
    const cm = await client.create(ConfigMaps, { metadata: { name: "ev", namespace: ns.name } });
    const logger = new MemoryLogger();
    const recorder = new EventRecorder({
      client,
      reportingController: "test.kubeloop.dev/ops",
      reportingInstance: `ops-${suffix()}`,
      logger,
    });
    for (let i = 0; i < 3; i++) {
      recorder.publish(cm, {
        type: "Normal",
        reason: "Synced",
        action: "Reconcile",
        note: "all good",
      });
    }
    await recorder.flush();
    recorder.publish(cm, {
      type: "Normal",
      reason: "Synced",
      action: "Reconcile",
      note: "all good",
    });
    await recorder.flush();
    assert.deepEqual(
      logger.records.filter((e) => e.level !== "debug"),
      [],
    );
    const events = (await client.list(EventsV1, { namespace: ns.name })).items.filter(
      (e) => e.regarding?.name === "ev",
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]!.series?.count, 4);
    assert.equal(events[0]!.regarding?.uid, cm.metadata.uid);
    assert.equal(recorder.stats().failed, 0);
  });

  it("applyStatus: server-side apply on the status subresource of a custom resource", async () => {
    const group = `s${suffix()}.kubeloop.dev`;
    const crdName = `gadgets.${group}`;
    await client.create(CustomResourceDefinitions, {
      metadata: { name: crdName },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: { type: "object", properties: { size: { type: "integer" } } },
                  status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                },
              },
            },
          },
        ],
      },
    } as never);
    try {
      const Gadgets: ResourceType<
        KubernetesObject & { spec?: { size?: number }; status?: Record<string, unknown> }
      > = defineResource({
        group,
        version: "v1",
        kind: "Gadget",
        plural: "gadgets",
        namespaced: true,
        schema: z.looseObject({
          apiVersion: z.string().optional(),
          kind: z.string().optional(),
          metadata: ObjectMetaSchema,
          spec: z.looseObject({ size: z.number().optional() }).optional(),
          status: z.record(z.string(), z.unknown()).optional(),
        }) as never,
      });
      const g = await waitFor(
        () =>
          client.create(Gadgets, {
            metadata: { name: "g", namespace: ns.name },
            spec: { size: 2 },
          }),
        "the CRD serving",
      );
      const { conditions } = setCondition(
        undefined,
        { type: "Ready", status: "True", reason: "Up" },
        Date.now(),
      );
      const status = { observedGeneration: g.metadata.generation, conditions };
      const written = await applyStatus(client, Gadgets, g, status, {
        fieldManager: "gadget-status",
      });
      assert.deepEqual(written.status, status);
      assert.deepEqual(written.spec, { size: 2 });
      assert.equal(written.metadata.generation, g.metadata.generation);
      const full = await client.get(Gadgets, "g", { namespace: ns.name });
      const managers = (full.metadata.managedFields ?? []).map((m) => [m.manager, m.operation]);
      assert.ok(
        managers.some(([m, op]) => m === "gadget-status" && op === "Apply"),
        JSON.stringify(managers),
      );
    } finally {
      await client.delete(CustomResourceDefinitions, crdName);
    }
  });
});
