// A Cloudflare worker that imports the built kubeloop edge bundle. The test bundles it
// with esbuild (workerd conditions) and runs it in workerd through Miniflare.
//
// GET /?server=<url>: runs an informer and a controller against the API server at <url>
// until the initial sync plus a few live watch events arrive, then answers with what it saw.
import * as kubeloop from "../../dist/edge/mod.js";

async function watchAndReconcile(server, expectLive) {
  const client = new kubeloop.KubeClient({ server });
  const informer = kubeloop.createInformer(client, kubeloop.ConfigMaps, { namespace: "default" });
  const seen = [];
  let done;
  const finished = new Promise((resolve) => {
    done = resolve;
  });
  const resource = kubeloop.newResource(
    informer,
    (key, cm) => {
      seen.push(`upsert ${key} ${cm.data?.v ?? ""}`);
      if (key === `default/${expectLive}`) done();
    },
    (key) => {
      seen.push(`delete ${key}`);
    },
  );
  const controller = new kubeloop.Controller({ resource });
  const ac = new AbortController();
  const running = controller.run(ac.signal);
  const timeout = setTimeout(() => done(), 10_000);
  await finished;
  clearTimeout(timeout);
  const synced = controller.hasSynced();
  const rv = controller.lastSyncResourceVersion();
  const keys = informer.store.keys().sort();
  ac.abort();
  await running;
  return { synced, rv, keys, seen };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const server = url.searchParams.get("server");
    const expectLive = url.searchParams.get("expect") ?? "";
    const clock = new kubeloop.FakeClock();
    const backoff = new kubeloop.Backoff({ clock, jitter: 0 });
    const result = {
      runtime: navigator.userAgent,
      detected: kubeloop.detectRuntime(),
      delays: [backoff.next(), backoff.next(), backoff.next()],
    };
    if (server) Object.assign(result, await watchAndReconcile(server, expectLive));
    return Response.json(result);
  },
};
