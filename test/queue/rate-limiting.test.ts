import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InMemoryQueueMetrics } from "../../src/queue/metrics.ts";
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
} from "../../src/queue/rate-limiters.ts";
import { RateLimitingQueue } from "../../src/queue/rate-limiting.ts";
import { FakeClock } from "../../src/util/clock.ts";

describe("ItemExponentialRateLimiter", () => {
  it("doubles per failure from 5 ms, per item, and forgets", () => {
    const l = new ItemExponentialRateLimiter<string>();
    assert.deepEqual([l.when("a"), l.when("a"), l.when("a"), l.when("a")], [5, 10, 20, 40]);
    assert.equal(l.when("b"), 5);
    assert.equal(l.numRequeues("a"), 4);
    assert.equal(l.numRequeues("b"), 1);
    l.forget("a");
    assert.equal(l.numRequeues("a"), 0);
    assert.equal(l.when("a"), 5);
  });

  it("restoreRequeues continues the backoff from a restored count (0 forgets; invalid counts throw)", () => {
    const l = new ItemExponentialRateLimiter<string>();
    l.restoreRequeues("a", 3);
    assert.equal(l.numRequeues("a"), 3);
    assert.deepEqual([l.when("a"), l.when("a")], [40, 80], "as after three failures");
    l.restoreRequeues("a", 0);
    assert.equal(l.numRequeues("a"), 0);
    assert.equal(l.when("a"), 5);
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(() => l.restoreRequeues("a", bad), RangeError);
    }
  });

  it("caps at 1000 s by default and never overflows", () => {
    const l = new ItemExponentialRateLimiter<string>();
    let last = 0;
    for (let i = 0; i < 2000; i++) last = l.when("a");
    assert.equal(last, 1_000_000);
    // 5 * 2^17 = 655 360 < cap; 5 * 2^18 = 1 310 720 > cap
    const m = new ItemExponentialRateLimiter<string>();
    const delays = Array.from({ length: 20 }, () => m.when("x"));
    assert.equal(delays[17], 655_360);
    assert.equal(delays[18], 1_000_000);
    assert.equal(delays[19], 1_000_000);
  });

  it("honours custom base and cap", () => {
    const l = new ItemExponentialRateLimiter<string>(100, 1000);
    assert.deepEqual(
      Array.from({ length: 6 }, () => l.when("a")),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.throws(() => new ItemExponentialRateLimiter(-1, 10), RangeError);
  });
});

describe("BucketRateLimiter", () => {
  it("lets a burst through, then spaces items at qps, refilling on the clock", async () => {
    const clock = new FakeClock();
    const l = new BucketRateLimiter<string>({ clock }); // 10/s, burst 100
    for (let i = 0; i < 100; i++) assert.equal(l.when(`k${i}`), 0);
    assert.equal(l.when("x"), 100);
    assert.equal(l.when("y"), 200);
    assert.equal(l.when("z"), 300);
    await clock.advance(300); // pays the debt back: tokens = 0
    assert.equal(l.when("w"), 100);
    await clock.advance(60_000); // refills, but never above burst
    for (let i = 0; i < 100; i++) assert.equal(l.when(`k${i}`), 0);
    assert.equal(l.when("over"), 100);
    assert.equal(l.numRequeues("x"), 0);
    l.forget("x");
  });

  it("rejects invalid settings", () => {
    assert.throws(() => new BucketRateLimiter({ qps: 0 }), RangeError);
    assert.throws(() => new BucketRateLimiter({ burst: 0 }), RangeError);
  });
});

