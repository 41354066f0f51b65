// The watch idle deadline: derived from the watch's own timeoutSeconds and the bookmark cadence
// the reflector observed, so a quiet watch on a real server (a 1.20 server sends its only bookmark
// about 2 s before the timeout) is never taken for a stalled one, while a dead connection still is.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { createInformer, type Informer } from "../../src/cache/informer.ts";
import { watchIdleDeadlineMs } from "../../src/cache/reflector.ts";
import type { ConfigMap } from "../../src/resources/core.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import { MemoryLogger } from "../../src/util/logger.ts";
import { cm, type Env, eventually, setup } from "./support.ts";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function start(env: Env, informer: Informer<ConfigMap>): void {
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  stops.push(async () => {
    ac.abort();
    await done;
    await env.server.close();
  });
}

/** The idle deadlines (ms) the reflector announced for each watch, in order. */
function idleDeadlines(logger: MemoryLogger): number[] {
  return logger.find("debug", "watching").map((r) => r.fields?.idleMs as number);
}

describe("watchIdleDeadlineMs", () => {
  it("is the watch's own timeout plus 10 % (at least 5 s) when nothing longer was observed", () => {
    assert.equal(watchIdleDeadlineMs(300), 330_000);
    assert.equal(watchIdleDeadlineMs(600), 660_000);
    assert.equal(watchIdleDeadlineMs(3), 8_000);
    assert.equal(watchIdleDeadlineMs(30), 35_000);
    assert.equal(watchIdleDeadlineMs(300, undefined), 330_000);
    assert.equal(watchIdleDeadlineMs(300, 0), 330_000);
  });

  it("never shortens for frequent bookmarks (they stop when the type goes quiet); lengthens for a longer healthy silence", () => {
    assert.equal(watchIdleDeadlineMs(300, 60_000), 330_000);
    assert.equal(watchIdleDeadlineMs(600, 10_000), 660_000);
    assert.equal(watchIdleDeadlineMs(300, 320_000), 352_000);
    assert.equal(watchIdleDeadlineMs(3, 10_000), 15_000);
  });
});

describe("informer: derived idle deadline (fake clock)", () => {
  it("a silent watch with a 600 s timeout is not aborted at 300 s (the old fixed deadline), only after 660 s", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const errors: unknown[] = [];
    const logger = new MemoryLogger();
    const informer = createInformer(env.client, ConfigMaps, {
      clock: env.clock,
      random: () => 0,
      watchTimeoutSeconds: { min: 600, max: 600 },
      logger,
      onError: (e) => errors.push(e),
    });
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    assert.deepEqual(idleDeadlines(logger), [660_000]);
    await env.clock.advance(300_001);
    assert.equal(informer.stats().stalls, 0);
    await env.clock.advance(659_999 - 300_001);
    assert.equal(informer.stats().stalls, 0);
    // the server (whose clock stands still) never ended the watch: a dead connection
    await env.clock.advance(1);
    await eventually(() => informer.stats().stalls === 1);
    assert.equal((errors[0] as { idleMs?: number }).idleMs, 660_000);
    assert.equal(informer.stats().lists, 1, "a stall resumes, no relist");
  });

  it("a 1.20-like server (one bookmark 2 s before a 600 s timeout, clean end) runs five cycles without a stall", async () => {
    // the server's periodic bookmarks are off: it sends one only when told, as 1.20 does near the deadline
    const env = setup({ bookmarkIntervalMs: 10_000_000 });
    env.server.create(ConfigMaps, cm("a"));
    const logger = new MemoryLogger();
    const informer = createInformer(env.client, ConfigMaps, {
      clock: env.clock,
      random: () => 0,
      watchTimeoutSeconds: { min: 600, max: 600 },
      logger,
    });
    start(env, informer);
    await informer.waitForSync();
    const both = async (ms: number): Promise<void> => {
      await env.clock.advance(ms);
      await env.serverClock.advance(ms);
    };
    for (let cycle = 1; cycle <= 5; cycle++) {
      await eventually(() => env.server.watcherCount() === 1 && informer.stats().watches === cycle);
      await both(598_000);
      env.server.bookmark();
      await eventually(() => informer.stats().bookmarks === cycle);
      await both(2_000); // the server ends the watch at its timeout
      await eventually(() => informer.stats().watches === cycle + 1);
    }
    const s = informer.stats();
    assert.equal(s.stalls, 0);
    assert.equal(s.errors, 0);
    assert.equal(s.lists, 1);
    assert.equal(s.reconnects, 5);
    // one bookmark per watch: no cadence, every deadline is the timeout-based one
    assert.deepEqual(idleDeadlines(logger), Array(6).fill(660_000));
  });

  it("bookmarks every 10 s, then none (the type went quiet): no stall before the timeout-based deadline", async () => {
    // what a real 1.20 server does: bookmarks every minute while the type is busy, none once it is
    // quiet. A deadline derived from the cadence (2 × 10 s) would be a false stall here.
    const env = setup({ bookmarkIntervalMs: 10_000 });
    env.server.create(ConfigMaps, cm("a"));
    const logger = new MemoryLogger();
    const informer = createInformer(env.client, ConfigMaps, {
      clock: env.clock,
      random: () => 0,
      watchTimeoutSeconds: { min: 600, max: 600 },
      logger,
    });
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    for (let i = 1; i <= 3; i++) {
      await env.clock.advance(10_000);
      await env.serverClock.advance(10_000);
      env.server.bookmark();
      await eventually(() => informer.stats().bookmarks === i);
    }
    env.server.faults.closeWatches();
    await eventually(() => informer.stats().watches === 2 && env.server.watcherCount() === 1);
    // the next watch is quiet (the server's clock stands still: no more bookmarks)
    await env.clock.advance(100_000);
    assert.equal(informer.stats().stalls, 0);
    assert.deepEqual(idleDeadlines(logger), [660_000, 660_000]);
  });

  it("a healthy silence close to the deadline lengthens the next one; a stall does not count", async () => {
    const env = setup({ bookmarkIntervalMs: 10_000_000 });
    env.server.create(ConfigMaps, cm("a"));
    const logger = new MemoryLogger();
    const informer = createInformer(env.client, ConfigMaps, {
      clock: env.clock,
      random: () => 0,
      watchTimeoutSeconds: { min: 600, max: 600 },
      logger,
    });
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    // 650 s of silence, then a bookmark, then the watch ends: a healthy 650 s silence
    await env.clock.advance(650_000);
    env.server.bookmark();
    await eventually(() => informer.stats().bookmarks === 1);
    env.server.faults.closeWatches();
    await eventually(() => informer.stats().watches === 2 && env.server.watcherCount() === 1);
    assert.deepEqual(idleDeadlines(logger), [660_000, 715_000]);
    // this one stalls: its silence was not healthy, the next deadline is back to the timeout's
    env.server.faults.stallWatches();
    await env.clock.advance(715_000);
    await eventually(() => informer.stats().stalls === 1);
    await eventually(() => informer.stats().watches === 3);
    assert.deepEqual(idleDeadlines(logger), [660_000, 715_000, 660_000]);
  });

  it("an explicit idleTimeoutMs still wins", async () => {
    const env = setup();
    const logger = new MemoryLogger();
    const informer = createInformer(env.client, ConfigMaps, {
      clock: env.clock,
      random: () => 0,
      idleTimeoutMs: 42_000,
      logger,
    });
    start(env, informer);
    await informer.waitForSync();
    await eventually(() => env.server.watcherCount() === 1);
    assert.deepEqual(idleDeadlines(logger), [42_000]);
  });
});
