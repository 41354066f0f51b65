// The README's testing example, type-checked with the repo (npm run typecheck).
// test/examples/readme.test.ts checks that the README shows exactly this code,
// with `kubeloop` imports in place of the relative ones below.
import { ConfigMaps, createInformer, KubeClient, newResource } from "../../src/mod.ts";
import { FakeApiServer, testControllerRun } from "../../src/testing/mod.ts";

// --- README begin
const server = new FakeApiServer();
server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" }, data: { k: "v" } });
const client = new KubeClient({ server: "http://fake", fetch: server.fetch }); // in-process, no sockets
const seen: string[] = [];
const stop = await testControllerRun(
  newResource(
    createInformer(client, ConfigMaps),
    (key) => void seen.push(key),
    () => {},
  ),
);
server.faults.cutWatches(); // the informer reconnects from its last resourceVersion
// ... assert on `seen` and on the server's objects
await stop();
await server.close();
