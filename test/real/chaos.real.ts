// The seeded chaos run against the real API server of this test run, sized for CI (about 40 s of
// writes and faults at a TCP proxy: cuts, refused connections, stalls; API server restarts are
// left to test/real/restart.real.ts and `npm run chaos`, which start a cluster of their own).
//
// Replay: KUBELOOP_CHAOS_SEED=<seed> (printed); KUBELOOP_CHAOS_SECONDS=<n> to change the length.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatRealChaos, runRealChaos } from "./chaos.ts";
import { realConfig } from "./support.ts";

const DEFAULT_SEED = 20261130;
const seed = Number(process.env.KUBELOOP_CHAOS_SEED || DEFAULT_SEED);
const seconds = Number(process.env.KUBELOOP_CHAOS_SECONDS || 40);

describe("chaos against the real API server", () => {
  it(`converges after ${seconds} s of writes and network faults (seed ${seed})`, {
    timeout: (seconds + 120) * 1000,
  }, async () => {
    console.log(`chaos: seed ${seed} (replay with KUBELOOP_CHAOS_SEED=${seed})`);
    const r = await runRealChaos({
      config: await realConfig("admin"),
      seed,
      durationMs: seconds * 1000,
    });
    console.log(formatRealChaos(r));
    assert.ok(r.converged, `seed ${seed} did not converge: ${r.diff.join("; ")}`);
    assert.ok(r.convergeMs < 60_000);
    for (const f of ["cut", "refuse", "stall"] as const)
      assert.ok(r.faults[f] > 0, `${f} injected`);
    const s = r.stats;
    assert.ok(s.events > 100, `events: ${s.events}`);
    assert.ok(s.reconnects > 0, "watches resumed");
    assert.ok(s.backoffs > 0, "backed off while refused");
    assert.ok(r.controller.throws > 0, "callbacks that threw were retried");
    assert.ok(r.proxy.refused > 0, "connections were refused");
    assert.equal(r.writes.creates + r.writes.updates + r.writes.deletes > seconds * 10, true);
  });
});
