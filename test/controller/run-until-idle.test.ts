// controller.runUntilIdle: catch up, reconcile, checkpoint, stop, and the next
// run resumes from the checkpoint (no list) reconciling exactly what changed
// plus what was left unfinished.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InformerSnapshot } from "../../src/cache/checkpoint.ts";
import { loadSnapshot } from "../../src/cache/checkpoint.ts";
import { MemoryCheckpointStore } from "../../src/cache/checkpoint-stores.ts";
import { createInformer } from "../../src/cache/informer.ts";
import { Controller, type ControllerOptions } from "../../src/controller/controller.ts";
import type { RunUntilIdleOptions } from "../../src/controller/run-until-idle.ts";
import { ItemExponentialRateLimiter } from "../../src/queue/rate-limiters.ts";
import { type ConfigMap, ConfigMaps } from "../../src/resources/core.ts";
import { type Logger, silentLogger } from "../../src/util/logger.ts";
import { pump, type World, world } from "./support.ts";

function cm(name: string, data: Record<string, string> = {}): ConfigMap {
  return { metadata: { name, namespace: "default" }, data };
}

function lists(w: World): number {
  return w.server.requests.filter((r) => r.verb === "list").length;
}

interface Calls {
  log: string[];
  /** Keys whose upsert throws. */
  failing: Set<string>;
  /** Keys whose delete throws. */
  failingDeletes: Set<string>;
  /** Keys whose upsert returns `{ requeueAfter }` (ms). */
  requeue: Map<string, number>;
  /** Keys whose upsert waits until the run ends. */
  hang: Set<string>;
  /** When (fake clock, ms) each upsert started. */
  times: number[];
}

/** One "alarm": a new informer (from the checkpoint, if any) and controller, run until idle. */
async function alarm(
  w: World,
  store: MemoryCheckpointStore,
  calls: Calls,
  options: RunUntilIdleOptions & {
    reconcileRestored?: boolean;
    /** A constant retry delay. */
    retryDelayMs?: number;
    /** An exponential retry delay: this, then twice as long each time (up to an hour). */
    retryBaseMs?: number;
    onError?: ControllerOptions<ConfigMap>["onError"];
    logger?: Logger;
  } = {},
) {
  const { retryDelayMs, retryBaseMs, onError, logger, reconcileRestored, ...runOptions } = options;
  const initialState = await loadSnapshot<ConfigMap>(store, "cms");
  const informer = createInformer(w.client, ConfigMaps, {
    namespace: "default",
    clock: w.clock,
    random: () => 0,
    initialState,
    logger: silentLogger, // failures are injected on purpose
  });
  const controller = new Controller<ConfigMap>({
    clock: w.clock,
    logger: logger ?? silentLogger,
    reconcileRestored,
    onError,
    ...(retryDelayMs !== undefined
      ? { rateLimiter: new ItemExponentialRateLimiter<string>(retryDelayMs, retryDelayMs) }
      : {}),
    ...(retryBaseMs !== undefined
      ? { rateLimiter: new ItemExponentialRateLimiter<string>(retryBaseMs, 3_600_000) }
      : {}),
    resource: {
      informer: () => informer,
      upsert: async (key, obj, ctx) => {
        calls.log.push(`upsert ${key} ${obj.data?.v ?? ""}`);
        calls.times.push(w.clock.now());
        if (calls.hang.has(key)) {
          await new Promise((resolve) => ctx?.signal.addEventListener("abort", resolve));
        }
        if (calls.failing.has(key)) throw new Error(`upsert ${key} failed`);
        const requeueAfter = calls.requeue.get(key);
        return requeueAfter === undefined ? undefined : { requeueAfter };
      },
      delete: (key, obj) => {
        calls.log.push(`delete ${key} ${obj.data?.v ?? ""}`);
        if (calls.failingDeletes.has(key)) throw new Error(`delete ${key} failed`);
      },
    },
  });
  return pump(
    w.clock,
    controller.runUntilIdle({ settleMs: 200, checkpoint: { store, key: "cms" }, ...runOptions }),
  );
}

