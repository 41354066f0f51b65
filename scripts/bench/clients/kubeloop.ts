/**
 * kubeloop's informer: `createInformer(client, Pods, opts)`.
 * Variants: "validate" (the default: zod validation on, managed fields
 * dropped), "novalidate" (`validate: false`), "metadata" (`metadataOnly`).
 */
import { createInformer } from "../../../src/cache/mod.ts";
import { KubeClient } from "../../../src/client/mod.ts";
import { Pods } from "../../../src/resources/mod.ts";
import { config, runClient } from "../harness.ts";

const cfg = config();
let informerStats: () => Record<string, unknown> = () => ({});

await runClient(
  `kubeloop-${cfg.variant}`,
  async (h) => {
    const client = new KubeClient({ server: h.cfg.url });
    const opts = {
      validate: cfg.variant !== "novalidate",
      ...(cfg.variant === "metadata" ? { metadataOnly: true as const } : {}),
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
