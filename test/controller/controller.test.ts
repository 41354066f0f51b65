import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Controller,
  ControllerAlreadyRunningError,
  type ControllerErrorInfo,
  InformerStoppedError,
} from "../../src/controller/controller.ts";
import {
  type Backgrounder,
  isBackgrounder,
  newResource,
  type ReconcileContext,
  type Resource,
} from "../../src/controller/resource.ts";
import { InMemoryQueueMetrics } from "../../src/queue/metrics.ts";
import { ItemExponentialRateLimiter } from "../../src/queue/rate-limiters.ts";
import { testControllerRun } from "../../src/testing/run.ts";
import { FakeClock, flushMicrotasks } from "../../src/util/clock.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { deferred, eventually, FakeInformer, obj, type TestObject } from "./fake-informer.ts";

interface Call {
  op: "upsert" | "delete";
  key: string;
  data: Record<string, string> | undefined;
  attempt: number;
}

function recorder(
  informer: FakeInformer<TestObject>,
  hooks: {
    upsert?: (key: string, o: TestObject, ctx: ReconcileContext) => unknown;
    delete?: (key: string, o: TestObject, ctx: ReconcileContext) => unknown;
  } = {},
): { resource: Resource<TestObject>; calls: Call[] } {
  const calls: Call[] = [];
  const resource = newResource<TestObject>(
    informer,
    async (key, o, ctx) => {
      calls.push({ op: "upsert", key, data: o.data, attempt: ctx!.attempt });
      return (await hooks.upsert?.(key, o, ctx!)) as undefined;
    },
    async (key, o, ctx) => {
      calls.push({ op: "delete", key, data: o.data, attempt: ctx!.attempt });
      await hooks.delete?.(key, o, ctx!);
    },
  );
  return { resource, calls };
}

