import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { newResource } from "../../src/controller/resource.ts";
import { LeadershipLostError } from "../../src/election/mod.ts";
import { Manager, ManagerAlreadyStartedError } from "../../src/manager/mod.ts";
import { Leases } from "../../src/resources/coordination.ts";
import { type ConfigMap, ConfigMaps, type Secret, Secrets } from "../../src/resources/core.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { type Link, type Mode, World } from "../election/helpers.ts";

const NS = "work";
const LEASE_NS = "kube-system";
const LEASE_MS = 15_000;
const RETRY_MS = 2_000;

interface Replica {
  id: string;
  link: Link;
  manager: Manager;
  stop: AbortController;
  done: Promise<void>;
  outcome: { error?: unknown; finished: boolean };
  processed: string[];
  logger: MemoryLogger;
}

function replica(
  world: World,
  id: string,
  options: { election?: boolean; sharding?: boolean } = {},
): Replica {
  const { client, link } = world.client();
  const logger = new MemoryLogger();
  const manager = new Manager({
    client,
    clock: world.clock,
    logger,
    ...(options.election
      ? {
          leaderElection: {
            namespace: LEASE_NS,
            name: "cm-controller",
            identity: id,
            random: () => 0,
          },
        }
      : {}),
    ...(options.sharding ? { sharding: { namespace: LEASE_NS, group: "cms", identity: id } } : {}),
  });
  const processed: string[] = [];
  const cms = manager.informer(ConfigMaps, { namespace: NS });
  manager.add(
    newResource<ConfigMap>(
      cms,
      (key) => {
        processed.push(key);
      },
      () => {},
    ),
    { name: "cms" },
  );
  const stop = new AbortController();
  const outcome: Replica["outcome"] = { finished: false };
  const done = manager.run(stop.signal).then(
    () => {
      outcome.finished = true;
    },
    (err) => {
      outcome.finished = true;
      outcome.error = err;
    },
  );
  return { id, link, manager, stop, done, outcome, processed, logger };
}

function seed(world: World, n: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    world.server.create(ConfigMaps, { metadata: { name: `cm-${i}`, namespace: NS } });
    keys.push(`${NS}/cm-${i}`);
  }
  return keys;
}

