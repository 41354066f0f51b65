// `npm run demo`'s core, briefly: churn with every fault, then convergence.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatSummary, runDemo } from "../../scripts/demo/run.ts";

describe("demo", () => {
  it("converges after churn with a cut watch, a 500 burst and a 410", async () => {
    let output = "";
    const summary = await runDemo({
      churnMs: 1500,
      settleMs: 8000,
      opsPerSecond: 40,
      seed: 42,
      tickMs: 100,
      out: { write: (s) => void (output += s), isTTY: false },
    });
    assert.equal(summary.mode, "fake");
    assert.equal(summary.converged, true, formatSummary(summary));
    assert.equal(summary.stats.faults.length, 3);
    assert.ok(summary.stats.changes > 10, `changes: ${summary.stats.changes}`);
    assert.ok(summary.stats.reconciles > 0);
    assert.ok(summary.stats.retries >= 1, "the 500 burst caused retries");
    assert.ok(summary.stats.relists >= 1, "the 410 caused a relist");
    assert.equal(summary.diff.desired, summary.diff.actual);
    assert.match(output, /converged/);
    assert.ok(!output.includes("\u001b["), "no ANSI codes when piped");
  });
});
