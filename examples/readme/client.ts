// The README's typed-client example, type-checked with the repo (npm run typecheck).
// test/examples/readme.test.ts checks that the README shows exactly this code,
// with `kubeloop` imports in place of the relative ones below.

import { fromEnvironment } from "../../src/client/kubeconfig.ts";
import { ConfigMaps, KubeClient, Pods } from "../../src/mod.ts";

// --- README begin
const client = new KubeClient(await fromEnvironment());

// List pods: every item is a validated, typed Pod.
const pods = await client.list(Pods, { namespace: "default", labelSelector: "app=web" });
for (const pod of pods.items) console.log(pod.metadata.name, pod.status?.phase);

// Server-side apply a ConfigMap (creates it, or updates the fields this manager owns).
await client.patch(
  ConfigMaps,
  "settings",
  { data: { mode: "fast" } },
  { type: "apply", fieldManager: "my-tool", namespace: "default" },
);

// Watch ConfigMaps for a minute (an informer adds relists, backoff and a cache on top).
const signal = AbortSignal.timeout(60_000);
try {
  for await (const ev of client.watch(ConfigMaps, { namespace: "default", signal })) {
    if (ev.type === "ADDED" || ev.type === "MODIFIED" || ev.type === "DELETED") {
      console.log(ev.type, ev.object.metadata.name, ev.object.data);
    }
  }
} catch (err) {
  if (!signal.aborted) throw err;
}
