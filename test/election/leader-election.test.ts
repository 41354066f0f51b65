import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  formatMicroTime,
  isLeaseConflict,
  kubeLeaseStore,
  type LeaderElectionOutcome,
  LeaderElector,
  type LeaderElectorOptions,
  LeadershipLostError,
} from "../../src/election/mod.ts";
import { Leases } from "../../src/resources/coordination.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { type Link, type Mode, World } from "./helpers.ts";

const NS = "default";
const NAME = "my-controller";
const LEASE_MS = 15_000;
const RENEW_MS = 10_000;
const RETRY_MS = 2_000;

interface Candidate {
  id: string;
  elector: LeaderElector;
  link: Link;
  stop: AbortController;
  done: Promise<LeaderElectionOutcome>;
  startedAt: number[];
  stoppedAt: number[];
  signalAbortedAt: number[];
  lastSignal: AbortSignal | undefined;
  newLeaders: string[];
  /** What the elector logged (losing the lease is a warning). */
  logger: MemoryLogger;
}

function candidate(
  world: World,
  id: string,
  timeline: string[],
  extra: Partial<LeaderElectorOptions> = {},
): Candidate {
  const { client, link } = world.client();
  const c: Partial<Candidate> & {
    startedAt: number[];
    stoppedAt: number[];
    signalAbortedAt: number[];
    newLeaders: string[];
  } = {
    id,
    link,
    startedAt: [],
    stoppedAt: [],
    signalAbortedAt: [],
    newLeaders: [],
    lastSignal: undefined,
  };
  c.logger = new MemoryLogger();
  c.elector = new LeaderElector({
    client,
    logger: c.logger,
    namespace: NS,
    name: NAME,
    identity: id,
    clock: world.clock,
    random: () => 0,
    onStartedLeading: (signal) => {
      c.startedAt.push(world.clock.now());
      c.lastSignal = signal;
      timeline.push(`${id}:start`);
      return new Promise<void>((resolve) => {
        signal.addEventListener(
          "abort",
          () => {
            c.signalAbortedAt.push(world.clock.now());
            timeline.push(`${id}:abort`);
            resolve();
          },
          { once: true },
        );
      });
    },
    onStoppedLeading: () => {
      c.stoppedAt.push(world.clock.now());
      timeline.push(`${id}:stopped`);
    },
    onNewLeader: (leader) => c.newLeaders.push(leader),
    ...extra,
  });
  c.stop = new AbortController();
  c.done = c.elector.run(c.stop.signal);
  return c as Candidate;
}

async function holder(world: World): Promise<string | null | undefined> {
  return world.server.get(Leases, NAME, NS)?.spec?.holderIdentity;
}

