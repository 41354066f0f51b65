/**
 * Translate a Kubernetes JSON schema (an OpenAPI v2 definition of the built-in
 * API, or a CRD's structural `openAPIV3Schema`) into kubeloop's schema model.
 *
 * Types follow what the API server sends, not only what the schema says:
 * `x-kubernetes-int-or-string` becomes an integer-or-string, preserved unknown
 * fields stay open, embedded resources are whole objects. Defaults are ignored:
 * the server applies them.
 *
 * @module
 */
import type { ListSemantics, ObjectType, Property, SchemaType } from "./schema-model.ts";

/**
 * A JSON schema node as Kubernetes writes them (the subset kubeloop reads).
 *
 * @example
 * ```ts
 * import type { JsonSchema } from "./schema-translate.ts";
 * const node: JsonSchema = { type: "object", properties: { size: { type: "integer" } }, required: ["size"] };
 * ```
 */
export interface JsonSchema {
  /** `$ref` to a definition (OpenAPI v2 documents only). */
  $ref?: string | undefined;
  /** JSON type. */
  type?: string | undefined;
  /** Format, e.g. `int32`, `date-time`, `int-or-string`. */
  format?: string | undefined;
  /** Properties of an object. */
  properties?: Record<string, JsonSchema> | undefined;
  /** Required property names. */
  required?: string[] | undefined;
  /** Item schema of an array (a single schema; tuple forms are not structural). */
  items?: JsonSchema | JsonSchema[] | undefined;
  /** Schema of a map's values, or `true` for any. */
  additionalProperties?: JsonSchema | boolean | undefined;
  /** Allowed values. */
  enum?: unknown[] | undefined;
  /** Regular expression (RE2 syntax) a string must match. */
  pattern?: string | undefined;
  /** Bounds. */
  minimum?: number | undefined;
  /** Bounds. */
  maximum?: number | undefined;
  /** Bounds (OpenAPI v3.0: booleans). */
  exclusiveMinimum?: boolean | undefined;
  /** Bounds (OpenAPI v3.0: booleans). */
  exclusiveMaximum?: boolean | undefined;
  /** The value must be a multiple of this. */
  multipleOf?: number | undefined;
  /** String length bounds. */
  minLength?: number | undefined;
  /** String length bounds. */
  maxLength?: number | undefined;
  /** Array length bounds. */
  minItems?: number | undefined;
  /** Array length bounds. */
  maxItems?: number | undefined;
  /** Map size bounds. */
  minProperties?: number | undefined;
  /** Map size bounds. */
  maxProperties?: number | undefined;
  /** Whether `null` is allowed. */
  nullable?: boolean | undefined;
  /** Validation-only alternatives (typing ignores them, except int-or-string). */
  anyOf?: JsonSchema[] | undefined;
  /** Validation-only alternatives. */
  oneOf?: JsonSchema[] | undefined;
  /** Validation-only conjunction. */
  allOf?: JsonSchema[] | undefined;
  /** The field is an integer or a string. */
  "x-kubernetes-int-or-string"?: boolean | undefined;
  /** Unknown fields are kept (the subtree is free-form where no properties are given). */
  "x-kubernetes-preserve-unknown-fields"?: boolean | undefined;
  /** The object is a whole Kubernetes object (`apiVersion`, `kind`, `metadata`). */
  "x-kubernetes-embedded-resource"?: boolean | undefined;
  /** `atomic`, `set` or `map`. */
  "x-kubernetes-list-type"?: string | undefined;
  /** Keys of a `map` list. */
  "x-kubernetes-list-map-keys"?: string[] | undefined;
  /** `granular` or `atomic`. */
  "x-kubernetes-map-type"?: string | undefined;
  /** Strategic merge patch key. */
  "x-kubernetes-patch-merge-key"?: string | undefined;
  /** Strategic merge patch strategy. */
  "x-kubernetes-patch-strategy"?: string | undefined;
  /** Anything else (descriptions, defaults, validations kubeloop does not read). */
  [key: string]: unknown;
}

/**
 * Options of {@link translateSchema}.
 *
 * @example
 * ```ts
 * import type { TranslateOptions } from "./schema-translate.ts";
 * const options: TranslateOptions = { resolveRef: (ref) => ({ type: "ref", module: "core/v1", name: ref.split(".").pop()! }) };
 * ```
 */
export interface TranslateOptions {
  /** Turns a `$ref` into a type; without it a `$ref` is an error. */
  resolveRef?: ((ref: string) => SchemaType) | undefined;
}

/**
 * A schema kubeloop cannot translate.
 *
 * @example
 * ```ts
 * import { SchemaTranslationError, translateSchema } from "./schema-translate.ts";
 * try {
 *   translateSchema({ $ref: "#/definitions/x" });
 * } catch (err) {
 *   if (err instanceof SchemaTranslationError) console.log(err.path);
 * }
 * ```
 */
export class SchemaTranslationError extends Error {
  /** Always `"SchemaTranslationError"`. */
  override readonly name = "SchemaTranslationError";
  /** JSON path of the offending node, e.g. `spec.items`. */
  readonly path: string;
  /**
   * Create the error.
   *
   * @param path JSON path of the node.
   * @param message what is wrong.
   */
  constructor(path: string, message: string) {
    super(`${path || "(root)"}: ${message}`);
    this.path = path;
  }
}

function listSemantics(node: JsonSchema): ListSemantics {
  const out: ListSemantics = {};
  if (node["x-kubernetes-list-type"]) out.listType = node["x-kubernetes-list-type"];
  if (node["x-kubernetes-list-map-keys"]) out.listMapKeys = node["x-kubernetes-list-map-keys"];
  if (node["x-kubernetes-patch-merge-key"]) {
    out.patchMergeKey = node["x-kubernetes-patch-merge-key"];
  }
  if (node["x-kubernetes-patch-strategy"]) {
    out.patchStrategy = node["x-kubernetes-patch-strategy"];
  }
  return out;
}

