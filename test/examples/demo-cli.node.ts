// `npm run demo -- --kubeconfig <file>` end to end (Node only: spawns node with tsx):
// a kubeconfig with a bearer token pointing at a FakeApiServer on 127.0.0.1.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";
import { writeFakeKubeconfig } from "../support/kubeconfig.ts";

const root = new URL("../..", import.meta.url).pathname;

describe("npm run demo against a cluster from a kubeconfig", () => {
  let server: FakeApiServer;
  let listener: Listener;
  let dir: string;

  before(async () => {
    server = new FakeApiServer();
    listener = await server.listen();
    dir = mkdtempSync(join(tmpdir(), "kubeloop-demo-"));
    writeFakeKubeconfig(dir, listener.url);
  });

  after(async () => {
    await listener?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("converges, exits 0 and never prints the token", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "scripts/demo.ts", "--kubeconfig", join(dir, "config"), "--seconds", "1"],
      { cwd: root, env: { ...process.env, KUBECONFIG: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d) => {
      output += String(d);
    });
    child.stderr.on("data", (d) => {
      output += String(d);
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 0, output);
    assert.match(output, /mode {10}cluster/);
    assert.match(output, /✓ converged/);
    assert.doesNotMatch(output, /t0ken/);
    assert.ok(
      server.requests.some((r) => r.resource === "configmaps"),
      "the demo talked to the fake server",
    );
  });
});
