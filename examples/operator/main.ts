// The Website operator as a process, the same file on every runtime:
//   node --import tsx examples/operator/main.ts
//   deno run -A examples/operator/main.ts
//   bun examples/operator/main.ts
// Cluster: KUBELOOP_SERVER=<url> (no auth, e.g. `npm run fake-apiserver`), else KUBECONFIG /
// ~/.kube/config / in-cluster. Environment: POD_NAME (identity, default website-operator-<random>),
// WATCH_NAMESPACE (default: all), LEASE_NAMESPACE (default "default"), PROBE_PORT (default 8081;
// 0 picks a free port), INSTALL_CRD=1 (create the Website CRD if it is missing).
// The probe server answers /healthz, /readyz and /metrics (Prometheus text).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import process from "node:process";
import { CustomResourceDefinitions, consoleLogger, isConflict, KubeClient } from "../../src/mod.ts";
import { websiteOperator } from "./operator.ts";
import { FakeRegistry } from "./registry.ts";
import { websiteCrd } from "./website.ts";

const env = (name: string): string | undefined => process.env[name] || undefined;
const server = env("KUBELOOP_SERVER");
const config = server
  ? { server }
  : await (await import("../../src/client/kubeconfig.ts")).fromEnvironment();
const client = new KubeClient(config);
const identity = env("POD_NAME") ?? `website-operator-${crypto.randomUUID().slice(0, 8)}`;
const logger = consoleLogger("info");

if (env("INSTALL_CRD") === "1") {
  try {
    await client.create(CustomResourceDefinitions, websiteCrd);
    console.log(`installed CRD ${websiteCrd.metadata.name}`);
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

// The "external" registry: in memory here; print what it does.
const registry = new FakeRegistry();
const inner = {
  register: registry.register.bind(registry),
  unregister: registry.unregister.bind(registry),
};
registry.register = async (host, target) => {
  await inner.register(host, target);
  console.log(`registry: ${host} → ${target}`);
};
registry.unregister = async (host) => {
  await inner.unregister(host);
  console.log(`registry: ${host} removed`);
};

const { manager } = websiteOperator({
  client,
  registry,
  identity,
  namespace: env("WATCH_NAMESPACE"),
  leaseNamespace: env("LEASE_NAMESPACE"),
  logger,
  onReconcile: (key, outcome) => console.log(`${outcome} ${key}`),
});

// The manager's health server: its fetch handler behind node:http (Node, Deno and Bun all have it).
const probes = createServer((req: IncomingMessage, res: ServerResponse) => {
  const response = manager.probe(new Request(`http://localhost${req.url ?? "/"}`));
  res.writeHead(response.status, Object.fromEntries(response.headers));
  void response.text().then((body) => res.end(body));
});
await new Promise<void>((resolve) =>
  probes.listen(Number(env("PROBE_PORT") ?? 8081), "127.0.0.1", () => resolve()),
);
const address = probes.address();
console.log(
  `probes on http://127.0.0.1:${typeof address === "object" && address ? address.port : "?"} (/healthz /readyz /metrics); identity ${identity}`,
);

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.once("SIGTERM", () => stop.abort());
try {
  await manager.run(stop.signal);
  console.log("stopped");
} finally {
  await new Promise<void>((resolve) => probes.close(() => resolve()));
}
process.exit(0);