function isIntOrStringAlternatives(alts: JsonSchema[] | undefined): boolean {
  if (alts?.length !== 2) return false;
  const types = alts.map((a) => a.type).sort();
  return types[0] === "integer" && types[1] === "string";
}

function withNullable<T extends SchemaType>(t: T, node: JsonSchema): T {
  if (node.nullable === true) t.nullable = true;
  return t;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * Translate one schema node (and everything below it) into a {@link SchemaType}.
 * Nested objects stay inline; emitters name them.
 *
 * @example
 * ```ts
 * import { translateSchema } from "./schema-translate.ts";
 * const t = translateSchema({
 *   type: "object",
 *   required: ["size"],
 *   properties: { size: { type: "integer", minimum: 1 }, port: { "x-kubernetes-int-or-string": true } },
 * });
 * // { type: "object", properties: [{ name: "size", required: true, ... }, { name: "port", ... }] }
 * ```
 */
export function translateSchema(
  node: JsonSchema,
  options: TranslateOptions = {},
  path = "",
): SchemaType {
  if (node.$ref !== undefined) {
    if (!options.resolveRef) throw new SchemaTranslationError(path, `unresolved $ref ${node.$ref}`);
    const resolved = options.resolveRef(node.$ref);
    const mapType = node["x-kubernetes-map-type"];
    const patchStrategy = node["x-kubernetes-patch-strategy"];
    if (node.nullable !== true && !mapType && !patchStrategy) return resolved;
    const t: SchemaType = { ...resolved };
    if (node.nullable === true) t.nullable = true;
    if (t.type === "ref" || t.type === "object" || t.type === "map") {
      if (mapType) t.mapType = mapType;
      if (patchStrategy) t.patchStrategy = patchStrategy;
    }
    return t;
  }
  if (
    node["x-kubernetes-int-or-string"] === true ||
    node.format === "int-or-string" ||
    (node.type === undefined && isIntOrStringAlternatives(node.anyOf ?? node.oneOf))
  ) {
    return withNullable({ type: "intOrString" }, node);
  }
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = node["x-kubernetes-embedded-resource"] === true;
  switch (node.type) {
    case "string": {
      const t: SchemaType = { type: "string" };
      if (node.format) t.format = node.format;
      if (node.enum) t.enum = node.enum.filter((v): v is string => typeof v === "string");
      if (node.pattern !== undefined) t.pattern = node.pattern;
      if (node.minLength !== undefined) t.minLength = node.minLength;
      if (node.maxLength !== undefined) t.maxLength = node.maxLength;
      return withNullable(t, node);
    }
    case "integer":
    case "number": {
      const t: SchemaType = { type: "number", integer: node.type === "integer" };
      if (node.format) t.format = node.format;
      if (node.enum) t.enum = node.enum.filter((v): v is number => typeof v === "number");
      if (node.minimum !== undefined) t.minimum = node.minimum;
      if (node.maximum !== undefined) t.maximum = node.maximum;
      if (node.exclusiveMinimum === true) t.exclusiveMinimum = true;
      if (node.exclusiveMaximum === true) t.exclusiveMaximum = true;
      if (node.multipleOf !== undefined) t.multipleOf = node.multipleOf;
      return withNullable(t, node);
    }
    case "boolean":
      return withNullable({ type: "boolean" }, node);
    case "array": {
      const items = Array.isArray(node.items) ? node.items[0] : node.items;
      const t: SchemaType = {
        type: "array",
        items: items ? translateSchema(items, options, `${path}[]`) : { type: "unknown" },
        ...listSemantics(node),
      };
      if (node.minItems !== undefined) t.minItems = node.minItems;
      if (node.maxItems !== undefined) t.maxItems = node.maxItems;
      return withNullable(t, node);
    }
    case "object":
    case undefined: {
      if (node.type === undefined && !node.properties && !node.additionalProperties) {
        // No type at all: free-form JSON (preserved unknown fields, or validation-only alternatives).
        return withNullable({ type: "unknown" }, node);
      }
      const props = node.properties;
      const additional = node.additionalProperties;
      if (!props && additional && typeof additional === "object") {
        const t: SchemaType = {
          type: "map",
          values: translateSchema(additional, options, join(path, "*")),
        };
        if (node["x-kubernetes-map-type"]) t.mapType = node["x-kubernetes-map-type"];
        if (node["x-kubernetes-patch-strategy"]) {
          t.patchStrategy = node["x-kubernetes-patch-strategy"];
        }
        if (node.minProperties !== undefined) t.minProperties = node.minProperties;
        if (node.maxProperties !== undefined) t.maxProperties = node.maxProperties;
        return withNullable(t, node);
      }
      const required = new Set(node.required ?? []);
      const properties: Property[] = Object.entries(props ?? {}).map(([name, child]) => ({
        name,
        required: required.has(name),
        type: translateSchema(child, options, join(path, name)),
      }));
      const t: ObjectType = { type: "object", properties };
      if (preserve || additional === true || properties.length === 0) t.open = true;
      if (embedded) t.embedded = true;
      if (node["x-kubernetes-map-type"]) t.mapType = node["x-kubernetes-map-type"];
      if (node["x-kubernetes-patch-strategy"]) {
        t.patchStrategy = node["x-kubernetes-patch-strategy"];
      }
      return withNullable(t, node);
    }
    default:
      throw new SchemaTranslationError(path, `unsupported type "${node.type}"`);
  }
}