describe("Controller", () => {
  it("waits for the initial sync, then upserts every cached object", async () => {
    const informer = new FakeInformer<TestObject>([obj("a"), obj("b")], false);
    const { resource, calls } = recorder(informer);
    const controller = new Controller({ resource });
    const stop = new AbortController();
    const done = controller.run(stop.signal);
    await flushMicrotasks();
    assert.equal(controller.hasSynced(), false);
    assert.equal(controller.lastSyncResourceVersion(), undefined);
    informer.add(obj("c")); // before sync: cached, but nothing runs yet
    await flushMicrotasks();
    assert.equal(calls.length, 0);
    informer.sync();
    await eventually(() => calls.length === 3, "3 upserts");
    assert.deepEqual(calls.map((c) => c.key).sort(), ["default/a", "default/b", "default/c"]);
    assert.equal(controller.hasSynced(), true);
    assert.equal(controller.lastSyncResourceVersion(), informer.rv);
    stop.abort();
    await done;
    assert.equal(informer.running, false);
    assert.equal(informer.handlers.size, 0);
  });

  it("de-duplicates events per key and reconciles the latest object (dirty re-queue)", async () => {
    const informer = new FakeInformer<TestObject>([obj("a", { v: "0" })]);
    const gate = deferred();
    let first = true;
    const { resource, calls } = recorder(informer, {
      upsert: async () => {
        if (first) {
          first = false;
          await gate.promise;
        }
      },
    });
    const stop = await testControllerRun(resource);
    await eventually(() => calls.length === 1, "first upsert");
    for (let v = 1; v <= 5; v++) informer.update(obj("a", { v: String(v) }));
    informer.add(obj("b"));
    informer.update(obj("b", { v: "1" }));
    gate.resolve();
    await eventually(() => calls.length === 3, "re-queued upserts");
    await flushMicrotasks();
    assert.equal(calls.length, 3);
    assert.deepEqual(calls[0], { op: "upsert", key: "default/a", data: { v: "0" }, attempt: 1 });
    // b was waiting before a was re-queued (a was dirty until done).
    assert.deepEqual(calls[1], { op: "upsert", key: "default/b", data: { v: "1" }, attempt: 1 });
    assert.deepEqual(calls[2], { op: "upsert", key: "default/a", data: { v: "5" }, attempt: 1 });
    await stop();
  });

  it("processes different keys concurrently but never one key twice at once", async () => {
    const informer = new FakeInformer<TestObject>([]);
    const active = new Map<string, number>();
    let maxSameKey = 0;
    let maxOverall = 0;
    let current = 0;
    let count = 0;
    const resource = newResource<TestObject>(
      informer,
      async (key) => {
        const n = (active.get(key) ?? 0) + 1;
        active.set(key, n);
        current++;
        maxSameKey = Math.max(maxSameKey, n);
        maxOverall = Math.max(maxOverall, current);
        await new Promise((r) => setTimeout(r, 1));
        active.set(key, n - 1);
        current--;
        count++;
      },
      () => {},
    );
    const stop = await testControllerRun(resource, { workers: 4 });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 6; i++) informer.update(obj(`k${i}`, { round: String(round) }));
      await new Promise((r) => setTimeout(r, 0));
    }
    await eventually(() => current === 0 && count >= 6, "quiescence");
    await new Promise((r) => setTimeout(r, 10));
    await eventually(() => current === 0, "quiescence");
    await stop();
    assert.equal(maxSameKey, 1);
    assert.ok(maxOverall > 1, `expected concurrency, got ${maxOverall}`);
    assert.ok(maxOverall <= 4);
  });

  it("calls delete with the last known object, unwrapping final-state-unknown", async () => {
    const informer = new FakeInformer<TestObject>([
      obj("a", { v: "1" }),
      obj("b", { v: "1" }),
      obj("c", { v: "1" }),
    ]);
    const { resource, calls } = recorder(informer);
    const stop = await testControllerRun(resource);
    await eventually(() => calls.length === 3, "initial upserts");
    informer.update(obj("a", { v: "last" }));
    informer.remove(obj("a"));
    informer.remove(obj("b"), true);
    informer.removeAsTombstone(obj("c"));
    await eventually(() => calls.length === 6, "deletes");
    assert.deepEqual(calls.slice(3), [
      { op: "delete", key: "default/a", data: { v: "last" }, attempt: 1 },
      { op: "delete", key: "default/b", data: { v: "1" }, attempt: 1 },
      { op: "delete", key: "default/c", data: { v: "1" }, attempt: 1 },
    ]);
    await stop();
  });

  it("upserts the new object when a key is deleted and re-created before processing", async () => {
    const informer = new FakeInformer<TestObject>([obj("a", { v: "old" })]);
    const gate = deferred();
    const { resource, calls } = recorder(informer, {
      upsert: (key) => (key === "default/block" ? gate.promise : undefined),
    });
    const stop = await testControllerRun(resource);
    await eventually(() => calls.length === 1, "initial upsert");
    informer.add(obj("block"));
    await eventually(() => calls.length === 2, "blocked");
    informer.remove(obj("a"));
    informer.add(obj("a", { v: "new" }));
    gate.resolve();
    await eventually(() => calls.length === 3, "re-created");
    assert.deepEqual(calls[2], { op: "upsert", key: "default/a", data: { v: "new" }, attempt: 1 });
    await stop();
  });

  it("retries a throwing callback with exponential delays, then drops and reports it", async () => {
    const clock = new FakeClock();
    const logger = new MemoryLogger();
    const errors: [string, ControllerErrorInfo][] = [];
    const informer = new FakeInformer<TestObject>([obj("a")]);
    const { resource, calls } = recorder(informer, {
      upsert: () => {
        throw new Error("boom");
      },
    });
    const metrics = new InMemoryQueueMetrics();
    const stop = await testControllerRun(resource, {
      clock,
      logger,
      maxRetries: 3,
      metrics,
      onError: (err, info) => errors.push([(err as Error).message, info]),
    });
    await eventually(() => calls.length === 1, "first attempt");
    // 5 ms, 10 ms, 20 ms (the bucket has plenty of tokens).
    for (const delay of [5, 10, 20]) {
      const before = calls.length;
      assert.equal(clock.nextTimerAt(), clock.now() + delay);
      await clock.advance(delay - 1);
      assert.equal(calls.length, before);
      await clock.advance(1);
      await eventually(() => calls.length === before + 1, `retry after ${delay} ms`);
    }
    await eventually(() => errors.length === 4, "dropped");
    assert.deepEqual(
      calls.map((c) => c.attempt),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      errors.map(([, info]) => info),
      [
        { key: "default/a", attempt: 1, dropped: false },
        { key: "default/a", attempt: 2, dropped: false },
        { key: "default/a", attempt: 3, dropped: false },
        { key: "default/a", attempt: 4, dropped: true },
      ],
    );
    await clock.advance(10_000); // nothing left to retry
    assert.equal(calls.length, 4);
    assert.equal(metrics.retries, 3);
    const dropped = logger.find("error", "giving up");
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0]!.fields!.key, "default/a");
    assert.equal(dropped[0]!.fields!.attempt, 4);
    assert.equal(typeof dropped[0]!.fields!.durationMs, "number");
    assert.equal(logger.find("warn", "will retry").length, 3);
    // A later event starts afresh.
    informer.update(obj("a", { v: "2" }));
    await eventually(() => calls.length === 5, "fresh attempt");
    assert.equal(calls[4]!.attempt, 1);
    await stop();
  });

  it("a callback cut short by stop is not reported as a failure", async () => {
    const logger = new MemoryLogger();
    const errors: unknown[] = [];
    const informer = new FakeInformer<TestObject>([obj("a")]);
    const { resource, calls } = recorder(informer, {
      // a request that honours ctx.signal, in flight when the controller stops
      upsert: (_key, _o, ctx) =>
        new Promise((_, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true }),
        ),
    });
    const stop = await testControllerRun(resource, {
      logger,
      onError: (err) => errors.push(err),
    });
    await eventually(() => calls.length === 1, "the upsert is in flight");
    await stop();
    assert.deepEqual(errors, [], "no onError");
    assert.equal(logger.find("warn", "failed").length, 0, "no retry warning");
    assert.equal(logger.find("error", "failed").length, 0);
    assert.equal(logger.find("debug", "interrupted by stop").length, 1);
  });

  it("forgets the backoff of a key after it succeeds", async () => {
    const clock = new FakeClock();
    const informer = new FakeInformer<TestObject>([obj("a")]);
    let failures = 2;
    const { resource, calls } = recorder(informer, {
      upsert: () => {
        if (failures-- > 0) throw new Error("transient");
      },
    });
    const limiter = new ItemExponentialRateLimiter<string>(100, 10_000);
    const logger = new MemoryLogger();
    const stop = await testControllerRun(resource, { clock, rateLimiter: limiter, logger });
    await eventually(() => calls.length === 1, "attempt 1");
    await clock.advance(100);
    await eventually(() => calls.length === 2, "attempt 2");
    await clock.advance(200);
    await eventually(() => calls.length === 3, "attempt 3 succeeds");
    await eventually(() => limiter.numRequeues("default/a") === 0, "forgotten");
    failures = 1;
    informer.update(obj("a", { v: "x" }));
    await eventually(() => calls.length === 4, "new failure");
    await eventually(() => clock.pendingTimers === 1, "retry timer");
    assert.equal(clock.nextTimerAt(), clock.now() + 100); // back to the base delay
    await clock.advance(100);
    await eventually(() => calls.length === 5, "retry succeeds");
    assert.deepEqual(
      calls.map((c) => c.attempt),
      [1, 2, 3, 1, 2],
    );
    assert.equal(logger.find("warn", "upsert failed; will retry").length, 3);
    await stop();
  });

  it("retries failing deletes with the same last known object", async () => {
    const clock = new FakeClock();
    const informer = new FakeInformer<TestObject>([obj("a", { v: "1" })]);
    let fail = true;
    const { resource, calls } = recorder(informer, {
      delete: () => {
        if (fail) {
          fail = false;
          throw new Error("cleanup failed");
        }
      },
    });
    const logger = new MemoryLogger();
    const stop = await testControllerRun(resource, { clock, logger });
    await eventually(() => calls.length === 1, "upsert");
    informer.remove(obj("a"));
    await eventually(() => calls.length === 2, "delete 1");
    await clock.advance(5);
    await eventually(() => calls.length === 3, "delete 2");
    assert.deepEqual(calls.slice(1), [
      { op: "delete", key: "default/a", data: { v: "1" }, attempt: 1 },
      { op: "delete", key: "default/a", data: { v: "1" }, attempt: 2 },
    ]);
    assert.equal(logger.find("warn", "delete failed; will retry").length, 1);
    await stop();
  });

  it("re-queues after requeueAfter", async () => {
    const clock = new FakeClock();
    const informer = new FakeInformer<TestObject>([obj("a")]);
    let n = 0;
    const { resource, calls } = recorder(informer, {
      upsert: () => (++n < 3 ? { requeueAfter: 1000 } : undefined),
    });
    const stop = await testControllerRun(resource, { clock });
    await eventually(() => calls.length === 1, "first");
    await eventually(() => clock.pendingTimers === 1, "requeue timer");
    await clock.advance(999);
    assert.equal(calls.length, 1);
    await clock.advance(1);
    await eventually(() => calls.length === 2, "second");
    await clock.advance(1000);
    await eventually(() => calls.length === 3, "third");
    await clock.advance(5000);
    assert.equal(calls.length, 3);
    assert.deepEqual(
      calls.map((c) => c.attempt),
      [1, 1, 1],
    );
    await stop();
  });

  it("runs a backgrounder for the controller's lifetime and waits for it", async () => {
    const informer = new FakeInformer<TestObject>([]);
    const events: string[] = [];
    const finish = deferred();
    class BgResource implements Resource<TestObject>, Backgrounder {
      informer() {
        return informer;
      }
      upsert() {}
      delete() {}
      async run(signal: AbortSignal): Promise<void> {
        events.push("started");
        await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
        events.push("aborted");
        await finish.promise;
        events.push("finished");
      }
    }
    const resource = new BgResource();
    assert.equal(isBackgrounder(resource), true);
    assert.equal(
      isBackgrounder(
        newResource(
          informer,
          () => {},
          () => {},
        ),
      ),
      false,
    );
    const controller = new Controller({ resource });
    const stop = new AbortController();
    let resolved = false;
    const done = controller.run(stop.signal).then(() => {
      resolved = true;
    });
    await eventually(() => events.length === 1, "backgrounder started");
    stop.abort();
    await eventually(() => events.length === 2, "backgrounder aborted");
    await flushMicrotasks();
    assert.equal(resolved, false);
    finish.resolve();
    await done;
    assert.deepEqual(events, ["started", "aborted", "finished"]);
  });

  it("logs a failing backgrounder without stopping the controller", async () => {
    const informer = new FakeInformer<TestObject>([obj("a")]);
    const logger = new MemoryLogger();
    const calls: string[] = [];
    const resource: Resource<TestObject> & Backgrounder = {
      informer: () => informer,
      upsert: (key) => {
        calls.push(key);
      },
      delete: () => {},
      run: async () => {
        throw new Error("bg boom");
      },
    };
    const stop = await testControllerRun(resource, { logger });
    await eventually(() => calls.length === 1, "upsert");
    await eventually(() => logger.find("error", "backgrounder failed").length === 1, "logged");
    informer.add(obj("b"));
    await eventually(() => calls.length === 2, "still running");
    await stop();
  });

  it("rejects a second concurrent run with a typed error and can run again later", async () => {
    const informer = new FakeInformer<TestObject>([obj("a")]);
    const { resource, calls } = recorder(informer);
    const controller = new Controller({ resource });
    const stop = new AbortController();
    const done = controller.run(stop.signal);
    assert.equal(controller.running, true);
    await assert.rejects(
      controller.run(new AbortController().signal),
      ControllerAlreadyRunningError,
    );
    await eventually(() => calls.length === 1, "upsert");
    stop.abort();
    await done;
    assert.equal(controller.running, false);
    const stop2 = new AbortController();
    const done2 = controller.run(stop2.signal);
    informer.update(obj("a", { v: "2" }));
    await eventually(() => calls.length === 2, "second run works");
    stop2.abort();
    await done2;
    assert.equal(informer.runs, 2);
  });

  it("returns at once for an already aborted signal", async () => {
    const informer = new FakeInformer<TestObject>([obj("a")]);
    const { resource, calls } = recorder(informer);
    await new Controller({ resource }).run(AbortSignal.abort());
    assert.equal(informer.runs, 0);
    assert.deepEqual(calls, []);
  });

  it("on stop, waits for in-flight callbacks, aborts their signal and skips queued keys", async () => {
    const informer = new FakeInformer<TestObject>([obj("a"), obj("b"), obj("c")]);
    const gate = deferred();
    let sawAbort = false;
    const { resource, calls } = recorder(informer, {
      upsert: async (_key, _o, ctx) => {
        await gate.promise;
        sawAbort = ctx.signal.aborted;
      },
    });
    const controller = new Controller({ resource, workers: 2 });
    const stop = new AbortController();
    let resolved = false;
    const done = controller.run(stop.signal).then(() => {
      resolved = true;
    });
    await eventually(() => calls.length === 2, "two in flight");
    stop.abort();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(resolved, false);
    gate.resolve();
    await done;
    assert.equal(sawAbort, true);
    assert.equal(calls.length, 2); // "c" was queued, never started
  });

  it("ends run with InformerStoppedError when the informer stops on its own", async () => {
    const informer = new FakeInformer<TestObject>([obj("a")]);
    const gate = deferred();
    const logger = new MemoryLogger();
    const { resource, calls } = recorder(informer, { upsert: () => gate.promise });
    const controller = new Controller({ resource, logger });
    let outcome: unknown = "pending";
    const done = controller.run(new AbortController().signal).then(
      () => {
        outcome = "resolved";
      },
      (err) => {
        outcome = err;
      },
    );
    await eventually(() => calls.length === 1, "in flight");
    informer.stop();
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(outcome, "pending"); // still waiting for the in-flight callback
    gate.resolve();
    await done;
    assert.ok((outcome as unknown) instanceof InformerStoppedError);
    assert.equal(logger.find("error", "informer stopped").length, 1);

    // A failing informer: the error is the cause.
    const informer2 = new FakeInformer<TestObject>([]);
    const c2 = new Controller({
      logger,
      resource: newResource(
        informer2,
        () => {},
        () => {},
      ),
    });
    const run2 = c2.run(new AbortController().signal);
    await eventually(() => informer2.running, "running");
    const cause = new Error("403 forbidden");
    informer2.stop(cause);
    await assert.rejects(run2, (err: unknown) => {
      assert.ok(err instanceof InformerStoppedError);
      assert.equal(err.cause, cause);
      assert.match(err.message, /403 forbidden/);
      return true;
    });
    assert.equal(logger.find("error", "informer stopped").length, 2);
  });

  it("ends run when the informer stops before it synced", async () => {
    const informer = new FakeInformer<TestObject>([obj("a")], false);
    const { resource, calls } = recorder(informer);
    const logger = new MemoryLogger();
    const controller = new Controller({ resource, logger });
    const run = controller.run(new AbortController().signal);
    await eventually(() => informer.running, "running");
    informer.stop(new Error("no such resource"));
    await assert.rejects(run, InformerStoppedError);
    assert.deepEqual(calls, []);
    assert.equal(logger.find("error", "informer stopped").length, 1);
  });

  it("validates its options", () => {
    const resource = newResource(
      new FakeInformer<TestObject>(),
      () => {},
      () => {},
    );
    assert.throws(() => new Controller({ resource, workers: 0 }), RangeError);
    assert.throws(() => new Controller({ resource, maxRetries: -1 }), RangeError);
  });
});

describe("testControllerRun", () => {
  it("starts a controller, waits for sync, and stops it", async () => {
    const informer = new FakeInformer<TestObject>([obj("a")]);
    const { resource, calls } = recorder(informer);
    const stop = await testControllerRun(resource, { workers: 2 });
    assert.equal(informer.hasSynced(), true);
    assert.equal(informer.running, true);
    await eventually(() => calls.length === 1, "upsert");
    await stop();
    assert.equal(informer.running, false);
  });

  it("rethrows the controller's failure from stop()", async () => {
    const informer = new FakeInformer<TestObject>([]);
    const logger = new MemoryLogger();
    const stop = await testControllerRun(
      newResource(
        informer,
        () => {},
        () => {},
      ),
      { logger },
    );
    informer.stop(new Error("gone"));
    await flushMicrotasks();
    await assert.rejects(stop(), InformerStoppedError);
  });
});
