// Runs examples/worker in workerd through Miniflare: the worker runs the mirror
// controller against a fake API server on 127.0.0.1 and reports what it did.
// Node only (Miniflare is the host); the worker is bundled against the built
// edge bundle (dist/edge/mod.js), so it needs `npm run build` first.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Miniflare } from "miniflare";
import { MIRROR_LABEL } from "../../examples/shared/mirror.ts";
import { type ConfigMap, ConfigMaps } from "../../src/mod.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";
import { bundleWorker } from "../edge/bundle.ts";

const root = new URL("../..", import.meta.url).pathname;

describe("examples/worker in workerd", () => {
  let mf: Miniflare;
  let server: FakeApiServer;
  let listener: Listener;

  before(async () => {
    server = new FakeApiServer();
    server.create(ConfigMaps, {
      metadata: { name: "a", namespace: "default", labels: { [MIRROR_LABEL]: "true" } },
      data: { colour: "red" },
    });
    server.create(ConfigMaps, {
      metadata: { name: "b", namespace: "other", labels: { [MIRROR_LABEL]: "true" } },
    });
    server.create(ConfigMaps, { metadata: { name: "plain", namespace: "default" } });
    listener = await server.listen();
    mf = new Miniflare({
      modules: true,
      script: await bundleWorker(`${root}examples/worker/worker.ts`),
      compatibilityDate: "2026-04-01",
    });
  });

  after(async () => {
    await mf?.dispose();
    await listener?.close();
    await server?.close();
  });

  it("mirrors labelled ConfigMaps from inside workerd", async () => {
    const res = await mf.dispatchFetch(
      `http://localhost/?server=${encodeURIComponent(listener.url)}&ms=1500&target=mirror`,
    );
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as {
      runtime: string;
      synced: boolean;
      watched: string[];
      actions: { key: string; action: string }[];
      errors: string[];
    };
    assert.equal(body.runtime, "Cloudflare-Workers");
    assert.equal(body.synced, true);
    assert.deepEqual(body.watched.sort(), ["default/a", "other/b"]);
    assert.deepEqual(body.errors, []);
    assert.equal(server.get<ConfigMap>(ConfigMaps, "default.a", "mirror")?.data?.colour, "red");
    assert.ok(server.get(ConfigMaps, "other.b", "mirror"));
    assert.equal(server.get(ConfigMaps, "default.plain", "mirror"), undefined);
  });

  it("answers 400 without a server", async () => {
    const res = await mf.dispatchFetch("http://localhost/");
    assert.equal(res.status, 400);
    await res.text();
  });
});
