import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock, MAX_TIMER_DELAY_MS, realClock } from "../../src/util/clock.ts";

describe("FakeClock", () => {
  it("fires timers only when time reaches their deadline, in deadline order", async () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimer(() => fired.push("b@200"), 200);
    clock.setTimer(() => fired.push("a@100"), 100);
    clock.setTimer(() => fired.push("c@200"), 200);
    await clock.advance(99);
    assert.deepEqual(fired, []);
    assert.equal(clock.now(), 1099);
    await clock.advance(1);
    assert.deepEqual(fired, ["a@100"]);
    await clock.advance(100);
    assert.deepEqual(fired, ["a@100", "b@200", "c@200"]);
    assert.equal(clock.pendingTimers, 0);
  });

  it("sees now() equal to the timer's deadline inside the callback", async () => {
    const clock = new FakeClock();
    let seen = -1;
    clock.setTimer(() => {
      seen = clock.now();
    }, 250);
    await clock.advance(1000);
    assert.equal(seen, 250);
    assert.equal(clock.now(), 1000);
  });

  it("fires timers scheduled by callbacks when they fall within the window", async () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.setTimer(() => {
      fired.push(clock.now());
      clock.setTimer(() => fired.push(clock.now()), 50);
    }, 100);
    await clock.advance(149);
    assert.deepEqual(fired, [100]);
    await clock.advance(1);
    assert.deepEqual(fired, [100, 150]);
  });

  it("does not fire cancelled timers", async () => {
    const clock = new FakeClock();
    let fired = false;
    const t = clock.setTimer(() => {
      fired = true;
    }, 10);
    t.cancel();
    t.cancel();
    await clock.advance(100);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers, 0);
  });

  it("sleep resolves after the fake delay and lets awaiting code run", async () => {
    const clock = new FakeClock();
    const steps: number[] = [];
    const task = (async () => {
      await clock.sleep(100);
      steps.push(clock.now());
      await clock.sleep(100);
      steps.push(clock.now());
    })();
    await clock.advance(100);
    assert.deepEqual(steps, [100]);
    await clock.advance(100);
    assert.deepEqual(steps, [100, 200]);
    await task;
  });

  it("sleep rejects with the abort reason and leaves no timer behind", async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const p = clock.sleep(1000, ac.signal);
    assert.equal(clock.pendingTimers, 1);
    ac.abort(new Error("stop"));
    await assert.rejects(p, /stop/);
    assert.equal(clock.pendingTimers, 0);
    await assert.rejects(clock.sleep(1, ac.signal), /stop/);
  });

  it("runNext jumps to the next deadline; waitForTimers waits for scheduling", async () => {
    const clock = new FakeClock();
    const waiting = clock.waitForTimers(2);
    let done = false;
    void waiting.then(() => {
      done = true;
    });
    clock.setTimer(() => {}, 500);
    await Promise.resolve();
    assert.equal(done, false);
    clock.setTimer(() => {}, 700);
    await waiting;
    assert.equal(clock.nextTimerAt(), 500);
    assert.equal(await clock.runNext(), true);
    assert.equal(clock.now(), 500);
    assert.equal(await clock.runNext(), true);
    assert.equal(clock.now(), 700);
    assert.equal(await clock.runNext(), false);
  });
});

describe("realClock", () => {
  it("sleeps on real timers and can be aborted", async () => {
    const start = realClock.now();
    await realClock.sleep(5);
    assert.ok(realClock.now() - start >= 4);
    const ac = new AbortController();
    const p = realClock.sleep(60_000, ac.signal);
    ac.abort();
    await assert.rejects(p, (e: unknown) => (e as Error).name === "AbortError");
  });

  // The runtime's own setTimeout is swapped for a recorder while realClock runs, so the
  // test sees exactly the delays realClock hands the runtime (Node, Deno and Bun alike)
  // and fires them itself: no real waiting for a month.
  interface Recorded {
    delay: number;
    fn: () => void;
    cleared: boolean;
  }
  function withRecordedTimers(body: (timers: Recorded[]) => void): void {
    const g = globalThis as unknown as Record<"setTimeout" | "clearTimeout", unknown>;
    const realSet = g.setTimeout;
    const realClear = g.clearTimeout;
    const timers: Recorded[] = [];
    g.setTimeout = (fn: () => void, delay: number): Recorded => {
      const t = { delay, fn, cleared: false };
      timers.push(t);
      return t;
    };
    g.clearTimeout = (t: Recorded | undefined): void => {
      if (t) t.cleared = true;
    };
    try {
      body(timers);
    } finally {
      g.setTimeout = realSet;
      g.clearTimeout = realClear;
    }
  }

  it("never hands the runtime a delay above 2^31 - 1 ms: longer ones are chunked", () => {
    assert.equal(MAX_TIMER_DELAY_MS, 2 ** 31 - 1);
    const month = 34 * 86_400_000; // 2 937 600 000 ms: would overflow to 1 ms
    withRecordedTimers((timers) => {
      let fired = 0;
      realClock.setTimer(() => fired++, month);
      assert.deepEqual(
        timers.map((t) => t.delay),
        [MAX_TIMER_DELAY_MS],
      );
      timers[0]!.fn(); // 24.8 days later
      assert.equal(fired, 0);
      assert.deepEqual(
        timers.map((t) => t.delay),
        [MAX_TIMER_DELAY_MS, month - MAX_TIMER_DELAY_MS],
      );
      timers[1]!.fn();
      assert.equal(fired, 1);
      assert.equal(timers.length, 2);
      // at the limit and below: one timer, as given
      realClock.setTimer(() => {}, MAX_TIMER_DELAY_MS);
      realClock.setTimer(() => {}, 1500);
      assert.deepEqual(
        timers.slice(2).map((t) => t.delay),
        [MAX_TIMER_DELAY_MS, 1500],
      );
      assert.ok(timers.every((t) => t.delay <= MAX_TIMER_DELAY_MS && t.delay >= 0));
    });
  });

  it("cancels a chunked timer in any chunk; NaN and negatives are 0, Infinity never fires", () => {
    withRecordedTimers((timers) => {
      let fired = 0;
      const timer = realClock.setTimer(() => fired++, 3 * MAX_TIMER_DELAY_MS);
      timers[0]!.fn();
      timers[1]!.fn();
      timer.cancel();
      assert.equal(timers[2]!.cleared, true, "the pending chunk is cleared");
      assert.equal(fired, 0);
      realClock.setTimer(() => {}, Number.NaN);
      realClock.setTimer(() => {}, -5);
      assert.deepEqual(
        timers.slice(3).map((t) => t.delay),
        [0, 0],
      );
      realClock.setTimer(() => fired++, Number.POSITIVE_INFINITY);
      for (let i = 0; i < 5; i++) timers[timers.length - 1]!.fn();
      assert.equal(fired, 0);
      assert.equal(timers.at(-1)!.delay, MAX_TIMER_DELAY_MS);
    });
  });

  it("sleep(34 days) waits in chunks and aborts at once", async () => {
    const ac = new AbortController();
    let p: Promise<void> | undefined;
    withRecordedTimers((timers) => {
      p = realClock.sleep(34 * 86_400_000, ac.signal);
      assert.deepEqual(
        timers.map((t) => t.delay),
        [MAX_TIMER_DELAY_MS],
      );
      ac.abort();
      assert.equal(timers[0]!.cleared, true);
    });
    await assert.rejects(p!, (e: unknown) => (e as Error).name === "AbortError");
  });
});
