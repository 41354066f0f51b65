// `npm run demo`'s core, briefly: churn with every fault, then convergence.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatSummary, runDemo } from "../../scripts/demo/run.ts";
import { ConfigMaps, KubeClient, Namespaces } from "../../src/mod.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";

describe("demo", () => {
  it("converges after churn with a cut watch, a 500 burst and a 410", async () => {
    let output = "";
    const summary = await runDemo({
      churnMs: 1500,
      minChanges: 30,
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

  it("runs against a cluster given a client (here a fake server over HTTP), then cleans up", async () => {
    const server = new FakeApiServer();
    const listener = await server.listen();
    try {
      const summary = await runDemo({
        client: new KubeClient({ server: listener.url }),
        churnMs: 800,
        opsPerSecond: 30,
        seed: 5,
      });
      assert.equal(summary.mode, "cluster");
      assert.equal(summary.converged, true, formatSummary(summary));
      assert.deepEqual(summary.stats.faults, []);
      assert.ok(server.get(Namespaces, "kubeloop-demo"), "namespace created");
      assert.ok(server.get(Namespaces, "kubeloop-demo-mirror"), "namespace created");
      assert.deepEqual(
        server.list(ConfigMaps, { namespace: "kubeloop-demo" }),
        [],
        "sources removed",
      );
      assert.deepEqual(
        server.list(ConfigMaps, { namespace: "kubeloop-demo-mirror" }),
        [],
        "mirrors removed",
      );
    } finally {
      await listener.close();
      await server.close();
    }
  });
});
