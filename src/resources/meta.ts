/**
 * Schemas shared by every Kubernetes kind: `ObjectMeta`, `KubernetesObject`,
 * lists, `Status` and watch events.
 *
 * Schemas validate what controllers rely on and keep unknown fields, so a
 * newer API server never breaks an older client.
 *
 * @module
 */
import { z } from "zod";

/** A reference from an object to its owner. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean | undefined;
  blockOwnerDeletion?: boolean | undefined;
}

/** One entry of `metadata.managedFields` (kept opaque beyond its manager). */
export interface ManagedFieldsEntry {
  manager?: string | undefined;
  operation?: string | undefined;
  apiVersion?: string | undefined;
  time?: string | undefined;
  fieldsType?: string | undefined;
  fieldsV1?: unknown;
  subresource?: string | undefined;
}

/** Standard object metadata. Resource versions are opaque strings. */
export interface ObjectMeta {
  name?: string | undefined;
  generateName?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  generation?: number | undefined;
  creationTimestamp?: string | undefined;
  deletionTimestamp?: string | undefined;
  deletionGracePeriodSeconds?: number | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  ownerReferences?: OwnerReference[] | undefined;
  finalizers?: string[] | undefined;
  managedFields?: ManagedFieldsEntry[] | undefined;
  [key: string]: unknown;
}

/** Any Kubernetes object: `apiVersion`, `kind` (both optional in list items) and `metadata`. */
export interface KubernetesObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

function isStringMap(v: unknown): v is Record<string, string> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  for (const k in v) if (typeof (v as Record<string, unknown>)[k] !== "string") return false;
  return true;
}

/**
 * A `map[string]string` (labels, annotations, ConfigMap data). A single
 * check function instead of `z.record`: four times cheaper, same result.
 */
export const StringMapSchema: z.ZodType<Record<string, string>> = z.custom<Record<string, string>>(
  isStringMap,
  {
    message: "expected a map of string values",
  },
);

const stringMap = StringMapSchema;

/** Schema for {@link OwnerReference}. */
export const OwnerReferenceSchema: z.ZodType<OwnerReference> = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

/** Schema for {@link ManagedFieldsEntry}. */
export const ManagedFieldsEntrySchema: z.ZodType<ManagedFieldsEntry> = z.looseObject({
  manager: z.string().optional(),
  operation: z.string().optional(),
  apiVersion: z.string().optional(),
  time: z.string().optional(),
  fieldsType: z.string().optional(),
  fieldsV1: z.unknown().optional(),
  subresource: z.string().optional(),
});

/** Schema for {@link ObjectMeta}: strict about types, loose about unknown fields. */
export const ObjectMetaSchema: z.ZodType<ObjectMeta> = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  deletionGracePeriodSeconds: z.number().int().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  ownerReferences: z.array(OwnerReferenceSchema).optional(),
  finalizers: z.array(z.string()).optional(),
  managedFields: z.array(ManagedFieldsEntrySchema).optional(),
});

/** Schema for {@link KubernetesObject}: metadata required, everything else kept as is. */
export const KubernetesObjectSchema: z.ZodType<KubernetesObject> = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
});

/** List metadata. */
export interface ListMeta {
  resourceVersion?: string | undefined;
  continue?: string | undefined;
  remainingItemCount?: number | undefined;
  selfLink?: string | undefined;
}

/** Schema for {@link ListMeta}. */
export const ListMetaSchema: z.ZodType<ListMeta> = z.looseObject({
  resourceVersion: z.string().optional(),
  continue: z.string().optional(),
  remainingItemCount: z.number().int().optional(),
  selfLink: z.string().optional(),
});

/** A `Status` cause detail. */
export interface StatusCause {
  reason?: string | undefined;
  message?: string | undefined;
  field?: string | undefined;
}

/** A `Status` object: what the API server returns for errors (and some deletes). */
export interface Status {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?: ListMeta | undefined;
  status?: string | undefined;
  message?: string | undefined;
  reason?: string | undefined;
  code?: number | undefined;
  details?:
    | {
        name?: string | undefined;
        group?: string | undefined;
        kind?: string | undefined;
        uid?: string | undefined;
        causes?: StatusCause[] | undefined;
        retryAfterSeconds?: number | undefined;
      }
    | undefined;
}

/** Schema for {@link Status}. */
export const StatusSchema: z.ZodType<Status> = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ListMetaSchema.optional(),
  status: z.string().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().optional(),
  details: z
    .looseObject({
      name: z.string().optional(),
      group: z.string().optional(),
      kind: z.string().optional(),
      uid: z.string().optional(),
      causes: z
        .array(
          z.looseObject({
            reason: z.string().optional(),
            message: z.string().optional(),
            field: z.string().optional(),
          }),
        )
        .optional(),
      retryAfterSeconds: z.number().optional(),
    })
    .optional(),
});

/** Watch event types sent by the API server. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/**
 * A decoded watch event. `ADDED`/`MODIFIED`/`DELETED` carry a validated object,
 * `BOOKMARK` only a resource version (and annotations), `ERROR` a {@link Status}.
 */
export type WatchEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T }
  | { type: "BOOKMARK"; object: Bookmark }
  | { type: "ERROR"; object: Status };

/** The object of a BOOKMARK event: only `metadata.resourceVersion` and annotations are meaningful. */
export interface Bookmark {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata: {
    resourceVersion: string;
    annotations?: Record<string, string> | undefined;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Schema for {@link Bookmark}: never validate a bookmark with the kind's schema. */
export const BookmarkSchema: z.ZodType<Bookmark> = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.looseObject({
    resourceVersion: z.string(),
    annotations: stringMap.optional(),
  }),
});

/** The annotation on the BOOKMARK that ends a streaming list's initial events. */
export const INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end";

/** A list response: items of `T` and list metadata. */
export interface ObjectList<T> {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata: ListMeta;
  items: T[];
}

/**
 * The cache key of an object: `namespace/name`, or `name` when the object is
 * cluster-scoped (client-go's `MetaNamespaceKeyFunc`).
 *
 * @example
 * ```ts
 * import { objectKey } from "kubeloop";
 * objectKey({ metadata: { namespace: "default", name: "web" } }); // "default/web"
 * objectKey({ metadata: { name: "node-1" } }); // "node-1"
 * ```
 */
export function objectKey(obj: {
  metadata: { name?: string | undefined; namespace?: string | undefined };
}): string {
  const { name = "", namespace } = obj.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * Split a key made by {@link objectKey} into namespace and name.
 *
 * @example
 * ```ts
 * import { splitKey } from "kubeloop";
 * splitKey("default/web"); // { namespace: "default", name: "web" }
 * splitKey("node-1"); // { namespace: undefined, name: "node-1" }
 * ```
 */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf("/");
  if (slash < 0) return { namespace: undefined, name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * An object as returned with `metadataOnly` (the API server's
 * `PartialObjectMetadata`): `apiVersion`, `kind` and full `metadata`, no spec or status.
 */
export type PartialObjectMetadata = KubernetesObject;

/** Schema for {@link PartialObjectMetadata}. */
export const PartialObjectMetadataSchema: z.ZodType<PartialObjectMetadata> = KubernetesObjectSchema;
