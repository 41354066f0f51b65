/**
 * Server-side apply and field ownership (`metadata.managedFields`), as the
 * API server's field manager (structured-merge-diff) does them: every write
 * records what its manager changed; an apply merges the configuration by the
 * kind's list types, refuses to change fields other managers own (409 with a
 * cause per field) unless forced, and removes fields its manager stopped
 * applying that nobody else owns.
 *
 * @module
 */
import type { KubernetesObject, ManagedFieldsEntry } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import { FieldSet, itemKey, pathString, STRIPPED, valueKey, Walker } from "./fieldset.ts";
import { listTypeOf, mergeInfoFor } from "./merge-tables.ts";
import { StatusError } from "./status.ts";
import type { FieldTracker, Writer } from "./store.ts";

interface Entry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  set: FieldSet;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function readEntries(obj: KubernetesObject | undefined): Entry[] {
  const raw = obj?.metadata.managedFields ?? [];
  return raw
    .filter((e) => e.manager !== undefined && (e.operation === "Apply" || e.operation === "Update"))
    .map((e) => ({
      manager: String(e.manager),
      operation: e.operation as "Apply" | "Update",
      apiVersion: String(e.apiVersion ?? ""),
      time: String(e.time ?? ""),
      set: FieldSet.fromJSON((e as { fieldsV1?: unknown }).fieldsV1),
    }));
}

/** `managedFields` as the API server writes them: Apply entries first, then by time and manager. */
function writeEntries(entries: Entry[]): ManagedFieldsEntry[] {
  return entries
    .filter((e) => !e.set.empty)
    .sort((a, b) => {
      if (a.operation !== b.operation) return a.operation === "Apply" ? -1 : 1;
      if (a.time !== b.time) return a.time < b.time ? -1 : 1;
      return a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0;
    })
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: "FieldsV1",
      fieldsV1: e.set.toJSON(),
    }));
}

function findEntry(
  entries: Entry[],
  manager: string,
  operation: "Apply" | "Update",
): Entry | undefined {
  return entries.find((e) => e.manager === manager && e.operation === operation);
}

/** Records Update managers' changes on every write (the store calls it). */
export class ManagedFieldsTracker implements FieldTracker {
  track(
    type: ResourceType,
    old: KubernetesObject | undefined,
    obj: KubernetesObject,
    writer: Writer | undefined,
    now: string,
  ): KubernetesObject {
    if (!writer) return obj;
    if (writer.operation === "Apply" && writer.managedFields) {
      return { ...obj, metadata: { ...obj.metadata, managedFields: writer.managedFields } };
    }
    const walker = new Walker(mergeInfoFor(type));
    // managed fields the request carries (when they differ from the live ones) are the new base;
    // a single empty entry resets them
    const sent = obj.metadata.managedFields;
    const reset =
      Array.isArray(sent) && sent.length === 1 && Object.keys(sent[0] ?? {}).length === 0;
    const override =
      Array.isArray(sent) &&
      sent.length > 0 &&
      JSON.stringify(sent) !== JSON.stringify(old?.metadata.managedFields);
    const entries = reset ? [] : override ? readEntries(obj) : readEntries(old);
    const removed = new FieldSet();
    const changed = walker.changed(old ?? {}, obj, removed);
    if (old && !override && !reset && changed.empty && removed.empty) {
      // nothing changed hands: the live managed fields stay as they are
      return { ...obj, metadata: { ...obj.metadata, managedFields: old.metadata.managedFields } };
    }
    for (const e of entries) e.set = e.set.difference(changed).difference(removed);
    if (!changed.empty) {
      let mine = findEntry(entries, writer.manager, "Update");
      if (!mine) {
        mine = {
          manager: writer.manager,
          operation: "Update",
          apiVersion: type.apiVersion,
          time: now,
          set: new FieldSet(),
        };
        entries.push(mine);
      }
      mine.set = mine.set.union(changed);
      mine.time = now;
      mine.apiVersion = type.apiVersion;
    }
    return { ...obj, metadata: { ...obj.metadata, managedFields: writeEntries(entries) } };
  }
}

/** Merge an apply configuration into the live object by the kind's list types. */
function mergeValue(walker: Walker, live: unknown, config: unknown, path: string): unknown {
  if (Array.isArray(config)) {
    const lt = listTypeOf(walker.field(path));
    if (lt.type === "atomic" || !Array.isArray(live)) return structuredClone(config);
    if (lt.type === "set") {
      const out = [...live];
      const seen = new Set(live.map((x) => valueKey(x)));
      for (const x of config) if (!seen.has(valueKey(x))) out.push(structuredClone(x));
      return out;
    }
    const out: unknown[] = live.map((x) => structuredClone(x));
    const index = new Map<string, number>();
    out.forEach((x, i) => {
      if (isObject(x)) index.set(itemKey(x, lt.keys), i);
    });
    for (const x of config) {
      if (!isObject(x)) continue;
      const i = index.get(itemKey(x, lt.keys));
      if (i === undefined) out.push(structuredClone(x));
      else out[i] = mergeObject(walker, out[i] as Record<string, unknown>, x, path, false);
    }
    return out;
  }
  if (isObject(config)) {
    const f = walker.field(path);
    if (f?.mapType === "atomic" || !isObject(live)) return structuredClone(config);
    return mergeObject(walker, live, config, path, f?.map === true);
  }
  return config;
}

function mergeObject(
  walker: Walker,
  live: Record<string, unknown>,
  config: Record<string, unknown>,
  path: string,
  isMap: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...live };
  for (const [k, v] of Object.entries(config)) {
    const p = isMap ? `${path}.*` : path ? `${path}.${k}` : k;
    if (!isMap && STRIPPED.has(p)) continue;
    out[k] = mergeValue(walker, live[k], v, p);
  }
  return out;
}

