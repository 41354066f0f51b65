/**
 * Triggers: the one primitive under a controller's configuration. A trigger
 * is an informer (or a request for a shared one) plus a map from a changed
 * object to the primary keys to reconcile. {@link owns} and {@link watches}
 * only build triggers; the controller wires every trigger, its primary
 * resource included, the same way.
 *
 * @module
 */
import type { InformerOptions } from "../cache/informer.ts";
import { type KubernetesObject, type OwnerReference, objectKey } from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";
import type { ControllerInformer } from "./resource.ts";

/**
 * A request for a shared informer: the controller asks its
 * `InformerFactory` for it, so two controllers that want the same type,
 * namespace and selectors share one watch and one cache.
 *
 * @example
 * ```ts
 * import { Deployments, type TriggerSource } from "kubeloop";
 * const source: TriggerSource = { type: Deployments, options: { namespace: "web" } };
 * ```
 */
export interface TriggerSource {
  /** The kind to watch. */
  readonly type: ResourceType<KubernetesObject>;
  /** Namespace, selectors, metadata-only and other informer settings (the factory's identity rules apply). */
  readonly options?: InformerOptions<KubernetesObject> | undefined;
}

/**
 * What a trigger's map is told besides the object.
 *
 * @example
 * ```ts
 * import type { TriggerContext } from "kubeloop";
 * const describe = (ctx: TriggerContext) => ctx.primary?.kind ?? "unknown primary";
 * ```
 */
export interface TriggerContext {
  /** The controller's primary kind, when its informer names it. */
  readonly primary: ResourceType<KubernetesObject> | undefined;
}

/**
 * An informer plus a map from a changed object to the primary keys
 * (`namespace/name`, or `name` when cluster-scoped) the controller should
 * reconcile. Build one with {@link owns} or {@link watches}, or write it out.
 *
 * - Adds and deletes map the object; updates map the old and the new object
 *   (so a changed owner reference reconciles both owners).
 * - A map that throws is logged; the event is skipped.
 *
 * @example
 * ```ts
 * import { ConfigMaps, type Trigger } from "kubeloop";
 * // every ConfigMap change reconciles the object named in its "app" label
 * const trigger: Trigger = {
 *   name: "app label",
 *   source: { type: ConfigMaps },
 *   map: (cm) => {
 *     const app = cm.metadata.labels?.app;
 *     return app ? [`${cm.metadata.namespace}/${app}`] : [];
 *   },
 * };
 * ```
 */
export interface Trigger {
  /** For log lines. */
  readonly name: string;
  /**
   * Where events come from: an informer you run or share yourself, or a
   * {@link TriggerSource} the controller gets from its `factory`.
   */
  readonly source: ControllerInformer<KubernetesObject> | TriggerSource;
  /** The primary keys an event on `obj` reconciles (may be empty). */
  map(obj: KubernetesObject, ctx: TriggerContext): readonly string[];
}

/**
 * Options of {@link owns}.
 *
 * @example
 * ```ts
 * import { Deployments, owns, type OwnsOptions } from "kubeloop";
 * const options: OwnsOptions = { namespace: "web", labelSelector: "app.kubernetes.io/managed-by=website" };
 * const trigger = owns(Deployments, options);
 * ```
 */
export interface OwnsOptions extends InformerOptions<KubernetesObject> {
  /**
   * Only the owner reference with `controller: true` counts (default true,
   * as controller-runtime's `Owns`). `false`: every matching owner reference.
   */
  onlyController?: boolean | undefined;
  /**
   * The owner's group and kind (default: the controller's primary kind).
   * Set it when the primary informer does not name its kind.
   */
  owner?: { group: string; kind: string; namespaced: boolean } | undefined;
  /** Use this informer instead of one from the controller's factory. */
  informer?: ControllerInformer<KubernetesObject> | undefined;
}

/**
 * Options of {@link watches}: the informer settings of the shared informer.
 *
 * @example
 * ```ts
 * import { Secrets, watches, type WatchesOptions } from "kubeloop";
 * const options: WatchesOptions = { namespace: "web", metadataOnly: true };
 * const trigger = watches(Secrets, (s) => [`web/${s.metadata.name}`], options);
 * ```
 */
export interface WatchesOptions extends InformerOptions<KubernetesObject> {
  /** For log lines (default `watches <Kind>`). */
  name?: string | undefined;
}

