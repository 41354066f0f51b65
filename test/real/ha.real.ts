// Leader election and sharding with Leases on the real API server; each replica talks through its
// own TCP proxy, so one replica can be cut off from the server (a network partition) while the
// others go on.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createInformer } from "../../src/cache/informer.ts";
import { KubeClient } from "../../src/client/client.ts";
import type { ClusterConfig } from "../../src/client/config.ts";
import { Controller } from "../../src/controller/controller.ts";
import { newResource } from "../../src/controller/resource.ts";
import { LeaderElector } from "../../src/election/leader-election.ts";
import {
  rendezvousOwner,
  SHARD_GROUP_LABEL,
  ShardMembership,
  shardedResource,
} from "../../src/election/sharding.ts";
import { Leases } from "../../src/resources/coordination.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { realClient, realConfig, TcpProxy, testNamespace, waitFor } from "./support.ts";

// client-go's defaults scaled down 5×: lease 3 s, renew deadline 2 s, retry 0.4 s
const LEASE_MS = 3_000;
const RENEW_MS = 2_000;
const RETRY_MS = 400;

let admin: KubeClient;
let config: ClusterConfig;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  config = await realConfig("admin");
  admin = await realClient();
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function replicaClient(): Promise<{ client: KubeClient; proxy: TcpProxy }> {
  const proxy = await TcpProxy.start(config);
  cleanups.push(() => proxy.close());
  return { client: new KubeClient({ ...proxy.configFor(config), timeoutMs: 5_000 }), proxy };
}

describe("leader election on the real API server", () => {
  it("one leader at a time; a partitioned leader steps down at its renew deadline and the other takes over", {
    timeout: 60_000,
  }, async () => {
    const ns = await testNamespace(admin, "election");
    cleanups.push(() => ns.remove());
    const timeline: { who: string; what: "start" | "stop"; at: number }[] = [];
    const electors = new Map<
      string,
      { elector: LeaderElector; proxy: TcpProxy; logger: MemoryLogger }
    >();
    for (const id of ["a", "b"]) {
      const { client, proxy } = await replicaClient();
      const logger = new MemoryLogger();
      const elector = new LeaderElector({
        client,
        namespace: ns.name,
        name: "controller",
        identity: id,
        leaseDurationMs: LEASE_MS,
        renewDeadlineMs: RENEW_MS,
        retryPeriodMs: RETRY_MS,
        logger,
        onStartedLeading: (signal) =>
          new Promise<void>((resolve) => {
            timeline.push({ who: id, what: "start", at: Date.now() });
            signal.addEventListener("abort", () => resolve(), { once: true });
          }),
        onStoppedLeading: () => timeline.push({ who: id, what: "stop", at: Date.now() }),
      });
      const ac = new AbortController();
      const done = elector.run(ac.signal);
      cleanups.push(async () => {
        ac.abort();
        await done;
      });
      electors.set(id, { elector, proxy, logger });
      if (id === "a") await waitFor(() => elector.isLeader(), "a leads");
    }
    const a = electors.get("a")!;
    const b = electors.get("b")!;
    // b waits while a renews
    await new Promise((r) => setTimeout(r, LEASE_MS + 1_000));
    assert.equal(b.elector.isLeader(), false);
    const lease = await admin.get(Leases, "controller", { namespace: ns.name });
    assert.equal(lease.spec?.holderIdentity, "a");
    const transitions = lease.spec?.leaseTransitions ?? 0;

    // partition a
    a.proxy.refuse();
    a.proxy.cut();
    const cutAt = Date.now();
    await waitFor(() => b.elector.isLeader(), "b takes over", 15_000);
    const tookOver = Date.now() - cutAt;
    await waitFor(() => !a.elector.isLeader(), "a stepped down");
    const aStop = timeline.find((t) => t.who === "a" && t.what === "stop")!;
    const bStart = timeline.find((t) => t.who === "b" && t.what === "start")!;
    assert.ok(aStop.at <= bStart.at, "never two leaders: a stopped before b started");
    assert.ok(tookOver <= LEASE_MS + 3 * RETRY_MS + 1_000, `took over after ${tookOver} ms`);
    assert.equal(a.logger.find("warn", "lost lease").length, 1);
    const after = await admin.get(Leases, "controller", { namespace: ns.name });
    assert.equal(after.spec?.holderIdentity, "b");
    assert.equal(after.spec?.leaseTransitions, transitions + 1);
    a.proxy.refuse(false);
  });
});

