// Smoke suite for Cloudflare workerd: runs the built bundle (dist/) inside workerd via
// Miniflare. Node only (Miniflare is the host); needs `npm run build` first.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

async function bundleWorker(): Promise<string> {
  const result = await build({
    entryPoints: [new URL("./worker.js", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "import"],
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

describe("workerd smoke", () => {
  let mf: Miniflare;
  let server: Server;
  let url: string;

  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const lines = [
        {
          type: "ADDED",
          object: { metadata: { namespace: "default", name: "a" }, data: { k: "v" } },
        },
        { type: "MODIFIED", object: { metadata: { namespace: "default", name: "a" } } },
        { type: "ADDED", object: { metadata: { name: 42 } } },
      ];
      for (const l of lines) res.write(`${JSON.stringify(l)}\n`);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    mf = new Miniflare({
      modules: true,
      script: await bundleWorker(),
      compatibilityDate: "2026-04-01",
    });
  });

  after(async () => {
    await mf?.dispose();
    await new Promise<void>((r) => server?.close(() => r()));
  });

  it("runs the bundle inside workerd and validates a stream from 127.0.0.1", async () => {
    const res = await mf.dispatchFetch(`http://localhost/?target=${encodeURIComponent(url)}`);
    const body = (await res.json()) as {
      runtime: string;
      delays: number[];
      events: string[];
      exports: number;
    };
    assert.equal(body.runtime, "Cloudflare-Workers");
    assert.deepEqual(body.delays, [800, 1600, 3200]);
    assert.deepEqual(body.events, ["ADDED:default/a", "MODIFIED:default/a", "invalid"]);
    assert.ok(body.exports > 10);
  });
});
