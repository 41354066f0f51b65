/**
 * The typed model kubeloop builds from a Kubernetes schema (a definition of the
 * built-in OpenAPI document or a CRD's `openAPIV3Schema`) before it becomes
 * TypeScript source (`npm run generate`, `kubeloop generate crd`) or a zod
 * schema at run time (`resourceFromCRD`).
 *
 * The model is plain data: the same value drives the source emitter and the
 * run-time schema builder, so generated modules and `resourceFromCRD` agree.
 *
 * @module
 */

/**
 * A field's type in kubeloop's schema model.
 *
 * @example
 * ```ts
 * import type { SchemaType } from "./schema-model.ts";
 * const replicas: SchemaType = { type: "number", integer: true, format: "int32" };
 * const labels: SchemaType = { type: "map", values: { type: "string" } };
 * ```
 */
export type SchemaType =
  | StringType
  | NumberType
  | { type: "boolean"; nullable?: boolean | undefined }
  | { type: "intOrString"; nullable?: boolean | undefined }
  | { type: "quantity"; nullable?: boolean | undefined }
  | { type: "time"; nullable?: boolean | undefined }
  | { type: "unknown"; nullable?: boolean | undefined }
  | ArrayType
  | MapType
  | ObjectType
  | RefType
  | UnionType;

/**
 * A string, optionally restricted (CRDs only: built-in definitions carry no restrictions).
 *
 * @example
 * ```ts
 * import type { StringType } from "./schema-model.ts";
 * const phase: StringType = { type: "string", enum: ["Pending", "Ready"] };
 * ```
 */
export interface StringType {
  /** Discriminant. */
  type: "string";
  /** `byte` (base64), `date-time`, ... as declared; informational only. */
  format?: string | undefined;
  /** Allowed values. */
  enum?: readonly string[] | undefined;
  /** ECMAScript regular expression source the value must match. */
  pattern?: string | undefined;
  /** Minimum length in UTF-16 code units. */
  minLength?: number | undefined;
  /** Maximum length in UTF-16 code units. */
  maxLength?: number | undefined;
  /** Whether `null` is accepted too. */
  nullable?: boolean | undefined;
}

/**
 * A number or integer, optionally bounded.
 *
 * @example
 * ```ts
 * import type { NumberType } from "./schema-model.ts";
 * const port: NumberType = { type: "number", integer: true, format: "int32", minimum: 1, maximum: 65535 };
 * ```
 */
export interface NumberType {
  /** Discriminant. */
  type: "number";
  /** Whether only integers are valid. */
  integer: boolean;
  /** `int32`, `int64`, `double`, ... as declared. */
  format?: string | undefined;
  /** Allowed values. */
  enum?: readonly number[] | undefined;
  /** Inclusive lower bound (exclusive when `exclusiveMinimum`). */
  minimum?: number | undefined;
  /** Inclusive upper bound (exclusive when `exclusiveMaximum`). */
  maximum?: number | undefined;
  /** Whether `minimum` itself is excluded. */
  exclusiveMinimum?: boolean | undefined;
  /** Whether `maximum` itself is excluded. */
  exclusiveMaximum?: boolean | undefined;
  /** The value must be a multiple of this. */
  multipleOf?: number | undefined;
  /** Whether `null` is accepted too. */
  nullable?: boolean | undefined;
}

/**
 * How a list merges in a strategic merge patch and in server-side apply.
 *
 * @example
 * ```ts
 * import type { ListSemantics } from "./schema-model.ts";
 * const containers: ListSemantics = { listType: "map", listMapKeys: ["name"], patchMergeKey: "name", patchStrategy: "merge" };
 * ```
 */
export interface ListSemantics {
  /** `x-kubernetes-list-type`: `atomic`, `set` or `map`. */
  listType?: string | undefined;
  /** `x-kubernetes-list-map-keys`: keys identifying items of a `map` list. */
  listMapKeys?: readonly string[] | undefined;
  /** `x-kubernetes-patch-merge-key`: the key a strategic merge patch merges items by. */
  patchMergeKey?: string | undefined;
  /** `x-kubernetes-patch-strategy`: `merge`, `replace`, `retainKeys` or a comma list. */
  patchStrategy?: string | undefined;
}

