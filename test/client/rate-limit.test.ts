import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TokenBucket } from "../../src/client/rate-limit.ts";
import { FakeClock } from "../../src/util/clock.ts";

describe("TokenBucket", () => {
  it("allows a burst, then refills at qps", async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ qps: 2, burst: 3 }, clock);
    assert.ok(bucket.tryTake());
    assert.ok(bucket.tryTake());
    assert.ok(bucket.tryTake());
    assert.equal(bucket.tryTake(), false);
    await clock.advance(500);
    assert.ok(bucket.tryTake());
    assert.equal(bucket.tryTake(), false);
    await clock.advance(10_000);
    for (let i = 0; i < 3; i++) assert.ok(bucket.tryTake());
    assert.equal(bucket.tryTake(), false);
  });

  it("serves waiters in order and honours abort", async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ qps: 1, burst: 1 }, clock);
    await bucket.take();
    const order: string[] = [];
    const a = bucket.take().then(() => order.push("a"));
    const ac = new AbortController();
    const b = bucket.take(ac.signal).then(
      () => order.push("b"),
      () => order.push("b-aborted"),
    );
    const c = bucket.take().then(() => order.push("c"));
    await clock.waitForTimers(1);
    ac.abort();
    await clock.advance(1000);
    await a;
    await b;
    await clock.advance(1000);
    await c;
    assert.deepEqual(order, ["a", "b-aborted", "c"]);
  });

  it("rejects nonsense settings", () => {
    assert.throws(() => new TokenBucket({ qps: 0, burst: 1 }), RangeError);
    assert.throws(() => new TokenBucket({ qps: 1, burst: 0 }), RangeError);
  });
});
