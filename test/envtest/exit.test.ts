// A test process that ends without calling stop() (it exits, or gets SIGTERM) still leaves no
// etcd, no kube-apiserver and no temporary directory behind: the exit hooks of kubeloop/envtest.
// The child runs on the same runtime as this test (Node + tsx, Deno or Bun), with stand-in
// binaries (test/envtest/support.ts), so this runs on every machine.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { loadProcessHost } from "../../src/envtest/mod.ts";
import { until, writeStandIns } from "./support.ts";

const childScript = new URL("./child/cluster-child.ts", import.meta.url).pathname;
let assets: string;

before(async () => {
  assets = await mkdtemp(join(tmpdir(), "kubeloop-envtest-standins-"));
  await writeStandIns(assets);
});

after(async () => {
  await rm(assets, { recursive: true, force: true });
});

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

/** Run the child until it reports its cluster ("signal": then send it SIGTERM). */
function runChild(
  mode: "exit" | "signal",
): Promise<{ report: ChildReport; exited: Promise<number | null> }> {
  const [cmd, args] = childCommand(mode);
  const child = spawn(cmd, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KUBEBUILDER_ASSETS: assets, KUBELOOP_ENVTEST_KUBECONFIG: "" },
  });
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
      if (!line) return;
      resolve({ report: JSON.parse(line) as ChildReport, exited });
      if (mode === "signal") child.kill("SIGTERM");
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

describe("envtest cleanup when the test process ends without stop()", () => {
  it("on process exit", { timeout: 60_000 }, async () => {
    const { report, exited } = await runChild("exit");
    assert.equal(await exited, 0);
    await assertCleanedUp(report);
  });

  it("on SIGTERM", { timeout: 60_000 }, async () => {
    const { report, exited } = await runChild("signal");
    await exited;
    await assertCleanedUp(report);
  });
});
