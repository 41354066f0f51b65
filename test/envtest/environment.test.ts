// Layer 3 (startTestCluster) with stand-in binaries: runs on every machine. The real binaries
// are exercised by cluster.test.ts.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseKubeconfig } from "../../src/client/kubeconfig.ts";
import {
  ENVTEST_ENV,
  ExistingClusterError,
  loadProcessHost,
  startTestCluster,
  type TestCluster,
} from "../../src/envtest/mod.ts";
import { writeStandIns } from "./support.ts";

let assets: string;
let scratch: string;

before(async () => {
  assets = await mkdtemp(join(tmpdir(), "kubeloop-envtest-standins-"));
  scratch = await mkdtemp(join(tmpdir(), "kubeloop-envtest-scratch-"));
  await writeStandIns(assets);
});

after(async () => {
  await rm(assets, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

const envWith =
  (vars: Record<string, string>) =>
  (name: string): string | undefined =>
    vars[name];

describe("envtest startTestCluster (stand-in binaries)", () => {
  let cluster: TestCluster;

  after(() => cluster?.stop());

  it("finds the binaries through KUBEBUILDER_ASSETS and starts both", {
    timeout: 60_000,
  }, async () => {
    cluster = await startTestCluster({
      env: envWith({ KUBEBUILDER_ASSETS: assets, PATH: "" }),
      tempDir: scratch,
    });
    assert.equal(cluster.binaries?.etcd.source, "KUBEBUILDER_ASSETS");
    assert.equal(cluster.binaries?.kubeApiserver.path, join(assets, "kube-apiserver"));
    assert.equal(cluster.version.gitVersion, "v1.20.99-standin");
    assert.match(cluster.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(cluster.controlPlane?.pids.length, 2);
    assert.deepEqual(
      (cluster.controlPlane?.dirs ?? []).map((d) => d.startsWith(scratch)),
      [true, true],
      "temporary directories go under options.tempDir",
    );
  });

  it("gives each user its own token, and redacts them", () => {
    assert.ok(cluster.admin.token && cluster.unprivileged.token);
    assert.notEqual(cluster.admin.token, cluster.unprivileged.token);
    assert.equal(cluster.admin.server, cluster.unprivileged.server);
    assert.ok(cluster.admin.caCertificate?.startsWith("-----BEGIN CERTIFICATE-----"));
    assert.ok(!JSON.stringify(cluster.admin).includes(cluster.admin.token));
    assert.ok(!String(cluster.unprivileged).includes(cluster.unprivileged.token));
  });

  it("writes private kubeconfigs that name the server, the CA and each user's token", async () => {
    const paths = await cluster.writeKubeconfigs(scratch);
    for (const [user, path] of Object.entries(paths)) {
      assert.equal((await stat(path)).mode & 0o777, 0o600, `${user} kubeconfig is 0600`);
    }
    const kc = await parseKubeconfig(await readFile(paths.unprivileged, "utf8"));
    assert.equal(kc.clusters?.[0]?.cluster?.server, cluster.server);
    assert.equal(kc.users?.[0]?.user?.token, cluster.unprivileged.token);
    assert.equal(kc.users?.[0]?.name, "kubeloop-envtest-unprivileged");
    assert.equal(cluster.kubeconfig(), cluster.kubeconfig("admin"));
    assert.ok(cluster.kubeconfig("admin").includes(cluster.admin.token!));
  });

  it("restarts kube-apiserver on the same port with the same CA", { timeout: 60_000 }, async () => {
    const plane = cluster.controlPlane!;
    const before = {
      pid: plane.apiServer.pid,
      url: plane.apiServer.url,
      ca: plane.apiServer.caCertificate,
    };
    const etcdPid = plane.etcd.pid;
    await plane.restartApiServer();
    assert.notEqual(plane.apiServer.pid, before.pid);
    assert.equal(plane.apiServer.url, before.url);
    assert.equal(plane.apiServer.caCertificate, before.ca);
    assert.equal(plane.etcd.pid, etcdPid, "etcd kept running");
    await plane.stopEtcd();
    assert.equal(plane.etcd.running, false);
    await plane.startEtcd();
    assert.equal(plane.etcd.url.startsWith("http://127.0.0.1:"), true);
  });

  it("stop() removes everything and can be called again", { timeout: 60_000 }, async () => {
    const host = await loadProcessHost();
    const pids = cluster.controlPlane!.pids;
    const dirs = cluster.controlPlane!.dirs;
    await Promise.all([cluster.stop(), cluster.stop()]);
    await cluster.stop();
    for (const pid of pids) assert.equal(host.processExists(pid), false);
    for (const dir of dirs) assert.equal(await host.exists(dir), false);
    await assert.rejects(cluster.controlPlane!.start(), /has been stopped/);
  });
});

describe("envtest existing-cluster switch", () => {
  it("uses the cluster named by KUBELOOP_ENVTEST_KUBECONFIG and starts nothing", {
    timeout: 60_000,
  }, async () => {
    // The "existing" cluster is itself a stand-in started by envtest.
    const underlying = await startTestCluster({
      env: envWith({ KUBEBUILDER_ASSETS: assets, PATH: "" }),
      tempDir: scratch,
    });
    try {
      const paths = await underlying.writeKubeconfigs(scratch);
      const existing = await startTestCluster({
        env: envWith({ [ENVTEST_ENV.kubeconfig]: paths.admin, PATH: "" }),
      });
      assert.equal(existing.existing, true);
      assert.equal(existing.controlPlane, undefined);
      assert.equal(existing.server, underlying.server);
      assert.equal(existing.version.gitVersion, "v1.20.99-standin");
      // Without an unprivileged kubeconfig: the admin impersonates a user without bindings.
      assert.equal(
        existing.unprivileged.headers?.["Impersonate-User"],
        "kubeloop-envtest-unprivileged",
      );
      assert.throws(() => existing.kubeconfig("unprivileged"), ExistingClusterError);
      await existing.stop();
      assert.equal(
        underlying.controlPlane?.pids.length,
        2,
        "stop() left the existing cluster alone",
      );

      const both = await startTestCluster({
        env: envWith({
          [ENVTEST_ENV.kubeconfig]: paths.admin,
          [ENVTEST_ENV.kubeconfigUnprivileged]: paths.unprivileged,
        }),
      });
      assert.equal(both.unprivileged.token, underlying.unprivileged.token);
      assert.equal(both.kubeconfig("unprivileged"), await readFile(paths.unprivileged, "utf8"));
    } finally {
      await underlying.stop();
    }
  });
});
