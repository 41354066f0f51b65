/**
 * Patch application: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and
 * approximations of strategic merge patch and server-side apply.
 *
 * @module
 */

/** A JSON value. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * One RFC 6902 operation.
 *
 * @example
 * ```ts
 * import { applyJsonPatch, type JsonPatchOperation } from "kubeloop/testing";
 * const ops: JsonPatchOperation[] = [
 *   { op: "test", path: "/data/k", value: "v" },
 *   { op: "replace", path: "/data/k", value: "w" },
 * ];
 * applyJsonPatch({ data: { k: "v" } }, ops); // { data: { k: "w" } }
 * ```
 */
export interface JsonPatchOperation {
  /** The operation. */
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  /** JSON Pointer (RFC 6901) to the target location. */
  path: string;
  /** The value for `add`, `replace` and `test`. */
  value?: unknown;
  /** JSON Pointer to the source location for `move` and `copy`. */
  from?: string;
}

/**
 * Thrown when a patch cannot be applied (the server answers 422, or 400 for a malformed patch).
 *
 * @example
 * ```ts
 * import { applyJsonPatch, PatchError } from "kubeloop/testing";
 * try {
 *   applyJsonPatch({ data: {} }, [{ op: "remove", path: "/data/missing" }]);
 * } catch (e) {
 *   if (e instanceof PatchError) console.log(e.malformed ? 400 : 422, e.message);
 * }
 * ```
 */
