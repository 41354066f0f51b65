/**
 * Field sets in the `FieldsV1` form of `metadata.managedFields`: `f:<name>`
 * for fields and map keys, `k:{...}` for items of lists merged by keys,
 * `v:<json>` for items of sets, `.` for a node that is itself owned. The
 * structured-merge-diff operations server-side apply needs: union,
 * difference, intersection, and the paths of an object.
 *
 * @module
 */
import type { FieldMergeInfo, MergeInfo } from "../../resources/merge.ts";
import { listTypeOf } from "./merge-tables.ts";

/** A node of a field set. */
export class FieldSet {
  /** Whether the path of this node itself is in the set. */
  self = false;
  readonly children: Map<string, FieldSet> = new Map();

  /** The child for `key`, created when missing. */
  child(key: string): FieldSet {
    let c = this.children.get(key);
    if (!c) {
      c = new FieldSet();
      this.children.set(key, c);
    }
    return c;
  }

  /** Whether the set is empty. */
  get empty(): boolean {
    if (this.self) return false;
    for (const c of this.children.values()) if (!c.empty) return false;
    return true;
  }

  /** A deep copy. */
  clone(): FieldSet {
    const out = new FieldSet();
    out.self = this.self;
    for (const [k, c] of this.children) out.children.set(k, c.clone());
    return out;
  }

  /** This ∪ other (a new set). */
  union(other: FieldSet): FieldSet {
    const out = this.clone();
    out.#addAll(other);
    return out;
  }

  #addAll(other: FieldSet): void {
    if (other.self) this.self = true;
    for (const [k, c] of other.children) this.child(k).#addAll(c);
  }

  /** This minus the paths in `other` (a new set; a node's children stay unless listed). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.self = this.self && !other.self;
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      const d = o ? c.difference(o) : c.clone();
      if (!d.empty) out.children.set(k, d);
    }
    return out;
  }

  /** This ∩ other (a new set). */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.self = this.self && other.self;
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.empty) out.children.set(k, i);
    }
    return out;
  }

  /** Every path in the set, as lists of keys (pre-order). */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    if (this.self) out.push(prefix);
    for (const [k, c] of [...this.children].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push(...c.paths([...prefix, k]));
    }
    return out;
  }

  /** Whether `path` is in the set. */
  has(path: string[]): boolean {
    let cur: FieldSet | undefined = this;
    for (const k of path) {
      cur = cur.children.get(k);
      if (!cur) return false;
    }
    return cur.self;
  }

  /** Add `path`. */
  insert(path: string[]): void {
    let cur: FieldSet = this;
    for (const k of path) cur = cur.child(k);
    cur.self = true;
  }

  /** The `FieldsV1` JSON. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.self && this.children.size > 0) out["."] = {};
    for (const [k, c] of [...this.children].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!c.empty) out[k] = c.toJSON();
    }
    return out;
  }

  /** Read `FieldsV1` JSON. */
  static fromJSON(json: unknown): FieldSet {
    const out = new FieldSet();
    if (!json || typeof json !== "object") return out;
    const entries = Object.entries(json as Record<string, unknown>);
    for (const [k, v] of entries) {
      if (k === ".") {
        out.self = true;
        continue;
      }
      const c = FieldSet.fromJSON(v);
      // a key with no children of its own is a leaf: its path is in the set
      if (!v || typeof v !== "object" || Object.keys(v as object).length === 0) c.self = true;
      out.children.set(k, c);
    }
    return out;
  }
}

type Json = unknown;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** JSON with sorted keys, as Go marshals a key's fields. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** The `k:{...}` key of a list item identified by `keys`. */
export function itemKey(item: Record<string, unknown>, keys: readonly string[]): string {
  const picked: Record<string, unknown> = {};
  for (const k of keys) if (item[k] !== undefined) picked[k] = item[k];
  return `k:${canonical(picked)}`;
}

/** The `v:<json>` key of a set item. */
export function valueKey(v: unknown): string {
  return `v:${canonical(v)}`;
}

