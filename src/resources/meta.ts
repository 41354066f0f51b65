/**
 * Schemas shared by every Kubernetes kind: `ObjectMeta`, `KubernetesObject`,
 * lists, `Status` and watch events.
 *
 * Schemas validate what controllers rely on and keep unknown fields, so a
 * newer API server never breaks an older client.
 *
 * @module
 */
import * as z from "zod/mini";
import { type ListMeta, type ObjectMeta, ObjectMetaSchema, type Status } from "../kinds/meta/v1.ts";
import { StringMapSchema } from "./primitives.ts";

export {
  isObjectMeta,
  type ListMeta,
  ListMetaSchema,
  type ManagedFieldsEntry,
  ManagedFieldsEntrySchema,
  type ObjectMeta,
  ObjectMetaSchema,
  type OwnerReference,
  OwnerReferenceSchema,
  type Status,
  type StatusCause,
  StatusCauseSchema,
  type StatusDetails,
  StatusDetailsSchema,
  StatusSchema,
} from "../kinds/meta/v1.ts";
export { StringMapSchema } from "./primitives.ts";

/**
 * Any Kubernetes object: `apiVersion`, `kind` (both optional in list items) and `metadata`.
 *
 * @example
 * ```ts
 * import type { KubernetesObject } from "kubeloop";
 * function describe(obj: KubernetesObject): string {
 *   return `${obj.kind ?? "?"} ${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
 * }
 * describe({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" } });
 * ```
 */
export interface KubernetesObject {
  /** API version, e.g. `v1` or `apps/v1`. */
  apiVersion?: string | undefined;
  /** Kind, e.g. `ConfigMap`. */
  kind?: string | undefined;
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** Other fields (`spec`, `status`, `data`, ...), kept as received. */
  [key: string]: unknown;
}

/**
 * Schema for {@link KubernetesObject}: metadata required, everything else kept as is.
 *
 * @example
 * ```ts
 * import { KubernetesObjectSchema } from "kubeloop";
 * declare const json: unknown;
 * const r = KubernetesObjectSchema.safeParse(json);
 * if (r.success) console.log(r.data.kind, r.data.metadata.name);
 * ```
 */
export const KubernetesObjectSchema: z.ZodMiniType<KubernetesObject> = /* @__PURE__ */ (() =>
  z.looseObject({
    apiVersion: z.optional(z.string()),
    kind: z.optional(z.string()),
    metadata: ObjectMetaSchema,
  }))();

/**
 * Watch event types sent by the API server.
 *
 * @example
 * ```ts
 * import type { WatchEventType } from "kubeloop";
 * const isChange = (t: WatchEventType): boolean => t === "ADDED" || t === "MODIFIED" || t === "DELETED";
 * ```
 */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/**
 * A decoded watch event. `ADDED`/`MODIFIED`/`DELETED` carry a validated object,
 * `BOOKMARK` only a resource version (and annotations), `ERROR` a {@link Status}.
 *
 * @example
 * ```ts
 * import type { ConfigMap, WatchEvent } from "kubeloop";
 * function handle(ev: WatchEvent<ConfigMap>): void {
 *   if (ev.type === "BOOKMARK") console.log("at", ev.object.metadata.resourceVersion);
 *   else if (ev.type === "ERROR") console.log("watch failed", ev.object.reason);
 *   else console.log(ev.type, ev.object.metadata.name, ev.object.data);
 * }
 * ```
 */
export type WatchEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T }
  | { type: "BOOKMARK"; object: Bookmark }
  | { type: "ERROR"; object: Status };

/**
 * The object of a BOOKMARK event: only `metadata.resourceVersion` and annotations are meaningful.
 *
 * @example
 * ```ts
 * import type { Bookmark } from "kubeloop";
 * const bookmark: Bookmark = {
 *   kind: "ConfigMap",
 *   apiVersion: "v1",
 *   metadata: { resourceVersion: "12345", annotations: { "k8s.io/initial-events-end": "true" } },
 * };
 * ```
 */
export interface Bookmark {
  /** API version of the watched kind. */
  apiVersion?: string | undefined;
  /** Kind of the watched objects. */
  kind?: string | undefined;
  /** Resource version to resume the watch from, and annotations. */
  metadata: {
    resourceVersion: string;
    annotations?: Record<string, string> | undefined;
    [key: string]: unknown;
  };
  /** Fields not modelled here, kept as received. */
  [key: string]: unknown;
}

