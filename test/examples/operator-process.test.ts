// examples/operator/main.ts as its own process on this runtime (Node, Deno or
// Bun) against the fake API server over HTTP: it installs the CRD, leads,
// reconciles a Website, serves /metrics and /readyz, runs its finalizer on
// delete, and stops cleanly on SIGTERM.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { FINALIZER, isReconciled } from "../../examples/operator/operator.ts";
import { type Website, Websites } from "../../examples/operator/website.ts";
import { detectRuntime } from "../../src/mod.ts";
import { Deployments } from "../../src/resources/apps.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";
import { parsePrometheus, value } from "../metrics/prometheus.ts";

const root = new URL("../..", import.meta.url).pathname;
const runtime = detectRuntime();
const command: Record<string, string[]> = {
  node: ["--import", "tsx", "examples/operator/main.ts"],
  deno: ["run", "-A", "--no-check", "examples/operator/main.ts"],
  bun: ["examples/operator/main.ts"],
};

async function waitFor<T>(
  what: string,
  f: () => T | undefined | false,
  out: () => string,
): Promise<T> {
  // Process start-up (tsx compiling, Deno resolving) dominates: allow ~30 s on a loaded machine.
  for (let i = 0; i < 600; i++) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; operator output:\n${out()}`);
}

describe(`examples/operator/main.ts on ${runtime}`, { skip: !(runtime in command) }, () => {
  let server: FakeApiServer;
  let listener: Listener;
  let child: ChildProcess | undefined;
  let output = "";

  before(async () => {
    server = new FakeApiServer();
    listener = await server.listen();
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await listener?.close();
    await server?.close();
  });

  it("reconciles, serves /metrics, cleans up on delete and stops on SIGTERM", async () => {
    const exe = (globalThis as { process?: { execPath: string } }).process!.execPath;
    child = spawn(exe, command[runtime]!, {
      cwd: root,
      env: {
        ...(globalThis as { process?: { env: Record<string, string> } }).process!.env,
        KUBELOOP_SERVER: listener.url,
        INSTALL_CRD: "1",
        PROBE_PORT: "0",
        POD_NAME: "op-test",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => {
      output += String(d);
    });
    child.stderr!.on("data", (d) => {
      output += String(d);
    });
    const out = () => output;
    const port = await waitFor(
      "the probe port",
      () => /probes on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1],
      out,
    );
    await waitFor(
      "the CRD",
      () => /installed CRD websites\.example\.kubeloop\.dev/.test(output),
      out,
    );
    server.create(Websites, {
      metadata: { name: "a", namespace: "default" },
      spec: { host: "a.example", content: "hi" },
    } satisfies Website);
    await waitFor(
      "the Website reconciled",
      () => isReconciled(server.get(Websites, "a", "default")!),
      out,
    );
    assert.match(output, /registry: a\.example → a\.default\.svc/);
    assert.deepEqual(server.get(Websites, "a", "default")?.metadata.finalizers, [FINALIZER]);
    assert.ok(server.get(Deployments, "a", "default"));

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    const m = parsePrometheus(await res.text());
    assert.equal(value(m, "leader_election_master_status", { name: "website-operator" }), 1);
    assert.ok(
      (value(m, "controller_runtime_reconcile_total", {
        controller: "websites",
        result: "success",
      }) ?? 0) >= 1,
    );

    server.delete(Websites, "a", "default");
    await waitFor(
      "the Website gone",
      () => server.get(Websites, "a", "default") === undefined,
      out,
    );
    assert.match(output, /registry: a\.example removed/);

    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => {
      if (child!.exitCode !== null) resolve(child!.exitCode);
      else child!.once("exit", (c) => resolve(c));
    });
    // Deno's node:child_process reports a child that exits during signal handling with code null.
    if (runtime !== "deno") assert.equal(code, 0, output);
    assert.match(output, /stopped/);
  });
});