describe("sharding with three members on the real API server", () => {
  it("every key is processed by its rendezvous owner; a partitioned member's keys move to the others", {
    timeout: 120_000,
  }, async () => {
    const work = await testNamespace(admin, "shard-work");
    cleanups.push(() => work.remove());
    const leases = await testNamespace(admin, "shard-leases");
    cleanups.push(() => leases.remove());
    const keys: string[] = [];
    for (let i = 0; i < 45; i++) {
      const name = `cm-${String(i).padStart(2, "0")}`;
      await admin.create(ConfigMaps, { metadata: { name, namespace: work.name } });
      keys.push(`${work.name}/${name}`);
    }
    const log: { key: string; member: string; at: number }[] = [];
    const members = new Map<
      string,
      { membership: ShardMembership; proxy: TcpProxy; logger: MemoryLogger }
    >();
    for (const id of ["member-a", "member-b", "member-c"]) {
      const { client, proxy } = await replicaClient();
      const logger = new MemoryLogger();
      const membership = new ShardMembership({
        client,
        namespace: leases.name,
        group: "mirror",
        identity: id,
        leaseDurationMs: LEASE_MS,
        renewDeadlineMs: RENEW_MS,
        retryPeriodMs: RETRY_MS,
        joinDelayMs: 1_000,
        logger,
      });
      const informer = createInformer(client, ConfigMaps, { namespace: work.name, logger });
      const controller = new Controller<ConfigMap>({
        logger,
        resource: shardedResource(
          newResource(
            informer,
            (key) => void log.push({ key, member: id, at: Date.now() }),
            () => {},
          ),
          membership,
        ),
      });
      const ac = new AbortController();
      const runs = [membership.run(ac.signal), controller.run(ac.signal)];
      cleanups.push(async () => {
        ac.abort();
        await Promise.allSettled(runs);
      });
      members.set(id, { membership, proxy, logger });
    }
    const all = [...members.values()];
    const ids = [...members.keys()];
    await waitFor(
      () =>
        all.every(
          (m) =>
            m.membership.isActive() &&
            m.membership.members().length === 3 &&
            m.membership.status().settlingUntil <= Date.now(),
        ),
      "three active members agreeing on the group",
      30_000,
    );
    // steady state: each key is processed by its owner, and only by it, after the group settled
    const settledAt = Date.now();
    for (const k of keys) {
      const cur = await admin.get(ConfigMaps, k.split("/")[1]!, { namespace: work.name });
      await admin.replace(ConfigMaps, { ...cur, data: { touched: "1" } });
    }
    await waitFor(
      () => keys.every((k) => log.some((p) => p.key === k && p.at >= settledAt)),
      "every key processed after the group settled",
    );
    const perMember = new Map(ids.map((id) => [id, 0]));
    for (const k of keys) {
      const owner = rendezvousOwner(k, ids)!;
      const by = new Set(log.filter((p) => p.key === k && p.at >= settledAt).map((p) => p.member));
      assert.deepEqual([...by], [owner], `${k} processed only by its owner ${owner}`);
      perMember.set(owner, (perMember.get(owner) ?? 0) + 1);
    }
    for (const [id, n] of perMember) assert.ok(n > 0, `${id} owns ${n} keys`);
    const groupLeases = await admin.list(Leases, {
      namespace: leases.name,
      labelSelector: `${SHARD_GROUP_LABEL}=mirror`,
    });
    assert.equal(groupLeases.items.length, 3, "one Lease per member");

    // partition member-c: the others take its keys once its lease expires
    const c = members.get("member-c")!;
    const cKeys = keys.filter((k) => rendezvousOwner(k, ids) === "member-c");
    c.proxy.refuse();
    c.proxy.cut();
    const cutAt = Date.now();
    await waitFor(() => !c.membership.isActive(), "member-c stops processing", 10_000);
    const live = [members.get("member-a")!, members.get("member-b")!];
    await waitFor(
      () => live.every((m) => m.membership.members().length === 2),
      "the others drop member-c",
      15_000,
    );
    for (const k of cKeys) {
      const cur = await admin.get(ConfigMaps, k.split("/")[1]!, { namespace: work.name });
      await admin.replace(ConfigMaps, { ...cur, data: { touched: "2" } });
    }
    await waitFor(
      () =>
        cKeys.every((k) => log.some((p) => p.key === k && p.at > cutAt && p.member !== "member-c")),
      "member-c's keys processed by the others",
      20_000,
    );
    assert.equal(
      log.filter((p) => p.member === "member-c" && p.at > cutAt + RENEW_MS + RETRY_MS).length,
      0,
      "the partitioned member processed nothing after its renew deadline",
    );
    assert.equal(c.logger.find("warn", "renew deadline passed").length, 1);
    c.proxy.refuse(false);
  });
});