/**
 * Schema for {@link Bookmark}: never validate a bookmark with the kind's schema.
 *
 * @example
 * ```ts
 * import { BookmarkSchema } from "kubeloop";
 * const r = BookmarkSchema.safeParse({ kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: "12345" } });
 * if (r.success) console.log(r.data.metadata.resourceVersion);
 * ```
 */
export const BookmarkSchema: z.ZodMiniType<Bookmark> = /* @__PURE__ */ (() =>
  z.looseObject({
    apiVersion: z.optional(z.string()),
    kind: z.optional(z.string()),
    metadata: z.looseObject({
      resourceVersion: z.string(),
      annotations: z.optional(StringMapSchema),
    }),
  }))();

/**
 * The annotation on the BOOKMARK that ends a streaming list's initial events.
 *
 * @example
 * ```ts
 * import { type Bookmark, INITIAL_EVENTS_END_ANNOTATION } from "kubeloop";
 * declare const bookmark: Bookmark;
 * const initialListDone = bookmark.metadata.annotations?.[INITIAL_EVENTS_END_ANNOTATION] === "true";
 * ```
 */
export const INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end";

/**
 * A list response: items of `T` and list metadata.
 *
 * @example
 * ```ts
 * import type { ConfigMap, ObjectList } from "kubeloop";
 * const list: ObjectList<ConfigMap> = {
 *   apiVersion: "v1",
 *   kind: "ConfigMapList",
 *   metadata: { resourceVersion: "12345" },
 *   items: [{ metadata: { name: "a", namespace: "default" }, data: { k: "v" } }],
 * };
 * ```
 */
export interface ObjectList<T> {
  /** API version of the list, e.g. `v1`. */
  apiVersion?: string | undefined;
  /** Kind of the list, e.g. `PodList`. */
  kind?: string | undefined;
  /** List metadata: resource version and pagination token. */
  metadata: ListMeta;
  /** The objects in the list. */
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
 *
 * @example
 * ```ts
 * import { ConfigMaps, type KubeClient, type PartialObjectMetadata } from "kubeloop";
 * declare const client: KubeClient;
 * const meta: PartialObjectMetadata = await client.get(ConfigMaps, "settings", {
 *   namespace: "default",
 *   metadataOnly: true,
 * });
 * console.log(meta.metadata.resourceVersion);
 * ```
 */
export type PartialObjectMetadata = KubernetesObject;

/**
 * Schema for {@link PartialObjectMetadata}.
 *
 * @example
 * ```ts
 * import { PartialObjectMetadataSchema } from "kubeloop";
 * const r = PartialObjectMetadataSchema.safeParse({
 *   apiVersion: "meta.k8s.io/v1",
 *   kind: "PartialObjectMetadata",
 *   metadata: { name: "settings", namespace: "default" },
 * });
 * if (r.success) console.log(r.data.metadata.name);
 * ```
 */
export const PartialObjectMetadataSchema: z.ZodMiniType<PartialObjectMetadata> =
  KubernetesObjectSchema;

/**
 * The fields every object schema starts with: `apiVersion` and `kind`
 * (optional: list items lack them) and `metadata` (required). Spread it into
 * your own `looseObject` shape (zod or zod/mini).
 *
 * @example
 * ```ts
 * import * as z from "zod/mini";
 * import { defineResource, objectBase } from "kubeloop";
 * const Widgets = defineResource({
 *   group: "example.com",
 *   version: "v1",
 *   kind: "Widget",
 *   plural: "widgets",
 *   namespaced: true,
 *   schema: z.looseObject({ ...objectBase, spec: z.looseObject({ size: z.number() }) }),
 * });
 * ```
 */
export const objectBase: {
  apiVersion: z.ZodMiniOptional<z.ZodMiniString<string>>;
  kind: z.ZodMiniOptional<z.ZodMiniString<string>>;
  metadata: z.ZodMiniType<ObjectMeta>;
} = /* @__PURE__ */ (() => ({
  apiVersion: z.optional(z.string()),
  kind: z.optional(z.string()),
  metadata: ObjectMetaSchema,
}))();
