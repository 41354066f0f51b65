// End to end: a Controller over a real SharedInformer and KubeClient against
// the FakeApiServer (in-process fetch and over HTTP), mirroring ConfigMaps of
// namespace "src" into Secrets of namespace "dst" through creates, updates,
// deletes, watch disruptions and injected API errors, until it converges.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SharedInformer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import { isNotFound } from "../../src/client/errors.ts";
import type { ControllerErrorInfo } from "../../src/controller/controller.ts";
import { type ControllerInformer, newResource } from "../../src/controller/resource.ts";
import { type ConfigMap, ConfigMaps, type Secret, Secrets } from "../../src/resources/core.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";
import { testControllerRun } from "../../src/testing/run.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { MemoryLogger } from "../../src/util/logger.ts";

const SRC = "src";
const DST = "dst";

function encode(data: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[k] = btoa(v);
  return out;
}

function cm(name: string, data: Record<string, string>): ConfigMap {
  return { metadata: { name, namespace: SRC }, data };
}

function sameData(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ea = Object.entries(a ?? {}).sort();
  const eb = Object.entries(b).sort();
  return JSON.stringify(ea) === JSON.stringify(eb);
}

/** The reconciler under test: ConfigMap src/x → Secret dst/x with the same (base64) data. */
function mirror(client: KubeClient, informer: ControllerInformer<ConfigMap>) {
  const stats = { upserts: 0, deletes: 0 };
  const resource = newResource<ConfigMap>(
    informer,
    async (_key, obj) => {
      stats.upserts++;
      const name = obj.metadata.name!;
      const data = encode(obj.data);
      let existing: Secret | undefined;
      try {
        existing = await client.get(Secrets, name, { namespace: DST });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (existing === undefined) {
        await client.create(Secrets, {
          metadata: { name, namespace: DST, labels: { "mirror-of": `${SRC}.${name}` } },
          data,
        });
      } else if (!sameData(existing.data, data)) {
        await client.replace(Secrets, { ...existing, data });
      }
    },
    async (_key, obj) => {
      stats.deletes++;
      try {
        await client.delete(Secrets, obj.metadata.name!, { namespace: DST });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  );
  return { resource, stats };
}

/** Whether dst Secrets mirror src ConfigMaps exactly. */
function converged(server: FakeApiServer): boolean {
  const cms = server.list(ConfigMaps, { namespace: SRC });
  const secrets = server.list(Secrets, { namespace: DST });
  if (cms.length !== secrets.length) return false;
  const byName = new Map(secrets.map((s) => [s.metadata.name, s]));
  return cms.every((c) => {
    const s = byName.get(c.metadata.name);
    return s !== undefined && sameData(s.data, encode(c.data));
  });
}

/**
 * Drive the fake clock (retry delays, informer backoff) in small steps until
 * `cond` holds; each step also gives real I/O a few event-loop turns.
 */
async function until(clock: FakeClock, cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (cond()) return;
    await clock.advance(25);
  }
  throw new Error(`did not converge: ${what}`);
}

async function pumpWhile<R>(clock: FakeClock, p: Promise<R>): Promise<R> {
  let settled = false;
  const watched = p.finally(() => {
    settled = true;
  });
  for (let i = 0; i < 3000 && !settled; i++) await clock.advance(25);
  return watched;
}

async function scenario(
  server: FakeApiServer,
  client: KubeClient,
  clock: FakeClock,
): Promise<void> {
  for (let i = 0; i < 20; i++) server.create(ConfigMaps, cm(`cm-${i}`, { i: String(i) }));
  // Noise in another namespace must not be mirrored (the informer only watches "src").
  server.create(ConfigMaps, { metadata: { name: "other", namespace: "elsewhere" }, data: {} });

  const informerLog = new MemoryLogger();
  const informer = new SharedInformer(client, ConfigMaps, {
    namespace: SRC,
    clock,
    random: () => 0.5,
    pageSize: 7,
    logger: informerLog,
  });
  const { resource, stats } = mirror(client, informer);
  const unknownFinalState: string[] = [];
  informer.addEventHandler({
    onDelete: (o, info) => {
      if (info.finalStateUnknown) unknownFinalState.push(o.metadata.name!);
    },
  });
  const errors: ControllerErrorInfo[] = [];
  const logger = new MemoryLogger();

  // The initial list fails twice before it succeeds.
  server.faults.failNext({ verb: "list", resource: ConfigMaps, status: 503, times: 2 });
  const stop = await pumpWhile(
    clock,
    testControllerRun(resource, {
      clock,
      workers: 3,
      logger,
      maxRetries: 10,
      onError: (_err, info) => errors.push(info),
    }),
  );
  try {
    await until(clock, () => converged(server), "initial sync");
    assert.equal(server.list(Secrets, { namespace: DST }).length, 20);
    assert.equal(informerLog.find("error", "ConfigMap list failed").length, 2);

    // Creates, with the first three Secret creates failing.
    server.faults.failNext({ verb: "create", resource: Secrets, status: 500, times: 3 });
    server.create(ConfigMaps, cm("new-direct", { a: "1" }));
    await client.create(ConfigMaps, cm("new-http", { b: "2" }));
    await until(clock, () => converged(server), "creates");
    assert.ok(errors.length >= 3, `expected retried failures, got ${errors.length}`);
    assert.ok(logger.find("warn", "will retry").length >= 3);

    // Updates, with a conflict and a 429 on the Secret side.
    server.faults.failNext({ verb: "update", resource: Secrets, status: 409, times: 1 });
    server.faults.failNext({
      verb: "get",
      resource: Secrets,
      status: 429,
      times: 2,
      plainText: true,
      retryAfterSeconds: 1,
    });
    for (let i = 0; i < 5; i++) {
      const cur = server.get(ConfigMaps, `cm-${i}`, SRC)!;
      server.update(ConfigMaps, { ...cur, data: { i: String(i), updated: "yes" } });
    }
    await client.patch(
      ConfigMaps,
      "cm-5",
      { data: { patched: "true" } },
      { type: "merge", namespace: SRC },
    );
    await until(clock, () => converged(server), "updates");

    // Deletes, with Secret deletes failing at first.
    server.faults.failNext({ verb: "delete", resource: Secrets, status: 500, times: 2 });
    server.delete(ConfigMaps, "cm-6", SRC);
    await client.delete(ConfigMaps, "cm-7", { namespace: SRC });
    await until(clock, () => converged(server), "deletes");
    assert.equal(server.get(Secrets, "cm-6", DST), undefined);

    // Watch disruption: the stream is cut, changes happen meanwhile, history is
    // compacted (410 on reconnect → relist; vanished objects arrive as
    // final-state-unknown deletes).
    server.faults.compact();
    server.faults.cutWatches();
    server.delete(ConfigMaps, "cm-8", SRC);
    server.create(ConfigMaps, cm("during-outage", { x: "y" }));
    const cur9 = server.get(ConfigMaps, "cm-9", SRC)!;
    server.update(ConfigMaps, { ...cur9, data: { changed: "during outage" } });
    server.faults.compact();
    await until(clock, () => converged(server), "watch disruption");
    const cmLists = server.requests.filter(
      (r) => r.resource === "configmaps" && r.verb === "list" && r.status === 200,
    );
    // Initial list (3 pages) + a relist after the 410 at least.
    assert.ok(cmLists.length >= 4, `expected a relist, saw ${cmLists.length} list pages`);
    assert.deepEqual(unknownFinalState, ["cm-8"]);

    // A burst on one key collapses into few reconciles of the latest state.
    const before = stats.upserts;
    for (let v = 0; v < 50; v++) {
      const cur = server.get(ConfigMaps, "cm-10", SRC)!;
      server.update(ConfigMaps, { ...cur, data: { v: String(v) } });
    }
    await until(clock, () => converged(server), "burst");
    assert.ok(stats.upserts - before < 50, `burst caused ${stats.upserts - before} upserts`);

    assert.equal(errors.filter((e) => e.dropped).length, 0, "no key should have been dropped");
    assert.ok(stats.deletes >= 3);
    assert.equal(server.get(Secrets, "other", DST), undefined);
  } finally {
    await stop();
  }
  // Stopped: no watch left open, no timers left on the controller/informer clock.
  for (let i = 0; i < 200 && server.watcherCount() > 0; i++) await clock.advance(1);
  assert.equal(server.watcherCount(), 0);
}

describe("Controller end to end (FakeApiServer + SharedInformer + KubeClient)", () => {
  it("converges in-process (server.fetch)", async () => {
    const server = new FakeApiServer({ clock: new FakeClock() });
    const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
    try {
      await scenario(server, client, new FakeClock());
    } finally {
      await server.close();
    }
  });

  it("converges over HTTP (server.listen())", async () => {
    const server = new FakeApiServer({ clock: new FakeClock() });
    const listener = await server.listen();
    const client = new KubeClient({ server: listener.url });
    try {
      await scenario(server, client, new FakeClock());
    } finally {
      await listener.close();
      await server.close();
    }
  });
});
