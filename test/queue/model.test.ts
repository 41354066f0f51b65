// Randomised checks of the queue invariants against a simple model, with a
// seeded PRNG so failures reproduce.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DelayingQueue } from "../../src/queue/delaying.ts";
import { WorkQueue } from "../../src/queue/workqueue.ts";
import { seededRandom as prng } from "../../src/testing/random.ts";
import { FakeClock } from "../../src/util/clock.ts";

describe("WorkQueue model check", () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`never double-hands a key and never loses an add (seed ${seed})`, () => {
      const rand = prng(seed);
      const q = new WorkQueue<string>();
      const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
      const held = new Set<string>(); // keys a worker holds
      const workers: (string | undefined)[] = [undefined, undefined, undefined];
      // A key "needs processing" from an add until a get that happens after it.
      const needs = new Set<string>();
      for (let step = 0; step < 20_000; step++) {
        const r = rand();
        if (r < 0.45) {
          const k = keys[Math.floor(rand() * keys.length)]!;
          q.add(k);
          needs.add(k);
        } else {
          const w = Math.floor(rand() * workers.length);
          const cur = workers[w];
          if (cur === undefined) {
            const k = q.tryGet();
            if (k !== undefined) {
              assert.ok(!held.has(k), `${k} handed out twice`);
              held.add(k);
              needs.delete(k);
              workers[w] = k;
            }
          } else {
            held.delete(cur);
            workers[w] = undefined;
            q.done(cur);
          }
        }
        // Waiting items are distinct and none is held.
        assert.ok(q.length <= keys.length);
        assert.equal(q.processing, held.size);
      }
      // Finish everything in flight, then drain: every pending add is served.
      for (const k of workers) if (k !== undefined) q.done(k);
      for (let k = q.tryGet(); k !== undefined; k = q.tryGet()) {
        needs.delete(k);
        q.done(k);
      }
      assert.deepEqual([...needs], []);
      assert.equal(q.processing, 0);
    });
  }
});

describe("DelayingQueue model check", () => {
  for (const seed of [7, 8, 9]) {
    it(`delivers each item at its earliest requested deadline (seed ${seed})`, async () => {
      const rand = prng(seed);
      const clock = new FakeClock();
      const q = new DelayingQueue<number>({ clock });
      const due = new Map<number, number>(); // item -> earliest deadline
      for (let i = 0; i < 500; i++) {
        const item = Math.floor(rand() * 100);
        const delay = 1 + Math.floor(rand() * 1000);
        q.addAfter(item, delay);
        const at = clock.now() + delay;
        due.set(item, Math.min(due.get(item) ?? Number.POSITIVE_INFINITY, at));
        if (rand() < 0.1) await clock.advance(Math.floor(rand() * 50));
        // Anything delivered so far must be due.
        for (let k = q.tryGet(); k !== undefined; k = q.tryGet()) {
          assert.ok(due.get(k)! <= clock.now(), `item ${k} early`);
          due.delete(k);
          q.done(k);
        }
        assert.ok(clock.pendingTimers <= 1, "one timer at most");
      }
      // Step through the remaining deadlines in order.
      while (due.size > 0) {
        const next = Math.min(...due.values());
        await clock.advance(next - clock.now() - 1);
        assert.equal(q.tryGet(), undefined);
        await clock.advance(1);
        const got: number[] = [];
        for (let k = q.tryGet(); k !== undefined; k = q.tryGet()) {
          got.push(k);
          q.done(k);
        }
        const expected = [...due].filter(([, at]) => at === next).map(([k]) => k);
        assert.deepEqual(got.sort(), expected.sort());
        for (const k of got) due.delete(k);
      }
      assert.equal(clock.pendingTimers, 0);
    });
  }
});