/** Fields the API server never tracks (server-set, or the object's identity). */
export const STRIPPED = new Set([
  "apiVersion",
  "kind",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "metadata.resourceVersion",
  "metadata.generation",
  "metadata.creationTimestamp",
  "metadata.selfLink",
  "metadata.managedFields",
  "metadata.deletionTimestamp",
  "metadata.deletionGracePeriodSeconds",
  "metadata.clusterName",
]);

/** Map-valued field names whose keys are data, not schema (when the merge info does not say). */
const MAP_NAMES = new Set([
  "labels",
  "annotations",
  "data",
  "binaryData",
  "stringData",
  "matchLabels",
  "nodeSelector",
  "limits",
  "requests",
]);

/** Walks objects with a kind's merge info. */
export class Walker {
  readonly #info: MergeInfo;
  /** Lists that always exist (non-optional in the Go types): never "added" with their own node. */
  readonly #required = new Set(["spec.containers", "spec.template.spec.containers"]);

  constructor(info: MergeInfo) {
    this.#info = info;
  }

  field(path: string): FieldMergeInfo | undefined {
    return this.#info.fields[path];
  }

  #isMap(path: string, name: string): boolean {
    const f = this.field(path);
    if (f?.map !== undefined) return f.map;
    return MAP_NAMES.has(name);
  }

  #childPath(path: string, key: string, parentIsMap: boolean): string {
    if (parentIsMap) return `${path}.*`;
    return path ? `${path}.${key}` : key;
  }

  /**
   * The set of an apply configuration: its leaves (scalars, empty objects,
   * atomic lists and maps) and its list items.
   */
  applySet(v: Json, path = "", into = new FieldSet()): FieldSet {
    this.#apply(v, path, "", into);
    return into;
  }

  #apply(v: Json, path: string, name: string, node: FieldSet): void {
    if (Array.isArray(v)) {
      const lt = listTypeOf(this.field(path));
      if (lt.type === "atomic") {
        node.self = true;
        return;
      }
      for (const item of v) {
        if (lt.type === "set" || !isObject(item)) {
          node.child(valueKey(item)).self = true;
          continue;
        }
        const c = node.child(itemKey(item, lt.keys));
        c.self = true;
        this.#applyObject(item, path, c, false);
      }
      return;
    }
    if (isObject(v)) {
      const f = this.field(path);
      if (f?.mapType === "atomic" || Object.keys(v).length === 0) {
        node.self = true;
        return;
      }
      this.#applyObject(v, path, node, path !== "" && this.#isMap(path, name));
      return;
    }
    node.self = true;
  }

  #applyObject(v: Record<string, unknown>, path: string, node: FieldSet, isMap: boolean): void {
    for (const [k, x] of Object.entries(v)) {
      const p = this.#childPath(path, k, isMap);
      if (!isMap && STRIPPED.has(p)) continue;
      if (path === "" && k === "metadata" && isObject(x)) {
        this.#applyObject(x, "metadata", node.child("f:metadata"), false);
        continue;
      }
      this.#apply(x, p, k, node.child(`f:${k}`));
    }
  }

  /**
   * What changed from `old` to `now`, as an Update manager comes to own it:
   * added and modified leaves, with `.` on added maps, lists and list items.
   * `removed` collects the paths that went away.
   */
  changed(old: Json, now: Json, removed: FieldSet, path = "", name = ""): FieldSet {
    const node = new FieldSet();
    this.#changed(old, now, path, name, node, removed);
    return node;
  }

  #changed(
    old: Json,
    now: Json,
    path: string,
    name: string,
    node: FieldSet,
    removed: FieldSet,
  ): void {
    if (old === undefined) {
      this.#added(now, path, name, node);
      return;
    }
    if (Array.isArray(now) && Array.isArray(old)) {
      const lt = listTypeOf(this.field(path));
      if (lt.type === "atomic") {
        if (canonical(old) !== canonical(now)) node.self = true;
        return;
      }
      const oldItems = new Map<string, unknown>();
      for (const item of old)
        oldItems.set(
          lt.type === "set" || !isObject(item) ? valueKey(item) : itemKey(item, lt.keys),
          item,
        );
      const seen = new Set<string>();
      for (const item of now) {
        const key = lt.type === "set" || !isObject(item) ? valueKey(item) : itemKey(item, lt.keys);
        seen.add(key);
        const before = oldItems.get(key);
        const c = new FieldSet();
        if (before === undefined) {
          c.self = true;
          if (isObject(item) && lt.type === "map") this.#addedObject(item, path, c, false);
        } else if (isObject(item) && isObject(before) && lt.type === "map") {
          const r = removed.child(key);
          this.#changedObject(before, item, path, c, r, false);
        }
        if (!c.empty) node.children.set(key, c);
      }
      for (const key of oldItems.keys()) if (!seen.has(key)) removed.child(key).self = true;
      return;
    }
    if (isObject(now) && isObject(old)) {
      const f = this.field(path);
      if (f?.mapType === "atomic") {
        if (canonical(old) !== canonical(now)) node.self = true;
        return;
      }
      this.#changedObject(old, now, path, node, removed, path !== "" && this.#isMap(path, name));
      return;
    }
    if (canonical(old) !== canonical(now)) {
      node.self = true;
      if (isObject(now) || Array.isArray(now)) this.#added(now, path, name, node);
    }
  }

  #changedObject(
    old: Record<string, unknown>,
    now: Record<string, unknown>,
    path: string,
    node: FieldSet,
    removed: FieldSet,
    isMap: boolean,
  ): void {
    for (const [k, x] of Object.entries(now)) {
      const p = this.#childPath(path, k, isMap);
      if (!isMap && STRIPPED.has(p)) continue;
      const before = old[k];
      // a subtree that serializes the same did not change (the common case: skip the walk)
      if (
        before !== undefined &&
        typeof x === "object" &&
        x !== null &&
        JSON.stringify(before) === JSON.stringify(x)
      )
        continue;
      const c = new FieldSet();
      const r = new FieldSet();
      this.#changed(before, x, p, k, c, r);
      if (!c.empty) node.children.set(`f:${k}`, c);
      if (!r.empty) removed.children.set(`f:${k}`, r);
    }
    for (const k of Object.keys(old)) {
      if (k in now) continue;
      const p = this.#childPath(path, k, isMap);
      if (!isMap && STRIPPED.has(p)) continue;
      removed.child(`f:${k}`).self = true;
    }
  }

  #added(v: Json, path: string, name: string, node: FieldSet): void {
    if (Array.isArray(v)) {
      const lt = listTypeOf(this.field(path));
      if (lt.type === "atomic" || v.length === 0) {
        node.self = true;
        return;
      }
      if (!this.#required.has(path)) node.self = true;
      for (const item of v) {
        if (lt.type === "set" || !isObject(item)) {
          node.child(valueKey(item)).self = true;
          continue;
        }
        const c = node.child(itemKey(item, lt.keys));
        c.self = true;
        this.#addedObject(item, path, c, false);
      }
      return;
    }
    if (isObject(v)) {
      const f = this.field(path);
      const keys = Object.keys(v);
      if (f?.mapType === "atomic" || keys.length === 0) {
        node.self = true;
        return;
      }
      const isMap = path !== "" && this.#isMap(path, name);
      if (isMap) node.self = true;
      this.#addedObject(v, path, node, isMap);
      return;
    }
    node.self = true;
  }

  #addedObject(v: Record<string, unknown>, path: string, node: FieldSet, isMap: boolean): void {
    for (const [k, x] of Object.entries(v)) {
      const p = this.#childPath(path, k, isMap);
      if (!isMap && STRIPPED.has(p)) continue;
      this.#added(x, p, k, node.child(`f:${k}`));
    }
  }
}

/** A field path as structured-merge-diff prints it: `.spec.containers[name="c"].image`. */
export function pathString(path: string[]): string {
  let out = "";
  for (const k of path) {
    if (k.startsWith("f:")) out += `.${k.slice(2)}`;
    else if (k.startsWith("k:")) {
      const obj = JSON.parse(k.slice(2)) as Record<string, unknown>;
      out += `[${Object.entries(obj)
        .map(([a, b]) => `${a}=${JSON.stringify(b)}`)
        .join(",")}]`;
    } else if (k.startsWith("v:")) out += `[=${k.slice(2)}]`;
    else if (k.startsWith("i:")) out += `[${k.slice(2)}]`;
  }
  return out;
}
