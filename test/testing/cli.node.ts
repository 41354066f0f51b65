// Node-only: the fake-apiserver CLI starts, loads objects from a file and serves them.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const script = new URL("../../scripts/fake-apiserver.ts", import.meta.url).pathname;

describe("scripts/fake-apiserver.ts", () => {
  it("listens on --port 0, loads --load file.json and serves it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubeloop-cli-"));
    const file = join(dir, "objects.json");
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "from-file" },
            data: { a: "1" },
          },
          { apiVersion: "v1", kind: "Namespace", metadata: { name: "loaded" } },
        ],
      }),
    );
    const child = spawn(
      process.execPath,
      ["--import", "tsx", script, "--port", "0", "--load", file],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    try {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      for (let i = 0; i < 1000 && !/listening on (\S+)/.test(out); i++)
        await new Promise((r) => setTimeout(r, 10));
      const url = /listening on (\S+)/.exec(out)?.[1];
      assert.ok(url, `no URL in output: ${out}`);
      assert.match(out, /2 objects loaded/);
      const res = await fetch(`${url}/api/v1/namespaces/default/configmaps/from-file`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { data: { a: string } }).data.a, "1");
      const ns = await fetch(`${url}/api/v1/namespaces/loaded`);
      assert.equal(ns.status, 200);
    } finally {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
