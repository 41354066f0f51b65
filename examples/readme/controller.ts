// The README's controller example, type-checked with the repo (npm run typecheck).
// test/examples/readme.test.ts checks that the README shows exactly this code,
// with `kubeloop` imports in place of the relative ones below.

import { fromEnvironment } from "../../src/client/kubeconfig.ts";
import {
  ConfigMaps,
  Controller,
  createInformer,
  isNotFound,
  KubeClient,
  newResource,
} from "../../src/mod.ts";

// --- README begin
const client = new KubeClient(await fromEnvironment()); // KUBECONFIG, ~/.kube/config or in-cluster
const informer = createInformer(client, ConfigMaps, { labelSelector: "kubeloop.dev/mirror=true" });
const mirrorName = (key: string) => key.replace("/", "."); // "default/a" → "default.a"

const controller = new Controller({
  workers: 4,
  resource: newResource(
    informer,
    // cm is a validated ConfigMap from the informer's cache; throw to retry with backoff.
    async (key, cm) => {
      await client.patch(
        ConfigMaps,
        mirrorName(key),
        { data: cm.data ?? {} },
        { type: "apply", fieldManager: "mirror", force: true, namespace: "mirror" },
      );
    },
    async (key) => {
      await client.delete(ConfigMaps, mirrorName(key), { namespace: "mirror" }).catch((err) => {
        if (!isNotFound(err)) throw err; // already gone is fine
      });
    },
  ),
});

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
await controller.run(stop.signal); // resolves once stopped and drained
