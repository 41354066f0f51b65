/**
 * CustomResourceDefinitions to kubeloop resource types: {@link resourceFromCRD}
 * builds a `ResourceType` (with a zod schema from the version's
 * `openAPIV3Schema`) at run time, for tools that discover CRDs in a cluster.
 * `kubeloop generate crd` turns the same translation into source.
 *
 * @module
 */
import type { $ZodType } from "zod/v4/core";
import type { CustomResourceDefinition } from "../kinds/apiextensions/v1.ts";
import { ObjectMetaSchema } from "../kinds/meta/v1.ts";
import type { KubernetesObject } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";
import { buildSchema } from "./schema-build.ts";
import type { ObjectType, Property, SchemaType } from "./schema-model.ts";
import { type JsonSchema, translateSchema } from "./schema-translate.ts";

/**
 * A CustomResourceDefinition kubeloop cannot use as asked (no such version, not
 * served, no schema, not a CRD).
 *
 * @example
 * ```ts
 * import { CRDError, resourceFromCRD, type CustomResourceDefinition } from "kubeloop";
 * declare const crd: CustomResourceDefinition;
 * try {
 *   resourceFromCRD(crd, { version: "v9" });
 * } catch (err) {
 *   if (err instanceof CRDError) console.error(err.crd, err.message);
 * }
 * ```
 */
export class CRDError extends Error {
  /** Always `"CRDError"`. */
  override readonly name = "CRDError";
  /** `metadata.name` of the CustomResourceDefinition. */
  readonly crd: string;
  /**
   * Create the error.
   *
   * @param crd the CRD's name.
   * @param message what is wrong.
   */
  constructor(crd: string, message: string) {
    super(`CustomResourceDefinition ${crd}: ${message}`);
    this.crd = crd;
  }
}

/** The verbs the API server serves for every custom resource. */
const CRD_VERBS = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

/**
 * One version of a CRD, ready to generate or build: its names and the type of its objects.
 *
 * @example
 * ```ts
 * import { crdVersions } from "./crd.ts";
 * import type { CustomResourceDefinition } from "../kinds/apiextensions/v1.ts";
 * declare const crd: CustomResourceDefinition;
 * for (const v of crdVersions(crd)) console.log(v.group, v.version, v.kind, v.storage);
 * ```
 */
export interface CRDVersion {
  /** `metadata.name` of the CRD. */
  crd: string;
  /** API group. */
  group: string;
  /** Version name. */
  version: string;
  /** Kind. */
  kind: string;
  /** Lower-case plural. */
  plural: string;
  /** `scope: Namespaced`. */
  namespaced: boolean;
  /** Whether this is the storage version. */
  storage: boolean;
  /** `status` and/or `scale`, when the version declares them. */
  subresources: string[];
  /** The objects' type: `apiVersion`/`kind` optional, `metadata` required, the rest from the schema. */
  type: ObjectType;
}

function rootType(crd: string, schema: JsonSchema | undefined): ObjectType {
  const t = schema
    ? translateSchema(schema, {})
    : ({ type: "object", properties: [], open: true } as SchemaType);
  if (t.type !== "object") throw new CRDError(crd, "openAPIV3Schema is not an object schema");
  const rest = t.properties.filter((p) => !["apiVersion", "kind", "metadata"].includes(p.name));
  const base: Property[] = [
    { name: "apiVersion", required: false, type: { type: "string" } },
    { name: "kind", required: false, type: { type: "string" } },
    {
      name: "metadata",
      required: true,
      type: { type: "ref", module: "meta/v1", name: "ObjectMeta" },
    },
  ];
  return { ...t, properties: [...base, ...rest] };
}

/**
 * The served versions of a CRD (all of them, or `only` one), translated.
 * Accepts `apiextensions.k8s.io/v1` CRDs and the older `v1beta1` form
 * (`spec.validation`, `spec.version`).
 *
 * @example
 * ```ts
 * import { crdVersions } from "./crd.ts";
 * import type { CustomResourceDefinition } from "../kinds/apiextensions/v1.ts";
 * declare const crd: CustomResourceDefinition;
 * const [v1] = crdVersions(crd, "v1");
 * console.log(v1?.type.properties.map((p) => p.name));
 * ```
 */