/**
 * An array.
 *
 * @example
 * ```ts
 * import type { ArrayType } from "./schema-model.ts";
 * const args: ArrayType = { type: "array", items: { type: "string" }, listType: "atomic" };
 * ```
 */
export interface ArrayType extends ListSemantics {
  /** Discriminant. */
  type: "array";
  /** Type of every item. */
  items: SchemaType;
  /** Minimum number of items. */
  minItems?: number | undefined;
  /** Maximum number of items. */
  maxItems?: number | undefined;
  /** Whether `null` is accepted too. */
  nullable?: boolean | undefined;
}

/**
 * A map with string keys (`additionalProperties`).
 *
 * @example
 * ```ts
 * import type { MapType } from "./schema-model.ts";
 * const limits: MapType = { type: "map", values: { type: "quantity" } };
 * ```
 */
export interface MapType {
  /** Discriminant. */
  type: "map";
  /** Type of every value. */
  values: SchemaType;
  /** `x-kubernetes-map-type`: `granular` or `atomic`. */
  mapType?: string | undefined;
  /** `x-kubernetes-patch-strategy` of the field. */
  patchStrategy?: string | undefined;
  /** Minimum number of entries. */
  minProperties?: number | undefined;
  /** Maximum number of entries. */
  maxProperties?: number | undefined;
  /** Whether `null` is accepted too. */
  nullable?: boolean | undefined;
}

/**
 * One property of an {@link ObjectType}.
 *
 * @example
 * ```ts
 * import type { Property } from "./schema-model.ts";
 * const replicas: Property = { name: "replicas", required: false, type: { type: "number", integer: true } };
 * ```
 */
export interface Property {
  /** JSON name. */
  name: string;
  /** Whether the property must be present. */
  required: boolean;
  /** Its type. */
  type: SchemaType;
}

/**
 * An object with known properties. Unknown properties always pass through;
 * `open` also types them (`[key: string]: unknown`).
 *
 * @example
 * ```ts
 * import type { ObjectType } from "./schema-model.ts";
 * const spec: ObjectType = {
 *   type: "object",
 *   properties: [{ name: "size", required: true, type: { type: "number", integer: true } }],
 * };
 * ```
 */
export interface ObjectType {
  /** Discriminant. */
  type: "object";
  /** Known properties, in declaration order. */
  properties: Property[];
  /** `x-kubernetes-preserve-unknown-fields` (or no properties at all): other fields are expected. */
  open?: boolean | undefined;
  /** `x-kubernetes-embedded-resource`: a whole object with `apiVersion`, `kind` and `metadata`. */
  embedded?: boolean | undefined;
  /** `x-kubernetes-map-type`: `granular` or `atomic`. */
  mapType?: string | undefined;
  /** `x-kubernetes-patch-strategy` of the field (`retainKeys`). */
  patchStrategy?: string | undefined;
  /** Whether `null` is accepted too. */
  nullable?: boolean | undefined;
}

/**
 * A reference to a named type (a definition) in some module.
 *
 * @example
 * ```ts
 * import type { RefType } from "./schema-model.ts";
 * const template: RefType = { type: "ref", module: "core/v1", name: "PodTemplateSpec" };
 * ```
 */
export interface RefType {
  /** Discriminant. */
  type: "ref";
  /** Module path of the named type, e.g. `core/v1`. */
  module: string;
  /** Name of the type within its module. */
  name: string;
  /** `x-kubernetes-map-type` of the field that refers to it. */
  mapType?: string | undefined;
  /** `x-kubernetes-patch-strategy` of the field that refers to it. */
  patchStrategy?: string | undefined;
  /** Whether `null` is accepted too. */
  nullable?: boolean | undefined;
}

/**
 * One of several types (used where a field holds a schema or a list of them).
 *
 * @example
 * ```ts
 * import type { UnionType } from "./schema-model.ts";
 * const orBool: UnionType = { type: "union", options: [{ type: "boolean" }, { type: "unknown" }] };
 * ```
 */
export interface UnionType {
  /** Discriminant. */
  type: "union";
  /** The alternatives, tried in order. */
  options: SchemaType[];
  /** Whether `null` is accepted too. */
  nullable?: boolean | undefined;
}
