/**
 * One member of the sharding scale scenario (scripts/bench/sharding.ts), in its
 * own process: a KubeClient to the fake API server over HTTP, a ConfigMap
 * informer (full, or `OwnedInformer` with `owned: true`), a ShardMembership
 * and a Controller over shardedResource, on the real clock.
 *
 * Config: JSON in SHARD_MEMBER. Stdout: JSON lines, `{type: "status", ...}`
 * every 250 ms, then `{type: "report", ...}` when stdin says `report`.
 * The report holds every view the membership made (to replay ownership at any
 * instant with shardOwns) and every reconcile (key index, time, version).
 */
import { createInterface } from "node:readline";
import * as kubeloop from "../../src/mod.ts";

interface MemberConfig {
  url: string;
  identity: string;
  group: string;
  namespace: string;
  leaseNamespace: string;
  keys: number;
  owned: boolean;
  workers: number;
  timings?: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
}

const cfg = JSON.parse(process.env.SHARD_MEMBER ?? "{}") as MemberConfig;
process.stdout.write(`${JSON.stringify({ type: "started", t: Date.now() })}\n`);
const {
  ConfigMaps,
  Controller,
  KubeClient,
  SharedInformer,
  ShardMembership,
  newResource,
  shardedResource,
} = kubeloop;
const OwnedInformer = (kubeloop as { OwnedInformer?: typeof kubeloop.OwnedInformer }).OwnedInformer;

const keyIndex = (key: string): number => Number(key.slice(key.lastIndexOf("-") + 1));
const keys = Array.from({ length: cfg.keys }, (_, i) => `${cfg.namespace}/cm-${i}`);

// views: [at, validUntil, holdUntil, holding (0/1), list id]; lists: member lists by id
const views: number[][] = [];
const lists: string[][] = [];
const listIds = new Map<string, number>();
const listId = (members: readonly string[]): number => {
  const k = members.join(",");
  let id = listIds.get(k);
  if (id === undefined) {
    id = lists.length;
    lists.push([...members]);
    listIds.set(k, id);
  }
  return id;
};
// reconciles: flat [keyIndex, at, rv] triples
const reconciles: number[] = [];
let countAfterRv = Number.POSITIVE_INFINITY;
let countAfter = 0;

const client = new KubeClient({ server: cfg.url });
const membership = new ShardMembership({
  client,
  namespace: cfg.leaseNamespace,
  group: cfg.group,
  identity: cfg.identity,
  ...(cfg.timings ?? {}),
  onView: (view: kubeloop.ShardView, at: number) => {
    views.push([
      at,
      view.validUntil,
      view.holdUntil,
      view.holdFrom.length > 0 ? 1 : 0,
      listId(view.members),
    ]);
  },
} as kubeloop.ShardMembershipOptions);
const exact = typeof (membership as { view?: unknown }).view === "function";

const informer =
  cfg.owned && OwnedInformer
    ? new OwnedInformer(client, ConfigMaps, membership, { namespace: cfg.namespace })
    : new SharedInformer(client, ConfigMaps, { namespace: cfg.namespace });

// Keys owned, and owned keys not reconciled since they were gained. A
// reconcile passes the owns() gate, so one since the last refresh counts.
let owned = new Set<number>();
const pending = new Set<number>();
const lastReconciled = new Float64Array(cfg.keys);
let refreshedAt = 0;
let refreshedSig = "";
const refreshOwned = (force: boolean): void => {
  const st = membership.status();
  const sig = JSON.stringify([st.active, st.settlingUntil > 0, st.members]);
  if (!force && sig === refreshedSig) return;
  const previous = refreshedAt;
  refreshedSig = sig;
  refreshedAt = Date.now();
  const now = new Set<number>();
  for (let i = 0; i < keys.length; i++) if (membership.owns(keys[i]!)) now.add(i);
  for (const i of now) if (!owned.has(i) && lastReconciled[i]! < previous) pending.add(i);
  for (const i of pending) if (!now.has(i)) pending.delete(i);
  owned = now;
};
membership.subscribe(() => refreshOwned(true));

const resource = newResource<kubeloop.ConfigMap>(
  informer,
  (key, obj) => {
    const i = keyIndex(key);
    const at = Date.now();
    const rv = Number(obj.metadata.resourceVersion ?? -1);
    reconciles.push(i, at, rv);
    if (rv > countAfterRv) countAfter++;
    lastReconciled[i] = at;
    pending.delete(i);
  },
  () => {},
);
const controller = new Controller({
  resource: shardedResource(resource, membership),
  workers: cfg.workers,
});
const stop = new AbortController();
const membershipDone = membership.run(stop.signal);
const controllerDone = controller.run(stop.signal).catch(() => {});

// Without view() (older code), approximate the views by polling status().
let lastStatusView = "";
const statusTimer = setInterval(
  () => {
    if (!exact) {
      const st = membership.status();
      const sig = JSON.stringify([st.active, st.members, st.settlingUntil]);
      if (sig !== lastStatusView) {
        lastStatusView = sig;
        views.push([
          Date.now(),
          st.active ? Number.MAX_SAFE_INTEGER : 0,
          st.settlingUntil,
          st.settlingUntil > 0 ? 1 : 0,
          listId(st.members),
        ]);
      }
    }
  },
  exact ? 1000 : 20,
);

const report = (type: string, extra: Record<string, unknown> = {}): void => {
  const st = membership.status();
  process.stdout.write(
    `${JSON.stringify({
      type,
      identity: cfg.identity,
      t: Date.now(),
      active: st.active,
      members: st.members.length,
      holding: st.settlingUntil > 0,
      owned: owned.size,
      pending: pending.size,
      cached: informer.store.keys().length,
      countAfter,
      ...extra,
    })}\n`,
  );
};
const tick = setInterval(() => {
  refreshOwned(false); // the clock alone can change ownership (a lapse, the end of a hold-back)
  report("status");
}, 250);

createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, arg] = line.trim().split(" ");
  if (command === "count-after") {
    // count reconciles of versions newer than `arg` from now on (status.countAfter)
    countAfterRv = Number(arg);
    countAfter = 0;
    for (let j = 2; j < reconciles.length; j += 3) if (reconciles[j]! > countAfterRv) countAfter++;
    return;
  }
  if (command !== "report") return;
  clearInterval(tick);
  clearInterval(statusTimer);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const mem = process.memoryUsage();
  report("report", {
    exact,
    heapMB: mem.heapUsed / 2 ** 20,
    rssMB: mem.rss / 2 ** 20,
    views,
    lists,
    reconciles,
  });
  // Leave without releasing (the orchestrator removes the group's leases),
  // once the report is flushed.
  process.stdout.write("", () => process.exit(0));
});

process.on("SIGTERM", () => {
  stop.abort();
  void Promise.all([membershipDone, controllerDone]).finally(() => process.exit(0));
});
