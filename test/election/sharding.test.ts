import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { SharedInformer } from "../../src/cache/informer.ts";
import { Controller } from "../../src/controller/controller.ts";
import { newResource } from "../../src/controller/resource.ts";
import {
  filteredInformer,
  fnv1a32,
  rendezvousOwner,
  SHARD_GROUP_LABEL,
  type ShardFilter,
  ShardMembership,
  shardedResource,
  shardLeaseName,
} from "../../src/election/mod.ts";
import { Leases } from "../../src/resources/coordination.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { type Link, type Mode, World } from "./helpers.ts";

const LEASE_MS = 15_000;
const RENEW_MS = 10_000;
const RETRY_MS = 2_000;
const WORK_NS = "work";
const LEASE_NS = "kube-system";

describe("rendezvous hashing", () => {
  it("FNV-1a 32 matches the reference vectors", () => {
    assert.equal(fnv1a32(""), 0x811c9dc5);
    assert.equal(fnv1a32("a"), 0xe40c292c);
    assert.equal(fnv1a32("foobar"), 0xbf9cf968);
    // UTF-8 bytes, not UTF-16 code units
    assert.equal(fnv1a32("é"), fnv1a32ofBytes([0xc3, 0xa9]));
  });

  it("spreads keys evenly and moves only the keys of a member that leaves or joins", () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `ns-${i % 7}/object-${i}`);
    const three = ["pod-a", "pod-b", "pod-c"];
    const owners = new Map(keys.map((k) => [k, rendezvousOwner(k, three)!]));
    for (const m of three) {
      const n = keys.filter((k) => owners.get(k) === m).length;
      assert.ok(n > 850 && n < 1150, `${m} owns ${n} of 3000`);
    }
    // A member leaves: only its keys move.
    const two = ["pod-a", "pod-b"];
    for (const k of keys) {
      const before = owners.get(k)!;
      const afterLeave = rendezvousOwner(k, two)!;
      if (before !== "pod-c") assert.equal(afterLeave, before);
    }
    // A member joins: keys move only to it.
    const four = [...three, "pod-d"];
    let moved = 0;
    for (const k of keys) {
      const now = rendezvousOwner(k, four)!;
      if (now !== owners.get(k)) {
        assert.equal(now, "pod-d");
        moved++;
      }
    }
    assert.ok(moved > 600 && moved < 900, `moved ${moved}`);
    // Order of members does not matter.
    for (const k of keys.slice(0, 200)) {
      assert.equal(rendezvousOwner(k, [...three].reverse()), owners.get(k));
    }
    assert.equal(rendezvousOwner("x", []), undefined);
  });

  it("makes DNS-safe lease names", () => {
    assert.equal(shardLeaseName("web", "pod-a"), "web-shard-pod-a");
    const odd = shardLeaseName("web", "Pod_A.example:8080");
    assert.match(odd, /^web-shard-[a-z0-9-]+$/);
    assert.notEqual(odd, shardLeaseName("web", "pod_a.example:8080"));
    assert.ok(shardLeaseName("web", "x".repeat(400)).length <= 253);
  });
});

