// The ConfigMap mirror on Bun:  bun examples/bun/main.ts
// Cluster: KUBELOOP_SERVER=<url> (no auth), else KUBECONFIG / ~/.kube/config / in-cluster.
// Namespaces: MIRROR_TARGET (default "mirror"), MIRROR_SOURCE (default: all).
import { KubeClient } from "../../src/mod.ts";
import { startMirror } from "../shared/start.ts";

// bun-types provides this in a Bun project; this declaration only lets the repo's tsc check the file.
declare const Bun: { env: Record<string, string | undefined> };

const server = Bun.env.KUBELOOP_SERVER;
const config = server
  ? { server }
  : await (await import("../../src/client/kubeconfig.ts")).fromEnvironment();

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.once("SIGTERM", () => stop.abort());

await startMirror({
  client: new KubeClient(config),
  targetNamespace: Bun.env.MIRROR_TARGET,
  sourceNamespace: Bun.env.MIRROR_SOURCE,
  signal: stop.signal,
});
