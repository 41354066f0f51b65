/**
 * @kubernetes/client-node: `makeInformer` (a `ListWatch`) over
 * `CoreV1Api.listPodForAllNamespaces` (it lists in one request: no paging).
 */
import { CoreV1Api, KubeConfig, makeInformer, type V1Pod } from "@kubernetes/client-node";
import { runClient } from "../harness.ts";

await runClient("client-node", async (h) => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "bench", server: h.cfg.url, skipTLSVerify: true }],
    users: [{ name: "bench" }],
    contexts: [{ name: "bench", cluster: "bench", user: "bench" }],
    currentContext: "bench",
  });
  const api = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1Pod>(kc, "/api/v1/pods", () => api.listPodForAllNamespaces());
  let synced = false;
  informer.on("add", () => {
    if (synced) h.event();
    else h.added();
  });
  informer.on("update", () => h.event());
  informer.on("error", (err) => {
    console.error("client-node informer error:", err);
  });
  await informer.start();
  synced = true;
  return { size: () => informer.list().length, stop: () => informer.stop() };
});
