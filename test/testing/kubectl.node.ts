// Node-only: runs the real kubectl binary against the fake API server over HTTP.
// Skipped when kubectl is not installed (CI installs Debian's kubernetes-client).
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";

const kubectlPath = process.env.KUBECTL ?? "kubectl";
const hasKubectl =
  spawnSync(kubectlPath, ["version", "--client"], { stdio: "ignore" }).status === 0;

describe("kubectl against the fake API server", {
  skip: hasKubectl ? false : "kubectl not installed",
}, () => {
  let server: FakeApiServer;
  let listener: Listener;
  let home: string;

  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    HOME: home,
    KUBECONFIG: join(home, "kubeconfig"),
  });

  function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        kubectlPath,
        ["--server", listener.url, ...args],
        { env: env(), timeout: 30_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "kubeloop-kubectl-"));
    writeFileSync(join(home, "kubeconfig"), "apiVersion: v1\nkind: Config\n");
    server = new FakeApiServer();
    listener = await server.listen();
    server.create(ConfigMaps, {
      metadata: { name: "seed", namespace: "default" },
      data: { k: "v" },
    });
  });

  after(async () => {
    await server.close();
    await listener.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("get configmaps -o json", async () => {
    const res = await kubectl("get", "configmaps", "-o", "json");
    assert.equal(res.code, 0, res.stderr);
    const list = JSON.parse(res.stdout);
    assert.deepEqual(
      list.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ["seed"],
    );
    const table = await kubectl("get", "cm");
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /seed/);
  });

  it("create -f, apply -f (client-side and server-side), label and delete", async () => {
    const file = join(home, "demo.json");
    const manifest = (value: string): string =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "demo" },
        data: { a: value },
      });
    writeFileSync(file, manifest("1"));
    const created = await kubectl("create", "-f", file);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /configmap\/demo created/);
    assert.equal(server.get(ConfigMaps, "demo", "default")?.data?.a, "1");

    const again = await kubectl("create", "-f", file);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /AlreadyExists|already exists/);

    writeFileSync(file, manifest("2"));
    const applied = await kubectl("apply", "-f", file);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(server.get(ConfigMaps, "demo", "default")?.data?.a, "2");

    // as on a real API server, switching to server-side apply with a changed value conflicts with
    // the client-side apply's field manager (kubectl migrates managers only after a successful apply)
    writeFileSync(file, manifest("3"));
    const conflict = await kubectl("apply", "--server-side", "-f", file);
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /conflict with "kubectl-client-side-apply"/);
    const ssa = await kubectl("apply", "--server-side", "--force-conflicts", "-f", file);
    assert.equal(ssa.code, 0, ssa.stderr);
    assert.equal(server.get(ConfigMaps, "demo", "default")?.data?.a, "3");

    const fresh = join(home, "fresh.json");
    writeFileSync(
      fresh,
      JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "fresh" },
        data: { b: "1" },
      }),
    );
    const applyNew = await kubectl("apply", "-f", fresh);
    assert.equal(applyNew.code, 0, applyNew.stderr);
    assert.ok(server.get(ConfigMaps, "fresh", "default"));

    const labelled = await kubectl("label", "configmap", "demo", "team=a");
    assert.equal(labelled.code, 0, labelled.stderr);
    assert.equal(server.get(ConfigMaps, "demo", "default")?.metadata.labels?.team, "a");

    const deleted = await kubectl("delete", "configmap", "demo", "fresh");
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(server.get(ConfigMaps, "demo", "default"), undefined);
    const missing = await kubectl("get", "configmap", "demo");
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NotFound|not found/);
  });

  it("get -w prints the list, then watch events", async () => {
    const child: ChildProcess = spawn(
      kubectlPath,
      ["--server", listener.url, "get", "configmaps", "-w", "-o", "name"],
      { env: env(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    const waitForOutput = async (re: RegExp): Promise<void> => {
      for (let i = 0; i < 600 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 10));
      assert.match(out, re, `stdout: ${out}\nstderr: ${err}`);
    };
    try {
      await waitForOutput(/configmap\/seed/);
      for (let i = 0; i < 200 && server.watcherCount() === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(server.watcherCount(), 1, "kubectl is watching");
      server.create(ConfigMaps, { metadata: { name: "w-0", namespace: "default" } });
      server.create(ConfigMaps, { metadata: { name: "w-1", namespace: "default" } });
      await waitForOutput(/configmap\/w-1/);
      assert.match(out, /configmap\/w-0/);
      // A clean end of the watch ends `kubectl get -w` too.
      server.faults.closeWatches();
      const code = await Promise.race([
        exited,
        new Promise<"timeout">((r) => {
          const t = setTimeout(() => r("timeout"), 10_000);
          void exited.then(() => clearTimeout(t));
        }),
      ]);
      assert.equal(code, 0, err);
    } finally {
      child.kill();
      await exited;
    }
    const watchReq = server.requests.find((r) => r.verb === "watch");
    assert.ok(watchReq, "kubectl sent a watch");
    assert.match(watchReq.url, /watch=true/);
  });
});