function suite(mode: Mode): void {
  describe(`LeaderElector (${mode})`, () => {
    const worlds: World[] = [];
    const candidates: Candidate[] = [];
    after(async () => {
      for (const c of candidates) c.stop.abort();
      for (const w of worlds) await w.close();
    });
    async function setup(): Promise<World> {
      const w = await World.create(mode);
      worlds.push(w);
      return w;
    }
    function start(
      w: World,
      id: string,
      timeline: string[],
      extra?: Partial<LeaderElectorOptions>,
    ): Candidate {
      const c = candidate(w, id, timeline, extra);
      candidates.push(c);
      return c;
    }

    it("acquires a missing lease and renews it every retry period", {
      timeout: 120_000,
    }, async () => {
      const w = await setup();
      const timeline: string[] = [];
      const a = start(w, "a", timeline);
      await w.advanceUntil(() => a.elector.isLeader(), 1000);
      assert.deepEqual(timeline, ["a:start"]);
      assert.deepEqual(a.newLeaders, ["a"]);
      const lease = w.server.get(Leases, NAME, NS);
      assert.equal(lease?.spec?.holderIdentity, "a");
      assert.equal(lease?.spec?.leaseDurationSeconds, 15);
      assert.equal(lease?.spec?.leaseTransitions, 0);
      assert.match(String(lease?.spec?.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      const firstRenew = lease?.spec?.renewTime;
      await w.advance(RETRY_MS + 100);
      const renewed = w.server.get(Leases, NAME, NS);
      assert.notEqual(renewed?.spec?.renewTime, firstRenew);
      assert.equal(renewed?.spec?.acquireTime, lease?.spec?.acquireTime);
      assert.equal(a.elector.status().leading, true);
      assert.equal(a.elector.status().lastError, undefined);
      a.stop.abort();
      await w.settle();
      assert.equal(await a.done, "stopped");
    });

    it("a second candidate takes over within the lease duration when the leader stops renewing", {
      timeout: 120_000,
    }, async () => {
      const w = await setup();
      const timeline: string[] = [];
      const a = start(w, "a", timeline);
      await w.advanceUntil(() => a.elector.isLeader(), 1000);
      const b = start(w, "b", timeline);
      await w.advance(5_000);
      assert.equal(b.elector.isLeader(), false);
      assert.deepEqual(b.newLeaders, ["a"]);
      assert.equal(b.elector.getLeader(), "a");

      // The leader is cut off from the API server: its requests hang.
      const lastRenew = a.elector.status().lastRenewAt!;
      a.link.pause();
      const tookOver = await w.advanceUntil(() => b.elector.isLeader(), 30_000);
      assert.ok(tookOver > 0);
      const takeoverAt = b.startedAt[0]!;
      // The old leader's signal aborted at its renew deadline, before the new one started.
      const abortedAt = a.signalAbortedAt[0]!;
      assert.ok(abortedAt <= lastRenew + RENEW_MS + 100, `aborted at +${abortedAt - lastRenew}`);
      assert.ok(a.lastSignal?.reason instanceof LeadershipLostError);
      assert.ok(abortedAt < takeoverAt);
      assert.deepEqual(timeline, ["a:start", "a:abort", "a:stopped", "b:start"]);
      // Within the lease duration (plus one observation lag and one retry).
      assert.ok(
        takeoverAt - lastRenew <= LEASE_MS + 2 * RETRY_MS,
        `took over ${takeoverAt - lastRenew} ms after the last renew`,
      );
      assert.ok(takeoverAt - lastRenew >= LEASE_MS, "never before the lease could expire");
      assert.equal(await a.done, "lost");
      assert.equal(a.logger.find("warn", "lost lease").length, 1);
      assert.equal(await holder(w), "b");
      assert.equal(w.server.get(Leases, NAME, NS)?.spec?.leaseTransitions, 1);
      assert.deepEqual(b.newLeaders, ["a", "b"]);
      b.stop.abort();
      await w.settle();
      await b.done;
    });

    it("releases the lease on shutdown so another candidate takes over at once", {
      timeout: 120_000,
    }, async () => {
      const w = await setup();
      const timeline: string[] = [];
      const a = start(w, "a", timeline);
      await w.advanceUntil(() => a.elector.isLeader(), 1000);
      const b = start(w, "b", timeline);
      await w.advance(3_000);
      assert.equal(b.elector.isLeader(), false);
      const stopAt = w.clock.now();
      a.stop.abort();
      await w.settle();
      assert.equal(await a.done, "stopped");
      const released = w.server.get(Leases, NAME, NS);
      assert.equal(released?.spec?.holderIdentity, "");
      assert.equal(released?.spec?.leaseDurationSeconds, 1);
      const took = await w.advanceUntil(() => b.elector.isLeader(), LEASE_MS);
      assert.ok(took <= RETRY_MS + 100, `took ${took} ms after release`);
      assert.ok(b.startedAt[0]! - stopAt < LEASE_MS / 2);
      assert.deepEqual(timeline, ["a:start", "a:abort", "a:stopped", "b:start"]);
      assert.equal(await holder(w), "b");
      b.stop.abort();
      await w.settle();
      await b.done;
    });

    it("judges expiry by its own clock, not the lease's renewTime (clock skew)", {
      timeout: 120_000,
    }, async () => {
      const w = await setup();
      // A lease renewed "an hour ago" by a holder whose clock may be skewed.
      w.server.create(Leases, {
        metadata: { name: NAME, namespace: NS },
        spec: {
          holderIdentity: "ghost",
          leaseDurationSeconds: 15,
          renewTime: formatMicroTime(w.clock.now() - 3_600_000),
          acquireTime: formatMicroTime(w.clock.now() - 7_200_000),
          leaseTransitions: 4,
        },
      });
      const timeline: string[] = [];
      const startAt = w.clock.now();
      const a = start(w, "a", timeline);
      await w.advance(LEASE_MS - 1_000);
      assert.equal(a.elector.isLeader(), false, "must wait a full lease duration of its own");
      assert.deepEqual(a.newLeaders, ["ghost"]);
      await w.advanceUntil(() => a.elector.isLeader(), 2 * RETRY_MS + 1000);
      assert.ok(a.startedAt[0]! - startAt >= LEASE_MS);
      const lease = w.server.get(Leases, NAME, NS);
      assert.equal(lease?.spec?.holderIdentity, "a");
      assert.equal(lease?.spec?.leaseTransitions, 5);
      a.stop.abort();
      await w.settle();
      await a.done;
    });

    it("resolves conflicting updates by resourceVersion: exactly one candidate wins", {
      timeout: 120_000,
    }, async () => {
      const w = await setup();
      w.server.create(Leases, {
        metadata: { name: NAME, namespace: NS },
        spec: { holderIdentity: "ghost", leaseDurationSeconds: 15, leaseTransitions: 0 },
      });
      const timeline: string[] = [];
      const a = start(w, "a", timeline);
      const b = start(w, "b", timeline);
      // Hold both candidates' writes so both PUT with the same resourceVersion.
      const holdPut = (method: string): boolean => method === "PUT";
      a.link.holdIf = holdPut;
      b.link.holdIf = holdPut;
      await w.advanceUntil(() => a.link.held === 1 && b.link.held === 1, LEASE_MS + 3 * RETRY_MS);
      const rvBefore = w.server.get(Leases, NAME, NS)?.metadata.resourceVersion;
      a.link.resume();
      b.link.resume();
      await w.settle();
      const leaders = [a, b].filter((c) => c.elector.isLeader());
      assert.equal(leaders.length, 1, "exactly one leader");
      const conflicts = w.server.requests.filter((r) => r.method === "PUT" && r.status === 409);
      assert.equal(conflicts.length, 1, "the second write was rejected with 409");
      const lease = w.server.get(Leases, NAME, NS);
      assert.notEqual(lease?.metadata.resourceVersion, rvBefore);
      assert.equal(lease?.spec?.holderIdentity, leaders[0]!.id);
      assert.equal(lease?.spec?.leaseTransitions, 1);
      const loser = leaders[0] === a ? b : a;
      assert.equal(loser.elector.getLeader(), leaders[0]!.id, "the loser re-read the lease");
      // Steady state afterwards: still one leader, no further conflicts.
      await w.advance(3 * RETRY_MS);
      assert.equal([a, b].filter((c) => c.elector.isLeader()).length, 1);
      assert.equal(timeline.filter((e) => e.endsWith(":start")).length, 1);
      a.stop.abort();
      b.stop.abort();
      await w.settle();
      await Promise.all([a.done, b.done]);
    });

    it("aborts the leader's signal at the renew deadline when renewals fail", {
      timeout: 120_000,
    }, async () => {
      const w = await setup();
      const timeline: string[] = [];
      const a = start(w, "a", timeline);
      await w.advanceUntil(() => a.elector.isLeader(), 1000);
      await w.advance(RETRY_MS * 2);
      const lastRenew = a.elector.status().lastRenewAt!;
      a.link.broken = true;
      await w.advanceUntil(() => !a.elector.isLeader(), RENEW_MS + 1000, 50);
      const abortedAt = a.signalAbortedAt[0]!;
      assert.ok(abortedAt >= lastRenew + RENEW_MS - 50);
      assert.ok(abortedAt <= lastRenew + RENEW_MS + 50);
      assert.ok(a.lastSignal?.aborted);
      assert.ok(a.lastSignal?.reason instanceof LeadershipLostError);
      assert.match(a.elector.status().lastError ?? "", /connection refused/);
      assert.equal(await a.done, "lost");
      assert.equal(a.logger.find("warn", "lost lease").length, 1);
      assert.deepEqual(timeline, ["a:start", "a:abort", "a:stopped"]);
      // Re-campaign after the link heals.
      a.link.broken = false;
      const again = new AbortController();
      const rerun = a.elector.run(again.signal);
      await w.advanceUntil(() => a.elector.isLeader(), LEASE_MS + 3 * RETRY_MS);
      again.abort();
      await w.settle();
      assert.equal(await rerun, "stopped");
    });
  });
}

suite("in-process");
suite("http");

describe("LeaderElector options and the lease store", () => {
  it("validates timings like client-go", { timeout: 120_000 }, async () => {
    const w = await World.create();
    try {
      const { client } = w.client();
      const base = { client, namespace: NS, name: NAME, identity: "x" };
      assert.throws(
        () => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
        RangeError,
      );
      assert.throws(
        () => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }),
        RangeError,
      );
      assert.throws(() => new LeaderElector({ ...base, retryPeriodMs: 0 }), RangeError);
      assert.throws(() => new LeaderElector({ ...base, identity: "" }), TypeError);
      assert.throws(
        () => new LeaderElector({ namespace: NS, name: NAME, identity: "x" }),
        TypeError,
      );
      assert.ok(new LeaderElector(base));
    } finally {
      await w.close();
    }
  });

  it("kubeLeaseStore rejects a stale resourceVersion with a conflict", {
    timeout: 120_000,
  }, async () => {
    const w = await World.create();
    try {
      const { client } = w.client();
      const store = kubeLeaseStore(client);
      assert.equal(await store.get(NS, "l1"), undefined);
      const created = await store.create({
        metadata: { name: "l1", namespace: NS, labels: { g: "x" } },
        spec: { holderIdentity: "a" },
      });
      const updated = await store.replace({ ...created, spec: { holderIdentity: "b" } });
      await assert.rejects(
        () => store.replace({ ...created, spec: { holderIdentity: "c" } }),
        (err: unknown) => isLeaseConflict(err),
      );
      await assert.rejects(
        () => store.create(created),
        (err: unknown) => isLeaseConflict(err),
      );
      assert.equal((await store.get(NS, "l1"))?.spec?.holderIdentity, "b");
      assert.equal((await store.list(NS, "g=x")).length, 1);
      assert.equal(updated.spec?.holderIdentity, "b");
      await store.delete(NS, "l1");
      await store.delete(NS, "l1");
      assert.equal(await store.get(NS, "l1"), undefined);
    } finally {
      await w.close();
    }
  });

  it("formats MicroTime with six fractional digits", () => {
    assert.equal(formatMicroTime(0), "1970-01-01T00:00:00.000000Z");
    assert.equal(formatMicroTime(1_700_000_000_123), "2023-11-14T22:13:20.123000Z");
  });
});
