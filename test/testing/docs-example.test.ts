// The example of docs/testing.md, run as a test (client + informer against the fake API server).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigMaps, createInformer, FakeClock, KubeClient, silentLogger } from "../../src/mod.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";

test("the informer recovers from a cut watch and a compaction", async () => {
  // 1. Start a server (every built-in kind is served; register CRDs with server.register()).
  const clock = new FakeClock(Date.now());
  const server = new FakeApiServer({ clock });

  // 2. Seed objects directly (synchronous, no HTTP).
  server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" }, data: { k: "1" } });

  // 3. Point a client at it: in-process through `fetch` ...
  const client = new KubeClient({ server: "http://fake.local", fetch: server.fetch });
  //    ... or over HTTP:  const { url, close } = await server.listen();
  //                       const client = new KubeClient({ server: url });

  const informer = createInformer(client, ConfigMaps, {
    namespace: "default",
    clock,
    logger: silentLogger, // the faults below are on purpose
  });
  const seen: string[] = [];
  informer.addEventHandler({ onAdd: (o) => seen.push(o.metadata.name!) });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  assert.equal(await informer.waitForSync(), true);

  // 4. Change the world and wait until every watch has read every event.
  server.create(ConfigMaps, { metadata: { name: "b", namespace: "default" } });
  await server.flushWatches();
  assert.deepEqual(seen.sort(), ["a", "b"]);

  // 5. Inject faults.
  server.faults.cutWatches(); // half a JSON line, then the stream ends
  server.faults.compact(); // older resource versions now get 410 Expired
  server.faults.failNext({ verb: "list", status: 503, retryAfterSeconds: 1 });
  server.create(ConfigMaps, { metadata: { name: "c", namespace: "default" } });
  for (let i = 0; i < 100 && !informer.store.get("default/c"); i++) {
    await clock.advance(1_000); // lets the client's backoff run
  }
  assert.ok(informer.store.get("default/c"));

  stop.abort();
  await running.catch(() => {});
  await server.close();
});
