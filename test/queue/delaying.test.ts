import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DelayingQueue } from "../../src/queue/delaying.ts";
import { FakeClock } from "../../src/util/clock.ts";

function drain(q: DelayingQueue<string>): string[] {
  const out: string[] = [];
  for (let k = q.tryGet(); k !== undefined; k = q.tryGet()) {
    out.push(k);
    q.done(k);
  }
  return out;
}

describe("DelayingQueue", () => {
  it("adds items when their delay passes, in deadline order", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock });
    q.addAfter("c", 300);
    q.addAfter("a", 100);
    q.addAfter("b", 200);
    q.addAfter("now", 0);
    assert.deepEqual(drain(q), ["now"]);
    assert.equal(q.waiting, 3);
    await clock.advance(99);
    assert.deepEqual(drain(q), []);
    await clock.advance(1);
    assert.deepEqual(drain(q), ["a"]);
    await clock.advance(250);
    assert.deepEqual(drain(q), ["b", "c"]);
    assert.equal(q.waiting, 0);
    assert.equal(clock.pendingTimers, 0);
    q.shutDown();
  });

  it("runs a single timer for the earliest deadline", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<number>({ clock });
    for (let i = 200; i >= 1; i--) q.addAfter(i, i * 10);
    assert.equal(clock.pendingTimers, 1);
    assert.equal(clock.nextTimerAt(), 10);
    await clock.advance(10_000);
    const out: number[] = [];
    for (let k = q.tryGet(); k !== undefined; k = q.tryGet()) out.push(k);
    assert.deepEqual(
      out,
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    assert.equal(clock.pendingTimers, 0);
  });

  it("keeps the earlier deadline when a waiting item is added again", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock });
    q.addAfter("a", 500);
    q.addAfter("a", 1000); // later: ignored
    assert.equal(q.waiting, 1);
    assert.equal(clock.nextTimerAt(), 500);
    q.addAfter("a", 100); // earlier: wins, timer re-armed
    assert.equal(q.waiting, 1);
    assert.equal(clock.pendingTimers, 1);
    assert.equal(clock.nextTimerAt(), 100);
    await clock.advance(100);
    assert.deepEqual(drain(q), ["a"]);
    await clock.advance(1000);
    assert.deepEqual(drain(q), []);
  });

  it("keeps equal deadlines in insertion order", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock });
    for (const k of ["x", "y", "z", "w"]) q.addAfter(k, 50);
    await clock.advance(50);
    assert.deepEqual(drain(q), ["x", "y", "z", "w"]);
  });

  it("de-duplicates with items already queued", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock });
    q.add("a");
    q.addAfter("a", 10);
    await clock.advance(10);
    assert.deepEqual(drain(q), ["a"]);
  });

  it("shutDown cancels the timer and drops waiting items", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock });
    q.addAfter("a", 10);
    q.shutDown();
    assert.equal(clock.pendingTimers, 0);
    assert.equal(q.waiting, 0);
    q.addAfter("b", 10);
    assert.equal(clock.pendingTimers, 0);
    await clock.advance(100);
    assert.equal(await q.get(), undefined);
  });

  it("hands delayed items to a waiting worker", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock });
    const got = q.get();
    q.addAfter("a", 25);
    await clock.advance(25);
    assert.equal(await got, "a");
    q.shutDown();
  });
});
