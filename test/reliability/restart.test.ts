// The API server is replaced by a new one on the same port whose resource
// versions start from 1 again (an etcd restored or replaced, a fresh test
// cluster): the informer must notice, relist and converge to the new server's
// state (keys, resource versions and data), deliver the old server's objects
// that are gone as deletes with finalStateUnknown, and go on following the new
// server. Three shapes:
// - the new server's history does not reach the informer's resource version
//   (compacted): the watch gets 410, the informer relists;
// - the new server is BEHIND the informer's resource version (not compacted):
//   a real 1.20 API server lets such a watch wait until it reaches that resource
//   version (the API concepts docs allow it); a server that refuses it answers
//   504 "Too large resource version" (ResourceVersionTooLarge), injected here:
//   the informer relists with a consistent read (resourceVersion "");
// - names recreated with the very resource version their old objects had
//   (another uid, other data): the relist must not keep the stale objects.
// See docs/reliability.md ("API server restart").
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SharedInformer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import { ApiError } from "../../src/client/errors.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { assertStoreEqualsServer, eventually, storeMatchesServer } from "./harness.ts";
import { runtimeName } from "./support.ts";

const NS = "restart";

interface Scenario {
  /** Objects the old server creates (`a-0` ...). */
  aCount: number;
  /** Updates the old server applies after its creations (raise its resource version). */
  aUpdates: number;
  /** Names the new server creates, in order (resource versions 1, 2, ...), all with data `{ from: "b" }`. */
  bNames: string[];
  /** Compact the new server's history (a watch from the old resource version then gets 410). */
  compact: boolean;
  streamingList?: boolean;
}

interface Outcome {
  informer: SharedInformer<ConfigMap>;
  b: FakeApiServer;
  oldRv: string | undefined;
  /** Every callback, as "add a-0", "update a-0", "delete a-0", "delete? a-0" (final state unknown). */
  calls: string[];
  /** The last callback per name. */
  last: Map<string, { type: "upsert" | "delete"; obj: ConfigMap; finalStateUnknown: boolean }>;
  errors: unknown[];
  /** The new server's logged list and watch requests (status and resourceVersion). */
  bRequests(): { verb: string; status: number; rv: string | null }[];
}

/** Run the scenario; `check` runs while the informer still follows the new server. */
async function restart(s: Scenario, check: (o: Outcome) => Promise<void>): Promise<void> {
  const a = new FakeApiServer();
  for (let i = 0; i < s.aCount; i++)
    a.create(ConfigMaps, { metadata: { name: `a-${i}`, namespace: NS }, data: { from: "a" } });
  for (let i = 0; i < s.aUpdates; i++)
    a.update(ConfigMaps, {
      metadata: { name: `a-${i % s.aCount}`, namespace: NS },
      data: { from: "a", i: String(i) },
    });
  const la = await a.listen();
  const port = Number(new URL(la.url).port);
  const client = new KubeClient({ server: la.url });
  const errors: unknown[] = [];
  const informer = new SharedInformer<ConfigMap>(client, ConfigMaps, {
    namespace: NS,
    backoff: { initialMs: 5, maxMs: 50, jitter: 0 },
    streamingList: s.streamingList,
    logger: silentLogger, // every failure is collected through onError
    onError: (err) => errors.push(err),
  });
  const calls: string[] = [];
  const last: Outcome["last"] = new Map();
  informer.addEventHandler({
    onAdd: (o) => {
      calls.push(`add ${o.metadata.name}`);
      last.set(o.metadata.name!, { type: "upsert", obj: o, finalStateUnknown: false });
    },
    onUpdate: (_old, o) => {
      calls.push(`update ${o.metadata.name}`);
      last.set(o.metadata.name!, { type: "upsert", obj: o, finalStateUnknown: false });
    },
    onDelete: (o, info) => {
      calls.push(`delete${info.finalStateUnknown ? "?" : ""} ${o.metadata.name}`);
      last.set(o.metadata.name!, {
        type: "delete",
        obj: o,
        finalStateUnknown: info.finalStateUnknown,
      });
    },
  });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  try {
    assert.equal(await informer.waitForSync(AbortSignal.timeout(10_000)), true);
    await eventually(() => a.watcherCount() === 1, { what: "the first watch" });
    const oldRv = informer.lastSyncResourceVersion();
    assert.equal(oldRv, a.resourceVersion());
    await la.close();
    await a.close();
    const b = new FakeApiServer();
    for (const name of s.bNames)
      b.create(ConfigMaps, { metadata: { name, namespace: NS }, data: { from: "b" } });
    if (s.compact) b.faults.compact();
    else {
      // a watch from a resource version the server has not reached: a real 1.20 API server lets it
      // wait; a server that refuses it answers 504 ResourceVersionTooLarge, injected here
      b.faults.failNext({
        verb: "watch",
        status: 504,
        reason: "Timeout",
        message: `Timeout: Too large resource version: ${oldRv}, current: ${b.resourceVersion()}`,
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
        retryAfterSeconds: 1,
      });
    }
    const lb = await b.listen({ port });
    try {
      calls.length = 0;
      await eventually(() => storeMatchesServer(informer, b, NS), {
        what: "convergence with the new server",
      });
      await check({
        informer,
        b,
        oldRv,
        calls,
        last,
        errors,
        bRequests: () =>
          b.requests
            .filter((r) => r.verb === "list" || r.verb === "watch")
            .map((r) => ({
              verb: r.verb!,
              status: r.status,
              rv: new URL(r.url, "http://b").searchParams.get("resourceVersion"),
            })),
      });
      // and it keeps following the new server
      b.create(ConfigMaps, { metadata: { name: "late", namespace: NS } });
      await eventually(() => informer.store.get(`${NS}/late`), { what: "a later event" });
    } finally {
      await lb.close();
      await b.close();
    }
  } finally {
    ac.abort();
    await done;
  }
}

