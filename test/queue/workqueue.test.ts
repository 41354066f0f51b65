import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InMemoryQueueMetrics } from "../../src/queue/metrics.ts";
import { WorkQueue } from "../../src/queue/workqueue.ts";
import { FakeClock, flushMicrotasks } from "../../src/util/clock.ts";

describe("WorkQueue", () => {
  it("hands items out in FIFO order", async () => {
    const q = new WorkQueue<string>();
    for (const k of ["a", "b", "c"]) q.add(k);
    assert.equal(q.length, 3);
    assert.equal(await q.get(), "a");
    assert.equal(q.tryGet(), "b");
    assert.equal(await q.get(), "c");
    assert.equal(q.length, 0);
    assert.equal(q.processing, 3);
    assert.equal(q.tryGet(), undefined);
    q.shutDown();
  });

  it("de-duplicates an item while it is waiting, keeping its place", () => {
    const q = new WorkQueue<string>();
    q.add("a");
    q.add("b");
    q.add("a");
    q.add("a");
    assert.equal(q.length, 2);
    assert.equal(q.tryGet(), "a");
    assert.equal(q.tryGet(), "b");
    assert.equal(q.tryGet(), undefined);
  });

  it("re-queues an item added while it was processing (dirty), once, on done", () => {
    const q = new WorkQueue<string>();
    q.add("a");
    q.add("b");
    assert.equal(q.tryGet(), "a");
    q.add("a");
    q.add("a");
    // "a" is processing: not handed out again, not counted as waiting.
    assert.equal(q.length, 1);
    assert.equal(q.tryGet(), "b");
    assert.equal(q.tryGet(), undefined);
    q.done("a");
    assert.equal(q.length, 1);
    assert.equal(q.tryGet(), "a");
    q.done("a");
    q.done("b");
    assert.equal(q.tryGet(), undefined);
    assert.equal(q.processing, 0);
  });

  it("never hands the same item to two waiting workers", async () => {
    const q = new WorkQueue<string>();
    const p1 = q.get();
    const p2 = q.get();
    q.add("a");
    q.add("a"); // a is processing: dirty, not handed to the second worker
    assert.equal(await p1, "a");
    let second: string | undefined | null = null;
    void p2.then((v) => {
      second = v;
    });
    await flushMicrotasks();
    assert.equal(second, null);
    q.done("a"); // dirty: re-queued, handed to the waiting worker
    await flushMicrotasks();
    assert.equal(second, "a");
    q.done("a");
    q.shutDown();
  });

  it("serves waiting get() calls in order", async () => {
    const q = new WorkQueue<number>();
    const gets = [q.get(), q.get(), q.get()];
    q.add(1);
    q.add(2);
    q.add(3);
    assert.deepEqual(await Promise.all(gets), [1, 2, 3]);
  });

  it("ignores done for items that are not processing", () => {
    const q = new WorkQueue<string>();
    q.done("x");
    q.add("a");
    q.done("a"); // waiting, not processing
    assert.equal(q.length, 1);
    assert.equal(q.processing, 0);
  });

  it("handles many distinct keys and wraps its ring buffer", () => {
    const q = new WorkQueue<number>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5000; i++) q.add(i);
      for (let i = 0; i < 2500; i++) {
        const k = q.tryGet()!;
        assert.equal(k, i);
        q.done(k);
        q.add(k); // back at the end
      }
      const seen: number[] = [];
      for (let k = q.tryGet(); k !== undefined; k = q.tryGet()) {
        seen.push(k);
        q.done(k);
      }
      assert.equal(seen.length, 5000);
      assert.equal(seen[0], 2500);
      assert.equal(seen[2499], 4999);
      assert.equal(seen[2500], 0);
      assert.equal(seen[4999], 2499);
    }
  });

  it("shutDown discards waiting items, wakes getters, ignores later adds", async () => {
    const q = new WorkQueue<string>();
    const waiting = q.get();
    q.shutDown();
    assert.equal(await waiting, undefined);
    const q2 = new WorkQueue<string>();
    q2.add("a");
    q2.add("b");
    assert.equal(q2.tryGet(), "a");
    q2.add("a"); // dirty
    q2.shutDown();
    assert.equal(q2.shuttingDown, true);
    assert.equal(q2.length, 0);
    assert.equal(await q2.get(), undefined);
    q2.add("c");
    assert.equal(q2.length, 0);
    q2.done("a"); // dirty item is not re-queued after shutdown
    assert.equal(q2.length, 0);
    assert.equal(q2.processing, 0);
    assert.equal(await q2.get(), undefined);
  });

  it("shutDownWithDrain waits for in-flight items", async () => {
    const q = new WorkQueue<string>();
    q.add("a");
    q.add("b");
    q.add("c");
    const a = q.tryGet()!;
    const b = q.tryGet()!;
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    await flushMicrotasks();
    assert.equal(drained, false);
    assert.equal(q.tryGet(), undefined); // "c" was discarded
    q.done(a);
    await flushMicrotasks();
    assert.equal(drained, false);
    q.done(b);
    await drain;
    assert.equal(drained, true);
    await new WorkQueue().shutDownWithDrain(); // nothing in flight: resolves at once
  });

  it("sweeps idle entries and keeps working after many distinct keys", () => {
    const q = new WorkQueue<string>();
    for (let i = 0; i < 10_000; i++) {
      q.add(`k${i}`);
      const k = q.tryGet()!;
      q.done(k);
    }
    q.add("k1");
    q.add("k1");
    assert.equal(q.length, 1);
    assert.equal(q.tryGet(), "k1");
    q.add("k1");
    q.done("k1");
    assert.equal(q.tryGet(), "k1");
  });

  it("reports metrics: depth, adds, latency, work duration, unfinished work", async () => {
    const clock = new FakeClock();
    const metrics = new InMemoryQueueMetrics();
    const q = new WorkQueue<string>({ clock, metrics, unfinishedWorkUpdateMs: 100 });
    q.add("a");
    q.add("a");
    q.add("b");
    assert.equal(metrics.adds, 2);
    assert.equal(metrics.currentDepth, 2);
    await clock.advance(10);
    const a = q.tryGet()!;
    assert.equal(metrics.currentDepth, 1);
    assert.deepEqual(metrics.queueLatencies, [10]);
    await clock.advance(50);
    const b = q.tryGet()!;
    assert.deepEqual(metrics.queueLatencies, [10, 60]);
    await clock.advance(40); // t=100: periodic report; a is 90 ms old, b 40 ms
    assert.equal(metrics.unfinishedWorkMs, 130);
    assert.equal(metrics.longestRunningMs, 90);
    q.done(a);
    assert.deepEqual(metrics.workDurations, [90]);
    await clock.advance(100);
    assert.equal(metrics.unfinishedWorkMs, 140);
    assert.equal(metrics.longestRunningMs, 140);
    q.done(b);
    q.reportUnfinishedWork();
    assert.equal(metrics.longestRunningMs, 0);
    q.shutDown();
    assert.equal(clock.pendingTimers, 0);
  });
});
