// Sharding as it scales: one lease watch per member instead of a list per
// renewal, and OwnedInformer, whose cache holds only the member's own keys.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Controller } from "../../src/controller/controller.ts";
import { newResource } from "../../src/controller/resource.ts";
import {
  OwnedInformer,
  rendezvousOwner,
  ShardMembership,
  shardedResource,
} from "../../src/election/mod.ts";
import { Manager } from "../../src/manager/mod.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { silentLogger as logger } from "../../src/util/logger.ts";
import { type Link, World } from "./helpers.ts";
import { LEASE_NS, seedKeys, touch, WORK_NS } from "./shard-node.ts";

const LEASE_MS = 15_000;
const RETRY_MS = 2_000;

describe("sharding at scale", () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("watches the group's leases: one list + one watch per member, one PUT per renewal", {
    timeout: 120_000,
  }, async () => {
    const world = await World.create();
    cleanups.push(() => world.close());
    const members = ["a", "b", "c"].map((id) => {
      const { client } = world.client();
      const m = new ShardMembership({
        client,
        namespace: LEASE_NS,
        group: "g",
        identity: id,
        clock: world.clock,
        logger,
      });
      const stop = new AbortController();
      const done = m.run(stop.signal);
      cleanups.push(async () => {
        stop.abort();
        await world.settle();
        await done;
      });
      return m;
    });
    await world.advanceUntil(
      () => members.every((m) => m.isActive() && m.members().length === 3),
      10_000,
    );
    assert.ok(members.every((m) => m.status().watching));
    const before = world.server.requests.length;
    const window = 60_000;
    await world.advance(window, 500);
    const leaseRequests = world.server.requests
      .slice(before)
      .filter((r) => r.resource === "leases");
    const count = (verb: string): number => leaseRequests.filter((r) => r.verb === verb).length;
    // Renewals every renewIntervalMs (5 s with the defaults): 12 per member per minute.
    assert.ok(count("update") >= 3 * 11 && count("update") <= 3 * 13, `${count("update")} PUTs`);
    assert.equal(count("list"), 0, "no list after the first");
    assert.equal(count("watch"), 0, "the watches stay open");
    assert.equal(count("get"), 0);
    assert.equal(world.server.watcherCount(), 3, "one lease watch per member");
    // Before: one PUT and one LIST per member every 2 s.
    assert.ok(leaseRequests.length < (3 * 2 * window) / RETRY_MS / 4);
  });

  it("short timings: a retry period under the watch's initial backoff works", {
    timeout: 60_000,
  }, async () => {
    const world = await World.create();
    cleanups.push(() => world.close());
    const { client } = world.client();
    const m = new ShardMembership({
      client,
      namespace: LEASE_NS,
      group: "fast",
      identity: "a",
      clock: world.clock,
      logger,
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 400,
    });
    const stop = new AbortController();
    const done = m.run(stop.signal);
    cleanups.push(async () => {
      stop.abort();
      await world.settle();
      await done;
    });
    await world.advanceUntil(() => m.isActive(), 1_000, 50);
    await world.advance(5_000, 100);
    assert.ok(m.isActive());
    assert.equal(m.status().lastError, undefined);
  });

  it("OwnedInformer caches only the member's keys, gains keys on failover, delivers deletes", {
    timeout: 120_000,
  }, async () => {
    const world = await World.create();
    cleanups.push(() => world.close());
    const keys = seedKeys(world, 300);
    const upserts: { key: string; member: string; rv: string | undefined }[] = [];
    const deletes: { key: string; member: string }[] = [];
    interface Node {
      id: string;
      link: Link;
      membership: ShardMembership;
      informer: OwnedInformer<ConfigMap>;
    }
    const nodes: Node[] = ["a", "b", "c"].map((id) => {
      const { client, link } = world.client();
      const membership = new ShardMembership({
        client,
        namespace: LEASE_NS,
        group: "g",
        identity: id,
        clock: world.clock,
        logger,
      });
      const informer = new OwnedInformer(client, ConfigMaps, membership, {
        namespace: WORK_NS,
        clock: world.clock,
        logger,
      });
      const controller = new Controller({
        resource: shardedResource(
          newResource<ConfigMap>(
            informer,
            (key, obj) => {
              upserts.push({ key, member: id, rv: obj.metadata.resourceVersion });
            },
            (key) => {
              deletes.push({ key, member: id });
            },
          ),
          membership,
        ),
        clock: world.clock,
        logger,
      });
      const stop = new AbortController();
      const m = membership.run(stop.signal);
      const c = controller.run(stop.signal);
      cleanups.push(async () => {
        link.broken = false;
        link.resume();
        stop.abort();
        await world.settle();
        await Promise.all([m, c.catch(() => {})]);
      });
      return { id, link, membership, informer };
    });
    const owner = (k: string, ids: string[]): string => rendezvousOwner(k, ids)!;
    const settled = (ns: Node[]): boolean =>
      ns.every(
        (n) =>
          n.membership.members().length === ns.length && n.membership.status().settlingUntil === 0,
      );
    await world.advanceUntil(() => settled(nodes), 30_000);
    await world.advance(RETRY_MS);
    const ids = nodes.map((n) => n.id);
    for (const n of nodes) {
      const mine = keys.filter((k) => owner(k, ids) === n.id);
      assert.deepEqual(n.informer.store.keys().sort(), mine.sort(), `${n.id} caches its keys only`);
      assert.equal(n.informer.knownKeys, keys.length);
      for (const k of mine) assert.ok(upserts.some((u) => u.key === k && u.member === n.id));
    }
    // A write to a key lands in its owner's cache only.
    const [k0] = keys;
    const written = touch(world, [k0!], "1").get(k0!);
    await world.advance(500);
    for (const n of nodes) {
      assert.equal(
        n.informer.store.get(k0!)?.metadata.resourceVersion === written,
        owner(k0!, ids) === n.id,
      );
    }
    // c dies; a and b take its keys: they relist and cache them.
    const c = nodes[2]!;
    c.link.partition();
    const survivors = nodes.slice(0, 2);
    const cKeys = keys.filter((k) => owner(k, ids) === "c");
    const since = upserts.length;
    await world.advanceUntil(() => settled(survivors), LEASE_MS + 3 * RETRY_MS);
    await world.advanceUntil(
      () => cKeys.every((k) => upserts.slice(since).some((u) => u.key === k)),
      3 * RETRY_MS,
    );
    const two = ["a", "b"];
    for (const n of survivors) {
      const mine = keys.filter((k) => owner(k, two) === n.id);
      assert.deepEqual(n.informer.store.keys().sort(), mine.sort(), `${n.id} after failover`);
      assert.ok(n.informer.relists >= 1);
    }
    for (const k of cKeys) {
      const by = upserts
        .slice(since)
        .filter((u) => u.key === k)
        .map((u) => u.member);
      assert.deepEqual([...new Set(by)], [owner(k, two)]);
    }
    // A deleted key reaches its owner's delete callback, whether it was cached before the gain or not.
    const gone = [cKeys[0]!, keys.find((k) => owner(k, two) === "a" && !cKeys.includes(k))!];
    for (const k of gone) world.server.delete(ConfigMaps, k.split("/")[1]!, WORK_NS);
    await world.advance(500);
    for (const k of gone) {
      assert.deepEqual(
        deletes.filter((d) => d.key === k).map((d) => d.member),
        [owner(k, two)],
      );
    }
    assert.equal(survivors[0]!.informer.knownKeys, keys.length - 2);
  });
});

