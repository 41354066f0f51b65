// A test process that ends without calling stop() (it exits, or gets SIGTERM) still leaves no
// etcd, no kube-apiserver and no temporary directory behind: the exit hooks of kubeloop/envtest.
// The child runs on the same runtime as this test (Node + tsx, Deno or Bun).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { describe, it } from "node:test";
import { BinaryNotFoundError, loadProcessHost, startTestCluster } from "../../src/envtest/mod.ts";
import { binariesAvailable, envtestRequired, NOT_RUN_TITLE, until } from "./support.ts";

const available = await binariesAvailable();
/** Starting a cluster takes seconds (Bun's default timeout is 5 s). */
const slow = { timeout: 180_000 };
const childScript = new URL("./child/cluster-child.ts", import.meta.url).pathname;

function childCommand(mode: string): [string, string[]] {
  const g = globalThis as { Deno?: { execPath(): string }; Bun?: unknown };
  if (g.Deno) return [g.Deno.execPath(), ["run", "-A", "--no-check", childScript, mode]];
  if (g.Bun) return [process.execPath, [childScript, mode]];
  return [process.execPath, ["--import", "tsx", childScript, mode]];
}

interface ChildReport {
  pids: number[];
  dirs: string[];
}

/** Run the child until it reports its cluster; `then` decides how it ends. */
function runChild(
  mode: "exit" | "signal",
): Promise<{ report: ChildReport; exited: Promise<number | null> }> {
  const [cmd, args] = childCommand(mode);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (c) => {
    err += c;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null)));
  });
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (c) => {
      out += c;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ report: JSON.parse(line) as ChildReport, exited });
      if (line && mode === "signal") child.kill("SIGTERM");
    });
    void exited.then((code) => reject(new Error(`child exited (${code}) early:\n${out}\n${err}`)));
  });
}

async function assertCleanedUp(report: ChildReport): Promise<void> {
  const host = await loadProcessHost();
  assert.equal(report.pids.length, 2);
  assert.equal(report.dirs.length, 2);
  for (const pid of report.pids) {
    await until(`pid ${pid} is gone`, () => !host.processExists(pid));
  }
  for (const dir of report.dirs) assert.equal(await host.exists(dir), false, `${dir} is gone`);
}

if (!available.ok && !envtestRequired) {
  it(`${NOT_RUN_TITLE} (exit hooks)`, async () => {
    await assert.rejects(startTestCluster({ existingCluster: false }), BinaryNotFoundError);
  });
} else {
  describe("envtest cleanup when the test process ends without stop()", () => {
    it("on process exit", slow, async () => {
      if (!available.ok) throw available.error;
      const { report, exited } = await runChild("exit");
      assert.equal(await exited, 0);
      await assertCleanedUp(report);
    });

    it("on SIGTERM", slow, async () => {
      if (!available.ok) throw available.error;
      const { report, exited } = await runChild("signal");
      await exited;
      await assertCleanedUp(report);
    });
  });
}