export class PatchError extends Error {
  /** Whether the patch document itself is malformed (400) rather than not applicable (422). */
  readonly malformed: boolean;
  /**
   * Create the error.
   *
   * @param message what went wrong.
   * @param malformed whether the patch document itself is malformed (default false).
   */
  constructor(message: string, malformed = false) {
    super(message);
    this.name = "PatchError";
    this.malformed = malformed;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Apply a JSON merge patch (RFC 7386): objects merge recursively, `null`
 * deletes a key, anything else (arrays included) replaces.
 *
 * @example
 * ```ts
 * import { applyMergePatch } from "kubeloop/testing";
 * applyMergePatch({ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }); // { a: 1, b: { d: 3 } }
 * ```
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/**
 * Approximate a strategic merge patch as a merge patch: `$patch`,
 * `$setElementOrder/…`, `$retainKeys` and `$deleteFromPrimitiveList/…`
 * directives are dropped, and lists are replaced rather than merged by key.
 * Enough for kubectl's client-side `apply` and `label`/`annotate`.
 *
 * @example
 * ```ts
 * import { applyStrategicMergePatch } from "kubeloop/testing";
 * applyStrategicMergePatch({ data: { a: "1" } }, { data: { b: "2" }, "$setElementOrder/x": [] });
 * // { data: { a: "1", b: "2" } }
 * ```
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  if (patch.$patch === "replace") {
    const { $patch: _p, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === "delete") return null;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue;
    if (v === null) delete out[k];
    else {
      const merged = applyStrategicMergePatch(out[k], v);
      if (merged === null) delete out[k];
      else out[k] = merged;
    }
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) out[k] = stripDirectives(x);
  return out;
}

function parsePointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new PatchError(`invalid JSON pointer "${path}"`, true);
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function getAt(doc: unknown, tokens: string[], path: string): unknown {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!/^(0|[1-9]\d*)$/.test(t) || i >= cur.length)
        throw new PatchError(`path "${path}" does not exist`);
      cur = cur[i];
    } else if (isObject(cur)) {
      if (!Object.hasOwn(cur, t)) throw new PatchError(`path "${path}" does not exist`);
      cur = cur[t];
    } else {
      throw new PatchError(`path "${path}" does not exist`);
    }
  }
  return cur;
}

function parentOf(doc: unknown, tokens: string[], path: string): { parent: unknown; last: string } {
  if (tokens.length === 0) throw new PatchError(`path "${path}" has no parent`);
  const parent = getAt(doc, tokens.slice(0, -1), path);
  return { parent, last: tokens[tokens.length - 1]! };
}

function addAt(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = last === "-" ? parent.length : Number(last);
    if (!/^(0|[1-9]\d*)$/.test(last) && last !== "-")
      throw new PatchError(`invalid array index "${last}"`);
    if (i > parent.length) throw new PatchError(`index ${i} out of range in "${path}"`);
    parent.splice(i, 0, value);
  } else if (isObject(parent)) {
    parent[last] = value;
  } else {
    throw new PatchError(`path "${path}" does not exist`);
  }
  return doc;
}

function removeAt(doc: unknown, path: string): { doc: unknown; removed: unknown } {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return { doc: null, removed: doc };
  const { parent, last } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!/^(0|[1-9]\d*)$/.test(last) || i >= parent.length)
      throw new PatchError(`path "${path}" does not exist`);
    return { doc, removed: parent.splice(i, 1)[0] };
  }
  if (isObject(parent) && Object.hasOwn(parent, last)) {
    const removed = parent[last];
    delete parent[last];
    return { doc, removed };
  }
  throw new PatchError(`path "${path}" does not exist`);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Apply a JSON patch (RFC 6902) to a copy of `target`. Throws
 * {@link PatchError} when an operation fails (including a failed `test`).
 *
 * @example
 * ```ts
 * import { applyJsonPatch } from "kubeloop/testing";
 * applyJsonPatch({ data: { a: "1" } }, [{ op: "replace", path: "/data/a", value: "2" }]);
 * // { data: { a: "2" } }
 * ```
 */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops))
    throw new PatchError("a JSON patch must be an array of operations", true);
  let doc = clone(target);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw new PatchError(`invalid JSON patch operation ${JSON.stringify(raw)}`, true);
    }
    const op = raw as unknown as JsonPatchOperation;
    switch (op.op) {
      case "add":
        if (!("value" in op)) throw new PatchError(`"add" at "${op.path}" has no value`, true);
        doc = addAt(doc, op.path, clone(op.value));
        break;
      case "remove":
        doc = removeAt(doc, op.path).doc;
        break;
      case "replace": {
        if (!("value" in op)) throw new PatchError(`"replace" at "${op.path}" has no value`, true);
        getAt(doc, parsePointer(op.path), op.path);
        const r = removeAt(doc, op.path);
        doc = addAt(r.doc, op.path, clone(op.value));
        break;
      }
      case "move": {
        if (typeof op.from !== "string") throw new PatchError(`"move" needs "from"`, true);
        const r = removeAt(doc, op.from);
        doc = addAt(r.doc, op.path, r.removed);
        break;
      }
      case "copy": {
        if (typeof op.from !== "string") throw new PatchError(`"copy" needs "from"`, true);
        const v = clone(getAt(doc, parsePointer(op.from), op.from));
        doc = addAt(doc, op.path, v);
        break;
      }
      case "test": {
        const v = getAt(doc, parsePointer(op.path), op.path);
        if (!deepEqual(v, op.value)) {
          throw new PatchError(`testing value ${JSON.stringify(op.path)} failed`);
        }
        break;
      }
      default:
        throw new PatchError(
          `unknown JSON patch operation "${String((op as { op: unknown }).op)}"`,
          true,
        );
    }
  }
  return doc;
}

/**
 * Patch kinds the fake API server accepts, by request `Content-Type`.
 *
 * @example
 * ```ts
 * import { ConfigMaps } from "kubeloop";
 * import { FakeApiServer, type PatchType } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" }, data: { k: "v" } });
 * const patchType: PatchType = "json";
 * server.patch(ConfigMaps, "a", [{ op: "add", path: "/data/x", value: "1" }], { namespace: "default", patchType });
 * ```
 */
export type PatchType = "json" | "merge" | "strategic" | "apply";

/** Map a request `Content-Type` to a {@link PatchType}, or undefined if unsupported. */
export function patchTypeOf(contentType: string | null): PatchType | undefined {
  const ct = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  switch (ct) {
    case "application/json-patch+json":
      return "json";
    case "application/merge-patch+json":
      return "merge";
    case "application/strategic-merge-patch+json":
      return "strategic";
    case "application/apply-patch+yaml":
    case "application/apply-patch+json":
      return "apply";
    default:
      return undefined;
  }
}

/** Apply a patch of the given type (server-side apply is approximated as a strategic merge). */
export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case "json":
      return applyJsonPatch(target, patch);
    case "merge":
      return applyMergePatch(clone(target), patch);
    case "strategic":
    case "apply":
      return applyStrategicMergePatch(clone(target), patch);
  }
}
