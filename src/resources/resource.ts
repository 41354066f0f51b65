/**
 * `ResourceType`: everything kubeloop needs to know to talk about one kind.
 *
 * @module
 */
import type { $ZodType, output } from "zod/v4/core";
import type { MergeInfo } from "./merge.ts";
import type { KubernetesObject } from "./meta.ts";

/**
 * One Kubernetes kind: where it lives in the API and the zod schema its objects
 * must pass before they reach a cache or a handler.
 *
 * @example
 * ```ts
 * import { ConfigMaps, type KubeClient, type ResourceType } from "kubeloop";
 * declare const client: KubeClient;
 * const type: ResourceType = ConfigMaps;
 * console.log(type.apiVersion, type.plural, type.namespaced); // "v1" "configmaps" true
 * const page = await client.list(ConfigMaps, { namespace: "default" });
 * ```
 */
export interface ResourceType<T extends KubernetesObject = KubernetesObject> {
  /** API group; `""` for the core group. */
  readonly group: string;
  /** API version within the group, e.g. `v1`. */
  readonly version: string;
  /** `group/version`, or just `version` for the core group. */
  readonly apiVersion: string;
  /** Kind, e.g. `ConfigMap`. */
  readonly kind: string;
  /** Lower-case plural used in paths, e.g. `configmaps`. */
  readonly plural: string;
  /** Whether objects live in a namespace. */
  readonly namespaced: boolean;
  /** Schema every object of this kind is validated with (any zod 4 schema: classic or mini). */
  readonly schema: $ZodType<T>;
  /** Subresources the API serves for this kind, e.g. `status` and `scale` (when known). */
  readonly subresources?: readonly string[] | undefined;
  /** Verbs the API serves for this kind, e.g. `get`, `list`, `watch` (when known). */
  readonly verbs?: readonly string[] | undefined;
  /**
   * How strategic merge patches and server-side apply merge this kind's lists
   * and maps (the fake API server uses it; absent: lists are atomic).
   */
  readonly merge?: MergeInfo | undefined;
}

/**
 * What {@link defineResource} takes.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineResource, ObjectMetaSchema, type ResourceDefinition } from "kubeloop";
 *
 * const WidgetSchema = z.looseObject({
 *   apiVersion: z.string().optional(),
 *   kind: z.string().optional(),
 *   metadata: ObjectMetaSchema,
 *   spec: z.looseObject({ size: z.number() }).optional(),
 * });
 * const def: ResourceDefinition<typeof WidgetSchema> = {
 *   group: "example.com",
 *   version: "v1",
 *   kind: "Widget",
 *   plural: "widgets",
 *   namespaced: true,
 *   schema: WidgetSchema,
 * };
 * const Widgets = defineResource(def);
 * ```
 */
export interface ResourceDefinition<S extends $ZodType<KubernetesObject>> {
  /** API group; `""` for the core group. */
  group: string;
  /** API version within the group, e.g. `v1`. */
  version: string;
  /** Kind, e.g. `Widget`. */
  kind: string;
  /** Lower-case plural used in API paths, e.g. `widgets`. */
  plural: string;
  /** Whether objects live in a namespace. */
  namespaced: boolean;
  /** Zod schema every object of this kind is validated with: classic (`zod`) or mini (`zod/mini`). */
  schema: S;
  /** Subresources the API serves, e.g. `["status", "scale"]`. */
  subresources?: readonly string[] | undefined;
  /** Verbs the API serves; unset means the usual read/write verbs. */
  verbs?: readonly string[] | undefined;
  /** How strategic merge patches and server-side apply merge lists and maps (see {@link MergeInfo}). */
  merge?: MergeInfo | undefined;
}

/**
 * Define a resource type, typically for a custom resource. The object type is
 * inferred from the schema.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineResource, ObjectMetaSchema } from "kubeloop";
 *
 * const Widget = defineResource({
 *   group: "example.com",
 *   version: "v1",
 *   kind: "Widget",
 *   plural: "widgets",
 *   namespaced: true,
 *   schema: z.looseObject({
 *     apiVersion: z.string().optional(),
 *     kind: z.string().optional(),
 *     metadata: ObjectMetaSchema,
 *     spec: z.looseObject({ size: z.number() }),
 *   }),
 * });
 * ```
 */
export function defineResource<S extends $ZodType<KubernetesObject>>(
  def: ResourceDefinition<S>,
): ResourceType<output<S>> {
  if (!def.version || !def.kind || !def.plural) {
    throw new TypeError(
      `defineResource: version, kind and plural are required (got kind "${def.kind}")`,
    );
  }
  if (def.plural !== def.plural.toLowerCase()) {
    throw new TypeError(`defineResource: plural must be lower-case (got "${def.plural}")`);
  }
  const type: ResourceType<output<S>> = {
    group: def.group,
    version: def.version,
    apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
    kind: def.kind,
    plural: def.plural,
    namespaced: def.namespaced,
    schema: def.schema as unknown as $ZodType<output<S>>,
    ...(def.subresources ? { subresources: Object.freeze([...def.subresources]) } : {}),
    ...(def.verbs ? { verbs: Object.freeze([...def.verbs]) } : {}),
    ...(def.merge ? { merge: def.merge } : {}),
  };
  return Object.freeze(type);
}
