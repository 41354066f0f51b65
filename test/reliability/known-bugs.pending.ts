// Known bugs found by the reliability suite, in other areas' modules. Kept OUT
// of the committed suite (the name matches no runner's test pattern) until
// they are fixed; then rename to known-bugs.test.ts or fold the cases into
// decoder.test.ts / bad-input.test.ts. Run:
//   node --import tsx --test test/reliability/known-bugs.pending.ts
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeClient } from "../../src/client/client.ts";
import { ConfigMaps } from "../../src/resources/core.ts";

// BUG 1 (watch decoder turned invalid UTF-8 into U+FFFD) and BUG 2 (a list
// or watch event of another kind was accepted) were fixed in 7e71295; their
// tests now live in decoder.test.ts and bad-input.test.ts. BUG 5 (a password
// in the server URL leaked into request errors) was fixed in 5415323; its
// test is in security.test.ts.

// ---------------------------------------------------------------- restart

async function restartScenario(opts: {
  /** Updates the old server applies after its 10 creations. */
  aUpdates: number;
  /** Names the new server creates first (lower resource versions), then the others. */
  first: string[];
  later: string[];
  /** Compact the new server's history (a watch from the old version then gets 410). */
  compact: boolean;
  /** Answer watches from a resource version above the new server's like a real API server (504 ResourceVersionTooLarge). */
  faithfulTooLarge: boolean;
}): Promise<{ ok: boolean; detail: string }> {
  const { SharedInformer } = await import("../../src/cache/informer.ts");
  const { FakeApiServer } = await import("../../src/testing/mod.ts");
  const { storeMatchesServer, tick } = await import("./harness.ts");
  const NS = "restart";
  const a = new FakeApiServer();
  for (let i = 0; i < 10; i++)
    a.create(ConfigMaps, { metadata: { name: `a-${i}`, namespace: NS } });
  for (let i = 0; i < opts.aUpdates; i++)
    a.update(ConfigMaps, {
      metadata: { name: `a-${i % 10}`, namespace: NS },
      data: { i: String(i) },
    });
  const la = await a.listen();
  const port = Number(new URL(la.url).port);
  let b: InstanceType<typeof FakeApiServer> | undefined;
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (opts.faithfulTooLarge && b && url.searchParams.get("watch") === "true") {
      const rv = Number(url.searchParams.get("resourceVersion") || "0");
      if (rv > Number(b.resourceVersion())) {
        return new Response(
          JSON.stringify({
            kind: "Status",
            apiVersion: "v1",
            status: "Failure",
            code: 504,
            reason: "Timeout",
            message: `Too large resource version: ${rv}, current: ${b.resourceVersion()}`,
            details: {
              causes: [
                { reason: "ResourceVersionTooLarge", message: "Too large resource version" },
              ],
              retryAfterSeconds: 1,
            },
          }),
          { status: 504, headers: { "content-type": "application/json" } },
        );
      }
    }
    return globalThis.fetch(input, init);
  };
  const client = new KubeClient({ server: la.url, fetch: fetchFn });
  const informer = new SharedInformer(client, ConfigMaps, {
    namespace: NS,
    backoff: { initialMs: 5, maxMs: 50, jitter: 0 },
  });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  await informer.waitForSync();
  await la.close();
  await a.close();
  b = new FakeApiServer();
  for (const n of [...opts.first, ...opts.later])
    b.create(ConfigMaps, { metadata: { name: n, namespace: NS }, data: { from: "b" } });
  if (opts.compact) b.faults.compact();
  const lb = await b.listen({ port });
  let ok = false;
  for (let i = 0; i < 300 && !ok; i++) {
    await tick(10);
    ok =
      storeMatchesServer(informer, b, NS) &&
      informer.store.list().every((o) => o.data?.from === "b");
  }
  const detail = `cache: ${informer.store
    .list()
    .map(
      (o) =>
        `${o.metadata.name}@${o.metadata.resourceVersion}${o.data?.from === "b" ? "" : "(stale)"}`,
    )
    .join(",")}; server: ${b
    .list(ConfigMaps, { namespace: NS })
    .map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)
    .join(",")}; stats ${JSON.stringify(informer.stats())}`;
  ac.abort();
  await done;
  await lb.close();
  await b.close();
  return { ok, detail };
}

describe("BUG 3: restart with resource versions below the client's (fake server + reflector)", () => {
  it("src/testing/fake-apiserver/handler.ts: a watch from a resource version above the current one is accepted silently", async () => {
    // a real API server answers 504 "Too large resource version" (cause
    // ResourceVersionTooLarge), as this fake already does for lists and
    // streaming watches; today the watch opens and the informer never relists
    const r = await restartScenario({
      aUpdates: 30,
      first: ["b-0", "b-1", "b-2", "b-3"],
      later: [],
      compact: false,
      faithfulTooLarge: false,
    });
    assert.ok(r.ok, r.detail);
  });

  it("src/cache/reflector.ts: 504 ResourceVersionTooLarge on a watch must relist (client-go), not retry the same version forever", async () => {
    const r = await restartScenario({
      aUpdates: 30,
      first: ["b-0", "b-1", "b-2", "b-3"],
      later: [],
      compact: false,
      faithfulTooLarge: true,
    });
    assert.ok(r.ok, r.detail);
  });
});

describe("BUG 4: src/cache/store.ts Store.replace keeps a cached object whose resource version equals the listed one", () => {
  it("after a restart, a recreated object with the same name and resource version (new uid, new data) replaces the stale one", async () => {
    // the old a-0..a-9 have resource versions 1..10; the new server's a-0..a-4
    // get 1..5 again (new uid, new data), its history is compacted, so the
    // informer gets 410 and relists, and the relist keeps the old a-0..a-4
    // (stale data) because only resource versions are compared; comparing
    // metadata.uid as well would catch it
    const r = await restartScenario({
      aUpdates: 0,
      first: ["a-0", "a-1", "a-2", "a-3", "a-4"],
      later: Array.from({ length: 20 }, (_, i) => `b-${i}`),
      compact: true,
      faithfulTooLarge: false,
    });
    assert.ok(r.ok, r.detail);
  });
});
