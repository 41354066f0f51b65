// The ConfigMap mirror on Node:  node --import tsx examples/node/main.ts
// Cluster: KUBELOOP_SERVER=<url> (no auth, e.g. `npm run fake-apiserver`), else KUBECONFIG / ~/.kube/config / in-cluster.
// Namespaces: MIRROR_TARGET (default "mirror"), MIRROR_SOURCE (default: all).
import { KubeClient } from "../../src/mod.ts";
import { startMirror } from "../shared/start.ts";

const server = process.env.KUBELOOP_SERVER;
const config = server
  ? { server }
  : await (await import("../../src/client/kubeconfig.ts")).fromEnvironment();

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.once("SIGTERM", () => stop.abort());

await startMirror({
  client: new KubeClient(config),
  targetNamespace: process.env.MIRROR_TARGET,
  sourceNamespace: process.env.MIRROR_SOURCE,
  signal: stop.signal,
});
