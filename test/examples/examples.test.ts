// Runs this runtime's example (examples/node, examples/deno or examples/bun) as
// its own process against the fake API server over HTTP, and checks that it
// mirrors, updates and removes ConfigMaps, then stops cleanly on SIGTERM.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { MIRROR_LABEL } from "../../examples/shared/mirror.ts";
import { type ConfigMap, ConfigMaps, detectRuntime } from "../../src/mod.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";

const root = new URL("../..", import.meta.url).pathname;
const runtime = detectRuntime();
const command: Record<string, string[]> = {
  node: ["--import", "tsx", "examples/node/main.ts"],
  deno: ["run", "-A", "--no-check", "examples/deno/main.ts"],
  bun: ["examples/bun/main.ts"],
};

async function waitFor<T>(what: string, f: () => T | undefined, out: () => string): Promise<T> {
  // Process start-up (tsx compiling, Deno resolving) dominates: allow ~30 s on a loaded machine.
  for (let i = 0; i < 600; i++) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; example output:\n${out()}`);
}

describe(`examples/${runtime}`, { skip: !(runtime in command) }, () => {
  let server: FakeApiServer;
  let listener: Listener;
  let child: ChildProcess | undefined;
  let output = "";

  before(async () => {
    server = new FakeApiServer();
    server.create(ConfigMaps, {
      metadata: { name: "a", namespace: "default", labels: { [MIRROR_LABEL]: "true" } },
      data: { colour: "red" },
    });
    server.create(ConfigMaps, { metadata: { name: "plain", namespace: "default" } });
    listener = await server.listen();
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await listener?.close();
    await server?.close();
  });

  it("mirrors labelled ConfigMaps, follows updates and deletes, stops on SIGTERM", async () => {
    child = spawn(process.execPath, command[runtime] ?? [], {
      cwd: root,
      env: {
        ...process.env,
        KUBELOOP_SERVER: listener.url,
        MIRROR_TARGET: "mirror",
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => {
      output += String(d);
    });
    child.stderr?.on("data", (d) => {
      output += String(d);
    });
    const exited = new Promise<number | null>((resolve) =>
      child?.on("exit", (code) => resolve(code)),
    );
    const mirrorOf = (name: string) => server.get<ConfigMap>(ConfigMaps, name, "mirror");

    const first = await waitFor(
      "the first mirror",
      () => mirrorOf("default.a"),
      () => output,
    );
    assert.deepEqual(first.data, { colour: "red" });
    assert.equal(mirrorOf("default.plain"), undefined);

    const a = server.get<ConfigMap>(ConfigMaps, "a", "default")!;
    server.update(ConfigMaps, { ...a, data: { colour: "blue" } });
    server.create(ConfigMaps, {
      metadata: { name: "b", namespace: "default", labels: { [MIRROR_LABEL]: "true" } },
      data: { x: "1" },
    });
    await waitFor(
      "the update",
      () => mirrorOf("default.a")?.data?.colour === "blue",
      () => output,
    );
    await waitFor(
      "the second mirror",
      () => mirrorOf("default.b"),
      () => output,
    );

    server.delete(ConfigMaps, "a", "default");
    await waitFor(
      "the mirror's removal",
      () => mirrorOf("default.a") === undefined,
      () => output,
    );

    child.kill("SIGTERM");
    const code = await exited;
    // Deno's node:child_process reports a child that exits during signal handling with code null.
    if (runtime !== "deno") assert.equal(code, 0, output);
    assert.match(output, /synced 1 labelled ConfigMaps/);
    assert.match(output, /apply default\/b/);
    assert.match(output, /delete default\/a/);
    assert.match(output, /stopped/);
  });
});
