/**
 * Status writes: through the status subresource, with server-side apply and
 * a field manager of their own, so the status never fights the spec's
 * writers and every field it sets has one named owner.
 *
 * @module
 */
import type { KubeClient } from "../client/client.ts";
import type { KubernetesObject } from "../resources/meta.ts";
import type { ResourceType } from "../resources/resource.ts";

/**
 * Options of {@link applyStatus}.
 *
 * @example
 * ```ts
 * import type { ApplyStatusOptions } from "kubeloop";
 * const options: ApplyStatusOptions = { fieldManager: "website-operator-status" };
 * ```
 */
export interface ApplyStatusOptions {
  /**
   * The field manager of status writes: keep it apart from the one that
   * applies the spec or the owned objects (e.g. `<controller>-status`).
   */
  fieldManager: string;
  /** Take over fields another manager owns (default true, as controllers do). */
  force?: boolean | undefined;
  /**
   * Skip the request when `obj.status` already equals `status` (default
   * true): the reconcile read `obj` from the cache, and a later change brings
   * it back.
   */
  skipUnchanged?: boolean | undefined;
  /** Aborts the request. */
  signal?: AbortSignal | undefined;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = canonical(x);
  }
  return out;
}

/**
 * Whether two JSON values are equal, ignoring key order and `undefined` members.
 *
 * @example
 * ```ts
 * import { jsonEqual } from "kubeloop";
 * jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1, c: undefined }); // true
 * ```
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * Write `status` for `obj` with server-side apply on the status
 * subresource (`PATCH …/status`, `application/apply-patch+yaml`) as
 * `fieldManager`. The applied document holds only `apiVersion`, `kind`,
 * name, namespace and `status`: the status manager owns exactly the status
 * fields it sets. Resolves to the written object, or to `obj` when the
 * write was skipped as unchanged.
 *
 * RBAC: `patch` on `<plural>/status` of the kind.
 *
 * @example
 * ```ts
 * import { applyStatus, type KubeClient, type KubernetesObject, setCondition, defineResource, KubernetesObjectSchema } from "kubeloop";
 * declare const client: KubeClient;
 * const Websites = defineResource({
 *   group: "example.com", version: "v1", kind: "Website", plural: "websites", namespaced: true,
 *   schema: KubernetesObjectSchema,
 * });
 * declare const site: KubernetesObject & { status?: { conditions?: [] } };
 * const { conditions } = setCondition(site.status?.conditions, { type: "Ready", status: "True", reason: "Available" }, Date.now());
 * await applyStatus(client, Websites, site, { observedGeneration: site.metadata.generation, conditions }, {
 *   fieldManager: "website-operator-status",
 * });
 * ```
 */
export async function applyStatus<T extends KubernetesObject>(
  client: Pick<KubeClient, "patch">,
  type: ResourceType<T>,
  obj: T,
  status: unknown,
  options: ApplyStatusOptions,
): Promise<T> {
  if (!options?.fieldManager) throw new TypeError("applyStatus: a fieldManager is required");
  const { name, namespace } = obj.metadata;
  if (!name) throw new TypeError(`applyStatus: ${type.kind} has no metadata.name`);
  if ((options.skipUnchanged ?? true) && jsonEqual((obj as { status?: unknown }).status, status)) {
    return obj;
  }
  const body = {
    apiVersion: type.apiVersion,
    kind: type.kind,
    metadata: type.namespaced ? { name, namespace } : { name },
    status,
  };
  return client.patch(type, name, body, {
    type: "apply",
    subresource: "status",
    fieldManager: options.fieldManager,
    force: options.force ?? true,
    ...(type.namespaced && namespace ? { namespace } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
