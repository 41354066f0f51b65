// Layer 1 (ManagedProcess) and the runtime's process host, with `sh` and `sleep` instead of
// etcd: readiness, early exit with the log tail, the start deadline, SIGTERM then SIGKILL,
// scratch cleanup. Deadlines run on a FakeClock.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  loadProcessHost,
  ManagedProcess,
  type ProcessHost,
  ProcessStartError,
} from "../../src/envtest/mod.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { until } from "./support.ts";

/** Advance a FakeClock step by step until `done` settles. */
async function drive(clock: FakeClock, done: Promise<unknown>, stepMs: number): Promise<void> {
  let settled = false;
  void done.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < 400 && !settled; i++) {
    await new Promise((r) => setTimeout(r, 5));
    await clock.advance(stepMs);
  }
}

async function withHost<T>(fn: (host: ProcessHost) => Promise<T>): Promise<T> {
  return fn(await loadProcessHost());
}

describe("envtest process layer", () => {
  const made: ManagedProcess[] = [];
  after(async () => {
    await Promise.all(made.map((p) => p.cleanup().catch(() => {})));
  });

  it("starts, waits for readiness, stops with SIGTERM and removes its scratch directory", () =>
    withHost(async (host) => {
      let marker = "";
      const proc: ManagedProcess = new ManagedProcess(host, {
        name: "sleeper",
        command: "sh",
        args: ["-c", "echo started > ready.txt; echo hello; exec sleep 60"],
        ready: async (): Promise<boolean> => {
          marker = await host.readTextFile(`${proc.dir}/ready.txt`).catch(() => "");
          return marker.trim() === "started";
        },
      });
      made.push(proc); // removed after the suite even if the test fails
      await proc.start();
      const pid = proc.pid!;
      const dir = proc.dir!;
      assert.ok(host.processExists(pid));
      assert.match(await proc.logTail(), /hello/);
      await proc.stop();
      await proc.stop(); // idempotent
      assert.equal(proc.running, false);
      assert.equal(host.processExists(pid), false);
      assert.equal(await host.exists(dir), true, "stop keeps the directory");
      await proc.cleanup();
      assert.equal(await host.exists(dir), false);
    }));

  it("reports an early exit with its exit code and the end of its output", () =>
    withHost(async (host) => {
      const proc = new ManagedProcess(host, {
        name: "crasher",
        command: "sh",
        args: ["-c", "echo line-one; echo 'fatal: bad flag' >&2; exit 3"],
        ready: async () => false,
      });
      made.push(proc); // removed after the suite even if the test fails
      const err = await proc.start().then(
        () => assert.fail("expected ProcessStartError"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ProcessStartError);
      assert.equal(err.process, "crasher");
      assert.equal(err.exit?.code, 3);
      assert.match(err.message, /crasher exited \(code 3\) before it was ready/);
      assert.match(err.logTail, /fatal: bad flag/);
      assert.match(err.message, /line-one/);
      await proc.cleanup();
      assert.equal(proc.dir, undefined);
    }));

  it("a missing executable is a ProcessStartError", () =>
    withHost(async (host) => {
      const proc = new ManagedProcess(host, {
        name: "ghost",
        command: "/nonexistent/kubeloop-envtest-binary",
        args: [],
        ready: async () => true,
      });
      made.push(proc); // removed after the suite even if the test fails
      await assert.rejects(
        proc.start(),
        (e: unknown) => e instanceof ProcessStartError && /could not be started/.test(e.message),
      );
      await proc.cleanup();
    }));

  it("gives up at the start deadline and leaves nothing running", () =>
    withHost(async (host) => {
      const clock = new FakeClock(0);
      const proc = new ManagedProcess(
        host,
        {
          name: "never-ready",
          command: "sh",
          args: ["-c", "echo waiting; exec sleep 60"],
          ready: async () => false,
        },
        { clock, startTimeoutMs: 5_000, stopTimeoutMs: 10_000, pollIntervalMs: 100 },
      );
      made.push(proc); // removed after the suite even if the test fails
      const started = proc.start();
      await until("the process runs", () => proc.pid !== undefined);
      const pid = proc.pid!;
      await drive(clock, started, 500);
      const err = await started.then(
        () => assert.fail("expected ProcessStartError"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ProcessStartError);
      assert.match(err.message, /never-ready was not ready after 5 s/);
      assert.match(err.logTail, /waiting/);
      await until("the process is gone", () => !host.processExists(pid));
      await proc.cleanup();
    }));

  it("sends SIGKILL when SIGTERM is ignored, after the stop timeout", () =>
    withHost(async (host) => {
      const clock = new FakeClock(0);
      const proc: ManagedProcess = new ManagedProcess(
        host,
        {
          name: "stubborn",
          command: "sh",
          // survives SIGTERM: the trap notes it and the loop goes on
          args: [
            "-c",
            "trap 'echo term > term.txt' TERM; echo up > up.txt; while :; do sleep 1; done",
          ],
          ready: (): Promise<boolean> => host.exists(`${proc.dir}/up.txt`),
        },
        { clock, stopTimeoutMs: 20_000, pollIntervalMs: 100 },
      );
      made.push(proc); // removed after the suite even if the test fails
      const started = proc.start();
      await drive(clock, started, 100);
      await started;
      const pid = proc.pid!;
      const stopped = proc.stop();
      // Still alive after SIGTERM has reached it ...
      await until("SIGTERM reached the process", () => host.exists(`${proc.dir}/term.txt`));
      assert.ok(host.processExists(pid), "SIGTERM was survived");
      // ... and gone once the fake clock passes the stop timeout.
      await clock.advance(20_000);
      await stopped;
      await until("SIGKILL took effect", () => !host.processExists(pid));
      await proc.cleanup();
    }));
});

describe("envtest process host", () => {
  it("hands out distinct free ports and private temporary directories", () =>
    withHost(async (host) => {
      const ports = await host.freePorts(3);
      assert.equal(new Set(ports).size, 3);
      for (const p of ports) assert.ok(p > 0 && p < 65536);
      const dir = await host.makeTempDir("kubeloop-envtest-host-");
      await host.writeFile(`${dir}/secret`, "x", { mode: 0o600 });
      assert.equal(await host.readTextFile(`${dir}/secret`), "x");
      await host.removeDir(dir);
      assert.equal(await host.exists(dir), false);
      await host.removeDir(dir); // a missing directory is fine
    }));

  it("onExit hooks can be unregistered", () =>
    withHost(async (host) => {
      let ran = false;
      const unregister = host.onExit(() => {
        ran = true;
      });
      unregister();
      assert.equal(ran, false);
    }));
});
