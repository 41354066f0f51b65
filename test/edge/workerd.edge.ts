// Smoke suite for Cloudflare workerd: runs the built edge bundle (dist/edge) inside
// workerd via Miniflare, with an informer and a controller watching the fake API server
// over real HTTP on 127.0.0.1. Node only (Miniflare is the host); needs `npm run build`.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Miniflare } from "miniflare";
import { ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { bundleWorker } from "./bundle.ts";

describe("workerd smoke", () => {
  let mf: Miniflare;
  let server: FakeApiServer;
  let listener: { url: string; close(): Promise<void> };

  before(async () => {
    server = new FakeApiServer();
    server.create(ConfigMaps, { metadata: { namespace: "default", name: "a" }, data: { v: "1" } });
    server.create(ConfigMaps, { metadata: { namespace: "default", name: "b" }, data: { v: "1" } });
    server.create(ConfigMaps, { metadata: { namespace: "other", name: "c" } });
    listener = await server.listen();
    mf = new Miniflare({
      modules: true,
      script: await bundleWorker(new URL("./worker.js", import.meta.url).pathname),
      compatibilityDate: "2026-04-01",
    });
  });

  after(async () => {
    await mf?.dispose();
    await listener?.close();
    await server?.close();
  });

  it("runs an informer and a controller inside workerd against a server on 127.0.0.1", async () => {
    // Once the worker is watching, create an object: it must reach the controller live.
    const live = (async () => {
      for (let i = 0; i < 400 && server.watcherCount() === 0; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      server.create(ConfigMaps, {
        metadata: { namespace: "default", name: "live" },
        data: { v: "2" },
      });
    })();
    const res = await mf.dispatchFetch(
      `http://localhost/?server=${encodeURIComponent(listener.url)}&expect=live`,
    );
    await live;
    const body = (await res.json()) as {
      runtime: string;
      detected: string;
      delays: number[];
      synced: boolean;
      rv: string;
      keys: string[];
      seen: string[];
    };
    assert.equal(body.runtime, "Cloudflare-Workers");
    assert.equal(body.detected, "workerd");
    assert.deepEqual(body.delays, [800, 1600, 3200]);
    assert.equal(body.synced, true);
    assert.ok(body.rv, "a resource version after sync");
    assert.deepEqual(body.keys, ["default/a", "default/b", "default/live"]);
    assert.ok(body.seen.includes("upsert default/a 1"), body.seen.join(", "));
    assert.ok(body.seen.includes("upsert default/b 1"), body.seen.join(", "));
    assert.ok(body.seen.includes("upsert default/live 2"), body.seen.join(", "));
    // The watch was closed when the worker aborted.
    for (let i = 0; i < 200 && server.watcherCount() > 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    assert.equal(server.watcherCount(), 0);
  });
});
