/**
 * Custom resources of `CustomResourceDefinition`s created through the API:
 * a resource type per served version, validated, pruned and defaulted by the
 * version's structural OpenAPI schema (with the API server's messages), with
 * the CRD's status and scale subresources, printer columns, short names,
 * categories and list types.
 *
 * @module
 */
import { z } from "zod";
import type { FieldMergeInfo } from "../../resources/merge.ts";
import { type KubernetesObject, ObjectMetaSchema, type StatusCause } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import type { KindStrategy } from "./kinds.ts";
import type { PrinterColumn } from "./table.ts";
import { notSupportedCause, renderValue, requiredCause } from "./validation.ts";

/** The parts of an OpenAPI v3 schema structural schemas use. */
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  default?: unknown;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
}

/** A resource type made from a CRD version. */
export interface CustomResourceType extends ResourceType {
  /** The CRD's name (`plural.group`). */
  readonly crd: string;
  readonly singular: string;
  readonly strategy: Partial<KindStrategy>;
  readonly printerColumns: PrinterColumn[];
  readonly openAPISchema: Schema | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "object") return "object";
  return typeof v;
}

function typeMatches(v: unknown, t: string | undefined, s: Schema): boolean {
  if (s["x-kubernetes-int-or-string"]) return typeof v === "string" || Number.isInteger(v);
  switch (t) {
    case undefined:
    case "":
      return true;
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "object":
      return isObject(v);
    case "array":
      return Array.isArray(v);
    default:
      return typeof v === t;
  }
}