function calls(): Calls {
  return {
    log: [],
    failing: new Set(),
    failingDeletes: new Set(),
    requeue: new Map(),
    hang: new Set(),
    times: [],
  };
}

describe("controller.runUntilIdle", () => {
  it("syncs, reconciles every key, stops once idle and checkpoints", async () => {
    const w = world();
    for (const n of ["a", "b", "c"]) w.server.create(ConfigMaps, cm(n, { v: "1" }));
    const store = new MemoryCheckpointStore();
    const c = calls();
    const summary = await alarm(w, store, c);
    assert.equal(summary.stoppedBy, "idle");
    assert.equal(summary.synced, true);
    assert.equal(summary.resumedWithoutList, false);
    assert.deepEqual([...summary.reconciled].sort(), ["default/a", "default/b", "default/c"]);
    assert.deepEqual(summary.failures, []);
    assert.deepEqual(summary.pending, []);
    assert.equal(summary.resourceVersion, w.server.resourceVersion());
    assert.equal(summary.checkpointed, true);
    const saved = (await loadSnapshot<ConfigMap>(store, "cms")) as InformerSnapshot<ConfigMap>;
    assert.equal(saved.resourceVersion, w.server.resourceVersion());
    assert.equal(saved.objects.length, 3);
    assert.equal(w.server.watcherCount(), 0, "no watch left open");
    assert.equal(w.clock.pendingTimers, 0, "no timer left behind");
    await w.server.close();
  });

  it("the next run resumes without a list and reconciles exactly the keys that changed", async () => {
    const w = world();
    for (const n of ["a", "b", "c", "d"]) w.server.create(ConfigMaps, cm(n, { v: "1" }));
    const store = new MemoryCheckpointStore();
    await alarm(w, store, calls());
    // between the alarms
    w.server.update(ConfigMaps, cm("a", { v: "2" }));
    w.server.delete(ConfigMaps, "b", "default");
    w.server.create(ConfigMaps, cm("e", { v: "1" }));
    const before = lists(w);
    const c = calls();
    const summary = await alarm(w, store, c);
    assert.equal(lists(w), before, "no list request");
    assert.equal(summary.resumedWithoutList, true);
    assert.equal(summary.stoppedBy, "idle");
    assert.deepEqual(c.log.sort(), [
      "delete default/b 1",
      "upsert default/a 2",
      "upsert default/e 1",
    ]);
    assert.deepEqual([...summary.reconciled].sort(), ["default/a", "default/b", "default/e"]);
    assert.equal(summary.resourceVersion, w.server.resourceVersion());
    // and a third run with nothing changed does nothing
    const quiet = calls();
    const third = await alarm(w, store, quiet);
    assert.deepEqual(quiet.log, []);
    assert.deepEqual(third.reconciled, []);
    assert.equal(lists(w), before);
    await w.server.close();
  });

  it("unfinished keys (a failing upsert, a failing delete) go into the checkpoint and are retried by the next run", async () => {
    const w = world();
    for (const n of ["a", "b"]) w.server.create(ConfigMaps, cm(n, { v: "1" }));
    const store = new MemoryCheckpointStore();
    const c = calls();
    c.failing.add("default/a");
    // the retry waits a minute: longer than the run
    const first = await alarm(w, store, c, { retryDelayMs: 60_000 });
    assert.equal(first.stoppedBy, "idle", "only a delayed retry is left: idle");
    assert.deepEqual(first.pending, ["default/a"]);
    assert.equal(first.failures.length, 1);
    assert.equal(first.failures[0]!.key, "default/a");
    assert.equal(first.failures[0]!.dropped, false);
    assert.deepEqual(first.snapshot?.pending, ["default/a"]);
    // b's delete fails once the object is gone
    w.server.delete(ConfigMaps, "b", "default");
    await w.clock.advance(60_000); // a's retry is due
    const c2 = calls();
    c2.failing.add("default/a");
    c2.failingDeletes.add("default/b");
    const second = await alarm(w, store, c2, { retryDelayMs: 60_000 });
    assert.ok(c2.log.includes("upsert default/a 1"), "the pending key is reconciled again");
    assert.ok(c2.log.includes("delete default/b 1"));
    assert.deepEqual([...second.pending].sort(), ["default/a", "default/b"]);
    assert.deepEqual(
      second.snapshot?.deleted?.map((o) => o.metadata.name),
      ["b"],
    );
    // third run, once the retries are due: everything works
    await w.clock.advance(60_000);
    const c3 = calls();
    const third = await alarm(w, store, c3);
    assert.deepEqual(c3.log.sort(), ["delete default/b 1", "upsert default/a 1"]);
    assert.deepEqual(third.pending, []);
    assert.deepEqual(third.snapshot?.deleted, undefined);
    await w.server.close();
  });

  it("a compacted server makes the next run relist, and objects deleted meanwhile are delivered as deletes", async () => {
    const w = world();
    for (const n of ["a", "b", "c"]) w.server.create(ConfigMaps, cm(n, { v: "1" }));
    const store = new MemoryCheckpointStore();
    await alarm(w, store, calls());
    w.server.delete(ConfigMaps, "c", "default");
    w.server.update(ConfigMaps, cm("a", { v: "2" }));
    w.server.faults.compact();
    const before = lists(w);
    const c = calls();
    const summary = await alarm(w, store, c);
    assert.equal(lists(w), before + 1, "one relist");
    assert.equal(summary.resumedWithoutList, false);
    assert.deepEqual(c.log.sort(), ["delete default/c 1", "upsert default/a 2"]);
    await w.server.close();
  });

  it("reconcileRestored reconciles every restored object", async () => {
    const w = world();
    for (const n of ["a", "b"]) w.server.create(ConfigMaps, cm(n, { v: "1" }));
    const store = new MemoryCheckpointStore();
    await alarm(w, store, calls());
    const c = calls();
    await alarm(w, store, c, { reconcileRestored: true });
    assert.deepEqual(c.log.sort(), ["upsert default/a 1", "upsert default/b 1"]);
    await w.server.close();
  });

  it("stops at maxMs when it cannot get current, and on its signal", async () => {
    const w = world();
    w.server.create(ConfigMaps, cm("a"));
    w.server.faults.failNext({ verb: "list", status: 503, times: Number.POSITIVE_INFINITY });
    const store = new MemoryCheckpointStore();
    const timedOut = await alarm(w, store, calls(), { maxMs: 5_000 });
    assert.equal(timedOut.stoppedBy, "timeout");
    assert.equal(timedOut.synced, false);
    assert.equal(timedOut.snapshot, undefined);
    assert.equal(timedOut.checkpointed, false);
    assert.equal(await store.get("cms"), undefined);
    const ac = new AbortController();
    const running = alarm(w, store, calls(), { signal: ac.signal });
    ac.abort();
    assert.equal((await running).stoppedBy, "signal");
    assert.equal(w.clock.pendingTimers, 0);
    await w.server.close();
  });

  describe("due times: delayed keys are not run early after a restart", () => {
    const MINUTE = 60_000;

    it("requeueAfter 10 min: a run one minute later leaves the key alone, one ten minutes later reconciles it", async () => {
      const w = world();
      w.server.create(ConfigMaps, cm("a", { v: "1" }));
      const store = new MemoryCheckpointStore();
      const c = calls();
      c.requeue.set("default/a", 10 * MINUTE);
      const first = await alarm(w, store, c);
      assert.deepEqual(c.log, ["upsert default/a 1"]);
      assert.equal(first.stoppedBy, "idle");
      assert.deepEqual(first.pending, ["default/a"]);
      const dueAt = first.snapshot?.pendingDueAt?.["default/a"];
      assert.equal(typeof dueAt, "number");
      assert.ok(dueAt! > w.clock.now() + 9 * MINUTE, "due ten minutes after the reconcile");
      const saved = (await loadSnapshot<ConfigMap>(store, "cms")) as InformerSnapshot<ConfigMap>;
      assert.deepEqual(saved.pendingDueAt, { "default/a": dueAt });

      await w.clock.advance(MINUTE); // the next alarm
      const c2 = calls();
      const second = await alarm(w, store, c2);
      assert.deepEqual(c2.log, [], "not due yet: not reconciled");
      assert.equal(second.stoppedBy, "idle", "a restored delayed key does not block idle");
      assert.deepEqual(second.pending, ["default/a"], "still pending");
      assert.deepEqual(
        second.snapshot?.pendingDueAt,
        { "default/a": dueAt },
        "its due time is kept, not reset",
      );
      assert.equal(w.clock.pendingTimers, 0, "no timer left behind");

      await w.clock.advance(dueAt! - w.clock.now());
      const c3 = calls();
      const third = await alarm(w, store, c3);
      assert.deepEqual(c3.log, ["upsert default/a 1"], "due: reconciled at once");
      assert.deepEqual(third.pending, []);
      assert.equal(third.snapshot?.pendingDueAt, undefined);
      await w.server.close();
    });

    it("a failing key's retry is not run before its backoff after a restart", async () => {
      const w = world();
      w.server.create(ConfigMaps, cm("a", { v: "1" }));
      const store = new MemoryCheckpointStore();
      const c = calls();
      c.failing.add("default/a");
      const first = await alarm(w, store, c, { retryDelayMs: 5 * MINUTE });
      assert.equal(first.failures.length, 1);
      const failedAt = w.clock.now() - 10; // near enough: the run idles soon after
      const dueAt = first.snapshot?.pendingDueAt?.["default/a"];
      assert.ok(dueAt !== undefined && dueAt >= failedAt + 4 * MINUTE, "due after the backoff");

      await w.clock.advance(MINUTE);
      const c2 = calls();
      const second = await alarm(w, store, c2, { retryDelayMs: 5 * MINUTE });
      assert.deepEqual(c2.log, [], "the retry is not due yet");
      assert.deepEqual(second.failures, []);
      assert.deepEqual(second.pending, ["default/a"]);
      assert.equal(second.snapshot?.pendingDueAt?.["default/a"], dueAt);

      await w.clock.advance(dueAt! - w.clock.now());
      const c3 = calls();
      const third = await alarm(w, store, c3);
      assert.deepEqual(c3.log, ["upsert default/a 1"], "retried once due");
      assert.deepEqual(third.pending, []);
      await w.server.close();
    });

    it("pending keys without a due time (an older checkpoint) are reconciled at once", async () => {
      const w = world();
      for (const n of ["a", "b"]) w.server.create(ConfigMaps, cm(n, { v: "1" }));
      const store = new MemoryCheckpointStore();
      const c = calls();
      c.requeue.set("default/a", 10 * MINUTE);
      c.requeue.set("default/b", 10 * MINUTE);
      await alarm(w, store, c);
      const saved = (await loadSnapshot<ConfigMap>(store, "cms")) as InformerSnapshot<ConfigMap>;
      assert.deepEqual([...(saved.pending ?? [])].sort(), ["default/a", "default/b"]);
      // b's due time is missing (as if written by an older version); a keeps its own
      const aDue = saved.pendingDueAt!["default/a"]!;
      await store.put("cms", JSON.stringify({ ...saved, pendingDueAt: { "default/a": aDue } }));
      await w.clock.advance(MINUTE);
      const c2 = calls();
      await alarm(w, store, c2);
      assert.deepEqual(c2.log, ["upsert default/b 1"], "b at once, a not yet");

      // a checkpoint without the field at all: every pending key at once
      const { pendingDueAt: _, ...old } = saved;
      await store.put("cms", JSON.stringify(old));
      const c3 = calls();
      await alarm(w, store, c3);
      assert.deepEqual(c3.log.sort(), ["upsert default/a 1", "upsert default/b 1"]);
      await w.server.close();
    });

    it("a delayed key that changes on the server is reconciled at once; the others wait", async () => {
      const w = world();
      for (const n of ["a", "b"]) w.server.create(ConfigMaps, cm(n, { v: "1" }));
      const store = new MemoryCheckpointStore();
      const c = calls();
      c.requeue.set("default/a", 10 * MINUTE);
      c.requeue.set("default/b", 10 * MINUTE);
      const first = await alarm(w, store, c);
      const bDue = first.snapshot?.pendingDueAt?.["default/b"];
      await w.clock.advance(MINUTE);
      w.server.update(ConfigMaps, cm("a", { v: "2" }));
      const c2 = calls();
      const second = await alarm(w, store, c2);
      assert.deepEqual(c2.log, ["upsert default/a 2"], "the change wins over the delay");
      assert.deepEqual(second.pending, ["default/b"], "a is done (no requeue this time)");
      assert.deepEqual(second.snapshot?.pendingDueAt, { "default/b": bDue });
      await w.server.close();
    });

    it("summary.nextDueAt is the earliest due time of the pending keys", async () => {
      const w = world();
      for (const n of ["a", "b", "c"]) w.server.create(ConfigMaps, cm(n, { v: "1" }));
      const store = new MemoryCheckpointStore();
      const c = calls();
      c.requeue.set("default/a", 10 * MINUTE);
      c.requeue.set("default/b", 5 * MINUTE);
      const first = await alarm(w, store, c);
      const due = first.snapshot?.pendingDueAt ?? {};
      assert.deepEqual(Object.keys(due).sort(), ["default/a", "default/b"]);
      assert.equal(first.nextDueAt, due["default/b"]);
      assert.ok(first.nextDueAt! > w.clock.now() + 4 * MINUTE);
      // restored: the same, without reconciling anything
      await w.clock.advance(MINUTE);
      const c2 = calls();
      const second = await alarm(w, store, c2);
      assert.deepEqual(c2.log, []);
      assert.equal(second.nextDueAt, due["default/b"]);
      // nothing pending: undefined
      await w.clock.advance(10 * MINUTE);
      const third = await alarm(w, store, calls());
      assert.deepEqual(third.pending, []);
      assert.equal(third.nextDueAt, undefined);
      await w.server.close();
    });

    it("summary.nextDueAt is the end of the run when a pending key was not reached", async () => {
      const w = world();
      for (const n of ["a", "b"]) w.server.create(ConfigMaps, cm(n, { v: "1" }));
      const store = new MemoryCheckpointStore();
      const c = calls();
      c.hang.add("default/a"); // the only worker is busy until the run ends: b is not reached
      const summary = await alarm(w, store, c, { maxMs: 2_000 });
      assert.equal(summary.stoppedBy, "timeout");
      assert.deepEqual(summary.pending, ["default/b"]);
      assert.equal(summary.snapshot?.pendingDueAt, undefined, "due at once");
      assert.ok(summary.nextDueAt! <= w.clock.now());
      assert.ok(summary.nextDueAt! >= w.clock.now() - 10);
      await w.server.close();
    });
  });

  describe("attempt counts: retries continue across runs, up to maxRetries", () => {
    const BASE = 300; // retry backoff: 300 ms, 600 ms, 1.2 s, ... (each longer than a run's settle)
    const ACROSS = { retryBaseMs: BASE, settleMs: 100 };

    interface Failed {
      key: string;
      attempt: number;
      dropped: boolean;
    }

    /** Alarms until the key is no longer pending, each at the previous run's nextDueAt. */
    async function alarmsUntilDone(w: World, store: MemoryCheckpointStore, c: Calls) {
      const reported: Failed[] = [];
      const errorLines: string[] = [];
      const logger: Logger = {
        ...silentLogger,
        error: (msg, fields) => errorLines.push(`${msg} ${fields?.key} ${fields?.attempt}`),
      };
      const runs = [];
      for (let i = 0; i < 12; i++) {
        const summary = await alarm(w, store, c, {
          ...ACROSS,
          logger,
          onError: (_err, info) => reported.push({ ...info }),
        });
        runs.push(summary);
        if (summary.nextDueAt === undefined) break;
        await w.clock.advance(Math.max(0, summary.nextDueAt - w.clock.now()));
      }
      return { runs, reported, errorLines };
    }

    it("a key that always throws is dropped after maxRetries + 1 attempts in total across runs", async () => {
      const w = world();
      w.server.create(ConfigMaps, cm("a", { v: "1" }));
      const store = new MemoryCheckpointStore();
      const c = calls();
      c.failing.add("default/a");
      const { runs, reported, errorLines } = await alarmsUntilDone(w, store, c);
      assert.equal(c.log.length, 6, "maxRetries 5: six attempts, then dropped");
      assert.equal(runs.length, 6, "one attempt per run (the backoff outlasts each run)");
      assert.deepEqual(
        runs.map((r) => r.failures.map((f) => [f.attempt, f.dropped])),
        [[[1, false]], [[2, false]], [[3, false]], [[4, false]], [[5, false]], [[6, true]]],
        "the attempt numbers continue from run to run",
      );
      assert.deepEqual(
        runs.slice(0, 5).map((r) => r.snapshot?.pendingAttempts),
        [1, 2, 3, 4, 5].map((n) => ({ "default/a": n })),
        "each checkpoint keeps how often the key failed",
      );
      assert.deepEqual(
        reported,
        [1, 2, 3, 4, 5, 6].map((attempt) => ({ key: "default/a", attempt, dropped: attempt > 5 })),
      );
      assert.deepEqual(errorLines, ["upsert failed; giving up on key default/a 6"]);
      const last = runs.at(-1)!;
      assert.deepEqual(last.pending, [], "dropped: not pending");
      assert.equal(last.nextDueAt, undefined);
      const saved = (await loadSnapshot<ConfigMap>(store, "cms")) as InformerSnapshot<ConfigMap>;
      assert.equal(saved.pending, undefined);
      assert.equal(saved.pendingAttempts, undefined);
      assert.equal(saved.pendingDueAt, undefined);
      // later alarms leave it alone
      await w.clock.advance(60_000);
      const c2 = calls();
      c2.failing.add("default/a");
      const after = await alarm(w, store, c2, ACROSS);
      assert.deepEqual(c2.log, []);
      assert.deepEqual(after.failures, []);
      await w.server.close();
    });

    it("the delays between attempts across runs follow the same sequence as within one run", async () => {
      // within one run: a settle longer than every backoff keeps it running through all retries
      const w1 = world();
      w1.server.create(ConfigMaps, cm("a", { v: "1" }));
      const one = calls();
      one.failing.add("default/a");
      const within = await alarm(w1, new MemoryCheckpointStore(), one, {
        retryBaseMs: BASE,
        settleMs: 6_000,
      });
      assert.equal(within.failures.at(-1)?.dropped, true);
      const withinDelays = one.times.slice(1).map((t, i) => t - one.times[i]!);
      assert.deepEqual(
        withinDelays,
        [1, 2, 4, 8, 16].map((f) => f * BASE),
      );
      await w1.server.close();

      // across runs
      const w = world();
      w.server.create(ConfigMaps, cm("a", { v: "1" }));
      const c = calls();
      c.failing.add("default/a");
      const { runs } = await alarmsUntilDone(w, new MemoryCheckpointStore(), c);
      // each run's retry is due one backoff after its attempt ...
      const dueDelays = runs.slice(0, 5).map((r, i) => r.nextDueAt! - c.times[i]!);
      assert.deepEqual(dueDelays, withinDelays);
      assert.equal(c.times.length, 6);
      // ... and the next run makes it then (give or take the few ms a run takes to start)
      const acrossDelays = c.times.slice(1).map((t, i) => t - c.times[i]!);
      for (const [i, d] of acrossDelays.entries()) {
        assert.ok(d >= withinDelays[i]! && d < withinDelays[i]! + 50, `delay ${i}: ${d}`);
      }
      await w.server.close();
    });

    it("a key that fails twice, then succeeds after a restart, is cleared", async () => {
      const w = world();
      w.server.create(ConfigMaps, cm("a", { v: "1" }));
      const store = new MemoryCheckpointStore();
      const c = calls();
      c.failing.add("default/a");
      const first = await alarm(w, store, c, ACROSS);
      await w.clock.advance(first.nextDueAt! - w.clock.now());
      const second = await alarm(w, store, c, ACROSS);
      assert.deepEqual(
        second.failures.map((f) => f.attempt),
        [2],
      );
      assert.deepEqual(second.snapshot?.pendingAttempts, { "default/a": 2 });

      await w.clock.advance(second.nextDueAt! - w.clock.now());
      const c3 = calls();
      const third = await alarm(w, store, c3, ACROSS);
      assert.deepEqual(c3.log, ["upsert default/a 1"]);
      assert.deepEqual(third.failures, []);
      assert.deepEqual(third.pending, []);
      assert.equal(third.snapshot?.pendingAttempts, undefined, "a success clears the count");
      const saved = (await loadSnapshot<ConfigMap>(store, "cms")) as InformerSnapshot<ConfigMap>;
      assert.equal(saved.pendingAttempts, undefined);

      // a later failure starts at attempt 1 again, with the first backoff
      w.server.update(ConfigMaps, cm("a", { v: "2" }));
      const c4 = calls();
      c4.failing.add("default/a");
      const fourth = await alarm(w, store, c4, ACROSS);
      assert.deepEqual(
        fourth.failures.map((f) => f.attempt),
        [1],
      );
      assert.equal(fourth.nextDueAt, c4.times[0]! + BASE);
      assert.deepEqual(fourth.snapshot?.pendingAttempts, { "default/a": 1 });
      await w.server.close();
    });

    it("a checkpoint without attempt counts (an older one) starts the count over, as before", async () => {
      const w = world();
      w.server.create(ConfigMaps, cm("a", { v: "1" }));
      const store = new MemoryCheckpointStore();
      const c = calls();
      c.failing.add("default/a");
      const first = await alarm(w, store, c, ACROSS);
      await w.clock.advance(first.nextDueAt! - w.clock.now());
      await alarm(w, store, c, ACROSS);
      const saved = (await loadSnapshot<ConfigMap>(store, "cms")) as InformerSnapshot<ConfigMap>;
      assert.deepEqual(saved.pendingAttempts, { "default/a": 2 });
      // as if written by an older version
      const { pendingAttempts: _, ...old } = saved;
      await store.put("cms", JSON.stringify(old));

      await w.clock.advance(saved.pendingDueAt!["default/a"]! - w.clock.now());
      const c3 = calls();
      c3.failing.add("default/a");
      const third = await alarm(w, store, c3, ACROSS);
      assert.deepEqual(c3.log, ["upsert default/a 1"], "restored and retried once due");
      assert.deepEqual(
        third.failures.map((f) => [f.attempt, f.dropped]),
        [[1, false]],
        "no count restored: attempt 1",
      );
      assert.equal(third.nextDueAt, c3.times[0]! + BASE, "the first backoff again");
      assert.deepEqual(third.snapshot?.pendingAttempts, { "default/a": 1 });
      await w.server.close();
    });
  });
});
