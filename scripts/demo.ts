/**
 * `npm run demo`: the ConfigMap mirror controller (examples/shared/mirror.ts)
 * under churn and faults, with live progress and a convergence check.
 *
 *   npm run demo                          # fake API server in-process (no cluster needed)
 *   npm run demo -- --kubeconfig ~/.kube/config [--context name]
 *   KUBECONFIG=~/.kube/config npm run demo
 *   npm run demo -- --seconds 5 --no-faults --seed 7
 *   npm run demo -- --operator            # the Website operator (examples/operator) instead
 *
 * Exits 0 when the mirrors converged, 1 otherwise.
 */
import { parseArgs } from "node:util";
import { KubeClient } from "../src/mod.ts";
import { type DemoOptions, runDemo } from "./demo/run.ts";

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    context: { type: "string" },
    seconds: { type: "string" },
    seed: { type: "string" },
    "no-faults": { type: "boolean" },
    keep: { type: "boolean" },
    operator: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log(`usage: npm run demo -- [--operator] [--kubeconfig FILE] [--context NAME] [--seconds N] [--seed N] [--no-faults] [--keep]

Without a cluster (no KUBECONFIG, no --kubeconfig) the demo starts a fake API server
in-process. With one, it mirrors ConfigMaps between the namespaces kubeloop-demo and
kubeloop-demo-mirror (created if missing) and removes its ConfigMaps at the end
unless --keep is given.

--operator runs the Website operator (examples/operator) instead: Websites created, edited,
re-hosted and deleted under faults, until every Website is reconciled and every deleted one
cleaned up. On a cluster it installs the Website CRD and uses the namespace
kubeloop-operator-demo.`);
  process.exit(0);
}

const options: DemoOptions = {
  out: {
    write: (s) => process.stdout.write(s),
    isTTY: process.stdout.isTTY === true,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    columns: process.stdout.columns,
  },
  faults: !values["no-faults"],
  cleanup: !values.keep,
};
if (values.seconds) options.churnMs = Number(values.seconds) * 1000;
if (values.seed) options.seed = Number(values.seed);

const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG;
if (kubeconfig) {
  // Loaded lazily: the kubeconfig loader pulls in a YAML parser.
  const { fromEnvironment, loadKubeconfigFile } = await import("../src/client/kubeconfig.ts");
  const config = values.kubeconfig
    ? await loadKubeconfigFile(values.kubeconfig, { context: values.context })
    : await fromEnvironment({ context: values.context });
  options.client = new KubeClient({ ...config, timeoutMs: 15_000 });
  options.clusterName = values.context ?? `the cluster of ${kubeconfig}`;
}

const ac = new AbortController();
process.once("SIGINT", () => ac.abort());
options.signal = ac.signal;

try {
  const summary = values.operator
    ? await (await import("./demo/operator.ts")).runOperatorDemo(options)
    : await runDemo(options);
  process.exitCode = summary.converged ? 0 : 1;
} catch (err) {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