function suite(mode: Mode): void {
  describe(`Manager (${mode})`, () => {
    const worlds: World[] = [];
    const replicas: Replica[] = [];
    after(async () => {
      for (const r of replicas) {
        r.link.resume();
        r.stop.abort();
      }
      for (const w of worlds) await w.close();
    });
    async function setup(): Promise<World> {
      const w = await World.create(mode);
      worlds.push(w);
      return w;
    }

    it("runs controllers and backgrounders over one shared informer factory", {
      timeout: 120_000,
    }, async () => {
      const w = await setup();
      seed(w, 5);
      w.server.create(Secrets, { metadata: { name: "s", namespace: NS } });
      const { client, link } = w.client();
      const manager = new Manager({ client, clock: w.clock });
      const upserts: string[] = [];
      const cmsA = manager.informer(ConfigMaps, { namespace: NS });
      const cmsB = manager.informer(ConfigMaps, { namespace: NS });
      assert.equal(cmsA, cmsB, "one shared informer per type and namespace");
      manager.add(
        newResource<ConfigMap>(
          cmsA,
          (k) => void upserts.push(`a:${k}`),
          () => {},
        ),
        { name: "first" },
      );
      manager.add(
        newResource<ConfigMap>(
          cmsB,
          (k) => void upserts.push(`b:${k}`),
          () => {},
        ),
        { name: "second" },
      );
      // A resource built on the factory's own informer works too.
      const secrets = manager.factory.informer(Secrets, { namespace: NS });
      manager.add(
        newResource<Secret>(
          secrets,
          (k) => void upserts.push(`s:${k}`),
          () => {},
        ),
      );
      let ticks = 0;
      manager.addBackgrounder({
        async run(signal) {
          while (!signal.aborted) {
            ticks++;
            await w.clock.sleep(1000, signal).catch(() => {});
          }
        },
      });
      assert.equal(manager.health().ready, false);
      const stop = new AbortController();
      const done = manager.run(stop.signal);
      await w.advanceUntil(() => upserts.length === 11, 5_000);
      await w.advance(3_000);
      const h = manager.health();
      assert.equal(h.running, true);
      assert.equal(h.synced, true);
      assert.equal(h.ready, true);
      assert.equal(h.healthy, true);
      assert.equal(h.leading, true);
      assert.equal(h.leaderElection, false);
      assert.deepEqual(
        h.controllers.map((c) => [c.name, c.running, c.synced]),
        [
          ["first", true, true],
          ["second", true, true],
          ["secrets", true, true],
        ],
      );
      assert.equal(upserts.filter((u) => u.startsWith("a:")).length, 5);
      assert.equal(upserts.filter((u) => u.startsWith("b:")).length, 5);
      assert.ok(ticks >= 3);
      assert.equal(w.server.watcherCount(), 2, "one watch per shared informer");
      assert.equal(link.requests > 0, true);
      const ready = manager.probe(new Request("http://probe/readyz"));
      assert.equal(ready.status, 200);
      assert.equal((await ready.json()).synced, true);
      assert.equal(manager.probe(new Request("http://probe/healthz")).status, 200);
      assert.equal(manager.probe(new Request("http://probe/other")).status, 404);
      stop.abort();
      await w.settle();
      await done;
      assert.equal(manager.health().running, false);
      assert.equal(manager.probe(new Request("http://probe/healthz")).status, 503);
      await assert.rejects(
        () => manager.run(new AbortController().signal),
        ManagerAlreadyStartedError,
      );
    });

    it("runs controllers only on the leader; a standby takes over when the leader dies", {
      timeout: 120_000,
    }, async () => {
      const w = await setup();
      const keys = seed(w, 20);
      const a = replica(w, "replica-a", { election: true });
      replicas.push(a);
      await w.advanceUntil(() => a.manager.health().leading && a.processed.length === 20, 5_000);
      const b = replica(w, "replica-b", { election: true });
      replicas.push(b);
      await w.advance(RETRY_MS * 2);
      const hb = b.manager.health();
      assert.equal(hb.leading, false);
      assert.equal(hb.leader, "replica-a");
      assert.equal(hb.ready, true, "a standby with a synced cache is ready");
      assert.equal(hb.synced, true);
      assert.deepEqual(
        hb.controllers.map((c) => c.running),
        [false],
      );
      assert.equal(b.processed.length, 0);

      const lastRenew = a.manager.elector!.status().lastRenewAt!;
      a.link.pause();
      await w.advanceUntil(() => b.manager.health().leading, LEASE_MS + 3 * RETRY_MS);
      assert.ok(w.clock.now() - lastRenew <= LEASE_MS + 2 * RETRY_MS);
      await w.advanceUntil(() => b.processed.length === 20, 2_000);
      assert.deepEqual([...b.processed].sort(), [...keys].sort());
      // The old leader stopped with LeadershipLostError.
      a.link.resume();
      await w.advanceUntil(() => a.outcome.finished, 5_000);
      await a.done;
      assert.ok(a.outcome.error instanceof LeadershipLostError);
      const ha = a.manager.health();
      assert.equal(ha.healthy, false);
      assert.match(ha.error ?? "", /lost/);
      assert.equal(a.logger.find("warn", "leader election: lost lease").length, 1);
      assert.equal(a.logger.find("error", "manager: stopping after a failure").length, 1);
      // Graceful stop of the new leader releases the lease.
      b.stop.abort();
      await w.settle();
      await b.done;
      assert.equal(b.outcome.error, undefined);
      assert.equal(w.server.get(Leases, "cm-controller", LEASE_NS)?.spec?.holderIdentity, "");
    });

    it("shards a controller's keys across replicas", { timeout: 120_000 }, async () => {
      const w = await setup();
      const keys = seed(w, 60);
      const a = replica(w, "shard-a", { sharding: true });
      const b = replica(w, "shard-b", { sharding: true });
      replicas.push(a, b);
      await w.advanceUntil(
        () =>
          [a, b].every(
            (r) =>
              r.manager.health().shard?.members.length === 2 &&
              r.manager.health().shard?.settlingUntil === 0,
          ),
        15_000,
      );
      await w.advance(RETRY_MS);
      const owner = (k: string): string => a.manager.membership!.ownerOf(k)!;
      for (const k of keys) {
        const r = owner(k) === a.id ? a : b;
        assert.ok(r.processed.includes(k), `${k} processed by its owner ${r.id}`);
      }
      a.processed.length = 0;
      b.processed.length = 0;
      for (let i = 0; i < 60; i++) {
        const cm = w.server.get(ConfigMaps, `cm-${i}`, NS)!;
        w.server.update(ConfigMaps, { ...cm, data: { v: "2" } });
      }
      await w.advance(RETRY_MS);
      assert.equal(a.processed.length + b.processed.length, 60, "each key once");
      assert.ok(a.processed.every((k) => owner(k) === a.id));
      assert.ok(b.processed.every((k) => owner(k) === b.id));
      assert.ok(a.processed.length > 0 && b.processed.length > 0);
      assert.equal(a.manager.health().leading, true);
      // Graceful stop of a: it leaves the group, b takes all keys at once (b
      // watches the leases: it may have taken them before a.done settles).
      b.processed.length = 0;
      a.stop.abort();
      await w.settle();
      await a.done;
      assert.equal(a.outcome.error, undefined);
      await w.advanceUntil(() => b.processed.length >= 25, RETRY_MS + 500);
      assert.deepEqual(b.manager.membership!.members(), ["shard-b"]);
      b.stop.abort();
      await w.settle();
      await b.done;
    });
  });
}

