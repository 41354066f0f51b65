/**
 * Merge metadata ({@link MergeInfo}) for the built-in kinds whose resource
 * types do not carry their own yet: filled in by hand from the Kubernetes
 * OpenAPI document for the kinds and fields the conformance cases exercise.
 * A `ResourceType` with a `merge` field (generated from the OpenAPI document)
 * takes precedence.
 *
 * @module
 */
import { type FieldMergeInfo, METADATA_MERGE_INFO, type MergeInfo } from "../../resources/merge.ts";
import type { ResourceType } from "../../resources/resource.ts";

const byName = (key: string): FieldMergeInfo => ({
  listType: "map",
  listMapKeys: [key],
  patchStrategy: "merge",
  patchMergeKey: key,
});

const MAP: FieldMergeInfo = { map: true };

/** `PodSpec`'s lists and maps, relative to the spec. */
const POD_SPEC: Record<string, FieldMergeInfo> = {
  containers: byName("name"),
  initContainers: byName("name"),
  ephemeralContainers: byName("name"),
  "containers.ports": {
    listType: "map",
    listMapKeys: ["containerPort", "protocol"],
    patchStrategy: "merge",
    patchMergeKey: "containerPort",
  },
  "initContainers.ports": {
    listType: "map",
    listMapKeys: ["containerPort", "protocol"],
    patchStrategy: "merge",
    patchMergeKey: "containerPort",
  },
  "containers.env": byName("name"),
  "initContainers.env": byName("name"),
  "containers.volumeMounts": byName("mountPath"),
  "initContainers.volumeMounts": byName("mountPath"),
  "containers.volumeDevices": byName("devicePath"),
  "containers.resources.limits": MAP,
  "containers.resources.requests": MAP,
  "initContainers.resources.limits": MAP,
  "initContainers.resources.requests": MAP,
  volumes: {
    listType: "map",
    listMapKeys: ["name"],
    patchStrategy: "merge,retainKeys",
    patchMergeKey: "name",
  },
  imagePullSecrets: byName("name"),
  hostAliases: byName("ip"),
  nodeSelector: { map: true, mapType: "atomic" },
  overhead: MAP,
};

function podSpecAt(prefix: string): Record<string, FieldMergeInfo> {
  const out: Record<string, FieldMergeInfo> = {};
  for (const [k, v] of Object.entries(POD_SPEC)) out[`${prefix}.${k}`] = v;
  return out;
}

const TEMPLATE: Record<string, FieldMergeInfo> = {
  "spec.template.metadata.labels": MAP,
  "spec.template.metadata.annotations": MAP,
  "spec.selector.matchLabels": MAP,
  ...podSpecAt("spec.template.spec"),
};

const TABLES: Record<string, Record<string, FieldMergeInfo>> = {
  "/ConfigMap": { data: MAP, binaryData: MAP },
  "/Secret": { data: MAP, stringData: MAP },
  "/Pod": podSpecAt("spec"),
  "/Service": {
    "spec.ports": {
      listType: "map",
      listMapKeys: ["port", "protocol"],
      patchStrategy: "merge",
      patchMergeKey: "port",
    },
    "spec.selector": MAP,
  },
  "apps/Deployment": { ...TEMPLATE, "spec.strategy": { patchStrategy: "retainKeys" } },
  "apps/ReplicaSet": TEMPLATE,
  "apps/StatefulSet": TEMPLATE,
  "apps/DaemonSet": TEMPLATE,
  "batch/Job": TEMPLATE,
};

const cache = new WeakMap<ResourceType, MergeInfo>();

/** The merge metadata of `type`: its own (generated), else the table above, plus `metadata`'s. */
export function mergeInfoFor(type: ResourceType): MergeInfo {
  let info = cache.get(type);
  if (!info) {
    const own = type.merge?.fields ?? TABLES[`${type.group}/${type.kind}`] ?? {};
    info = { fields: { ...METADATA_MERGE_INFO.fields, ...own } };
    cache.set(type, info);
  }
  return info;
}

/**
 * The effective server-side-apply list type of a field: its `listType`, else
 * what structured-merge-diff derives from the patch strategy (a merge key
 * makes a map list, `merge` without one a set), else atomic.
 */
export function listTypeOf(info: FieldMergeInfo | undefined): {
  type: "atomic" | "set" | "map";
  keys: readonly string[];
} {
  if (info?.listType === "map")
    return {
      type: "map",
      keys: info.listMapKeys ?? (info.patchMergeKey ? [info.patchMergeKey] : []),
    };
  if (info?.listType) return { type: info.listType, keys: [] };
  const strategy = info?.patchStrategy ?? "";
  if (strategy.includes("merge")) {
    if (info?.patchMergeKey) return { type: "map", keys: [info.patchMergeKey] };
    return { type: "set", keys: [] };
  }
  return { type: "atomic", keys: [] };
}
