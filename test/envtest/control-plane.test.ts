// Layer 2 with stand-in binaries (no etcd or kube-apiserver needed, runs everywhere): a
// kube-apiserver that fails after etcd started leaves nothing running and no directory behind,
// and the error carries the end of its log.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ControlPlane, loadProcessHost, ProcessStartError } from "../../src/envtest/mod.ts";
import { loadRuntime } from "../../src/mod.ts";
import { writeStandIns } from "./support.ts";

let bin: string;

before(async () => {
  bin = await mkdtemp(join(tmpdir(), "kubeloop-envtest-fakebin-"));
  await writeStandIns(bin, "fail");
});

after(async () => {
  await rm(bin, { recursive: true, force: true });
});

describe("envtest control plane", () => {
  it("stops etcd and removes both directories when kube-apiserver fails to start", async () => {
    const host = await loadProcessHost();
    const scratch = await mkdtemp(join(tmpdir(), "kubeloop-envtest-plane-"));
    const plane = new ControlPlane(host, await loadRuntime(), {
      tempParent: scratch,
      binaries: { etcd: join(bin, "etcd"), kubeApiserver: join(bin, "kube-apiserver") },
      users: [{ name: "admin", token: "t", groups: ["system:masters"] }],
      startTimeoutMs: 30_000,
    });
    let etcdPid: number | undefined;
    let dirs: string[] = [];
    const original = plane.etcd.start.bind(plane.etcd);
    plane.etcd.start = async () => {
      await original();
      etcdPid = plane.etcd.pid;
      dirs = plane.dirs;
    };
    const err = await plane.start().then(
      () => assert.fail("expected ProcessStartError"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ProcessStartError, String(err));
    assert.equal(err.process, "kube-apiserver");
    assert.match(err.message, /exited \(code 1\)/);
    assert.match(err.logTail, /unknown flag: --made-up/);

    assert.ok(etcdPid, "etcd had started");
    assert.equal(host.processExists(etcdPid), false, "etcd was stopped");
    assert.equal(dirs.length, 1);
    for (const d of dirs) assert.equal(await host.exists(d), false, `${d} was removed`);
    assert.deepEqual(plane.pids, []);
    assert.deepEqual(plane.dirs, []);
    assert.deepEqual(await readdir(scratch), [], "kube-apiserver's directory was removed too");
    await plane.stop(); // nothing left to do
    await rm(scratch, { recursive: true, force: true });
  });
});