/** The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → `""`). */
function groupOf(apiVersion: string | undefined): string {
  if (!apiVersion) return "";
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/**
 * The keys of `obj`'s owners of the given group and kind: `namespace/name`
 * of a namespaced owner (owners live in their dependent's namespace), or
 * `name` of a cluster-scoped one. With `onlyController`, only the owner
 * reference marked `controller: true` counts.
 *
 * @example
 * ```ts
 * import { ownerKeys } from "kubeloop";
 * const keys = ownerKeys(
 *   {
 *     metadata: {
 *       name: "web", namespace: "shop",
 *       ownerReferences: [{ apiVersion: "example.com/v1", kind: "Website", name: "shop", uid: "u1", controller: true }],
 *     },
 *   },
 *   { group: "example.com", kind: "Website", namespaced: true },
 * ); // ["shop/shop"]
 * ```
 */
export function ownerKeys(
  obj: KubernetesObject,
  owner: { group: string; kind: string; namespaced: boolean },
  onlyController = true,
): string[] {
  const refs: readonly OwnerReference[] = obj.metadata?.ownerReferences ?? [];
  const keys: string[] = [];
  for (const ref of refs) {
    if (onlyController && ref.controller !== true) continue;
    if (ref.kind !== owner.kind || groupOf(ref.apiVersion) !== owner.group) continue;
    const key = owner.namespaced
      ? objectKey({ metadata: { name: ref.name, namespace: obj.metadata.namespace } })
      : ref.name;
    if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}

function informerSettings(
  options: InformerOptions<KubernetesObject> & Record<string, unknown>,
  drop: readonly string[],
): InformerOptions<KubernetesObject> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (!drop.includes(k) && v !== undefined) out[k] = v;
  }
  return Object.keys(out).length === 0 ? undefined : (out as InformerOptions<KubernetesObject>);
}

/**
 * A trigger for objects the controller creates and owns: an event on one
 * reconciles its controller owner of the primary kind, found through
 * `metadata.ownerReferences` by group and kind (controller-runtime's
 * `Owns`, kube-rs' `Controller::owns`). The informer comes from the
 * controller's factory, so controllers owning the same kind share one watch.
 *
 * @example
 * ```ts
 * import {
 *   Controller, Deployments, type Informer, InformerFactory, type KubeClient, type KubernetesObject,
 *   newResource, owns, Services,
 * } from "kubeloop";
 * declare const client: KubeClient;
 * declare const websites: Informer<KubernetesObject>; // the primary kind, e.g. a custom resource
 * const factory = new InformerFactory(client);
 * const controller = new Controller({
 *   resource: newResource(websites, async () => {}, async () => {}),
 *   factory,
 *   triggers: [owns(Deployments), owns(Services)],
 * });
 * ```
 */
export function owns<S extends KubernetesObject>(
  type: ResourceType<S>,
  options: OwnsOptions = {},
): Trigger {
  const { onlyController = true, owner, informer } = options;
  const settings = informerSettings(options as OwnsOptions & Record<string, unknown>, [
    "onlyController",
    "owner",
    "informer",
  ]);
  return {
    name: `owns ${type.kind}`,
    source: informer ?? {
      type: type as unknown as ResourceType<KubernetesObject>,
      ...(settings ? { options: settings } : {}),
    },
    map: (obj, ctx) => {
      const o = owner ?? ctx.primary;
      if (!o) {
        // the controller logs this for every event: better loud than silently reconciling nothing
        throw new TypeError(
          `owns(${type.kind}): the primary informer names no kind; pass owner: { group, kind, namespaced }`,
        );
      }
      return ownerKeys(obj, o, onlyController);
    },
  };
}

/**
 * A trigger that maps any object to zero or more primary keys
 * (controller-runtime's `Watches` with a map function, kube-rs'
 * `Controller::watches`). Pass a kind (the informer comes from the
 * controller's factory) or an informer of your own.
 *
 * @example
 * ```ts
 * import { ConfigMaps, watches } from "kubeloop";
 * // a shared "site-defaults" ConfigMap reconciles every Website in its namespace
 * declare const websiteKeysIn: (namespace: string) => string[];
 * const trigger = watches(ConfigMaps, (cm) =>
 *   cm.metadata.name === "site-defaults" ? websiteKeysIn(cm.metadata.namespace ?? "") : [],
 * );
 * ```
 */
export function watches<S extends KubernetesObject>(
  type: ResourceType<S> | ControllerInformer<S>,
  map: (obj: S, ctx: TriggerContext) => readonly string[],
  options: WatchesOptions = {},
): Trigger {
  const isInformer = typeof (type as ControllerInformer<S>).addEventHandler === "function";
  const settings = informerSettings(options as WatchesOptions & Record<string, unknown>, ["name"]);
  const kind = isInformer
    ? ((type as ControllerInformer<S>).resourceType?.kind ?? "objects")
    : (type as ResourceType<S>).kind;
  return {
    name: options.name ?? `watches ${kind}`,
    source: isInformer
      ? (type as unknown as ControllerInformer<KubernetesObject>)
      : {
          type: type as unknown as ResourceType<KubernetesObject>,
          ...(settings ? { options: settings } : {}),
        },
    map: (obj, ctx) => map(obj as S, ctx),
  };
}

/**
 * Whether a trigger's source is an informer (rather than a request for a
 * shared one).
 *
 * @example
 * ```ts
 * import { ConfigMaps, isInformerSource, watches } from "kubeloop";
 * isInformerSource(watches(ConfigMaps, () => []).source); // false
 * ```
 */
export function isInformerSource(
  source: Trigger["source"],
): source is ControllerInformer<KubernetesObject> {
  return typeof (source as ControllerInformer<KubernetesObject>).addEventHandler === "function";
}
