// One sharded replica for the sharding tests: its own client (a Link that can be
// cut), its own process clock (that can stall), a ConfigMap informer, a
// ShardMembership and a Controller over shardedResource. Every reconcile is
// appended to a shared log.
import assert from "node:assert/strict";
import { SharedInformer } from "../../src/cache/informer.ts";
import { Controller } from "../../src/controller/controller.ts";
import { newResource } from "../../src/controller/resource.ts";
import {
  ShardMembership,
  type ShardMembershipOptions,
  shardedResource,
} from "../../src/election/mod.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { type Link, ProcessClock, type World } from "./helpers.ts";

export const WORK_NS = "work";
export const LEASE_NS = "kube-system";

export interface Reconcile {
  key: string;
  member: string;
  at: number;
  rv: string | undefined;
}

export interface ShardNode {
  id: string;
  link: Link;
  clock: ProcessClock;
  membership: ShardMembership;
  /** Graceful shutdown: stop processing, then leave the group. */
  stop(): Promise<void>;
  /** The process dies: nothing it started ever completes, its lease is left behind. */
  crash(): void;
  /** Let a crashed or stalled node finish (test cleanup). */
  dispose(): Promise<void>;
}

export function shardNode(
  world: World,
  id: string,
  log: Reconcile[],
  options: Partial<ShardMembershipOptions> = {},
): ShardNode {
  const clock = new ProcessClock(world.clock);
  const { client, link } = world.client(clock);
  // Crashes, stalls and partitions are the point here: keep their warnings quiet.
  const logger = silentLogger;
  const informer = new SharedInformer(client, ConfigMaps, { namespace: WORK_NS, clock, logger });
  const membership = new ShardMembership({
    client,
    namespace: LEASE_NS,
    group: "g",
    identity: id,
    clock,
    logger,
    ...options,
  });
  const resource = newResource<ConfigMap>(
    informer,
    (key, obj) => {
      log.push({ key, member: id, at: world.clock.now(), rv: obj.metadata.resourceVersion });
    },
    () => {},
  );
  const controller = new Controller({
    resource: shardedResource(resource, membership),
    clock,
    logger,
    workers: 2,
  });
  const stopController = new AbortController();
  const stopMembership = new AbortController();
  const membershipDone = membership.run(stopMembership.signal);
  const controllerDone = controller.run(stopController.signal).catch(() => {});
  let crashed = false;
  return {
    id,
    link,
    clock,
    membership,
    async stop() {
      stopController.abort();
      await controllerDone;
      stopMembership.abort();
      await membershipDone;
    },
    crash() {
      crashed = true;
      link.partition();
      clock.stall();
    },
    async dispose() {
      if (crashed) {
        // A dead process must not come back and release its lease during cleanup.
        link.broken = true;
      }
      link.resume();
      clock.resume();
      stopController.abort();
      stopMembership.abort();
      await world.settle();
      await Promise.all([controllerDone, membershipDone.catch(() => {})]);
    },
  };
}

/** Assert that no key is owned by two nodes at the current instant. */
export function assertSingleOwners(nodes: readonly ShardNode[], keys: readonly string[]): void {
  for (const k of keys) {
    const owners = nodes.filter((n) => n.membership.owns(k)).map((n) => n.id);
    assert.ok(owners.length <= 1, `${k} owned by ${owners.join(" and ")}`);
  }
}

/** Create `n` ConfigMaps in the work namespace; returns their keys. */
export function seedKeys(world: World, n: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    world.server.create(ConfigMaps, { metadata: { name: `cm-${i}`, namespace: WORK_NS } });
    keys.push(`${WORK_NS}/cm-${i}`);
  }
  return keys;
}

/** Write a new version of each key; returns the resource version written per key. */
export function touch(world: World, keys: readonly string[], v: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of keys) {
    const name = k.split("/")[1]!;
    const cm = world.server.get(ConfigMaps, name, WORK_NS)!;
    const updated = world.server.update(ConfigMaps, { ...cm, data: { v } });
    out.set(k, updated.metadata.resourceVersion!);
  }
  return out;
}
