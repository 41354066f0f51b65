/**
 * `npm run chaos -- [--seed N] [--seconds S] [--kubeconfig FILE [--context NAME]]`
 *
 * The seeded chaos run of test/real/chaos.ts, as long as you like: a controller behind a TCP
 * proxy that cuts, refuses and stalls its connections while random writes go to a real API
 * server, then a convergence check. Without --kubeconfig it starts a cluster of its own with
 * kubeloop/envtest (etcd + kube-apiserver binaries: see docs/testing.md) and also restarts
 * kube-apiserver now and then (etcd data kept). With --kubeconfig it uses that cluster (network
 * faults only; it needs rights in a namespace of its own). Exits 0 once converged, 1 otherwise.
 */
import { parseArgs } from "node:util";
import { fromEnvironment, loadKubeconfigFile } from "../src/client/kubeconfig.ts";
import { startTestCluster } from "../src/envtest/mod.ts";
import { formatRealChaos, runRealChaos } from "../test/real/chaos.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    seconds: { type: "string", default: "300" },
    kubeconfig: { type: "string" },
    context: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(
    "usage: npm run chaos -- [--seed N] [--seconds 300] [--kubeconfig FILE [--context NAME]]",
  );
  process.exit(0);
}

const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const seconds = Number(values.seconds);
const cluster = values.kubeconfig || values.context ? undefined : await startTestCluster();
try {
  const config = cluster
    ? cluster.admin
    : values.kubeconfig
      ? await loadKubeconfigFile(values.kubeconfig, { context: values.context })
      : await fromEnvironment({ context: values.context });
  console.log(
    `chaos: seed ${seed}, ${seconds} s against ${cluster ? `an envtest cluster (${cluster.version.gitVersion}), with API server restarts` : config.server}`,
  );
  const plane = cluster?.controlPlane;
  const r = await runRealChaos({
    config,
    seed,
    durationMs: seconds * 1000,
    restart: plane ? () => plane.restartApiServer() : undefined,
    progress: (line) => console.log(line),
  });
  console.log(formatRealChaos(r));
  process.exitCode = r.converged ? 0 : 1;
} finally {
  await cluster?.stop();
}
