/**
 * `npm run fixtures:record -- --kubeconfig FILE [--context NAME] [--out DIR]`
 *
 * Creates one realistic object of every kind kubeloop ships on the cluster of
 * the kubeconfig (an envtest cluster, or any cluster where you may create a
 * namespace, a Node and a CRD), records each as GET, LIST and WATCH into
 * `test/fixtures/real/<group>.<version>.<Kind>.json`, and deletes what it
 * created. `test/resources/real-fixtures.test.ts` checks every fixture
 * against its kind's schema and round-trips it through the client.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fromEnvironment, loadKubeconfigFile } from "../src/client/kubeconfig.ts";
import { fixtureFileName } from "../test/fixtures/real.ts";
import { recordFixtures } from "./fixtures/record.ts";

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    context: { type: "string" },
    out: { type: "string" },
    keep: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log(`usage: npm run fixtures:record -- [--kubeconfig FILE] [--context NAME] [--out DIR] [--keep]

Records GET, LIST and WATCH of one object per built-in kind from a real API
server (default kubeconfig: $KUBECONFIG, then ~/.kube/config) into
test/fixtures/real/ (or --out DIR). --keep leaves the objects on the server.`);
  process.exit(0);
}

const config = values.kubeconfig
  ? await loadKubeconfigFile(values.kubeconfig, { context: values.context })
  : await fromEnvironment({ context: values.context });
const out = values.out ?? new URL("../test/fixtures/real/", import.meta.url).pathname;
const fixtures = await recordFixtures(config, {
  log: (line) => console.log(line),
  keep: values.keep,
});
mkdirSync(out, { recursive: true });
for (const f of fixtures) {
  writeFileSync(join(out, fixtureFileName(f)), `${JSON.stringify(f, null, 2)}\n`);
}
console.log(`wrote ${fixtures.length} fixtures (${fixtures.length * 3} recordings) to ${out}`);