/** Remove the paths of `set` from `obj` (fields, keyed items, set items); drop parents they emptied. */
function removePaths(walker: Walker, obj: unknown, set: FieldSet, path: string): unknown {
  if (Array.isArray(obj)) {
    const lt = listTypeOf(walker.field(path));
    const out: unknown[] = [];
    for (const item of obj) {
      const key = lt.type === "set" || !isObject(item) ? valueKey(item) : itemKey(item, lt.keys);
      const node = set.children.get(key);
      if (node?.self) continue;
      out.push(node && isObject(item) ? removeFields(walker, item, node, path, false) : item);
    }
    return out;
  }
  if (isObject(obj)) return removeFields(walker, obj, set, path, walker.field(path)?.map === true);
  return obj;
}

function removeFields(
  walker: Walker,
  obj: Record<string, unknown>,
  set: FieldSet,
  path: string,
  isMap: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  for (const [key, node] of set.children) {
    if (!key.startsWith("f:")) continue;
    const k = key.slice(2);
    if (!(k in out)) continue;
    if (node.self) {
      delete out[k];
      continue;
    }
    const p = isMap ? `${path}.*` : path ? `${path}.${k}` : k;
    const next = removePaths(walker, out[k], node, p);
    const emptied =
      isObject(next) &&
      Object.keys(next).length === 0 &&
      isObject(out[k]) &&
      Object.keys(out[k] as object).length > 0;
    if (emptied) delete out[k];
    else out[k] = next;
  }
  return out;
}

/** The result of {@link serverSideApply}. */
export interface ApplyResult {
  /** The object to store (before defaulting), or undefined when nothing changes. */
  object: KubernetesObject | undefined;
  /** Its `managedFields`. */
  managedFields: ManagedFieldsEntry[];
}

/**
 * Apply `config` for `manager` to `live` (undefined: the apply creates the
 * object). Throws 409 `Conflict` when it would change fields other managers
 * own, unless `force`.
 */
export function serverSideApply(
  type: ResourceType,
  live: KubernetesObject | undefined,
  config: KubernetesObject,
  manager: string,
  force: boolean,
  now: string,
): ApplyResult {
  const walker = new Walker(mergeInfoFor(type));
  const entries = readEntries(live);
  const configSet = walker.applySet(config);
  const base = live ?? ({ metadata: {} } as KubernetesObject);
  let merged = mergeValue(walker, base, config, "") as KubernetesObject;
  // conflicts: fields this apply would change that another manager owns
  const removedSink = new FieldSet();
  const delta = walker.changed(base, merged, removedSink);
  const conflicts: { manager: string; via: string; path: string[] }[] = [];
  for (const e of entries) {
    if (e.manager === manager && e.operation === "Apply") continue;
    for (const p of e.set.intersection(delta).paths()) {
      conflicts.push({
        manager: e.manager,
        via: e.operation === "Update" ? ` using ${e.apiVersion}` : "",
        path: p,
      });
    }
  }
  if (conflicts.length > 0) {
    if (!force) throw conflictError(conflicts);
    for (const e of entries) {
      if (e.manager === manager && e.operation === "Apply") continue;
      e.set = e.set.difference(delta);
    }
  }
  // the manager now owns what it applied; fields it stopped applying that nobody else owns go
  const mine = findEntry(entries, manager, "Apply");
  const last = mine?.set ?? new FieldSet();
  let others = new FieldSet();
  for (const e of entries)
    if (!(e.manager === manager && e.operation === "Apply")) others = others.union(e.set);
  const prune = last.difference(configSet).difference(others);
  if (!prune.empty) merged = removePaths(walker, merged, prune, "") as KubernetesObject;
  const lastJson = JSON.stringify(last.toJSON());
  if (mine) {
    mine.set = configSet;
    mine.time = now;
    mine.apiVersion = type.apiVersion;
  } else {
    entries.push({
      manager,
      operation: "Apply",
      apiVersion: type.apiVersion,
      time: now,
      set: configSet,
    });
  }
  // fields that went away belong to nobody (only pruning removes fields)
  if (!prune.empty) {
    const removed = new FieldSet();
    walker.changed(base, merged, removed);
    for (const e of entries)
      if (!(e.manager === manager && e.operation === "Apply")) e.set = e.set.difference(removed);
  }
  const unchanged =
    live !== undefined &&
    delta.empty &&
    prune.empty &&
    conflicts.length === 0 &&
    lastJson === JSON.stringify(configSet.toJSON()) &&
    mine !== undefined;
  if (unchanged) return { object: undefined, managedFields: live?.metadata.managedFields ?? [] };
  return { object: merged, managedFields: writeEntries(entries) };
}

function conflictError(conflicts: { manager: string; via: string; path: string[] }[]): StatusError {
  const who = (c: { manager: string; via: string }): string =>
    `${JSON.stringify(c.manager)}${c.via}`;
  let detail: string;
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    detail = `conflict with ${who(c)}: ${pathString(c.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts)
      byManager.set(who(c), [...(byManager.get(who(c)) ?? []), pathString(c.path)]);
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${m}:`);
      for (const p of byManager.get(m)!) lines.push(`- ${p}`);
    }
    detail = `\n${lines.join("\n")}`;
  }
  return new StatusError(
    409,
    `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? "" : "s"}: ${detail}`,
    {
      reason: "Conflict",
      details: {
        causes: conflicts.map((c) => ({
          reason: "FieldManagerConflict",
          message: `conflict with ${who(c)}`,
          field: pathString(c.path),
        })),
      },
    },
  );
}
