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
    const { url, out, stop } = await startCli(["--load", file]);
    try {
      assert.match(out, /2 objects loaded/);
      const res = await fetch(`${url}/api/v1/namespaces/default/configmaps/from-file`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { data: { a: string } }).data.a, "1");
      const ns = await fetch(`${url}/api/v1/namespaces/loaded`);
      assert.equal(ns.status, 200);
    } finally {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const gc of [true, false]) {
    it(`collects garbage unless --no-gc (${gc ? "on" : "--no-gc"})`, async () => {
      const { url, stop } = await startCli(gc ? [] : ["--no-gc"]);
      try {
        const base = `${url}/api/v1/namespaces/default/configmaps`;
        const post = async (body: unknown) =>
          (await (
            await fetch(base, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(body),
            })
          ).json()) as { metadata: { uid: string } };
        const owner = await post({ metadata: { name: "owner" } });
        await post({
          metadata: {
            name: "dependent",
            ownerReferences: [
              { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid },
            ],
          },
        });
        assert.equal((await fetch(`${base}/owner`, { method: "DELETE" })).status, 200);
        let status = 200;
        for (let i = 0; i < 200 && status === 200; i++) {
          status = (await fetch(`${base}/dependent`)).status;
          if (status === 200) await new Promise((r) => setTimeout(r, 10));
        }
        assert.equal(
          status,
          gc ? 404 : 200,
          gc ? "the dependent is collected" : "the dependent stays",
        );
      } finally {
        await stop();
      }
    });
  }
});

/** Start the CLI on a free port; resolves with its URL once it listens. */
async function startCli(
  args: string[],
): Promise<{ url: string; out: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", script, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill("SIGTERM");
    await exited;
  };
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  for (let i = 0; i < 1000 && !/listening on (\S+)/.test(out); i++)
    await new Promise((r) => setTimeout(r, 10));
  const url = /listening on (\S+)/.exec(out)?.[1];
  if (!url) {
    await stop();
    throw new Error(`no URL in output: ${out}`);
  }
  return { url, out, stop };
}
