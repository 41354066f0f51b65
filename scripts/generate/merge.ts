/**
 * Merge metadata of the built-in kinds for strategic merge patch and
 * server-side apply: for every list and map field (by dotted path from the
 * object's root; list items add no segment, map values add `*`), its
 * `x-kubernetes-list-type`, `-list-map-keys`, `-map-type`, `-patch-strategy`
 * and `-patch-merge-key`, as the OpenAPI document gives them.
 */
import type { SchemaType } from "../../src/resources/schema-model.ts";

/** How one field merges (the shape of kubeloop's `FieldMergeInfo`). */
export interface FieldMerge {
  listType?: string;
  listMapKeys?: readonly string[];
  mapType?: string;
  map?: boolean;
  patchStrategy?: string;
  patchMergeKey?: string;
}

/**
 * The merge metadata of a kind, from its type. `resolve` gives named types;
 * a type already on the current path is not entered again (recursive schemas).
 * `metadata` is left out: every kind shares it.
 */
export function mergeFields(
  root: SchemaType,
  resolve: (module: string, name: string) => SchemaType,
): Record<string, FieldMerge> {
  const out: Record<string, FieldMerge> = {};
  const add = (path: string, entry: FieldMerge): void => {
    if (Object.keys(entry).length === 0) return;
    out[path] = { ...out[path], ...entry };
  };
  const visit = (t: SchemaType, path: string, onPath: Set<string>, item = false): void => {
    switch (t.type) {
      case "array": {
        const e: FieldMerge = {};
        // atomic is what an undescribed list is: not listed
        if (t.listType && t.listType !== "atomic") e.listType = t.listType;
        if (t.listMapKeys?.length) e.listMapKeys = t.listMapKeys;
        if (t.patchStrategy) e.patchStrategy = t.patchStrategy;
        if (t.patchMergeKey) e.patchMergeKey = t.patchMergeKey;
        add(path, e);
        visit(t.items, path, onPath, true);
        return;
      }
      case "map": {
        const e: FieldMerge = { map: true };
        if (t.mapType) e.mapType = t.mapType;
        if (t.patchStrategy) e.patchStrategy = t.patchStrategy;
        add(path, e);
        visit(t.values, `${path}.*`, onPath);
        return;
      }
      case "ref": {
        const key = `${t.module}/${t.name}`;
        const e: FieldMerge = {};
        if (t.mapType) e.mapType = t.mapType;
        if (t.patchStrategy) e.patchStrategy = t.patchStrategy;
        if (onPath.has(key)) {
          add(path, e);
          return;
        }
        const target = resolve(t.module, t.name);
        const next = new Set(onPath).add(key);
        // a list item's own map type cannot be told from the list's (items add no segment)
        if (!item && target.type === "object" && target.mapType && !e.mapType) {
          e.mapType = target.mapType;
        }
        add(path, e);
        visit(target, path, next, item);
        return;
      }
      case "object": {
        const e: FieldMerge = {};
        if (t.mapType && !item) e.mapType = t.mapType;
        if (t.patchStrategy) e.patchStrategy = t.patchStrategy;
        if (path) add(path, e);
        for (const p of t.properties) {
          if (!path && (p.name === "metadata" || p.name === "apiVersion" || p.name === "kind")) {
            continue;
          }
          visit(p.type, path ? `${path}.${p.name}` : p.name, onPath);
        }
        return;
      }
      case "union":
        for (const o of t.options) visit(o, path, onPath, item);
        return;
      default:
        return;
    }
  };
  visit(root, "", new Set());
  return out;
}