suite("in-process");
suite("http");

describe("Manager failures and options", () => {
  it("stops everything when a runnable fails and rejects with its error", {
    timeout: 60_000,
  }, async () => {
    const w = await World.create();
    try {
      seed(w, 2);
      const { client } = w.client();
      const logger = new MemoryLogger();
      const manager = new Manager({ client, clock: w.clock, logger });
      let controllerStopped = false;
      manager.add(
        newResource<ConfigMap>(
          manager.informer(ConfigMaps, { namespace: NS }),
          () => {},
          () => {},
        ),
      );
      manager.addBackgrounder({
        async run(signal) {
          await new Promise<void>((r) => signal.addEventListener("abort", () => r()));
          controllerStopped = true;
        },
      });
      manager.addBackgrounder(
        {
          async run() {
            await w.clock.sleep(1000);
            throw new RangeError("boom");
          },
        },
        { name: "boomer" },
      );
      const done = manager.run(new AbortController().signal).then(
        () => undefined,
        (err: unknown) => err,
      );
      await w.advance(1500);
      assert.ok((await done) instanceof RangeError);
      assert.equal(controllerStopped, true);
      const h = manager.health();
      assert.equal(h.healthy, false);
      assert.equal(h.error, "boom");
      assert.equal(logger.find("error", "manager: runnable failed").length, 1);
      assert.equal(w.server.watcherCount(), 0);
    } finally {
      await w.close();
    }
  });

  it("with rejoin, campaigns again after losing the lease and restarts its controllers", {
    timeout: 60_000,
  }, async () => {
    const w = await World.create();
    try {
      seed(w, 3);
      const { client, link } = w.client();
      const logger = new MemoryLogger();
      const manager = new Manager({
        client,
        clock: w.clock,
        logger,
        leaderElection: {
          namespace: LEASE_NS,
          name: "rejoiner",
          identity: "solo",
          random: () => 0,
          rejoin: true,
        },
      });
      const processed: string[] = [];
      manager.add(
        newResource<ConfigMap>(
          manager.informer(ConfigMaps, { namespace: NS }),
          (k) => void processed.push(k),
          () => {},
        ),
      );
      const stop = new AbortController();
      const done = manager.run(stop.signal).then(
        () => undefined,
        (err: unknown) => err,
      );
      await w.advanceUntil(() => processed.length === 3, 5_000);
      link.pause();
      await w.advanceUntil(() => !manager.health().leading, 12_000);
      assert.equal(manager.health().controllers[0]?.running, false);
      assert.equal(manager.health().healthy, true, "rejoining is not a failure");
      assert.equal(logger.find("warn", "manager: lost leadership; campaigning again").length, 1);
      link.resume();
      await w.advanceUntil(() => manager.health().leading && processed.length === 6, 20_000);
      assert.equal(manager.health().controllers[0]?.running, true);
      stop.abort();
      await w.settle();
      assert.equal(await done, undefined);
    } finally {
      await w.close();
    }
  });

  it("rejects inconsistent options", async () => {
    const w = await World.create();
    try {
      const { client } = w.client();
      assert.throws(
        () =>
          new Manager({
            client,
            leaderElection: { namespace: "a", name: "b", identity: "c" },
            sharding: { namespace: "a", group: "b", identity: "c" },
          }),
        TypeError,
      );
      const m = new Manager({ client });
      const inf = m.informer(ConfigMaps);
      assert.throws(
        () =>
          m.add(
            newResource<ConfigMap>(
              inf,
              () => {},
              () => {},
            ),
            { sharded: true },
          ),
        TypeError,
      );
    } finally {
      await w.close();
    }
  });
});
