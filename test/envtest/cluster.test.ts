// A real cluster through kubeloop/envtest: use it as both users, restart the API server with
// etcd's data kept, stop, and check that nothing is left behind. Without binaries (and without
// KUBELOOP_ENVTEST_REQUIRED=1) a NOT RUN test says so and checks the error instead.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadKubeconfigFile } from "../../src/client/kubeconfig.ts";
import {
  BinaryNotFoundError,
  loadProcessHost,
  startTestCluster,
  type TestCluster,
} from "../../src/envtest/mod.ts";
import { ApiError, ConfigMaps, KubeClient } from "../../src/mod.ts";
import { binariesAvailable, envtestRequired, NOT_RUN_TITLE } from "./support.ts";

const available = await binariesAvailable();
/** Starting a cluster takes seconds (Bun's default timeout is 5 s). */
const slow = { timeout: 180_000 };

if (!available.ok && !envtestRequired) {
  it(NOT_RUN_TITLE, async () => {
    console.log(`envtest: cluster tests NOT RUN on this machine:\n${available.error.message}`);
    await assert.rejects(startTestCluster({ existingCluster: false }), BinaryNotFoundError);
  });
} else {
  describe("envtest cluster (real etcd + kube-apiserver)", () => {
    let cluster: TestCluster;
    let scratch: string;

    // Started in the first test, not in a before() hook: Bun ignores hook timeouts (5 s).
    it("starts on 127.0.0.1 and reports the server version", slow, async () => {
      if (!available.ok) throw available.error; // KUBELOOP_ENVTEST_REQUIRED=1: fail loudly
      cluster = await startTestCluster({ existingCluster: false });
      scratch = await mkdtemp(join(tmpdir(), "kubeloop-envtest-test-"));
      assert.match(cluster.server, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(cluster.version.gitVersion, /^v1\.\d+\.\d+/);
      assert.equal(cluster.existing, false);
      assert.equal(cluster.controlPlane?.pids.length, 2);
      assert.equal(cluster.controlPlane?.dirs.length, 2);
    });

    after(async () => {
      await cluster?.stop();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it("the admin creates, lists and watches a ConfigMap", async () => {
      const client = new KubeClient(cluster.admin);
      const created = await client.create(ConfigMaps, {
        metadata: { name: "first", namespace: "default" },
        data: { k: "1" },
      });
      assert.ok(created.metadata.uid);
      const list = await client.list(ConfigMaps, { namespace: "default" });
      assert.deepEqual(
        list.items.map((c) => c.metadata.name),
        ["first"],
      );
      const ac = new AbortController();
      const events = client.watch(ConfigMaps, {
        namespace: "default",
        resourceVersion: list.metadata.resourceVersion,
        signal: ac.signal,
      });
      const iterator = events[Symbol.asyncIterator]();
      const next = iterator.next();
      await client.create(ConfigMaps, { metadata: { name: "second", namespace: "default" } });
      const ev = await next;
      assert.equal(ev.done, false);
      const event = ev.value!;
      assert.ok(event.type === "ADDED", `got ${event.type}`);
      assert.equal(event.object.metadata.name, "second");
      ac.abort();
      await iterator.return?.();
    });

    it("the unprivileged user gets 403 Forbidden", async () => {
      const client = new KubeClient(cluster.unprivileged);
      await assert.rejects(
        client.list(ConfigMaps, { namespace: "default" }),
        (e: unknown) => e instanceof ApiError && e.code === 403 && e.reason === "Forbidden",
      );
    });

    it("writes kubeconfigs that load and authenticate as each user", async () => {
      const paths = await cluster.writeKubeconfigs(scratch);
      const admin = new KubeClient(await loadKubeconfigFile(paths.admin));
      assert.ok((await admin.get(ConfigMaps, "first", { namespace: "default" })).metadata.uid);
      const unpriv = new KubeClient(await loadKubeconfigFile(paths.unprivileged));
      await assert.rejects(
        unpriv.get(ConfigMaps, "first", { namespace: "default" }),
        (e: unknown) => e instanceof ApiError && e.code === 403,
      );
      assert.doesNotMatch(JSON.stringify(cluster.admin), /token":"[0-9a-f]{48}/);
    });

    it(
      "restarts the API server with etcd's data kept: objects survive, old versions get 410",
      slow,
      async () => {
        const client = new KubeClient(cluster.admin);
        const before = await client.get(ConfigMaps, "first", { namespace: "default" });
        const apiPidBefore = cluster.controlPlane!.apiServer.pid;
        await cluster.controlPlane!.restartApiServer();
        assert.notEqual(cluster.controlPlane!.apiServer.pid, apiPidBefore);
        const afterRestart = await client.get(ConfigMaps, "first", { namespace: "default" });
        assert.equal(afterRestart.metadata.uid, before.metadata.uid);
        assert.deepEqual(afterRestart.data, { k: "1" });
        // The new watch cache starts at etcd's current revision: the old version is too old.
        const ac = new AbortController();
        let first: { type: string; code?: number | undefined } | undefined;
        for await (const ev of client.watch(ConfigMaps, {
          namespace: "default",
          resourceVersion: before.metadata.resourceVersion,
          signal: ac.signal,
        })) {
          first = ev.type === "ERROR" ? { type: ev.type, code: ev.object.code } : { type: ev.type };
          break;
        }
        ac.abort();
        assert.deepEqual(first, { type: "ERROR", code: 410 });
      },
    );

    it("stop() kills exactly its processes and removes its directories, once", slow, async () => {
      const host = await loadProcessHost();
      const pids = cluster.controlPlane!.pids;
      const dirs = cluster.controlPlane!.dirs;
      assert.equal(pids.length, 2);
      for (const pid of pids) assert.ok(host.processExists(pid));
      await cluster.stop();
      await cluster.stop();
      for (const pid of pids) assert.equal(host.processExists(pid), false, `pid ${pid} is gone`);
      for (const dir of dirs) assert.equal(await host.exists(dir), false, `${dir} is gone`);
      assert.deepEqual(cluster.controlPlane!.pids, []);
    });
  });
}
