/**
 * The fake API server's OpenAPI documents, built from the zod schemas of the
 * kinds registered with it (generated kinds, CRDs and hand-made schemas
 * alike): `/openapi/v2` (Swagger 2.0, JSON) and `/openapi/v3/<group-version>`
 * (OpenAPI 3.0), with `x-kubernetes-group-version-kind` on every kind, so
 * `kubectl explain` and client-side validation see real fields.
 *
 * @module
 */
import { type $ZodType, toJSONSchema } from "zod/v4/core";
import { IntOrStringSchema, isStringMap, QuantitySchema } from "../../resources/primitives.ts";
import type { ResourceType } from "../../resources/resource.ts";

type Json = Record<string, unknown>;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** The name a kind's schema gets in the documents: `io.k8s.api.core.v1.Pod` style, or `<group>.<version>.<Kind>`. */
function schemaName(t: ResourceType): string {
  return `${t.group || "core"}.${t.version}.${t.kind}`;
}

/** JSON Schema of a kind's zod schema, with Kubernetes' own spellings for its special types. */
function kindSchema(t: ResourceType, dialect: "v2" | "v3"): Json {
  const schema = toJSONSchema(t.schema as $ZodType, {
    target: dialect === "v3" ? "openapi-3.0" : "draft-04",
    unrepresentable: "any",
    cycles: "ref",
    reused: "inline",
    override: (ctx) => {
      const z = ctx.zodSchema as unknown as $ZodType & { _zod: { def: { fn?: unknown } } };
      const out = ctx.jsonSchema as Json;
      const replace = (next: Json): void => {
        for (const k of Object.keys(out)) delete out[k];
        Object.assign(out, next);
      };
      if (z === IntOrStringSchema) {
        replace(
          dialect === "v3"
            ? { "x-kubernetes-int-or-string": true }
            : { type: "string", format: "int-or-string" },
        );
      } else if (z === QuantitySchema) {
        replace({ type: "string", format: "quantity" });
      } else if (z._zod.def.fn === isStringMap) {
        replace({ type: "object", additionalProperties: { type: "string" } });
      }
    },
  }) as Json;
  return schema;
}

/** Rewrite a zod JSON Schema into the subset Kubernetes documents use. */
function tidy(node: unknown, dialect: "v2" | "v3", refs: (ref: string) => string): unknown {
  if (!node || typeof node !== "object" || Array.isArray(node)) return node;
  const sub = (v: unknown): unknown => tidy(v, dialect, refs);
  const n = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(n)) {
    if (k === "$schema" || k === "definitions" || k === "$defs") continue;
    if ((k === "minimum" && v === -MAX_SAFE) || (k === "maximum" && v === MAX_SAFE)) continue;
    if (k === "$ref" && typeof v === "string") out.$ref = refs(v);
    else if (k === "properties" && v && typeof v === "object") {
      out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, sub(s)]));
    } else if (
      k === "additionalProperties" &&
      n.properties &&
      v &&
      typeof v === "object" &&
      Object.keys(v).length === 0
    ) {
      // loose structs: Kubernetes documents leave additionalProperties out
    } else if (k === "items" || k === "additionalProperties" || k === "not") out[k] = sub(v);
    else if ((k === "anyOf" || k === "oneOf" || k === "allOf") && Array.isArray(v)) {
      out[k] = v.map(sub);
    } else out[k] = v;
  }
  // unions other than "X or null" (a schema or a list of them, ...) are left untyped, as the
  // Kubernetes documents leave JSONSchemaPropsOrArray and friends
  for (const key of ["anyOf", "oneOf"]) {
    const alts = out[key] as Json[] | undefined;
    if (alts && alts.filter((a) => a.type !== "null").length > 1) delete out[key];
  }
  // Any JSON value: say so (an empty schema reads as "no schema" to kubectl explain's templates)
  if (Object.keys(out).length === 0) out["x-kubernetes-preserve-unknown-fields"] = true;
  if (dialect === "v2") {
    // Swagger 2.0 has no null type and no anyOf
    if (Array.isArray(out.type)) {
      const types = (out.type as string[]).filter((t) => t !== "null");
      if (types.length < (out.type as string[]).length) out["x-nullable"] = true;
      if (types.length === 1) out.type = types[0];
      else delete out.type;
    }
    for (const key of ["anyOf", "oneOf"]) {
      const alts = out[key] as Json[] | undefined;
      if (!alts) continue;
      delete out[key];
      const real = alts.filter((a) => a.type !== "null");
      if (real.length < alts.length) out["x-nullable"] = true;
      if (real.length === 1) Object.assign(out, real[0]);
    }
  }
  return out;
}

/**
 * Every kind's schema as a named definition, with the definitions its cycles
 * need (recursive types such as `JSONSchemaProps`) hoisted next to it.
 */
const cache = {
  v2: new WeakMap<ResourceType, Record<string, Json>>(),
  v3: new WeakMap<ResourceType, Record<string, Json>>(),
};

