/**
 * kubeloop's informer: `createInformer(client, Pods, opts)`.
 * Variants: "validate" (the default: zod validation on, managed fields
 * dropped), "novalidate" (`validate: false`), "metadata" (`metadataOnly`).
 *
 * A variant may carry "+" switches that turn one optimisation off, to
 * measure what it is worth in the same run (all through public API):
 * "+nobatch" (a client without `watchBatches`: one await per event),
 * "+nostrip" (a transform of its own, so managedFields are parsed and then
 * dropped), "+noprefetch" (`prefetchPages: false`), "+fetch" (the global `fetch` as the
 * client's transport, instead of the runtime's: `node:http` on Node). Example:
 * `--clients kubeloop-validate,kubeloop-validate+nobatch`.
 */
import { createInformer, dropManagedFields, type ListWatchClient } from "../../../src/cache/mod.ts";
import { KubeClient } from "../../../src/client/mod.ts";
import { type Pod, Pods } from "../../../src/resources/mod.ts";
import { loadRuntime } from "../../../src/runtime/mod.ts";
import { config, runClient } from "../harness.ts";

const cfg = config();
// The peers load their HTTP stacks with their static imports, before the harness starts the
// clock; kubeloop starts loading its transport when its client module is evaluated, but
// asynchronously (a dynamic import, which tsx transpiles here): wait for it as well, so that no
// client pays for module loading inside the timed window.
await loadRuntime();
const [base, ...switches] = cfg.variant.split("+");
const off = (name: string): boolean => switches.includes(name);
let informerStats: () => Record<string, unknown> = () => ({});

await runClient(
  `kubeloop-${cfg.variant}`,
  async (h) => {
    const kube = new KubeClient({
      server: h.cfg.url,
      ...(off("fetch")
        ? { fetch: (input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init) }
        : {}),
    });
    const client: ListWatchClient = off("nobatch")
      ? { list: (t, o) => kube.list(t, o), watch: (t, o) => kube.watch(t, o) }
      : kube;
    const opts = {
      validate: base !== "novalidate",
      ...(base === "metadata" ? { metadataOnly: true as const } : {}),
      ...(off("nostrip") ? { transform: (p: Pod) => dropManagedFields(p) } : {}),
      ...(off("noprefetch") ? { prefetchPages: false } : {}),
      onError: (err: unknown) => console.error("kubeloop informer error:", err),
    };
    const informer = createInformer(client, Pods, opts);
    informerStats = () => ({ ...(informer.stats() as unknown as Record<string, unknown>) });
    let synced = false;
    informer.addEventHandler({
      onAdd: () => {
        if (synced) h.event();
        else h.added();
      },
      onUpdate: () => h.event(),
      onDelete: () => h.event(),
    });
    const ac = new AbortController();
    const done = informer.run(ac.signal);
    const ok = await informer.waitForSync();
    if (!ok) throw new Error(`informer stopped before sync: ${String(informer.lastError())}`);
    synced = true;
    return {
      size: () => informer.store.size,
      stop: async () => {
        ac.abort();
        await done;
      },
    };
  },
  () => informerStats(),
);
