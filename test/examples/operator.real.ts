// The Website operator (examples/operator) against a real API server: the CRD
// installs, the operator leads, applies its children with owner references,
// registers the host, writes status by server-side apply and Events the
// server accepts, serves /metrics, and on delete runs its finalizer's cleanup
// once. A lone API server has no Deployment controller (so the test reports
// availability as one would) and no garbage collector (the namespace cleanup
// removes the children).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  FINALIZER,
  isReconciled,
  REPORTING_CONTROLLER,
  websiteOperator,
} from "../../examples/operator/operator.ts";
import { FakeRegistry } from "../../examples/operator/registry.ts";
import { type Website, Websites, websiteCrd } from "../../examples/operator/website.ts";
import type { KubeClient } from "../../src/client/client.ts";
import { isConflict, isNotFound } from "../../src/client/errors.ts";
import { CustomResourceDefinitions } from "../../src/resources/apiextensions.ts";
import { Deployments } from "../../src/resources/apps.ts";
import { ConfigMaps, Services } from "../../src/resources/core.ts";
import { EventsV1 } from "../../src/resources/events.ts";
import { findCondition } from "../../src/status/conditions.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { parsePrometheus, value } from "../metrics/prometheus.ts";
import { realClient, suffix, testNamespace, waitFor } from "../real/support.ts";

describe("examples/operator on a real API server", () => {
  let client: KubeClient;
  let ns: { name: string; remove(): Promise<void> };
  let createdCrd = false;

  before(async () => {
    client = await realClient();
    try {
      await client.create(CustomResourceDefinitions, websiteCrd);
      createdCrd = true;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    // Start the operator only once the CRD is established: a watch opened while the server is still
    // swapping a new CRD's storage can stay silent until it tears the old storage down (up to a minute).
    await waitFor(async () => {
      const crd = await client.get(CustomResourceDefinitions, websiteCrd.metadata.name!);
      return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    }, "the Website CRD established");
    ns = await testNamespace(client, "website");
    await waitFor(() => client.list(Websites, { namespace: ns.name }), "the Website CRD serving");
  });

  after(async () => {
    if (ns) {
      // A Website left with our finalizer (a failed run) would hold up the CRD's deletion forever.
      for (const w of (await client.list(Websites, { namespace: ns.name })).items) {
        await client.patch(
          Websites,
          w.metadata.name!,
          { metadata: { finalizers: null } },
          {
            type: "merge",
            namespace: ns.name,
          },
        );
      }
      // Services have no delete-collection: delete them one by one.
      for (const s of (await client.list(Services, { namespace: ns.name })).items) {
        await client.delete(Services, s.metadata.name!, { namespace: ns.name });
      }
    }
    await ns?.remove();
    if (createdCrd) await client.delete(CustomResourceDefinitions, websiteCrd.metadata.name!);
  });

  it("converges, reports, and cleans up through its finalizer", async () => {
    const registry = new FakeRegistry();
    const logger = new MemoryLogger();
    const cleanups: string[] = [];
    const { manager, recorder } = websiteOperator({
      client,
      registry,
      identity: `op-${suffix()}`,
      namespace: ns.name,
      leaseNamespace: ns.name,
      logger,
      onReconcile: (key, outcome) => {
        if (outcome === "cleanup") cleanups.push(key);
      },
    });
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    const get = () => client.get(Websites, "shop", { namespace: ns.name });
    try {
      await waitFor(
        () =>
          client.create(Websites, {
            metadata: { name: "shop", namespace: ns.name },
            spec: { host: "shop.example", content: "<h1>shop</h1>", replicas: 2 },
          } satisfies Website),
        "the Website CRD serving",
      );
      const site = await waitFor<Website>(
        async () => {
          const s = await get();
          return isReconciled(s) ? s : (undefined as unknown as Website);
        },
        `the Website reconciled; log: ${JSON.stringify(logger.records.filter((r) => r.level !== "debug").slice(-8))}`,
      );
      assert.deepEqual(site.metadata.finalizers, [FINALIZER]);
      assert.equal(site.status?.observedGeneration, site.metadata.generation);
      assert.equal(findCondition(site.status?.conditions, "Available")?.status, "False");
      for (const type of [ConfigMaps, Deployments, Services] as const) {
        const child = await client.get(type, "shop", { namespace: ns.name });
        const ref = child.metadata.ownerReferences?.[0];
        assert.equal(ref?.uid, site.metadata.uid, type.kind);
        assert.equal(ref?.controller, true);
        assert.equal(ref?.blockOwnerDeletion, true);
      }
      assert.equal(registry.entries.get("shop.example"), `shop.${ns.name}.svc`);

      // No Deployment controller on a lone API server: report availability as it would.
      const dep = await client.get(Deployments, "shop", { namespace: ns.name });
      await client.replaceStatus(Deployments, {
        ...dep,
        status: { replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 },
      });
      await waitFor(
        async () => findCondition((await get()).status?.conditions, "Available")?.status === "True",
        "Available after the Deployment reported",
      );

      // The status manager owns the status; the spec stays the user's.
      const full = await get();
      const managers = (full.metadata.managedFields ?? []).map(
        (m) => `${m.manager}/${m.operation}`,
      );
      assert.ok(managers.includes("website-operator-status/Apply"), managers.join(", "));

      await recorder.flush();
      const reasons = (await client.list(EventsV1, { namespace: ns.name })).items
        .filter((e) => e.reportingController === REPORTING_CONTROLLER)
        .map((e) => e.reason);
      for (const r of ["Provisioned", "Registered", "Available"]) {
        assert.ok(reasons.includes(r), `${r} in ${reasons.join(", ")}`);
      }

      const m = parsePrometheus(
        await manager.probe(new Request("http://localhost/metrics")).text(),
      );
      assert.equal(value(m, "leader_election_master_status", { name: "website-operator" }), 1);
      assert.ok(
        (value(m, "controller_runtime_reconcile_total", {
          controller: "websites",
          result: "success",
        }) ?? 0) >= 2,
      );

      await client.delete(Websites, "shop", { namespace: ns.name });
      await waitFor(async () => {
        try {
          await get();
          return false;
        } catch (err) {
          return isNotFound(err);
        }
      }, "the Website gone");
      assert.deepEqual(cleanups, [`${ns.name}/shop`]);
      assert.deepEqual(
        registry.calls.filter((c) => c.startsWith("unregister")),
        ["unregister shop.example"],
      );
      assert.deepEqual(
        logger.records.filter((r) => r.level === "error").map((r) => r.msg),
        [],
      );
    } finally {
      stop.abort();
      await running;
    }
  });
});