function definitionsOf(types: readonly ResourceType[], dialect: "v2" | "v3"): Record<string, Json> {
  const defs: Record<string, Json> = {};
  for (const t of types) {
    let mine = cache[dialect].get(t);
    if (!mine) cache[dialect].set(t, (mine = definitionsOfKind(t, dialect)));
    Object.assign(defs, mine);
  }
  return defs;
}

function definitionsOfKind(t: ResourceType, dialect: "v2" | "v3"): Record<string, Json> {
  const defs: Record<string, Json> = {};
  const base = dialect === "v2" ? "#/definitions/" : "#/components/schemas/";
  {
    const name = schemaName(t);
    const raw = kindSchema(t, dialect);
    const inner = (raw.definitions ?? raw.$defs ?? {}) as Record<string, Json>;
    const refs = (ref: string): string => {
      const m = /^#\/(?:definitions|\$defs|components\/schemas)\/(.+)$/.exec(ref);
      return m ? `${base}${name}.${m[1]}` : ref;
    };
    for (const [k, v] of Object.entries(inner))
      defs[`${name}.${k}`] = tidy(v, dialect, refs) as Json;
    const root = tidy(raw, dialect, refs) as Json;
    root["x-kubernetes-group-version-kind"] = [
      { group: t.group, version: t.version, kind: t.kind },
    ];
    defs[name] = root;
  }
  return defs;
}

const VERBS: Record<string, string[]> = {
  item: ["get", "put", "patch", "delete"],
  collection: ["get", "post", "delete"],
};
const ACTION: Record<string, string> = {
  "item get": "get",
  "item put": "put",
  "item patch": "patch",
  "item delete": "delete",
  "collection get": "list",
  "collection post": "post",
  "collection delete": "deletecollection",
};

function pathsOf(types: readonly ResourceType[], dialect: "v2" | "v3"): Json {
  const paths: Json = {};
  const params =
    dialect === "v3"
      ? ["fieldValidation", "fieldManager", "dryRun"].map((name) => ({
          name,
          in: "query",
          schema: { type: "string", uniqueItems: true },
        }))
      : ["fieldValidation", "fieldManager", "dryRun"].map((name) => ({
          name,
          in: "query",
          type: "string",
          uniqueItems: true,
        }));
  for (const t of types) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const prefix = `/${gvPath(t.group, t.version)}/${t.namespaced ? "namespaces/{namespace}/" : ""}${t.plural}`;
    const ref =
      dialect === "v2"
        ? { $ref: `#/definitions/${schemaName(t)}` }
        : { $ref: `#/components/schemas/${schemaName(t)}` };
    for (const [where, path] of [
      ["collection", prefix],
      ["item", `${prefix}/{name}`],
    ] as const) {
      const ops: Json = {};
      for (const method of VERBS[where]!) {
        const action = ACTION[`${where} ${method}`]!;
        const body = method === "post" || method === "put";
        const ok =
          dialect === "v2"
            ? { description: "OK", schema: ref }
            : { description: "OK", content: { "application/json": { schema: ref } } };
        ops[method] = {
          operationId: `${action}${t.kind}`,
          "x-kubernetes-action": action,
          // On operations the extension is one object; on schemas it is a list.
          "x-kubernetes-group-version-kind": gvk,
          parameters:
            body && dialect === "v2"
              ? [...params, { name: "body", in: "body", required: true, schema: ref }]
              : params,
          ...(body && dialect === "v3"
            ? { requestBody: { required: true, content: { "application/json": { schema: ref } } } }
            : {}),
          responses: { "200": ok },
        };
      }
      paths[path] = ops;
    }
  }
  return paths;
}

/**
 * The `/openapi/v2` document (Swagger 2.0) for `types`: a definition per kind
 * built from its zod schema, and its paths.
 *
 * @example
 * ```ts
 * import { ConfigMaps } from "kubeloop";
 * import { openApiV2Document } from "./openapi.ts";
 * const doc = openApiV2Document([ConfigMaps]);
 * console.log(Object.keys(doc.definitions as object)); // ["core.v1.ConfigMap"]
 * ```
 */
export function openApiV2Document(
  types: readonly ResourceType[],
  version = "v1.32.0",
): Record<string, unknown> {
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version },
    paths: pathsOf(types, "v2"),
    definitions: definitionsOf(types, "v2"),
  };
}

/**
 * The `/openapi/v3/<group-version>` document (OpenAPI 3.0) for the `types` of
 * one group-version, or undefined when none is registered there.
 *
 * @example
 * ```ts
 * import { Deployments } from "kubeloop";
 * import { openApiV3Document } from "./openapi.ts";
 * const doc = openApiV3Document([Deployments], "apps", "v1");
 * console.log(Object.keys((doc?.components as { schemas: object }).schemas)); // ["apps.v1.Deployment"]
 * ```
 */
export function openApiV3Document(
  types: readonly ResourceType[],
  group: string,
  version: string,
  serverVersion = "v1.32.0",
): Record<string, unknown> | undefined {
  const matching = types.filter((t) => t.group === group && t.version === version);
  if (matching.length === 0) return undefined;
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: serverVersion },
    paths: pathsOf(matching, "v3"),
    components: { schemas: definitionsOf(matching, "v3") },
  };
}