describe("MaxOfRateLimiter", () => {
  it("returns the longest delay and combines counts", async () => {
    const clock = new FakeClock();
    const l = new MaxOfRateLimiter<string>(
      new ItemExponentialRateLimiter<string>(1, 10_000),
      new BucketRateLimiter<string>({ qps: 1, burst: 2, clock }),
    );
    assert.equal(l.when("a"), 1); // exp 1, bucket 0
    assert.equal(l.when("a"), 2); // exp 2, bucket 0
    assert.equal(l.when("b"), 1000); // exp 1, bucket 1000
    assert.equal(l.when("a"), 2000); // exp 4, bucket 2000
    assert.equal(l.numRequeues("a"), 3);
    l.forget("a");
    assert.equal(l.numRequeues("a"), 0);
    assert.throws(() => new MaxOfRateLimiter<string>(), RangeError);
  });

  it("defaultControllerRateLimiter is max(exponential 5 ms..1000 s, bucket 10/s burst 100)", () => {
    const clock = new FakeClock();
    const l = defaultControllerRateLimiter<string>(clock);
    assert.equal(l.when("a"), 5);
    assert.equal(l.when("a"), 10);
    for (let i = 0; i < 98; i++) l.when(`k${i}`); // uses the rest of the burst
    assert.equal(l.when("fresh"), 100); // bucket dominates a fresh item
    for (let i = 0; i < 30; i++) l.when("slow");
    assert.equal(l.when("slow"), 1_000_000);
  });
});

describe("RateLimitingQueue", () => {
  it("addRateLimited waits per the limiter; forget resets; numRequeues counts", async () => {
    const clock = new FakeClock();
    const metrics = new InMemoryQueueMetrics();
    const q = new RateLimitingQueue<string>({ clock, metrics, unfinishedWorkUpdateMs: 0 });
    q.addRateLimited("a"); // 5 ms
    assert.equal(q.numRequeues("a"), 1);
    assert.equal(q.length, 0);
    await clock.advance(4);
    assert.equal(q.length, 0);
    await clock.advance(1);
    assert.equal(q.tryGet(), "a");
    q.addRateLimited("a"); // 10 ms; dirty when it lands
    q.done("a");
    await clock.advance(9);
    assert.equal(q.length, 0);
    await clock.advance(1);
    assert.equal(q.tryGet(), "a");
    assert.equal(q.numRequeues("a"), 2);
    q.forget("a");
    assert.equal(q.numRequeues("a"), 0);
    q.done("a");
    assert.equal(metrics.retries, 2);
    q.shutDown();
    q.addRateLimited("a");
    assert.equal(metrics.retries, 2);
    assert.equal(clock.pendingTimers, 0);
  });

  it("restoreRequeues reaches every limiter that keeps counts (the default one included)", () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<string>({ clock });
    q.restoreRequeues("a", 4);
    assert.equal(q.numRequeues("a"), 4);
    assert.equal(q.addRateLimited("a"), 80, "5 ms * 2^4: the bucket still has tokens");
    // a limiter without restoreRequeues: nothing happens
    const counts = new Map<string, number>();
    const plain = new RateLimitingQueue<string>({
      clock,
      rateLimiter: {
        when: (item) => {
          counts.set(item, (counts.get(item) ?? 0) + 1);
          return 1;
        },
        forget: (item) => void counts.delete(item),
        numRequeues: (item) => counts.get(item) ?? 0,
      },
    });
    plain.restoreRequeues("a", 4);
    assert.equal(plain.numRequeues("a"), 0);
    q.shutDown();
    plain.shutDown();
  });

  it("uses a custom rate limiter", async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<string>({
      clock,
      rateLimiter: new ItemExponentialRateLimiter<string>(1000, 4000),
    });
    q.addRateLimited("a");
    assert.equal(clock.nextTimerAt(), 1000);
    await clock.advance(1000);
    assert.equal(q.length, 1);
    q.shutDown();
  });

  it("addRateLimited returns the delay it used (undefined once shut down)", async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<string>({
      clock,
      rateLimiter: new ItemExponentialRateLimiter<string>(1000, 4000),
    });
    assert.equal(q.addRateLimited("a"), 1000);
    assert.equal(q.addRateLimited("b"), 1000);
    assert.equal(q.addRateLimited("a"), 2000);
    assert.equal(clock.nextTimerAt(), 1000);
    q.shutDown();
    assert.equal(q.addRateLimited("a"), undefined);
    assert.equal(q.numRequeues("a"), 2, "the limiter is not asked once shut down");
  });
});
