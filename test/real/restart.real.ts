// An API server restart with etcd's data kept, on a cluster of this test's own (kubeloop/envtest):
// the informer, cut off meanwhile, comes back to a server whose watch cache starts after its
// resourceVersion, gets 410 Expired, relists (a consistent, paged list) and delivers what changed
// while it was away: deletions as deletes with their last known state.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createInformer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import { startTestCluster, type TestCluster } from "../../src/envtest/mod.ts";
import { type ConfigMap, ConfigMaps, Namespaces } from "../../src/resources/core.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { TcpProxy, waitFor } from "./support.ts";

describe("informer across an API server restart (own cluster, etcd data kept)", () => {
  let cluster: TestCluster;
  let proxy: TcpProxy;

  before(async () => {
    cluster = await startTestCluster({ existingCluster: false }); // needs its own control plane
    proxy = await TcpProxy.start(cluster.admin);
  });

  after(async () => {
    await proxy?.close();
    await cluster?.stop();
  });

  it("410 → paged consistent relist → deletions made while it was cut off delivered as deletes with their last state", {
    timeout: 120_000,
  }, async () => {
    const admin = new KubeClient({ ...cluster.admin, timeoutMs: 30_000 });
    const ns = "restart";
    await admin.create(Namespaces, { metadata: { name: ns } });
    for (let i = 0; i < 27; i++) {
      await admin.create(ConfigMaps, {
        metadata: { name: `cm-${String(i).padStart(2, "0")}`, namespace: ns },
        data: { v: "1" },
      });
    }
    const client = new KubeClient({ ...proxy.configFor(cluster.admin), timeoutMs: 30_000 });
    const logger = new MemoryLogger();
    const informer = createInformer(client, ConfigMaps, {
      namespace: ns,
      pageSize: 10,
      logger,
      backoff: { initialMs: 200, maxMs: 1_000 },
    });
    const deletes: { name: string; finalStateUnknown: boolean; v: string | undefined }[] = [];
    const adds: string[] = [];
    const updates: string[] = [];
    informer.addEventHandler({
      onAdd: (o) => adds.push(o.metadata.name!),
      onUpdate: (_old, o) => updates.push(o.metadata.name!),
      onDelete: (o, info) =>
        deletes.push({
          name: o.metadata.name!,
          finalStateUnknown: info.finalStateUnknown,
          v: o.data?.v,
        }),
    });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    try {
      assert.equal(await informer.waitForSync(AbortSignal.timeout(30_000)), true);
      assert.equal(informer.store.size, 27);
      await waitFor(() => proxy.count("watch") === 1, "the watch");
      const rvBefore = informer.lastSyncResourceVersion();

      // cut the informer off; delete objects before and after a restart of kube-apiserver (etcd
      // keeps its data). The new watch cache starts after the first deletions: too old for the
      // informer's resourceVersion.
      proxy.refuse();
      proxy.cut();
      for (const i of [3, 7, 11]) {
        await admin.delete(ConfigMaps, `cm-${String(i).padStart(2, "0")}`, { namespace: ns });
      }
      await cluster.controlPlane!.restartApiServer();
      for (const i of [19, 23]) {
        await admin.delete(ConfigMaps, `cm-${String(i).padStart(2, "0")}`, { namespace: ns });
      }
      await admin.create(ConfigMaps, {
        metadata: { name: "new-a", namespace: ns },
        data: { v: "1" },
      });
      const cm0 = await admin.get(ConfigMaps, "cm-00", { namespace: ns });
      await admin.replace(ConfigMaps, { ...cm0, data: { v: "2" } });
      const requestsBefore = proxy.requests.length;
      proxy.refuse(false);

      // the cache converges on the server's state
      const server = new Map(
        (await admin.listAll(ConfigMaps, { namespace: ns })).items.map((c) => [
          c.metadata.name!,
          c.metadata.resourceVersion,
        ]),
      );
      await waitFor(
        () =>
          informer.store.size === server.size &&
          [...server].every(
            ([name, rv]) =>
              (informer.store.get(`${ns}/${name}`) as ConfigMap | undefined)?.metadata
                .resourceVersion === rv,
          ),
        "the cache equal to the server",
        60_000,
      );
      const s = informer.stats();
      assert.ok(s.gone >= 1, "the resumed watch got 410 Expired");
      assert.equal(s.relists, 1);

      // the relist: a consistent read (resourceVersion ""), paged with continue tokens
      const after = proxy.requests.slice(requestsBefore);
      const watch = after.find((r) => r.verb === "watch")!;
      assert.equal(watch.query.get("resourceVersion"), rvBefore, "first it tried to resume");
      const lists = after.filter((r) => r.verb === "list");
      assert.equal(lists.length, 3, "23 objects in pages of 10");
      assert.equal(lists[0]!.query.get("resourceVersion"), "");
      assert.equal(lists[0]!.query.get("limit"), "10");
      for (const page of lists.slice(1)) {
        assert.ok(page.query.get("continue"), "the next pages carry continue");
        assert.equal(page.query.has("resourceVersion"), false, "and no resourceVersion");
      }

      // what changed while it was away, delivered
      assert.deepEqual(
        deletes.map((d) => [d.name, d.finalStateUnknown, d.v]).sort(),
        [
          ["cm-03", true, "1"],
          ["cm-07", true, "1"],
          ["cm-11", true, "1"],
          ["cm-19", true, "1"],
          ["cm-23", true, "1"],
        ],
        "deletes with their last known state",
      );
      assert.ok(adds.includes("new-a"));
      assert.ok(updates.includes("cm-00"));
      assert.equal(logger.find("info", "resource version expired (410); relisting").length, 1);
    } finally {
      ac.abort();
      await done;
    }
  });

  it("a restart the new watch cache still covers: the watch resumes, deletions arrive as DELETE events, no relist", {
    timeout: 120_000,
  }, async () => {
    const admin = new KubeClient({ ...cluster.admin, timeoutMs: 30_000 });
    const ns = "restart-covered";
    await admin.create(Namespaces, { metadata: { name: ns } });
    for (let i = 0; i < 5; i++) {
      await admin.create(ConfigMaps, {
        metadata: { name: `cm-${i}`, namespace: ns },
        data: { v: "1" },
      });
    }
    const p = await TcpProxy.start(cluster.admin);
    const client = new KubeClient({ ...p.configFor(cluster.admin), timeoutMs: 30_000 });
    const informer = createInformer(client, ConfigMaps, {
      namespace: ns,
      logger: new MemoryLogger(),
      backoff: { initialMs: 200, maxMs: 1_000 },
    });
    const deletes: [string, boolean][] = [];
    informer.addEventHandler({
      onDelete: (o, info) => deletes.push([o.metadata.name!, info.finalStateUnknown]),
    });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    try {
      await informer.waitForSync(AbortSignal.timeout(30_000));
      await waitFor(() => p.count("watch") === 1, "the watch");
      // nothing is written between the informer's resourceVersion and the restart
      p.refuse();
      p.cut();
      await cluster.controlPlane!.restartApiServer();
      await admin.delete(ConfigMaps, "cm-1", { namespace: ns });
      await admin.delete(ConfigMaps, "cm-4", { namespace: ns });
      p.refuse(false);
      await waitFor(() => informer.store.size === 3, "the deletions", 60_000);
      assert.deepEqual(deletes.sort(), [
        ["cm-1", false],
        ["cm-4", false],
      ]);
      assert.equal(informer.stats().relists, 0);
      assert.equal(informer.stats().gone, 0);
      assert.equal(p.count("list"), 1);
    } finally {
      ac.abort();
      await done;
      await p.close();
    }
  });
});
