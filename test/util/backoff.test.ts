import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Backoff } from "../../src/util/backoff.ts";
import { FakeClock } from "../../src/util/clock.ts";

describe("Backoff", () => {
  it("uses client-go's reflector defaults: 800 ms doubling to 30 s", () => {
    const b = new Backoff({ jitter: 0, clock: new FakeClock() });
    const delays = Array.from({ length: 8 }, () => b.next());
    assert.deepEqual(delays, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    assert.equal(b.attempt, 8);
  });

  it("adds jitter on top of the base delay, capped at the maximum", () => {
    const b = new Backoff({ clock: new FakeClock(), random: () => 0.5 });
    assert.equal(b.next(), 1200); // 800 * (1 + 1.0 * 0.5)
    assert.equal(b.next(), 2400);
    const high = new Backoff({ clock: new FakeClock(), random: () => 0.999, initialMs: 20_000 });
    assert.equal(high.next(), 30_000);
  });

  it("stays within [base, 2*base] for any random value with the default jitter", () => {
    for (const r of [0, 0.1, 0.37, 0.5, 0.99]) {
      const b = new Backoff({ clock: new FakeClock(), random: () => r });
      const d = b.next();
      assert.ok(d >= 800 && d <= 1600, `delay ${d} for random ${r}`);
    }
  });

  it("resets after two quiet minutes and on reset()", async () => {
    const clock = new FakeClock();
    const b = new Backoff({ jitter: 0, clock });
    b.next();
    b.next();
    assert.equal(b.next(), 3200);
    await clock.advance(119_999);
    assert.equal(b.next(), 6400);
    await clock.advance(120_000);
    assert.equal(b.next(), 800);
    b.next();
    b.reset();
    assert.equal(b.next(), 800);
  });

  it("wait() sleeps the delay on the injected clock", async () => {
    const clock = new FakeClock();
    const b = new Backoff({ jitter: 0, clock });
    let waited: number | undefined;
    const p = b.wait().then((ms) => {
      waited = ms;
    });
    await clock.advance(799);
    assert.equal(waited, undefined);
    await clock.advance(1);
    await p;
    assert.equal(waited, 800);
  });

  it("wait() rejects when aborted", async () => {
    const clock = new FakeClock();
    const b = new Backoff({ clock });
    const ac = new AbortController();
    const p = b.wait(ac.signal);
    ac.abort(new Error("shutdown"));
    await assert.rejects(p, /shutdown/);
    assert.equal(clock.pendingTimers, 0);
  });

  it("refuses nonsensical options", () => {
    assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), RangeError);
    assert.throws(() => new Backoff({ factor: 0.5 }), RangeError);
  });

  it("next(atLeastMs) honours a server's wait, capped at maxMs", () => {
    const b = new Backoff({ jitter: 0, clock: new FakeClock() });
    assert.equal(b.next(5000), 5000); // Retry-After 5 s beats the 800 ms
    assert.equal(b.next(100), 1600); // the backoff beats a short Retry-After
    assert.equal(b.next(34 * 86_400_000), 30_000); // 34 days: the backoff's cap
    assert.equal(b.next(Number.POSITIVE_INFINITY), 30_000);
    assert.equal(b.next(Number.NaN), 12_800);
    assert.equal(b.next(undefined), 25_600);
    const small = new Backoff({ jitter: 0, maxMs: 2000, clock: new FakeClock() });
    assert.equal(small.next(3_000_000_000), 2000);
  });
});
