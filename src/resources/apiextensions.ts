/**
 * `apiextensions.k8s.io/v1` CustomResourceDefinition.
 *
 * @module
 */
import { z } from "zod";
import { type Condition, ConditionSchema, objectBase } from "./common.ts";
import type { KubernetesObject } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";

/**
 * Names of a custom resource.
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinitionNames } from "kubeloop";
 * const names: CustomResourceDefinitionNames = {
 *   plural: "widgets",
 *   singular: "widget",
 *   kind: "Widget",
 *   listKind: "WidgetList",
 *   shortNames: ["wd"],
 * };
 * ```
 */
export interface CustomResourceDefinitionNames {
  /** Lower-case plural used in API paths, e.g. `widgets`. */
  plural: string;
  /** Lower-case singular name, e.g. `widget`. */
  singular?: string | undefined;
  /** CamelCase kind of the objects, e.g. `Widget`. */
  kind: string;
  /** Kind of the list type, e.g. `WidgetList`. */
  listKind?: string | undefined;
  /** Short names accepted by kubectl, e.g. `["wd"]`. */
  shortNames?: string[] | undefined;
  /** Groups the resource belongs to, e.g. `["all"]`. */
  categories?: string[] | undefined;
}

/**
 * One served version of a custom resource; `schema` is kept unvalidated.
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinitionVersion } from "kubeloop";
 * const v1: CustomResourceDefinitionVersion = {
 *   name: "v1",
 *   served: true,
 *   storage: true,
 *   schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
 *   subresources: { status: {} },
 * };
 * ```
 */
export interface CustomResourceDefinitionVersion {
  /** Version name, e.g. `v1` or `v1beta1`. */
  name: string;
  /** Whether this version is served by the REST API. */
  served: boolean;
  /** Whether this is the storage version; exactly one version has it. */
  storage: boolean;
  /** Whether this version is deprecated. */
  deprecated?: boolean | undefined;
  /** Validation schema; `openAPIV3Schema` is kept unvalidated. */
  schema?: { openAPIV3Schema?: unknown } | undefined;
  /** Enabled subresources (`status`, `scale`). */
  subresources?: { status?: unknown; scale?: unknown } | undefined;
  /** Extra columns for `kubectl get`, kept unvalidated. */
  additionalPrinterColumns?: unknown[] | undefined;
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * A CustomResourceDefinition.
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinition } from "kubeloop";
 * const crd: CustomResourceDefinition = {
 *   metadata: { name: "widgets.example.com" },
 *   spec: {
 *     group: "example.com",
 *     names: { plural: "widgets", singular: "widget", kind: "Widget" },
 *     scope: "Namespaced",
 *     versions: [{ name: "v1", served: true, storage: true, subresources: { status: {} } }],
 *   },
 * };
 * ```
 */
export interface CustomResourceDefinition extends KubernetesObject {
  /** Group, names, scope (`Namespaced` or `Cluster`) and versions of the custom resource. */
  spec: {
    group: string;
    names: CustomResourceDefinitionNames;
    scope: string;
    versions: CustomResourceDefinitionVersion[];
    conversion?: unknown;
    preserveUnknownFields?: boolean | undefined;
    [key: string]: unknown;
  };
  /** Conditions, the names actually accepted, and versions ever stored. */
  status?:
    | {
        /** `null` right after creation, before the server's CRD controllers ran. */
        conditions?: Condition[] | null | undefined;
        acceptedNames?:
          | {
              [K in keyof CustomResourceDefinitionNames]?:
                | CustomResourceDefinitionNames[K]
                | undefined;
            }
          | undefined;
        storedVersions?: string[] | undefined;
        [key: string]: unknown;
      }
    | undefined;
}

const NamesSchema = z.looseObject({
  plural: z.string(),
  singular: z.string().optional(),
  kind: z.string(),
  listKind: z.string().optional(),
  shortNames: z.array(z.string()).optional(),
  categories: z.array(z.string()).optional(),
});

/**
 * Schema for {@link CustomResourceDefinition}. OpenAPI schemas are not deep-validated.
 *
 * @example
 * ```ts
 * import { CustomResourceDefinitionSchema } from "kubeloop";
 * declare const json: unknown;
 * const r = CustomResourceDefinitionSchema.safeParse(json);
 * if (r.success) console.log(r.data.spec.names.kind, r.data.status?.storedVersions);
 * ```
 */
export const CustomResourceDefinitionSchema: ResourceType<CustomResourceDefinition>["schema"] =
  z.looseObject({
    ...objectBase,
    spec: z.looseObject({
      group: z.string(),
      names: NamesSchema,
      scope: z.string(),
      versions: z.array(
        z.looseObject({
          name: z.string(),
          served: z.boolean(),
          storage: z.boolean(),
          deprecated: z.boolean().optional(),
          schema: z.looseObject({ openAPIV3Schema: z.unknown().optional() }).optional(),
          subresources: z
            .looseObject({ status: z.unknown().optional(), scale: z.unknown().optional() })
            .optional(),
          additionalPrinterColumns: z.array(z.unknown()).optional(),
        }),
      ),
      conversion: z.unknown().optional(),
      preserveUnknownFields: z.boolean().optional(),
    }),
    status: z
      .looseObject({
        // null until the API server's CRD controllers have run (a nil slice without omitempty)
        conditions: z.array(ConditionSchema).nullable().optional(),
        acceptedNames: NamesSchema.partial().optional(),
        storedVersions: z.array(z.string()).optional(),
      })
      .optional(),
  });

/**
 * `apiextensions.k8s.io/v1` CustomResourceDefinitions (cluster-scoped).
 *
 * @example
 * ```ts
 * import { CustomResourceDefinitions, type KubeClient } from "kubeloop";
 * declare const client: KubeClient;
 * const crd = await client.get(CustomResourceDefinitions, "widgets.example.com");
 * const established = crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
 * ```
 */
export const CustomResourceDefinitions: ResourceType<CustomResourceDefinition> = defineResource({
  group: "apiextensions.k8s.io",
  version: "v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  namespaced: false,
  schema: CustomResourceDefinitionSchema,
});
