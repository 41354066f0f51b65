// `npm run demo -- --operator`'s core, briefly: the Website operator under
// churn with a flaky registry, failing Deployment applies and cut watches,
// then convergence; and against a "cluster" (a fake server over HTTP), which
// it cleans up after.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Websites } from "../../examples/operator/website.ts";
import { formatOperatorSummary, runOperatorDemo } from "../../scripts/demo/operator.ts";
import { Deployments, KubeClient } from "../../src/mod.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";

describe("demo --operator", () => {
  it("converges after churn with every fault", async () => {
    let output = "";
    const summary = await runOperatorDemo({
      churnMs: 1500,
      minChanges: 30,
      settleMs: 10_000,
      opsPerSecond: 20,
      seed: 7,
      tickMs: 100,
      out: { write: (s) => void (output += s), isTTY: false },
    });
    assert.equal(summary.mode, "fake");
    assert.equal(summary.converged, true, formatOperatorSummary(summary));
    assert.deepEqual(summary.problems, []);
    assert.equal(summary.stats.faults.length, 3);
    assert.ok(summary.stats.changes > 10, `changes: ${summary.stats.changes}`);
    assert.ok(summary.stats.deleted >= 1, "the churn deleted some Websites");
    assert.ok(summary.stats.errors >= 4, "the registry and 500 faults caused retries");
    assert.equal(summary.stats.reconciled, summary.stats.websites);
    assert.equal(summary.stats.registered, summary.stats.websites);
    assert.match(output, /✓ converged/);
    assert.match(output, /events {8}.*Provisioned \d+/);
    assert.ok(!output.includes("\u001b["), "no ANSI codes when piped");
  });

  it("runs against a cluster given a client (a fake server over HTTP), installs the CRD, then cleans up", async () => {
    const server = new FakeApiServer();
    const listener = await server.listen();
    try {
      const summary = await runOperatorDemo({
        client: new KubeClient({ server: listener.url }),
        churnMs: 800,
        opsPerSecond: 15,
        seed: 5,
        settleMs: 10_000,
      });
      assert.equal(summary.mode, "cluster");
      assert.equal(summary.converged, true, formatOperatorSummary(summary));
      assert.equal(summary.stats.faults.length, 0, "no faults against a cluster");
      // cleaned up: no Websites left, and their children removed too
      assert.equal(server.list(Websites, { namespace: "kubeloop-operator-demo" }).length, 0);
      assert.equal(server.list(Deployments, { namespace: "kubeloop-operator-demo" }).length, 0);
    } finally {
      await listener.close();
      await server.close();
    }
  });
});