describe("Manager.ownedInformer", () => {
  it("gives sharded controllers a cache of their own keys", { timeout: 120_000 }, async () => {
    const world = await World.create();
    const keys = seedKeys(world, 120);
    const replicas = ["a", "b"].map((id) => {
      const { client } = world.client();
      const manager = new Manager({
        client,
        clock: world.clock,
        logger,
        sharding: { namespace: LEASE_NS, group: "cms", identity: id },
      });
      const informer = manager.ownedInformer(ConfigMaps, { namespace: WORK_NS });
      const processed: string[] = [];
      manager.add(
        newResource<ConfigMap>(
          informer,
          (key) => {
            processed.push(key);
          },
          () => {},
        ),
      );
      const stop = new AbortController();
      const done = manager.run(stop.signal);
      return { id, manager, informer, processed, stop, done };
    });
    try {
      await world.advanceUntil(
        () =>
          replicas.every(
            (r) =>
              r.manager.membership!.members().length === 2 &&
              r.manager.health().shard?.settlingUntil === 0,
          ),
        30_000,
      );
      await world.advance(RETRY_MS);
      for (const r of replicas) {
        const mine = keys.filter((k) => rendezvousOwner(k, ["a", "b"]) === r.id);
        assert.deepEqual(r.informer.store.keys().sort(), mine.sort());
        for (const k of mine) assert.ok(r.processed.includes(k), `${k} processed by ${r.id}`);
      }
    } finally {
      for (const r of replicas) r.stop.abort();
      await world.settle();
      await Promise.all(replicas.map((r) => r.done));
      await world.close();
    }
    const { client } = world.client();
    assert.throws(() => new Manager({ client }).ownedInformer(ConfigMaps), TypeError);
  });
});