/** Structural-schema validation, with the API server's messages. */
function validateValue(v: unknown, s: Schema, path: string, causes: StatusCause[]): void {
  const field = path;
  if (v === null) {
    if (s.nullable) return;
    causes.push({
      reason: "FieldValueInvalid",
      message: `Invalid value: "null": ${path} in body must be of type ${s.type ?? "object"}: "null"`,
      field,
    });
    return;
  }
  if (!typeMatches(v, s.type, s)) {
    const actual = typeName(v);
    causes.push({
      reason: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(actual)}: ${path} in body must be of type ${s.type}: ${JSON.stringify(actual)}`,
      field,
    });
    return;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    causes.push(
      notSupportedCause(
        field,
        v,
        s.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e))),
      ),
    );
  }
  if (typeof v === "number") {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${v}: ${path} in body should be greater than ${s.exclusiveMinimum ? "" : "or equal to "}${s.minimum}`,
        field,
      });
    }
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${v}: ${path} in body should be less than ${s.exclusiveMaximum ? "" : "or equal to "}${s.maximum}`,
        field,
      });
    }
  }
  if (typeof v === "string") {
    if (s.minLength !== undefined && [...v].length < s.minLength) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${renderValue(v)}: ${path} in body should be at least ${s.minLength} chars long`,
        field,
      });
    }
    if (s.maxLength !== undefined && [...v].length > s.maxLength) {
      causes.push({
        reason: "FieldValueTooLong",
        message: `Too long: may not be longer than ${s.maxLength}`,
        field,
      });
    }
    if (s.pattern !== undefined && !new RegExp(s.pattern).test(v)) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${renderValue(v)}: ${path} in body should match '${s.pattern}'`,
        field,
      });
    }
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${v.length}: ${path} in body should have at least ${s.minItems} items`,
        field,
      });
    }
    if (s.maxItems !== undefined && v.length > s.maxItems) {
      causes.push({
        reason: "FieldValueTooMany",
        message: `Too many: ${v.length}: must have at most ${s.maxItems} items`,
        field,
      });
    }
    const listType = s["x-kubernetes-list-type"];
    const keys = s["x-kubernetes-list-map-keys"] ?? [];
    const seen = new Set<string>();
    v.forEach((item, i) => {
      if (s.items) validateValue(item, s.items, `${path}[${i}]`, causes);
      if (listType === "set" || listType === "map") {
        const id =
          listType === "map" && isObject(item)
            ? JSON.stringify(keys.map((k) => item[k]))
            : JSON.stringify(item);
        if (seen.has(id)) {
          const shown =
            listType === "map" && isObject(item)
              ? `map[string]interface {}{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(item[k])}`).join(", ")}}`
              : renderValue(item);
          causes.push({
            reason: "FieldValueDuplicate",
            message: `Duplicate value: ${shown}`,
            field: `${path}[${i}]`,
          });
        }
        seen.add(id);
      }
    });
  }
  if (isObject(v)) {
    for (const r of s.required ?? []) {
      if (v[r] === undefined || v[r] === null)
        causes.push(requiredCause(path ? `${path}.${r}` : r));
    }
    for (const [k, x] of Object.entries(v)) {
      const child =
        s.properties?.[k] ??
        (isObject(s.additionalProperties) ? s.additionalProperties : undefined);
      if (child && x !== undefined && !(x === null && (s.required ?? []).includes(k))) {
        validateValue(x, child, path ? `${path}.${k}` : k, causes);
      }
    }
  }
}

/** Drop what the schema does not know (unless it preserves unknown fields) and fill in defaults. */
function pruneAndDefault(v: unknown, s: Schema | undefined, top = false): unknown {
  if (!s) return v;
  if (Array.isArray(v)) return s.items ? v.map((x) => pruneAndDefault(x, s.items)) : v;
  if (!isObject(v)) return v;
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (top && (k === "apiVersion" || k === "kind" || k === "metadata")) {
      out[k] = x;
      continue;
    }
    const child =
      s.properties?.[k] ?? (isObject(s.additionalProperties) ? s.additionalProperties : undefined);
    if (child) out[k] = pruneAndDefault(x, child);
    else if (preserve || s.additionalProperties === true) out[k] = x;
  }
  for (const [k, child] of Object.entries(s.properties ?? {})) {
    if (out[k] === undefined && child.default !== undefined)
      out[k] = structuredClone(child.default);
  }
  return out;
}

/** The merge metadata of a CRD version: its list types and atomic maps, by field path. */
function mergeFields(
  s: Schema | undefined,
  path: string,
  out: Record<string, FieldMergeInfo>,
  depth = 0,
): void {
  if (!s || depth > 20) return;
  const info: { -readonly [K in keyof FieldMergeInfo]: FieldMergeInfo[K] } = {};
  if (s["x-kubernetes-list-type"]) info.listType = s["x-kubernetes-list-type"];
  if (s["x-kubernetes-list-map-keys"]) info.listMapKeys = s["x-kubernetes-list-map-keys"];
  if (s["x-kubernetes-map-type"]) info.mapType = s["x-kubernetes-map-type"];
  if (isObject(s.additionalProperties)) info.map = true;
  if (path && Object.keys(info).length > 0) out[path] = info;
  for (const [k, child] of Object.entries(s.properties ?? {}))
    mergeFields(child, path ? `${path}.${k}` : k, out, depth + 1);
  if (isObject(s.additionalProperties))
    mergeFields(s.additionalProperties, `${path}.*`, out, depth + 1);
  if (s.items) mergeFields(s.items, path, out, depth + 1);
}

const CustomResourceSchema: z.ZodType<KubernetesObject> = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
}) as unknown as z.ZodType<KubernetesObject>;

function trimDot(p: string | undefined): string | undefined {
  return p === undefined ? undefined : p.replace(/^\./, "");
}

/** The resource types a CRD serves (one per served version). */
export function crdTypes(crd: KubernetesObject): CustomResourceType[] {
  const spec = (crd.spec ?? {}) as {
    group?: string;
    scope?: string;
    names?: {
      plural?: string;
      singular?: string;
      kind?: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions?: {
      name: string;
      served?: boolean;
      storage?: boolean;
      schema?: { openAPIV3Schema?: Schema };
      subresources?: {
        status?: unknown;
        scale?: {
          specReplicasPath?: string;
          statusReplicasPath?: string;
          labelSelectorPath?: string;
        };
      };
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
  const group = spec.group ?? "";
  const names = spec.names ?? {};
  const out: CustomResourceType[] = [];
  for (const v of spec.versions ?? []) {
    if (!v.served) continue;
    const schema = v.schema?.openAPIV3Schema;
    const merge: Record<string, FieldMergeInfo> = {};
    mergeFields(schema, "", merge);
    const scale = v.subresources?.scale;
    const statusSub = v.subresources?.status !== undefined;
    const strategy: Partial<KindStrategy> = {
      generation: true,
      statusSubresource: statusSub,
      returnDeletedObject: false,
      nameRule: "subdomain",
      shortNames: names.shortNames,
      categories: names.categories,
      scale: scale
        ? {
            specReplicasPath: trimDot(scale.specReplicasPath) ?? "spec.replicas",
            statusReplicasPath: trimDot(scale.statusReplicasPath) ?? "status.replicas",
            labelSelectorPath: trimDot(scale.labelSelectorPath),
          }
        : undefined,
      defaults: (o) => {
        const pruned = pruneAndDefault(o, schema, true) as Record<string, unknown>;
        for (const k of Object.keys(o)) if (!(k in pruned)) delete o[k];
        Object.assign(o, pruned);
      },
      prepareCreate: (o) => {
        if (statusSub) delete o.status;
      },
      validate: (o) => {
        if (!schema) return [];
        const causes: StatusCause[] = [];
        const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
        validateValue(
          rest,
          {
            ...schema,
            required: (schema.required ?? []).filter(
              (r) => r !== "metadata" && r !== "apiVersion" && r !== "kind",
            ),
          },
          "",
          causes,
        );
        return causes;
      },
    };
    out.push({
      group,
      version: v.name,
      apiVersion: group ? `${group}/${v.name}` : v.name,
      kind: names.kind ?? "",
      plural: names.plural ?? "",
      namespaced: spec.scope !== "Cluster",
      schema: CustomResourceSchema,
      merge: { fields: merge },
      crd: crd.metadata.name ?? "",
      singular: names.singular ?? (names.kind ?? "").toLowerCase(),
      strategy,
      printerColumns: v.additionalPrinterColumns ?? [],
      openAPISchema: schema,
    });
  }
  return out;
}

/** Whether `type` is a custom resource made from a CRD. */
export function isCustomResource(type: ResourceType): type is CustomResourceType {
  return (type as Partial<CustomResourceType>).crd !== undefined;
}

/** A CRD's defaults and, after it was accepted, its status (the API server's own CRD controllers). */
export function crdDefaults(o: Record<string, unknown>): void {
  const spec = (o.spec ?? {}) as Record<string, unknown>;
  const names = (spec.names ?? {}) as Record<string, unknown>;
  if (names.kind && names.listKind === undefined) names.listKind = `${String(names.kind)}List`;
  if (names.plural && names.singular === undefined)
    names.singular = String(names.kind ?? "").toLowerCase();
  if (spec.conversion === undefined) spec.conversion = { strategy: "None" };
}

/** The status a lone API server's CRD controllers give a CRD once its names are accepted. */
export function establishedStatus(crd: KubernetesObject, now: string): Record<string, unknown> {
  const spec = (crd.spec ?? {}) as {
    names?: Record<string, unknown>;
    versions?: { name: string; storage?: boolean }[];
  };
  const storage = (spec.versions ?? []).filter((v) => v.storage).map((v) => v.name);
  return {
    conditions: [
      {
        type: "NamesAccepted",
        status: "True",
        lastTransitionTime: now,
        reason: "NoConflicts",
        message: "no conflicts found",
      },
      {
        type: "Established",
        status: "True",
        lastTransitionTime: now,
        reason: "InitialNamesAccepted",
        message: "the initial names have been accepted",
      },
    ],
    acceptedNames: { ...(spec.names ?? {}) },
    storedVersions: storage,
  };
}
