/**
 * The ConfigMap mirror in a Cloudflare worker. Each request runs the
 * controller for a while against the API server it names and answers with
 * what it did:
 *
 *   GET /?server=https://k8s.example.com&ms=2000&target=mirror
 *
 * `server` falls back to the `KUBE_SERVER` binding, with `KUBE_TOKEN` as the
 * bearer token. workerd cannot trust a custom CA: the API server needs a
 * publicly trusted certificate (or a proxy in front of it). A long-running
 * deployment would use a Durable Object or a Cron Trigger instead of a request.
 *
 * The test (test/examples/worker.edge.ts) bundles this file against the built
 * `kubeloop` edge bundle and runs it in workerd through Miniflare.
 */
import { type ClusterConfig, KubeClient } from "../../src/mod.ts";
import { createMirror, type MirrorAction } from "../shared/mirror.ts";

/** Worker bindings (wrangler.toml `[vars]` / secrets). */
export interface Env {
  KUBE_SERVER?: string;
  KUBE_TOKEN?: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const server = url.searchParams.get("server") ?? env.KUBE_SERVER;
    if (!server) return new Response("pass ?server=<API server URL>\n", { status: 400 });
    const requested = Number(url.searchParams.get("ms") ?? 2000);
    const ms = Number.isFinite(requested) ? Math.min(Math.max(requested, 0), 25_000) : 2000;
    const targetNamespace = url.searchParams.get("target") ?? "mirror";
    const sourceNamespace = url.searchParams.get("source") ?? undefined;
    const config: ClusterConfig = { server };
    if (env.KUBE_TOKEN) config.token = env.KUBE_TOKEN;

    const actions: MirrorAction[] = [];
    const errors: string[] = [];
    const mirror = createMirror({
      client: new KubeClient(config),
      targetNamespace,
      sourceNamespace,
      onAction: (a) => actions.push(a),
      onError: (err, key) =>
        errors.push(`${key}: ${err instanceof Error ? err.message : String(err)}`),
    });
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), ms);
    try {
      await mirror.run(stop.signal);
    } finally {
      clearTimeout(timer);
    }
    return Response.json({
      runtime: navigator.userAgent,
      synced: mirror.informer.hasSynced(),
      watched: mirror.informer.store.keys(),
      actions,
      errors,
    });
  },
};
