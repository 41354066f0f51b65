/**
 * `apiextensions.k8s.io/v1` CustomResourceDefinition.
 *
 * @module
 */
import { z } from "zod";
import { type Condition, ConditionSchema, objectBase } from "./common.ts";
import type { KubernetesObject } from "./meta.ts";
import { defineResource, type ResourceType } from "./resource.ts";

/** Names of a custom resource. */
export interface CustomResourceDefinitionNames {
  plural: string;
  singular?: string | undefined;
  kind: string;
  listKind?: string | undefined;
  shortNames?: string[] | undefined;
  categories?: string[] | undefined;
}

/** One served version of a custom resource; `schema` is kept unvalidated. */
export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean | undefined;
  schema?: { openAPIV3Schema?: unknown } | undefined;
  subresources?: { status?: unknown; scale?: unknown } | undefined;
  additionalPrinterColumns?: unknown[] | undefined;
  [key: string]: unknown;
}

/** A CustomResourceDefinition. */
export interface CustomResourceDefinition extends KubernetesObject {
  spec: {
    group: string;
    names: CustomResourceDefinitionNames;
    scope: string;
    versions: CustomResourceDefinitionVersion[];
    conversion?: unknown;
    preserveUnknownFields?: boolean | undefined;
    [key: string]: unknown;
  };
  status?:
    | {
        conditions?: Condition[] | undefined;
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

/** Schema for {@link CustomResourceDefinition}. OpenAPI schemas are not deep-validated. */
export const CustomResourceDefinitionSchema: z.ZodType<CustomResourceDefinition> = z.looseObject({
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
      conditions: z.array(ConditionSchema).optional(),
      acceptedNames: NamesSchema.partial().optional(),
      storedVersions: z.array(z.string()).optional(),
    })
    .optional(),
});

/** `apiextensions.k8s.io/v1` CustomResourceDefinitions (cluster-scoped). */
export const CustomResourceDefinitions: ResourceType<CustomResourceDefinition> = defineResource({
  group: "apiextensions.k8s.io",
  version: "v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  namespaced: false,
  schema: CustomResourceDefinitionSchema,
});
