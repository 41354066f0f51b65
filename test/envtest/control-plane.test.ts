// Layer 2 with stand-in binaries (no etcd or kube-apiserver needed, runs everywhere): a
// kube-apiserver that fails after etcd started leaves nothing running and no directory behind,
// and the error carries the end of its log.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ControlPlane, Etcd, loadProcessHost, ProcessStartError } from "../../src/envtest/mod.ts";
import { loadRuntime } from "../../src/mod.ts";
import { writeStandIns } from "./support.ts";

let bin: string;
let okBin: string;

before(async () => {
  bin = await mkdtemp(join(tmpdir(), "kubeloop-envtest-fakebin-"));
  await writeStandIns(bin, "fail");
  okBin = await mkdtemp(join(tmpdir(), "kubeloop-envtest-okbin-"));
  await writeStandIns(okBin, "ok");
});

after(async () => {
  await rm(bin, { recursive: true, force: true });
  await rm(okBin, { recursive: true, force: true });
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

  it("picks other ports when a port it chose was taken before etcd could bind it", async () => {
    const host = await loadProcessHost();
    // Someone else listens on the first port envtest picks (and hangs up on every connection).
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", () => r()));
    const taken = (squatter.address() as { port: number }).port;
    let calls = 0;
    const racyHost = {
      ...host,
      freePorts: async (count: number): Promise<number[]> => {
        calls++;
        const ports = await host.freePorts(count);
        return calls === 1 ? [taken, ...ports.slice(1)] : ports;
      },
    };
    const etcd = new Etcd(racyHost, { binary: join(okBin, "etcd"), startTimeoutMs: 30_000 });
    try {
      await etcd.start();
      assert.equal(calls, 2, "a second pair of ports was picked");
      assert.notEqual(new URL(etcd.url).port, String(taken));
      assert.match(await etcd.logTail(100), /address already in use/i);
    } finally {
      await etcd.cleanup();
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });
});
