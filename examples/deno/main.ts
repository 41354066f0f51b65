// The ConfigMap mirror on Deno:  deno run -A examples/deno/main.ts
// Cluster: KUBELOOP_SERVER=<url> (no auth), else KUBECONFIG / ~/.kube/config / in-cluster.
// Namespaces: MIRROR_TARGET (default "mirror"), MIRROR_SOURCE (default: all).
import { KubeClient } from "../../src/mod.ts";
import { startMirror } from "../shared/start.ts";

// Deno's own types come with `deno check`; this declaration only lets the repo's tsc check the file.
declare const Deno: {
  env: { get(name: string): string | undefined };
  addSignalListener(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
  exit(code?: number): never;
};

const server = Deno.env.get("KUBELOOP_SERVER");
const config = server
  ? { server }
  : await (await import("../../src/client/kubeconfig.ts")).fromEnvironment();

const stop = new AbortController();
Deno.addSignalListener("SIGINT", () => stop.abort());
Deno.addSignalListener("SIGTERM", () => stop.abort());

await startMirror({
  client: new KubeClient(config),
  targetNamespace: Deno.env.get("MIRROR_TARGET"),
  sourceNamespace: Deno.env.get("MIRROR_SOURCE"),
  signal: stop.signal,
});
// Signal listeners keep Deno alive; leave explicitly once stopped.
Deno.exit(0);
