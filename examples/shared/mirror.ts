/**
 * The example controller every runtime runs: it mirrors ConfigMaps labelled
 * `kubeloop.dev/mirror=true` into another namespace, with server-side apply,
 * and deletes a mirror once its source is deleted or loses the label.
 *
 * In your own project, import from `"kubeloop"` instead of `../../src/mod.ts`
 * (the examples use the source so they run from a fresh clone, unbuilt).
 *
 * @module
 */
import {
  type ConfigMap,
  ConfigMaps,
  Controller,
  createInformer,
  type Informer,
  type InformerOptions,
  isNotFound,
  type KubeClient,
  type Logger,
  newResource,
  splitKey,
  type WorkQueueMetrics,
} from "../../src/mod.ts";

/** The label that marks a ConfigMap for mirroring (value `"true"`). */
export const MIRROR_LABEL = "kubeloop.dev/mirror";
/** Label set on every mirror (so they are easy to list, and never mirrored again). */
export const MIRRORED_LABEL = "kubeloop.dev/mirrored";
/** Annotation on a mirror naming its source, `namespace/name`. */
export const SOURCE_ANNOTATION = "kubeloop.dev/mirror-source";
/** Field manager used for server-side apply. */
export const FIELD_MANAGER = "kubeloop-mirror";

/** What the mirror controller did for one key. */
export interface MirrorAction {
  key: string;
  action: "apply" | "delete" | "skip";
}

/** Options of {@link createMirror}. */
export interface MirrorOptions {
  /** Client for the cluster (or a fake API server). */
  client: KubeClient;
  /** Namespace the mirrors are written to. */
  targetNamespace: string;
  /** Only mirror ConfigMaps from this namespace (default: every namespace but the target). */
  sourceNamespace?: string | undefined;
  /** Concurrent reconciles (default 2). */
  workers?: number | undefined;
  /** Retries per key before it is dropped (default 15: faults should not lose keys). */
  maxRetries?: number | undefined;
  /** Where the informer and the controller log (default: warnings and errors to the console). */
  logger?: Logger | undefined;
  /** Work-queue metrics hooks (the demo counts retries and queue depth with them). */
  metrics?: WorkQueueMetrics | undefined;
  /** Called after each successful reconcile. */
  onAction?: ((action: MirrorAction) => void) | undefined;
  /** Called when a reconcile fails (it is retried with backoff). */
  onError?: ((err: unknown, key: string) => void) | undefined;
  /** Extra informer options (idle timeout, backoff, clock ...). */
  informer?: Omit<InformerOptions<ConfigMap>, "namespace" | "labelSelector"> | undefined;
}

/** The mirror's name for a source: `<namespace>.<name>` (unique across source namespaces). */
export function mirrorName(sourceKey: string): string {
  const { namespace, name } = splitKey(sourceKey);
  return namespace ? `${namespace}.${name}` : name;
}

/** The mirror object the controller applies for `source`. */
export function desiredMirror(source: ConfigMap, targetNamespace: string): ConfigMap {
  const key = `${source.metadata.namespace ?? ""}/${source.metadata.name ?? ""}`;
  const mirror: ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: mirrorName(key),
      namespace: targetNamespace,
      labels: { [MIRRORED_LABEL]: "true" },
      annotations: { [SOURCE_ANNOTATION]: key },
    },
    data: { ...(source.data ?? {}) },
  };
  if (source.binaryData) mirror.binaryData = { ...source.binaryData };
  return mirror;
}

/** The informer and controller of a mirror, not yet running. */
export interface Mirror {
  informer: Informer<ConfigMap>;
  controller: Controller<ConfigMap>;
  /** Run until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

/** Build the ConfigMap mirror controller. */
export function createMirror(options: MirrorOptions): Mirror {
  const { client, targetNamespace } = options;
  const informer = createInformer(client, ConfigMaps, {
    logger: options.logger,
    ...options.informer,
    namespace: options.sourceNamespace,
    labelSelector: `${MIRROR_LABEL}=true`,
  });
  const controller = new Controller<ConfigMap>({
    name: "configmap-mirror",
    workers: options.workers ?? 2,
    maxRetries: options.maxRetries ?? 15,
    logger: options.logger,
    metrics: options.metrics,
    onError: (err, info) => options.onError?.(err, info.key),
    resource: newResource(
      informer,
      async (key, cm, ctx) => {
        if (cm.metadata.namespace === targetNamespace) {
          options.onAction?.({ key, action: "skip" });
          return;
        }
        const mirror = desiredMirror(cm, targetNamespace);
        await client.patch(ConfigMaps, mirror.metadata.name ?? "", mirror, {
          type: "apply",
          fieldManager: FIELD_MANAGER,
          force: true,
          namespace: targetNamespace,
          signal: ctx?.signal,
        });
        options.onAction?.({ key, action: "apply" });
      },
      async (key, _last, ctx) => {
        try {
          await client.delete(ConfigMaps, mirrorName(key), {
            namespace: targetNamespace,
            signal: ctx?.signal,
          });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        options.onAction?.({ key, action: "delete" });
      },
    ),
  });
  return { informer, controller, run: (signal) => controller.run(signal) };
}

/** How far the target namespace is from the desired mirrors. */
export interface MirrorDiff {
  /** Desired mirrors (by mirror name). */
  desired: number;
  /** Mirrors found in the target namespace. */
  actual: number;
  /** Desired but absent. */
  missing: string[];
  /** Present with the wrong data. */
  stale: string[];
  /** Present but not desired (source gone or unlabelled). */
  extra: string[];
}

/** Compare the mirrors `sources` call for with the `mirrors` that exist. */
export function diffMirrors(
  sources: readonly ConfigMap[],
  mirrors: readonly ConfigMap[],
  targetNamespace: string,
): MirrorDiff {
  const want = new Map<string, ConfigMap>();
  for (const s of sources) {
    if (s.metadata.labels?.[MIRROR_LABEL] !== "true") continue;
    if (s.metadata.namespace === targetNamespace) continue;
    const m = desiredMirror(s, targetNamespace);
    want.set(m.metadata.name ?? "", m);
  }
  const have = new Map<string, ConfigMap>();
  for (const m of mirrors) {
    if (m.metadata.labels?.[MIRRORED_LABEL] === "true") have.set(m.metadata.name ?? "", m);
  }
  const same = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) =>
    JSON.stringify(Object.entries(a ?? {}).sort()) ===
    JSON.stringify(Object.entries(b ?? {}).sort());
  const diff: MirrorDiff = {
    desired: want.size,
    actual: have.size,
    missing: [],
    stale: [],
    extra: [],
  };
  for (const [name, m] of want) {
    const h = have.get(name);
    if (!h) diff.missing.push(name);
    else if (!same(h.data, m.data)) diff.stale.push(name);
  }
  for (const name of have.keys()) if (!want.has(name)) diff.extra.push(name);
  return diff;
}

/** Whether a {@link MirrorDiff} shows the mirrors converged. */
export function isConverged(diff: MirrorDiff): boolean {
  return diff.missing.length === 0 && diff.stale.length === 0 && diff.extra.length === 0;
}
