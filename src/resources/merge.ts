/**
 * How the API server merges a kind's fields in strategic merge patches and
 * server-side apply: the OpenAPI extensions `x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`, `x-kubernetes-list-type`,
 * `x-kubernetes-list-map-keys` and `x-kubernetes-map-type`, per field path.
 *
 * @module
 */

/**
 * How one list or map field merges. Everything is optional: a field that is
 * not described is an atomic list (replaced whole) or a struct.
 *
 * @example
 * ```ts
 * import type { FieldMergeInfo } from "kubeloop";
 * const containers: FieldMergeInfo = {
 *   listType: "map",
 *   listMapKeys: ["name"],
 *   patchStrategy: "merge",
 *   patchMergeKey: "name",
 * };
 * ```
 */
export interface FieldMergeInfo {
  /**
   * Server-side apply (`x-kubernetes-list-type`): `atomic` lists are owned and
   * replaced whole, `set` lists merge scalar items, `map` lists merge items
   * by `listMapKeys`.
   */
  readonly listType?: "atomic" | "set" | "map" | undefined;
  /** The keys that identify an item of a `map` list (`x-kubernetes-list-map-keys`). */
  readonly listMapKeys?: readonly string[] | undefined;
  /**
   * `x-kubernetes-map-type`: an `atomic` map or struct is owned and replaced
   * whole; `granular` (the default) merges per key.
   */
  readonly mapType?: "atomic" | "granular" | undefined;
  /**
   * The field is a map with arbitrary keys (OpenAPI `additionalProperties`,
   * e.g. `metadata.labels`), not a struct with named fields.
   */
  readonly map?: boolean | undefined;
  /**
   * Strategic merge patch (`x-kubernetes-patch-strategy`): `merge` merges a
   * list (by `patchMergeKey`, or as a set of scalars), `retainKeys` drops map
   * keys the patch leaves out, `replace` (the default) replaces.
   */
  readonly patchStrategy?: "merge" | "replace" | "retainKeys" | "merge,retainKeys" | undefined;
  /** The key that identifies a list item in a strategic merge patch (`x-kubernetes-patch-merge-key`). */
  readonly patchMergeKey?: string | undefined;
}

/**
 * A kind's merge metadata: field paths to {@link FieldMergeInfo}. A path is
 * the dotted field names from the object's root; list items add no segment
 * (`spec.template.spec.containers.ports` are the ports of every container),
 * and a map's values are `*` (`spec.versions.schema.openAPIV3Schema.properties.*`).
 * `metadata` fields need not be listed: every kind shares them.
 *
 * @example
 * ```ts
 * import type { MergeInfo } from "kubeloop";
 * const serviceMerge: MergeInfo = {
 *   fields: {
 *     "spec.ports": { listType: "map", listMapKeys: ["port", "protocol"], patchStrategy: "merge", patchMergeKey: "port" },
 *     "spec.selector": { map: true, mapType: "atomic" },
 *   },
 * };
 * ```
 */
export interface MergeInfo {
  /** Field path to how that field merges. */
  readonly fields: Readonly<Record<string, FieldMergeInfo>>;
}

/**
 * The `metadata` fields every kind shares, as the API server merges them.
 *
 * @example
 * ```ts
 * import { METADATA_MERGE_INFO } from "kubeloop";
 * console.log(METADATA_MERGE_INFO.fields["metadata.finalizers"]?.listType); // "set"
 * ```
 */
export const METADATA_MERGE_INFO: MergeInfo = {
  fields: {
    "metadata.labels": { map: true },
    "metadata.annotations": { map: true },
    "metadata.finalizers": { listType: "set", patchStrategy: "merge" },
    "metadata.ownerReferences": {
      listType: "map",
      listMapKeys: ["uid"],
      patchStrategy: "merge",
      patchMergeKey: "uid",
    },
  },
};
