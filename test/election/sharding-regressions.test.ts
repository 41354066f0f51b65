// Regression tests for the four sharding defects of issue 19, each on the fake
// clock against the fake API server. Every one of them failed on the code
// before the fix (see the commit that added this file).
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { rendezvousOwner, SHARD_GROUP_LABEL } from "../../src/election/mod.ts";
import { Leases } from "../../src/resources/coordination.ts";
import { World } from "./helpers.ts";
import {
  assertSingleOwners,
  LEASE_NS,
  type Reconcile,
  type ShardNode,
  seedKeys,
  shardNode,
  touch,
} from "./shard-node.ts";

const LEASE_MS = 15_000;
const RENEW_MS = 10_000;
const RETRY_MS = 2_000;

const isLeaseWrite = (method: string, url: string): boolean =>
  (method === "POST" || method === "PUT") && url.includes("/leases");

describe("sharding regressions (issue 19)", () => {
  const worlds: World[] = [];
  const nodes: ShardNode[] = [];
  after(async () => {
    for (const n of nodes.splice(0)) await n.dispose();
    for (const w of worlds.splice(0)) await w.close();
  });
  async function setup(n: number): Promise<{ world: World; keys: string[]; log: Reconcile[] }> {
    const world = await World.create();
    worlds.push(world);
    return { world, keys: seedKeys(world, n), log: [] };
  }
  function node(world: World, id: string, log: Reconcile[]): ShardNode {
    const n = shardNode(world, id, log);
    nodes.push(n);
    return n;
  }
  const reconciledBy = (log: Reconcile[], key: string, member: string, since: number): boolean =>
    log.some((r) => r.key === key && r.member === member && r.at >= since);

  it("missed wake-up: probing owns() as the join hold-back ends does not strand the newcomer's keys", {
    timeout: 120_000,
  }, async () => {
    const { world, keys, log } = await setup(200);
    const a = node(world, "a", log);
    await world.advanceUntil(() => keys.every((k) => reconciledBy(log, k, "a", 0)), 5_000);
    const b = node(world, "b", log);
    world.onStep = () => assertSingleOwners([a, b], keys);
    await world.advanceUntil(() => b.membership.status().settlingUntil > 0, 5_000);
    const until = b.membership.status().settlingUntil;
    const bKeys = keys.filter((k) => rendezvousOwner(k, ["a", "b"]) === "b");
    assert.ok(bKeys.length > 60);
    // Anything may ask owns() at the instant the hold-back ends (an informer
    // event, a health probe): here, a timer due at that very instant.
    let probed: boolean | undefined;
    world.clock.setTimer(() => {
      probed = b.membership.owns(bKeys[0]!);
    }, until - world.clock.now());
    await world.advanceUntil(
      () => bKeys.every((k) => reconciledBy(log, k, "b", until)),
      until - world.clock.now() + RETRY_MS,
    );
    assert.equal(probed, true);
    world.onStep = undefined;
  });

  it("missed wake-up: a hold-back that ends while the member is stalled is announced when it resumes", {
    timeout: 120_000,
  }, async () => {
    const { world, keys, log } = await setup(200);
    const a = node(world, "a", log);
    await world.advanceUntil(() => keys.every((k) => reconciledBy(log, k, "a", 0)), 5_000);
    const b = node(world, "b", log);
    world.onStep = () => assertSingleOwners([a, b], keys);
    await world.advanceUntil(() => b.membership.status().settlingUntil > 0, 5_000);
    const until = b.membership.status().settlingUntil;
    const bKeys = keys.filter((k) => rendezvousOwner(k, ["a", "b"]) === "b");
    // Shortly before the hold-back ends, b's next lease request is in flight
    // when its process stalls (say, a long GC pause) past the end of the hold-back.
    await world.advance(until - world.clock.now() - RETRY_MS - 500);
    b.link.holdIf = isLeaseWrite;
    await world.advanceUntil(() => b.link.held > 0, RETRY_MS * 3);
    b.clock.stall();
    await world.advance(Math.max(0, until - world.clock.now()) + 1_000);
    // The stall ends: I/O completes first, then the overdue timers run.
    b.link.resume();
    await world.settle();
    b.clock.resume();
    await world.advanceUntil(() => bKeys.every((k) => reconciledBy(log, k, "b", until)), RETRY_MS);
    world.onStep = undefined;
  });

  it("slow first lease write: the hold-back counts from the acknowledged write, not the attempt", {
    timeout: 120_000,
  }, async () => {
    const { world, keys, log } = await setup(300);
    const a = node(world, "a", log);
    await world.advanceUntil(() => keys.every((k) => reconciledBy(log, k, "a", 0)), 5_000);
    let doubles = 0;
    world.onStep = () => {
      for (const k of keys) if (a.membership.owns(k) && b.membership.owns(k)) doubles++;
    };
    // b starts; its first lease write hangs in the network.
    const bStart = world.clock.now();
    const b = shardNode(world, "b", log, {});
    nodes.push(b);
    b.link.holdIf = isLeaseWrite;
    await world.advance(1_000);
    // a renews once more (without seeing b: b's lease does not exist yet) and is
    // then cut off: it keeps its keys until its renew deadline, counted from that renewal.
    const before = a.membership.status().lastSyncAt ?? 0;
    await world.advanceUntil(() => (a.membership.status().lastSyncAt ?? 0) > before, 6_000);
    a.link.partition();
    // Now b's write goes through.
    b.link.resume();
    await world.advanceUntil(
      () => b.membership.isActive() && b.membership.status().settlingUntil === 0,
      RENEW_MS + 4 * RETRY_MS,
    );
    await world.advance(RETRY_MS);
    assert.equal(doubles, 0, `key-steps with two owners (b started at ${bStart})`);
    assert.equal(a.membership.isActive(), false);
    world.onStep = undefined;
  });

  it("stall longer than the renew deadline: the stalled member owns nothing until it has renewed", {
    timeout: 120_000,
  }, async () => {
    const { world, keys, log } = await setup(300);
    const [a, b, c] = ["a", "b", "c"].map((id) => node(world, id, log)) as [
      ShardNode,
      ShardNode,
      ShardNode,
    ];
    const all = [a, b, c];
    const settled = (): boolean =>
      all.every(
        (n) =>
          n.membership.isActive() &&
          n.membership.members().length === 3 &&
          n.membership.status().settlingUntil === 0,
      );
    await world.advanceUntil(settled, RENEW_MS + 4 * RETRY_MS);
    await world.advance(RETRY_MS);
    world.onStep = () => assertSingleOwners(all, keys);
    const cKeys = keys.filter((k) => rendezvousOwner(k, ["a", "b", "c"]) === "c");
    // c's process stalls: no timer runs and no byte moves, for longer than a lease.
    const stallAt = world.clock.now();
    c.link.partition();
    c.clock.stall();
    await world.advanceUntil(
      () => a.membership.members().length === 2 && b.membership.members().length === 2,
      LEASE_MS + 2 * RETRY_MS,
    );
    await world.advance(RETRY_MS);
    // Meanwhile every one of c's keys changes; a and b reconcile the changes.
    const written = touch(world, cKeys, "during-stall");
    await world.advanceUntil(
      () => cKeys.every((k) => log.some((r) => r.key === k && r.rv === written.get(k))),
      RETRY_MS,
    );
    // The stall ends the way an event loop resumes: pending I/O first (c's
    // watch delivers the changes), then the overdue timers.
    c.link.resume();
    await world.settle();
    assertSingleOwners(all, keys);
    c.clock.resume();
    await world.settle();
    assertSingleOwners(all, keys);
    // c rejoins and, after its hold-back, takes its keys back.
    await world.advanceUntil(settled, LEASE_MS + 2 * RETRY_MS);
    const rejoinedAt = world.clock.now();
    const byC = log.filter((r) => r.member === "c" && r.at >= stallAt);
    assert.ok(
      byC.every((r) => r.at >= rejoinedAt),
      `c reconciled ${byC.filter((r) => r.at < rejoinedAt).length} keys before it had rejoined`,
    );
    await world.advanceUntil(
      () => cKeys.every((k) => reconciledBy(log, k, "c", rejoinedAt)),
      RETRY_MS,
    );
    assert.ok(world.clock.now() - stallAt > LEASE_MS);
    world.onStep = undefined;
  });

  it("a lapse shorter than a lease duration: the member owns nothing meanwhile, then carries on without a hold-back", {
    timeout: 120_000,
  }, async () => {
    const { world, keys, log } = await setup(200);
    const [a, b] = ["a", "b"].map((id) => node(world, id, log)) as [ShardNode, ShardNode];
    const settled = (): boolean =>
      [a, b].every(
        (n) =>
          n.membership.isActive() &&
          n.membership.members().length === 2 &&
          n.membership.status().settlingUntil === 0,
      );
    await world.advanceUntil(settled, RENEW_MS + 4 * RETRY_MS);
    world.onStep = () => assertSingleOwners([a, b], keys);
    const bKeys = keys.filter((k) => rendezvousOwner(k, ["a", "b"]) === "b");
    // b stalls past its renew deadline but not past its lease duration.
    const lastSync = b.membership.status().lastSyncAt!;
    b.link.partition();
    b.clock.stall();
    await world.advance(lastSync + RENEW_MS + 1_000 - world.clock.now());
    assert.equal(b.membership.isActive(), false, "b owns nothing past its deadline");
    assert.ok(bKeys.every((k) => !b.membership.owns(k) && !a.membership.owns(k)));
    const written = touch(world, bKeys, "during-lapse");
    b.link.resume();
    await world.settle();
    b.clock.resume();
    // b renews on the same lease: no hold-back, and it reconciles what changed.
    await world.advanceUntil(() => b.membership.isActive(), 2 * RETRY_MS);
    assert.equal(b.membership.status().settlingUntil, 0);
    await world.advanceUntil(
      () => bKeys.every((k) => log.some((r) => r.member === "b" && r.rv === written.get(k))),
      RETRY_MS,
    );
    assert.ok(
      log.every((r) => r.member !== "a" || !bKeys.includes(r.key) || r.rv !== written.get(r.key)),
    );
    world.onStep = undefined;
  });

  it("crash churn: leases of crashed members are deleted, and newcomers do not wait for them", {
    timeout: 120_000,
  }, async () => {
    const { world, keys, log } = await setup(100);
    const a = node(world, "a", log);
    await world.advanceUntil(() => a.membership.isActive(), 5_000);
    const groupLeases = (): string[] =>
      world.server
        .list(Leases, { namespace: LEASE_NS, labelSelector: `${SHARD_GROUP_LABEL}=g` })
        .map((l) => l.spec?.holderIdentity ?? "")
        .sort();
    // Three replicas join and crash one after the other.
    const crashes: { id: string; at: number; lastSync: number }[] = [];
    for (const id of ["x1", "x2", "x3"]) {
      const x = node(world, id, log);
      await world.advanceUntil(
        () => a.membership.members().includes(id) && x.membership.isActive(),
        5_000,
      );
      await world.advance(RETRY_MS);
      x.crash();
      crashes.push({ id, at: world.clock.now(), lastSync: x.membership.status().lastSyncAt! });
      await world.advance(3_000);
    }
    // No lease is deleted before it has gone a lease duration without a
    // renewal (its holder stopped a renew deadline after its last renewal);
    // every one is gone a lease duration (plus a retry period) after that.
    world.onStep = () => {
      const present = groupLeases();
      for (const c of crashes) {
        if (world.clock.now() < c.lastSync + LEASE_MS) {
          assert.ok(present.includes(c.id), `${c.id}'s lease deleted while it could be live`);
        }
      }
    };
    const lastCrash = crashes.at(-1)!.at;
    await world.advanceUntil(
      () => groupLeases().join() === "a",
      lastCrash + LEASE_MS + 2 * RETRY_MS - world.clock.now(),
    );
    world.onStep = undefined;
    // A newcomer sees only the live member: it holds back a's keys only, and
    // owns its share as soon as the hold-back ends.
    const n = node(world, "n", log);
    await world.advanceUntil(() => n.membership.isActive(), 5_000);
    assert.deepEqual(n.membership.members(), ["a", "n"]);
    const nKeys = keys.filter((k) => rendezvousOwner(k, ["a", "n"]) === "n");
    const joined = world.clock.now();
    await world.advanceUntil(
      () => nKeys.every((k) => reconciledBy(log, k, "n", joined)),
      RENEW_MS + 2 * RETRY_MS,
    );
  });
});