/** The cache equals the new server (keys, resource versions, data) and so do the last callbacks. */
function assertConverged(o: Outcome, gone: string[]): void {
  assertStoreEqualsServer(o.informer, o.b, NS);
  for (const obj of o.b.list(ConfigMaps, { namespace: NS })) {
    const name = obj.metadata.name!;
    const l = o.last.get(name);
    assert.equal(l?.type, "upsert", `last callback of ${name}`);
    assert.equal(l.obj.metadata.uid, obj.metadata.uid, `uid of ${name}`);
    assert.equal(l.obj.metadata.resourceVersion, obj.metadata.resourceVersion, `rv of ${name}`);
    assert.deepEqual(l.obj.data, { from: "b" }, `data of ${name}`);
  }
  for (const name of gone) {
    const l = o.last.get(name);
    assert.equal(l?.type, "delete", `last callback of the vanished ${name}`);
    assert.equal(l.finalStateUnknown, true, `${name}: final state unknown`);
  }
}

describe(`API server restart (${runtimeName()})`, () => {
  it("a new server on the same port whose history does not reach the old resource version: 410, relist, converge", async () => {
    await restart(
      {
        aCount: 8,
        aUpdates: 0,
        // survivors (with other content) come after the new names: no name gets
        // the resource version its old object had (that case is below)
        bNames: [
          ...Array.from({ length: 12 }, (_, i) => `b-${i}`),
          "a-0",
          "a-1",
          "a-2",
          "a-3",
          "a-4",
        ],
        compact: true,
      },
      async (o) => {
        assert.notEqual(o.informer.lastSyncResourceVersion(), o.oldRv);
        assert.ok(o.informer.stats().relists >= 1, "relisted");
        assert.ok(o.informer.stats().gone >= 1, "after a 410");
        assertConverged(o, ["a-5", "a-6", "a-7"]);
        // the surviving names are other objects now (another uid): delete, then add
        assert.deepEqual(o.calls.filter((c) => c.startsWith("delete")).sort(), [
          "delete? a-0",
          "delete? a-1",
          "delete? a-2",
          "delete? a-3",
          "delete? a-4",
          "delete? a-5",
          "delete? a-6",
          "delete? a-7",
        ]);
      },
    );
  });

  for (const streamingList of [false, true]) {
    it(`a new server BEHIND the informer's resource version (no compaction): 504 ResourceVersionTooLarge, consistent relist, converge${streamingList ? " (streaming list)" : ""}`, async () => {
      await restart(
        {
          aCount: 10,
          aUpdates: 30,
          bNames: ["b-0", "a-1", "b-2", "a-3"],
          compact: false,
          streamingList,
        },
        async (o) => {
          assert.ok(Number(o.oldRv) > Number(o.b.resourceVersion()));
          // the watch from the old resource version was refused with a 504 before
          // streaming, and the relist that followed was a consistent read
          const reqs = o.bRequests();
          const refused = reqs.findIndex((r) => r.verb === "watch" && r.rv === o.oldRv);
          assert.ok(refused >= 0, `a watch from ${o.oldRv}: ${JSON.stringify(reqs)}`);
          assert.equal(reqs[refused]!.status, 504);
          const relist = reqs[refused + 1];
          assert.ok(relist, "a request after the 504");
          assert.equal(relist.rv ?? "", "", "a consistent read");
          assert.equal(relist.verb, streamingList ? "watch" : "list");
          assert.ok(
            o.errors.some(
              (e) =>
                e instanceof ApiError &&
                e.code === 504 &&
                e.status?.details?.causes?.some((c) => c.reason === "ResourceVersionTooLarge"),
            ),
            "the 504 was reported",
          );
          assert.ok(o.informer.stats().relists >= 1, "relisted");
          assertConverged(o, ["a-0", "a-2", "a-4", "a-5", "a-6", "a-7", "a-8", "a-9"]);
        },
      );
    });
  }

  it("names recreated with the resource versions their old objects had (new uid, new data): the relist replaces the stale objects", async () => {
    // the old a-0..a-9 have resource versions 1..10; the new server's a-0..a-4
    // get 1..5 again; its history is compacted, so the informer gets 410 and
    // relists. The recreated names are delivered as delete (final state
    // unknown) + add; comparing resource versions alone kept the old objects.
    await restart(
      {
        aCount: 10,
        aUpdates: 0,
        bNames: [
          "a-0",
          "a-1",
          "a-2",
          "a-3",
          "a-4",
          ...Array.from({ length: 20 }, (_, i) => `b-${i}`),
        ],
        compact: true,
      },
      async (o) => {
        assertConverged(o, ["a-5", "a-6", "a-7", "a-8", "a-9"]);
        for (const name of ["a-0", "a-1", "a-2", "a-3", "a-4"]) {
          const i = o.calls.indexOf(`delete? ${name}`);
          assert.ok(i >= 0, `${name}: the old object deleted: ${o.calls.join(", ")}`);
          assert.ok(o.calls.indexOf(`add ${name}`, i) > i, `${name}: then the new one added`);
          assert.ok(!o.calls.includes(`update ${name}`), `${name}: not an update`);
        }
      },
    );
  });
});