function fnv1a32ofBytes(bytes: number[]): number {
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

interface Processed {
  key: string;
  member: string;
  at: number;
  rv: string | undefined;
}

interface Member {
  id: string;
  link: Link;
  /** What the member's informer, membership and controller logged. */
  logger: MemoryLogger;
  membership: ShardMembership;
  controller: Controller<ConfigMap>;
  stopController: AbortController;
  stopMembership: AbortController;
  controllerDone: Promise<void>;
  membershipDone: Promise<void>;
  /** Graceful shutdown: stop processing, then leave the group. */
  stop(): Promise<void>;
}

function member(world: World, id: string, log: Processed[]): Member {
  const { client, link } = world.client();
  const logger = new MemoryLogger();
  const informer = new SharedInformer(client, ConfigMaps, {
    namespace: WORK_NS,
    clock: world.clock,
    logger,
  });
  const membership = new ShardMembership({
    client,
    logger,
    namespace: LEASE_NS,
    group: "mirror",
    identity: id,
    clock: world.clock,
  });
  const resource = newResource<ConfigMap>(
    informer,
    (key, obj) => {
      log.push({ key, member: id, at: world.clock.now(), rv: obj.metadata.resourceVersion });
    },
    () => {},
  );
  const controller = new Controller({
    logger,
    resource: shardedResource(resource, membership),
    clock: world.clock,
    workers: 4,
  });
  const stopController = new AbortController();
  const stopMembership = new AbortController();
  const m: Member = {
    id,
    link,
    logger,
    membership,
    controller,
    stopController,
    stopMembership,
    membershipDone: membership.run(stopMembership.signal),
    controllerDone: controller.run(stopController.signal),
    async stop() {
      stopController.abort();
      await m.controllerDone.catch(() => {});
      stopMembership.abort();
      await m.membershipDone;
    },
  };
  return m;
}

function sharding(mode: Mode): void {
  describe(`sharding: 3 members, 1,000 keys (${mode})`, () => {
    const worlds: World[] = [];
    const members: Member[] = [];
    after(async () => {
      for (const m of members) {
        m.link.resume();
        m.stopController.abort();
        m.stopMembership.abort();
      }
      for (const w of worlds) await w.close();
    });

    it("splits keys, takes over a dead member's keys within the lease duration, never processes a key twice", {
      timeout: 120_000,
    }, async () => {
      const world = await World.create(mode);
      worlds.push(world);
      const keys: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const name = `cm-${i}`;
        world.server.create(ConfigMaps, {
          metadata: { name, namespace: WORK_NS },
          data: { v: "0" },
        });
        keys.push(`${WORK_NS}/${name}`);
      }
      const log: Processed[] = [];
      const [a, b, c] = ["member-a", "member-b", "member-c"].map((id) => {
        const m = member(world, id, log);
        members.push(m);
        return m;
      }) as [Member, Member, Member];
      const all = [a, b, c];

      // Invariant, checked after every step of fake time: no key is owned by
      // two members at once.
      let checks = 0;
      world.onStep = () => {
        checks++;
        for (const k of keys) {
          let owners = 0;
          for (const m of all) if (m.membership.owns(k)) owners++;
          assert.ok(owners <= 1, `key ${k} owned by ${owners} members`);
        }
      };

      const settled = (ms: Member[]): boolean =>
        ms.every(
          (m) =>
            m.membership.isActive() &&
            m.membership.members().length === ms.length &&
            m.membership.status().settlingUntil === 0,
        );
      await world.advanceUntil(() => settled(all), RENEW_MS + 4 * RETRY_MS);
      await world.advance(RETRY_MS);
      // Every key was processed by its owner.
      for (const k of keys) {
        const owner = a.membership.ownerOf(k)!;
        assert.ok(
          log.some((p) => p.key === k && p.member === owner),
          `${k} not processed by ${owner}`,
        );
      }
      const leases = world.server.list(Leases, {
        namespace: LEASE_NS,
        labelSelector: `${SHARD_GROUP_LABEL}=mirror`,
      });
      assert.deepEqual(leases.map((l) => l.metadata.name).sort(), [
        "mirror-shard-member-a",
        "mirror-shard-member-b",
        "mirror-shard-member-c",
      ]);

      // Steady state: change every object once; each is processed exactly once.
      const touchAll = (v: string): void => {
        for (let i = 0; i < 1000; i++) {
          const cm = world.server.get(ConfigMaps, `cm-${i}`, WORK_NS)!;
          world.server.update(ConfigMaps, { ...cm, data: { v } });
        }
      };
      const steady = (live: Member[], v: string): Map<string, Processed[]> => {
        const byKey = new Map<string, Processed[]>();
        for (const p of log) {
          const cm = world.server.get(ConfigMaps, p.key.split("/")[1]!, WORK_NS);
          if (p.rv !== cm?.metadata.resourceVersion) continue;
          const list = byKey.get(p.key) ?? [];
          list.push(p);
          byKey.set(p.key, list);
        }
        assert.equal(byKey.size, 1000, `all keys processed at v=${v}`);
        let duplicates = 0;
        for (const [k, ps] of byKey) {
          if (ps.length > 1) duplicates++;
          const owner = live[0]!.membership.ownerOf(k);
          assert.equal(ps[0]!.member, owner);
        }
        assert.equal(duplicates, 0, "duplicate processing in steady state");
        return byKey;
      };
      log.length = 0;
      touchAll("1");
      await world.advance(RETRY_MS);
      steady(all, "1");
      const perMember = new Map(all.map((m) => [m.id, 0]));
      for (const p of log) perMember.set(p.member, (perMember.get(p.member) ?? 0) + 1);
      for (const [id, n] of perMember) assert.ok(n > 250 && n < 420, `${id} processed ${n}`);

      // Kill member C: it is cut off from the API server (no release).
      const cKeys = keys.filter((k) => a.membership.ownerOf(k) === c.id);
      assert.ok(cKeys.length > 250);
      const cLastSync = c.membership.status().lastSyncAt!;
      c.link.pause();
      log.length = 0;
      const tookOver = (): boolean =>
        settled([a, b]) && cKeys.every((k) => log.some((p) => p.key === k && p.member !== c.id));
      await world.advanceUntil(tookOver, LEASE_MS + 3 * RETRY_MS);
      assert.equal(c.membership.isActive(), false);
      assert.equal(c.logger.find("warn", "renew deadline passed").length, 1);
      assert.deepEqual(a.membership.members(), ["member-a", "member-b"]);
      assert.equal(
        log.filter((p) => p.member === c.id).length,
        0,
        "the dead member processed nothing",
      );
      const lastTakeover = Math.max(...log.map((p) => p.at));
      assert.ok(
        lastTakeover - cLastSync <= LEASE_MS + RETRY_MS + 500,
        `took over ${lastTakeover - cLastSync} ms after C's last renew`,
      );
      assert.ok(
        Math.min(...log.map((p) => p.at)) - cLastSync >= LEASE_MS,
        "no take-over before C's lease could expire",
      );
      // Only C's keys moved.
      assert.ok(log.every((p) => cKeys.includes(p.key)));
      assert.equal(new Set(log.map((p) => p.key)).size, log.length, "each taken-over key once");

      log.length = 0;
      touchAll("2");
      await world.advance(RETRY_MS);
      steady([a, b], "2");

      // Graceful leave: B stops processing, deletes its lease; A takes over at once.
      const bKeys = keys.filter((k) => a.membership.ownerOf(k) === b.id);
      log.length = 0;
      const leaveAt = world.clock.now();
      await b.stop();
      await world.settle();
      assert.equal(world.server.get(Leases, "mirror-shard-member-b", LEASE_NS), undefined);
      await world.advanceUntil(
        () => bKeys.every((k) => log.some((p) => p.key === k && p.member === a.id)),
        RETRY_MS + 500,
      );
      assert.ok(world.clock.now() - leaveAt <= RETRY_MS + 500);
      assert.deepEqual(a.membership.members(), ["member-a"]);
      assert.ok(checks > 50);
      world.onStep = undefined;
      await a.stop();
      c.link.resume();
      await c.stop();
      await world.settle();
    });
  });
}

