// Seeded chaos: a Controller (real informer + real client) against the fake
// API server over real HTTP while a driver applies thousands of random
// creates / updates / deletes and random faults; then the faults stop and the
// cache and the user's last callbacks must converge to the server's state
// within a bounded time. (API server restarts: restart.test.ts.)
//
// Replay a schedule: CHAOS_SEED=<seed> (printed), CHAOS_OPS=<n> to change the
// length. See docs/reliability.md.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DECK, formatChaos, runChaos } from "./chaos.ts";
import { env, runtimeName } from "./support.ts";

const DEFAULT_SEED = 20261125;

function seedFromEnv(): number {
  const s = env("CHAOS_SEED");
  if (s === undefined || s === "") return DEFAULT_SEED;
  if (s === "random") return Math.floor(Math.random() * 2 ** 31);
  return Number(s);
}

// thousands on Node; the core of it, with fewer operations, on Deno and Bun
const NODE = runtimeName() === "node";
const OPS = Number(env("CHAOS_OPS") ?? (NODE ? 3000 : 1000));

describe(`chaos over real HTTP (${runtimeName()})`, () => {
  it(`converges after ${OPS} random operations and faults`, { timeout: 120_000 }, async () => {
    const seed = seedFromEnv();
    console.log(`chaos: seed ${seed} (replay with CHAOS_SEED=${seed})`);
    // fewer operations off Node, with more of them faults (every kind is injected)
    const r = await runChaos({
      seed,
      ops: OPS,
      faultRate: NODE ? 0.02 : 0.04,
      // a 1 s Retry-After would idle most of the short runs off Node
      maxRetryAfterSeconds: NODE ? 1 : 0,
      opsPerSecond: 500, // a steady pace, whatever the machine's load
      historyLimit: 2000, // ~4 s of history: watches can start after a list
      streamingList: env("CHAOS_STREAMING") === "1",
      selector: env("CHAOS_SELECTOR") === "1",
    });
    console.log(formatChaos(r));
    assert.ok(r.converged, `seed ${seed} did not converge: ${r.diff.join("; ")}`);
    assert.ok(r.convergeMs < 30_000);
    const injected = Object.values(r.injected).reduce((a, b) => a + b, 0);
    const hit = Object.values(r.hit).reduce((a, b) => a + b, 0);
    assert.ok(injected > 0, "faults injected");
    if (injected >= DECK.length)
      for (const [k, v] of Object.entries(r.injected)) assert.ok(v > 0, `${k} injected`);
    assert.ok(hit > 0, "faults hit");
    // the informer saw and survived them
    assert.ok(r.stats.events > 0, "watch events applied");
    assert.ok(r.stats.errors > 0, "failures reported");
    assert.ok(r.stats.reconnects > 0, "watches resumed");
    assert.ok(r.stats.gone > 0, "410s handled by relisting");
    assert.ok(r.stats.relists > 0, "relists");
    assert.ok(r.controller.throws > 0, "callbacks that threw were retried");
    assert.ok(r.mutations.creates + r.mutations.updates + r.mutations.deletes > OPS * 0.9);
  });
});
