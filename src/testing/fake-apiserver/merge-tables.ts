/**
 * Merge metadata ({@link MergeInfo}) of a kind: its `ResourceType`'s own
 * `merge` field, else what the generator wrote for every built-in resource
 * from the Kubernetes OpenAPI document (src/kinds/merge.ts), plus the
 * `metadata` fields every kind shares.
 *
 * @module
 */
import { builtinMergeInfo } from "../../kinds/merge.ts";
import { type FieldMergeInfo, METADATA_MERGE_INFO, type MergeInfo } from "../../resources/merge.ts";
import type { ResourceType } from "../../resources/resource.ts";

const cache = new WeakMap<ResourceType, MergeInfo>();

/** The merge metadata of `type`: its own, else the generated one of its kind, plus `metadata`'s. */
export function mergeInfoFor(type: ResourceType): MergeInfo {
  let info = cache.get(type);
  if (!info) {
    const own =
      type.merge?.fields ?? builtinMergeInfo[`${type.apiVersion} ${type.kind}`]?.fields ?? {};
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