export function crdVersions(crd: CustomResourceDefinition, only?: string): CRDVersion[] {
  const name = crd.metadata?.name ?? "(unnamed)";
  if (crd.kind !== undefined && crd.kind !== "CustomResourceDefinition") {
    throw new CRDError(name, `is a ${crd.kind}, not a CustomResourceDefinition`);
  }
  const spec = crd.spec as CustomResourceDefinition["spec"] & {
    version?: string;
    validation?: { openAPIV3Schema?: unknown };
    subresources?: { status?: unknown; scale?: unknown };
  };
  if (!spec?.group || !spec.names?.kind || !spec.names.plural) {
    throw new CRDError(name, "spec.group, spec.names.kind and spec.names.plural are required");
  }
  const versions =
    spec.versions ?? (spec.version ? [{ name: spec.version, served: true, storage: true }] : []);
  const out: CRDVersion[] = [];
  for (const v of versions) {
    if (only !== undefined && v.name !== only) continue;
    if (!v.served) {
      if (only !== undefined) throw new CRDError(name, `version ${only} is not served`);
      continue;
    }
    const schema = (v.schema?.openAPIV3Schema ?? spec.validation?.openAPIV3Schema) as
      | JsonSchema
      | undefined;
    const subs = v.subresources ?? spec.subresources;
    out.push({
      crd: name,
      group: spec.group,
      version: v.name,
      kind: spec.names.kind,
      plural: spec.names.plural,
      namespaced: spec.scope !== "Cluster",
      storage: v.storage === true,
      subresources: [...(subs?.status ? ["status"] : []), ...(subs?.scale ? ["scale"] : [])],
      type: rootType(name, schema),
    });
  }
  if (only !== undefined && out.length === 0) {
    const known = versions.map((v) => v.name).join(", ");
    throw new CRDError(name, `has no version ${only} (versions: ${known})`);
  }
  return out;
}

/**
 * Options of {@link resourceFromCRD}.
 *
 * @example
 * ```ts
 * import type { ResourceFromCRDOptions } from "kubeloop";
 * const options: ResourceFromCRDOptions = { version: "v1beta1" };
 * ```
 */
export interface ResourceFromCRDOptions {
  /** The version to use; default: the storage version (or the first served one). */
  version?: string | undefined;
}

/**
 * The `ResourceType` of a CRD's version, built at run time: group, version,
 * kind, plural, scope and subresources from the CRD, and a zod schema from the
 * version's `openAPIV3Schema` (required fields, enums, patterns, bounds,
 * nullable, int-or-string, preserved unknown fields, embedded resources and
 * maps; defaults are left to the server). Unknown fields pass through.
 *
 * @example
 * ```ts
 * import { createInformer, CustomResourceDefinitions, KubeClient, resourceFromCRD } from "kubeloop";
 * declare const client: KubeClient;
 * const crd = await client.get(CustomResourceDefinitions, "certificates.cert-manager.io");
 * const Certificates = resourceFromCRD(crd);
 * const informer = createInformer(client, Certificates, { namespace: "default" });
 * ```
 */
export function resourceFromCRD(
  crd: CustomResourceDefinition,
  options: ResourceFromCRDOptions = {},
): ResourceType<KubernetesObject> {
  const versions = crdVersions(crd, options.version);
  const v = versions.find((x) => x.storage) ?? versions[0];
  if (!v) throw new CRDError(crd.metadata?.name ?? "(unnamed)", "serves no version");
  const schema = buildSchema(v.type, (module, name) => {
    if (module === "meta/v1" && name === "ObjectMeta") return ObjectMetaSchema;
    throw new CRDError(v.crd, `unexpected reference to ${module} ${name}`);
  }) as unknown as $ZodType<KubernetesObject>;
  return defineResource({
    group: v.group,
    version: v.version,
    kind: v.kind,
    plural: v.plural,
    namespaced: v.namespaced,
    schema,
    ...(v.subresources.length ? { subresources: v.subresources } : {}),
    verbs: CRD_VERBS,
  });
}