sharding("in-process");
sharding("http");

describe("ShardMembership joins", () => {
  it("holds back keys taken from live members for the join delay", {
    timeout: 120_000,
  }, async () => {
    const world = await World.create();
    try {
      const keys = Array.from({ length: 300 }, (_, i) => `k/${i}`);
      const mk = (
        id: string,
      ): { m: ShardMembership; stop: AbortController; done: Promise<void> } => {
        const { client } = world.client();
        const m = new ShardMembership({
          client,
          namespace: LEASE_NS,
          group: "g",
          identity: id,
          clock: world.clock,
        });
        const stop = new AbortController();
        return { m, stop, done: m.run(stop.signal) };
      };
      const a = mk("a");
      await world.advanceUntil(() => a.m.isActive(), 1000);
      // Alone at start: no hold-back, owns everything.
      assert.equal(a.m.status().settlingUntil, 0);
      assert.ok(keys.every((k) => a.m.owns(k)));
      let notifications = 0;
      const unsubscribe = a.m.subscribe(() => notifications++);
      const b = mk("b");
      const joinedAt = world.clock.now();
      await world.advanceUntil(() => b.m.isActive(), 1000);
      const bShare = keys.filter((k) => rendezvousOwner(k, ["a", "b"]) === "b");
      assert.ok(bShare.length > 100);
      // B is a member but holds back A's former keys; A stops owning them once it sees B.
      assert.ok(bShare.every((k) => !b.m.owns(k)));
      await world.advanceUntil(() => a.m.members().length === 2, RETRY_MS + 500);
      assert.ok(notifications > 0);
      assert.ok(bShare.every((k) => !a.m.owns(k)));
      assert.ok(bShare.every((k) => !b.m.owns(k)));
      await world.advanceUntil(() => bShare.every((k) => b.m.owns(k)), RENEW_MS + 1000);
      assert.ok(world.clock.now() - joinedAt >= RENEW_MS - 100);
      unsubscribe();
      b.stop.abort();
      a.stop.abort();
      await world.settle();
      await Promise.all([a.done, b.done]);
    } finally {
      await world.close();
    }
  });

  it("filteredInformer re-delivers keys on gain and drops events for others' keys", {
    timeout: 120_000,
  }, async () => {
    let owned = new Set<string>(["ns/a"]);
    const listeners = new Set<() => void>();
    const filter: ShardFilter = {
      owns: (k) => owned.has(k),
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const objs = new Map<string, ConfigMap>(
      ["a", "b"].map((n) => [`ns/${n}`, { metadata: { name: n, namespace: "ns" } }]),
    );
    let inner: { onAdd?(o: ConfigMap): void } = {};
    const informer = filteredInformer<ConfigMap>(
      {
        addEventHandler(h) {
          inner = h;
          return { remove() {} };
        },
        run: async () => {},
        hasSynced: () => true,
        waitForSync: async () => true,
        lastSyncResourceVersion: () => "1",
        store: {
          get: (k) => objs.get(k),
          list: () => [...objs.values()],
          keys: () => [...objs.keys()],
        },
      },
      filter,
    );
    const seen: string[] = [];
    const reg = informer.addEventHandler({
      onAdd: (o) => seen.push(`add:${o.metadata.name}`),
      onUpdate: (_o, n) => seen.push(`update:${n.metadata.name}`),
    });
    inner.onAdd?.(objs.get("ns/a")!);
    inner.onAdd?.(objs.get("ns/b")!);
    assert.deepEqual(seen, ["add:a"]);
    owned = new Set(["ns/a", "ns/b"]);
    for (const l of listeners) l();
    assert.deepEqual(seen, ["add:a", "update:b"]);
    for (const l of listeners) l();
    assert.deepEqual(seen, ["add:a", "update:b"], "no re-delivery without a change");
    reg.remove();
    assert.equal(listeners.size, 0);
  });
});
