/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), as
 * `k8s.io/apimachinery/pkg/util/strategicpatch` applies it: maps merge,
 * lists merge by their merge key (or as sets of scalars) where the kind's
 * merge info says so and are replaced otherwise, and the directives
 * `$patch` (`replace`, `delete`, `merge`), `$setElementOrder/<list>`,
 * `$retainKeys` and `$deleteFromPrimitiveList/<list>` work.
 *
 * @module
 */
import type { FieldMergeInfo, MergeInfo } from "../../resources/merge.ts";
import { PatchError } from "./patch.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const DELETE = Symbol("delete");

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v))
    return v
      .filter((x) => !(isObject(x) && x.$patch !== undefined && Object.keys(x).length === 1))
      .map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) out[k] = stripDirectives(x);
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

class Patcher {
  readonly #info: MergeInfo;
  constructor(info: MergeInfo) {
    this.#info = info;
  }

  #field(path: string): FieldMergeInfo | undefined {
    return this.#info.fields[path];
  }

  #childPath(path: string, key: string, isMap: boolean): string {
    if (isMap) return `${path}.*`;
    return path ? `${path}.${key}` : key;
  }

  map(original: unknown, patch: Record<string, unknown>, path: string): unknown {
    const directive = patch.$patch;
    if (directive === "replace") return stripDirectives(patch);
    if (directive === "delete") return DELETE;
    if (directive !== undefined && directive !== "merge") {
      throw new PatchError(
        `Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`,
      );
    }
    const isMap = this.#field(path)?.map === true;
    const out: Record<string, unknown> = isObject(original) ? { ...original } : {};
    const orders = new Map<string, unknown[]>();
    for (const [k, v] of Object.entries(patch)) {
      if (k === "$patch" || k === "$retainKeys") continue;
      if (k.startsWith("$setElementOrder/")) {
        if (!Array.isArray(v))
          throw new PatchError(`invalid $setElementOrder: ${JSON.stringify(v)}`, true);
        orders.set(k.slice("$setElementOrder/".length), v);
        continue;
      }
      if (k.startsWith("$deleteFromPrimitiveList/")) {
        const field = k.slice("$deleteFromPrimitiveList/".length);
        if (!Array.isArray(v))
          throw new PatchError(`invalid $deleteFromPrimitiveList: ${JSON.stringify(v)}`, true);
        const cur = out[field];
        if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.some((d) => same(d, x)));
        continue;
      }
      if (k.startsWith("$")) continue;
      const p = this.#childPath(path, k, isMap);
      if (v === null) {
        delete out[k];
        continue;
      }
      const merged = this.value(out[k], v, p);
      if (merged === DELETE) delete out[k];
      else out[k] = merged;
    }
    for (const [field, order] of orders) {
      const cur = out[field];
      if (Array.isArray(cur))
        out[field] = this.#order(cur, order, this.#childPath(path, field, isMap));
    }
    const retain = patch.$retainKeys;
    if (Array.isArray(retain)) {
      for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
    }
    return out;
  }

  #order(list: unknown[], order: unknown[], path: string): unknown[] {
    const key = this.#field(path)?.patchMergeKey;
    const id = (x: unknown): string =>
      key && isObject(x) ? JSON.stringify(x[key]) : JSON.stringify(x);
    const wanted = order.map((o) =>
      key && isObject(o) ? JSON.stringify(o[key]) : JSON.stringify(o),
    );
    const placed: unknown[] = [];
    const rest: unknown[] = [];
    const byId = new Map<string, unknown>();
    for (const x of list) byId.set(id(x), x);
    for (const w of wanted) if (byId.has(w)) placed.push(byId.get(w));
    for (const x of list) if (!wanted.includes(id(x))) rest.push(x);
    return [...placed, ...rest];
  }

  value(original: unknown, patch: unknown, path: string): unknown {
    if (isObject(patch)) return this.map(original, patch, path);
    if (Array.isArray(patch)) return this.list(original, patch, path);
    return patch;
  }

  list(original: unknown, patch: unknown[], path: string): unknown {
    const f = this.#field(path);
    const merge = (f?.patchStrategy ?? "").includes("merge");
    if (patch.some((x) => isObject(x) && x.$patch === "replace")) {
      return stripDirectives(patch.filter((x) => !(isObject(x) && x.$patch === "replace")));
    }
    if (!merge || !Array.isArray(original)) return stripDirectives(patch);
    const key = f?.patchMergeKey;
    if (!key) {
      // a set of scalars: the patch's values in its order, then the server's others
      const out = patch.filter((x, i) => !patch.slice(0, i).some((y) => same(x, y)));
      for (const x of original) if (!out.some((y) => same(x, y))) out.push(x);
      return out;
    }
    // the patch's items (merged into the server's) in the patch's order, then the server's others
    const remaining: unknown[] = original.map((x) => x);
    const out: unknown[] = [];
    for (const item of patch) {
      if (!isObject(item))
        throw new PatchError(
          `expected a map in a list merged by ${key}, got ${JSON.stringify(item)}`,
        );
      if (!(key in item)) {
        throw new PatchError(
          `map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`,
        );
      }
      const i = remaining.findIndex((x) => isObject(x) && same(x[key], item[key]));
      const existing = i >= 0 ? remaining.splice(i, 1)[0] : undefined;
      if (item.$patch === "delete") continue;
      if (existing === undefined) {
        out.push(stripDirectives(item));
        continue;
      }
      const merged = this.map(existing, item, path);
      if (merged !== DELETE) out.push(merged);
    }
    out.push(...remaining);
    return out;
  }
}

/**
 * Apply a strategic merge patch to `original` with a kind's merge info.
 * Throws {@link PatchError} for a patch that cannot apply.
 *
 * @example
 * ```ts
 * import { applyStrategicMergePatchWith } from "kubeloop/testing";
 * const info = { fields: { "spec.containers": { patchStrategy: "merge" as const, patchMergeKey: "name" } } };
 * applyStrategicMergePatchWith(
 *   { spec: { containers: [{ name: "a", image: "x" }] } },
 *   { spec: { containers: [{ name: "b", image: "y" }] } },
 *   info,
 * ); // both containers
 * ```
 */
export function applyStrategicMergePatchWith(
  original: unknown,
  patch: unknown,
  info: MergeInfo,
): unknown {
  if (!isObject(patch)) throw new PatchError("a strategic merge patch must be a JSON object", true);
  const out = new Patcher(info).map(original, patch, "");
  if (out === DELETE) return {};
  return out;
}
