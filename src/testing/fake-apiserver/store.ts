/**
 * The fake API server's storage: objects per resource type, one global
 * resource version counter, and a bounded history of change events used for
 * watch replay, consistent list snapshots and continue tokens.
 *
 * Stored objects are never mutated: every write stores a new object, so the
 * same object may be shared by the table, the history and queued watch events.
 *
 * @module
 */
import type { KubernetesObject, StatusCause } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import type { Clock } from "../../util/clock.ts";
import type { ParsedFieldSelector, ParsedLabelSelector } from "../../util/selector.ts";
import { invalid, notFound, StatusError } from "./status.ts";

/** Type of a stored change event. */
export type StoreEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change, as kept in the history. */
export interface StoreEvent {
  /** The global resource version of this change. */
  readonly rv: number;
  readonly type: StoreEventType;
  /** Registry key of the resource type (`group/plural`). */
  readonly typeKey: string;
  /** Object key (`namespace/name` or `name`). */
  readonly key: string;
  /** The object after the change (for DELETED: its final state, at `rv`). */
  readonly object: KubernetesObject;
  /** The object before the change (undefined for ADDED). */
  readonly prev: KubernetesObject | undefined;
  /** Serialized lines, cached per variant so watchers share the bytes. */
  cache?: Map<string, Uint8Array>;
}

/** The registry key of a resource type. */
export function typeKeyOf(type: { group: string; plural: string }): string {
  return `${type.group}/${type.plural}`;
}

/** The object key of a namespace and name. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

interface Table {
  type: ResourceType;
  objects: Map<string, KubernetesObject>;
  sorted: string[] | undefined;
}

/** Options for {@link ObjectStore.list}. */
export interface StoreListOptions {
  namespace?: string | undefined;
  labelSelector?: ParsedLabelSelector | undefined;
  fieldSelector?: ParsedFieldSelector | undefined;
  /** Snapshot resource version; undefined = now. */
  atRv?: number | undefined;
  /** Start after this key (continue). */
  after?: string | undefined;
  limit?: number | undefined;
}

/** Result of {@link ObjectStore.list}. */
export interface StoreListResult {
  items: KubernetesObject[];
  rv: number;
  /** Key of the last item when more remain. */
  nextAfter: string | undefined;
  remaining: number;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const LABEL_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789";

function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function withoutMetaAndStatus(obj: KubernetesObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

function bisectAfter(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * In-memory object storage with history. Every method is synchronous and
 * throws {@link StatusError} on failure.
 */
export class ObjectStore {
  #rv = 1;
  #compactedRv = 0;
  readonly #tables = new Map<string, Table>();
  #history: StoreEvent[] = [];
  #historyHead = 0;
  readonly #historyLimit: number;
  readonly #clock: Clock;
  readonly #listeners = new Set<(ev: StoreEvent) => void>();
  readonly #random: () => number;
  readonly #validateByDefault: boolean;
  readonly #requireNamespaces: boolean;

  constructor(options: {
    clock: Clock;
    historyLimit: number;
    random?: () => number;
    validate?: boolean;
    requireNamespaces?: boolean;
  }) {
    this.#clock = options.clock;
    this.#validateByDefault = options.validate ?? true;
    this.#requireNamespaces = options.requireNamespaces ?? false;
    this.#historyLimit = Math.max(0, options.historyLimit);
    this.#random = options.random ?? Math.random;
  }

  /** The current global resource version. */
  get rv(): number {
    return this.#rv;
  }

  /** Resource versions at or below this cannot be replayed or listed at. */
  get compactedRv(): number {
    return this.#compactedRv;
  }

  /** Register a resource type (idempotent; re-registering replaces the type definition). */
  register(type: ResourceType): void {
    const key = typeKeyOf(type);
    const existing = this.#tables.get(key);
    if (existing) existing.type = type;
    else this.#tables.set(key, { type, objects: new Map(), sorted: undefined });
  }

  /** Registered resource types. */
  types(): ResourceType[] {
    return [...this.#tables.values()].map((t) => t.type);
  }

  /** Find a registered type by group and plural. */
  findType(group: string, plural: string): ResourceType | undefined {
    return this.#tables.get(`${group}/${plural}`)?.type;
  }

  /** Subscribe to every committed change. Returns an unsubscribe function. */
  subscribe(listener: (ev: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Number of stored objects (all types). */
  size(): number {
    let n = 0;
    for (const t of this.#tables.values()) n += t.objects.size;
    return n;
  }

  #table(type: ResourceType): Table {
    const t = this.#tables.get(typeKeyOf(type));
    if (!t) {
      throw new StatusError(
        404,
        `the server could not find the requested resource (${type.plural})`,
        {
          reason: "NotFound",
          details: { group: type.group, kind: type.plural },
        },
      );
    }
    return t;
  }

  /** Current object or undefined. The returned object must not be mutated. */
  peek(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): KubernetesObject | undefined {
    const t = this.#table(type);
    return t.objects.get(keyOf(type.namespaced ? namespace : undefined, name));
  }

  /** Current object, or 404. The returned object must not be mutated. */
  get(type: ResourceType, namespace: string | undefined, name: string): KubernetesObject {
    const obj = this.peek(type, namespace, name);
    if (!obj) throw notFound(type.group, type.plural, name);
    return obj;
  }

  #checkMeta(type: ResourceType, obj: KubernetesObject, name: string): void {
    const causes: StatusCause[] = [];
    if (name.length > 253 || !NAME_RE.test(name)) {
      causes.push({
        reason: "FieldValueInvalid",
        field: "metadata.name",
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      });
    }
    const ns = obj.metadata.namespace;
    if (type.namespaced) {
      if (!ns) {
        causes.push({
          reason: "FieldValueRequired",
          field: "metadata.namespace",
          message: "Required value",
        });
      } else if (ns.length > 63 || !LABEL_NAME_RE.test(ns)) {
        causes.push({
          reason: "FieldValueInvalid",
          field: "metadata.namespace",
          message: `Invalid value: "${ns}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
        });
      }
    }
    if (causes.length) throw invalid(type.kind, type.group, name, causes);
  }

  #validate(type: ResourceType, obj: KubernetesObject, name: string): void {
    const result = type.schema.safeParse(obj);
    if (!result.success) {
      const causes: StatusCause[] = result.error.issues.slice(0, 10).map((issue) => ({
        reason: "FieldValueInvalid",
        field: issue.path.map(String).join("."),
        message: issue.message,
      }));
      throw invalid(type.kind, type.group, name, causes);
    }
  }

  #generateName(t: Table, prefix: string, namespace: string | undefined): string {
    for (let attempt = 0; attempt < 20; attempt++) {
      let suffix = "";
      for (let i = 0; i < 5; i++) {
        suffix += GENERATE_CHARS[Math.floor(this.#random() * GENERATE_CHARS.length)];
      }
      const name = `${prefix}${suffix}`;
      if (!t.objects.has(keyOf(namespace, name))) return name;
    }
    throw new StatusError(500, "could not generate a unique name", { reason: "InternalError" });
  }

  /**
   * Create an object. Fills `uid`, `creationTimestamp`, `resourceVersion`,
   * `generation`, `apiVersion`/`kind`; resolves `generateName`.
   * `validate: false` skips the schema check (for serving invalid objects).
   */
  create(
    type: ResourceType,
    input: KubernetesObject,
    opts: { validate?: boolean } = {},
  ): KubernetesObject {
    const t = this.#table(type);
    if (
      !input ||
      typeof input !== "object" ||
      !input.metadata ||
      typeof input.metadata !== "object"
    ) {
      throw invalid(type.kind, type.group, "", [
        { reason: "FieldValueRequired", field: "metadata", message: "Required value" },
      ]);
    }
    const meta = { ...input.metadata };
    const namespace = type.namespaced ? meta.namespace : undefined;
    if (!type.namespaced) delete meta.namespace;
    let name = meta.name;
    if (!name) {
      if (meta.generateName) {
        name = this.#generateName(t, meta.generateName, namespace);
      } else {
        throw invalid(type.kind, type.group, "", [
          {
            reason: "FieldValueRequired",
            field: "metadata.name",
            message: "Required value: name or generateName is required",
          },
        ]);
      }
    }
    meta.name = name;
    const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = input;
    const obj: KubernetesObject = {
      apiVersion: type.apiVersion,
      kind: type.kind,
      metadata: meta,
      ...rest,
    };
    this.#checkMeta(type, obj, name);
    const key = keyOf(namespace, name);
    if (this.#requireNamespaces && type.namespaced && namespace) {
      const ns = this.#tables.get("/namespaces")?.objects.get(namespace);
      if (!ns) throw notFound("", "namespaces", namespace);
      if (ns.metadata.deletionTimestamp) {
        throw new StatusError(
          403,
          `${type.plural} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
          { reason: "Forbidden", details: { name, group: type.group, kind: type.plural } },
        );
      }
    }
    if (t.objects.has(key)) {
      const what = type.group ? `${type.plural}.${type.group}` : type.plural;
      throw new StatusError(409, `${what} "${name}" already exists`, {
        reason: "AlreadyExists",
        details: { name, group: type.group, kind: type.plural },
      });
    }
    meta.uid = crypto.randomUUID();
    meta.creationTimestamp = timestamp(this.#clock.now());
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (opts.validate ?? this.#validateByDefault) this.#validate(type, obj, name);
    return this.#commit(t, key, "ADDED", obj, undefined);
  }

  /**
   * Replace an object. With `metadata.resourceVersion` set, it must match the
   * stored one (409 Conflict otherwise). `subresource: "status"` changes only
   * `status`; a main update keeps the stored `status`.
   */
  update(
    type: ResourceType,
    input: KubernetesObject,
    opts: { subresource?: "status" | undefined; validate?: boolean } = {},
  ): KubernetesObject {
    const t = this.#table(type);
    const name = input?.metadata?.name;
    if (!name) {
      throw invalid(type.kind, type.group, "", [
        {
          reason: "FieldValueRequired",
          field: "metadata.name",
          message: "Required value: name is required",
        },
      ]);
    }
    const namespace = type.namespaced ? input.metadata.namespace : undefined;
    if (type.namespaced && !namespace) {
      throw invalid(type.kind, type.group, name, [
        { reason: "FieldValueRequired", field: "metadata.namespace", message: "Required value" },
      ]);
    }
    const key = keyOf(namespace, name);
    const old = t.objects.get(key);
    if (!old) throw notFound(type.group, type.plural, name);
    const rv = input.metadata.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== old.metadata.resourceVersion) {
      const what = type.group ? `${type.plural}.${type.group}` : type.plural;
      throw new StatusError(
        409,
        `Operation cannot be fulfilled on ${what} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { reason: "Conflict", details: { name, group: type.group, kind: type.plural } },
      );
    }
    if (input.metadata.uid && input.metadata.uid !== old.metadata.uid) {
      throw new StatusError(
        409,
        `Precondition failed: UID in precondition: ${old.metadata.uid}, UID in object meta: ${input.metadata.uid}`,
        { reason: "Conflict", details: { name, group: type.group, kind: type.plural } },
      );
    }
    let obj: KubernetesObject;
    if (opts.subresource === "status") {
      obj = { ...old, metadata: { ...old.metadata } };
      if (input.status === undefined) delete obj.status;
      else obj.status = input.status;
    } else {
      const meta = { ...input.metadata };
      if (!type.namespaced) delete meta.namespace;
      meta.uid = old.metadata.uid;
      meta.creationTimestamp = old.metadata.creationTimestamp;
      meta.generation = old.metadata.generation;
      if (old.metadata.deletionTimestamp) {
        meta.deletionTimestamp = old.metadata.deletionTimestamp;
        meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
      } else {
        delete meta.deletionTimestamp;
        delete meta.deletionGracePeriodSeconds;
      }
      const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = input;
      obj = { apiVersion: type.apiVersion, kind: type.kind, metadata: meta, ...rest };
      if (old.status === undefined) delete obj.status;
      else obj.status = old.status;
      if (withoutMetaAndStatus(obj) !== withoutMetaAndStatus(old)) {
        meta.generation = (old.metadata.generation ?? 0) + 1;
      }
    }
    if (opts.validate ?? this.#validateByDefault) this.#validate(type, obj, name);
    // No-op updates do not bump the resource version (as the API server).
    const { resourceVersion: _a, ...newMeta } = obj.metadata;
    const { resourceVersion: _b, ...oldMeta } = old.metadata;
    if (
      JSON.stringify({ ...obj, metadata: newMeta }) ===
      JSON.stringify({ ...old, metadata: oldMeta })
    ) {
      return old;
    }
    if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0) {
      return this.#commit(t, key, "DELETED", obj, old);
    }
    return this.#commit(t, key, "MODIFIED", obj, old);
  }

  /**
   * Delete an object. With finalizers it only gets a `deletionTimestamp`
   * (a MODIFIED event); it goes once its finalizers are emptied.
   * Returns the deleted (or now terminating) object.
   */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    preconditions: { uid?: string | undefined; resourceVersion?: string | undefined } = {},
  ): { object: KubernetesObject; deleted: boolean } {
    const t = this.#table(type);
    const key = keyOf(type.namespaced ? namespace : undefined, name);
    const old = t.objects.get(key);
    if (!old) throw notFound(type.group, type.plural, name);
    const what = type.group ? `${type.plural}.${type.group}` : type.plural;
    if (preconditions.uid && preconditions.uid !== old.metadata.uid) {
      throw new StatusError(
        409,
        `Operation cannot be fulfilled on ${what} "${name}": Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${old.metadata.uid}`,
        { reason: "Conflict", details: { name, group: type.group, kind: type.plural } },
      );
    }
    if (
      preconditions.resourceVersion &&
      preconditions.resourceVersion !== old.metadata.resourceVersion
    ) {
      throw new StatusError(
        409,
        `Operation cannot be fulfilled on ${what} "${name}": Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
        { reason: "Conflict", details: { name, group: type.group, kind: type.plural } },
      );
    }
    if ((old.metadata.finalizers ?? []).length > 0) {
      if (old.metadata.deletionTimestamp) return { object: old, deleted: false };
      const obj = {
        ...old,
        metadata: {
          ...old.metadata,
          deletionTimestamp: timestamp(this.#clock.now()),
          deletionGracePeriodSeconds: 0,
        },
      };
      return { object: this.#commit(t, key, "MODIFIED", obj, old), deleted: false };
    }
    return { object: this.#commit(t, key, "DELETED", old, old), deleted: true };
  }

  #commit(
    t: Table,
    key: string,
    type: StoreEventType,
    obj: KubernetesObject,
    prev: KubernetesObject | undefined,
  ): KubernetesObject {
    const rv = ++this.#rv;
    const stored: KubernetesObject = {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(rv) },
    };
    if (type === "DELETED") {
      t.objects.delete(key);
      t.sorted = undefined;
    } else {
      if (!t.objects.has(key)) t.sorted = undefined;
      t.objects.set(key, stored);
    }
    const ev: StoreEvent = { rv, type, typeKey: typeKeyOf(t.type), key, object: stored, prev };
    this.#pushHistory(ev);
    for (const l of this.#listeners) l(ev);
    return stored;
  }

  #pushHistory(ev: StoreEvent): void {
    if (this.#historyLimit === 0) {
      this.#compactedRv = ev.rv;
      return;
    }
    this.#history.push(ev);
    while (this.#history.length - this.#historyHead > this.#historyLimit) {
      this.#compactedRv = this.#history[this.#historyHead]!.rv;
      this.#history[this.#historyHead] = undefined as unknown as StoreEvent;
      this.#historyHead++;
    }
    if (this.#historyHead > 1024 && this.#historyHead * 2 > this.#history.length) {
      this.#history = this.#history.slice(this.#historyHead);
      this.#historyHead = 0;
    }
  }

  /**
   * Drop all history: every resource version handed out so far becomes too
   * old (410). The counter moves on by one so that a fresh list gets a
   * resource version that is still valid.
   */
  compact(): void {
    this.#history = [];
    this.#historyHead = 0;
    this.#rv++;
    this.#compactedRv = this.#rv;
  }

  /** Number of events kept in the history window. */
  historySize(): number {
    return this.#history.length - this.#historyHead;
  }

  /**
   * History events with `rv > after` (for one type, optionally), oldest first.
   * Throws 410 Expired when `after` is older than the retained window.
   */
  eventsAfter(after: number, typeKey?: string): StoreEvent[] {
    if (after < this.#compactedRv) throw this.tooOld(after);
    const out: StoreEvent[] = [];
    // Binary search the first event with rv > after.
    let lo = this.#historyHead;
    let hi = this.#history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#history[mid]!.rv <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.#history.length; i++) {
      const ev = this.#history[i]!;
      if (typeKey === undefined || ev.typeKey === typeKey) out.push(ev);
    }
    return out;
  }

  /** The 410 Expired error for a too-old resource version. */
  tooOld(rv: number): StatusError {
    return new StatusError(410, `too old resource version: ${rv} (${this.#compactedRv + 1})`, {
      reason: "Expired",
    });
  }

  /** All objects of a type at the current resource version (unsorted, not to be mutated). */
  objects(type: ResourceType): IterableIterator<KubernetesObject> {
    return this.#table(type).objects.values();
  }

  /**
   * List objects in key order, at the current resource version or at a past
   * one still covered by the history (410 Expired otherwise).
   */
  list(type: ResourceType, opts: StoreListOptions = {}): StoreListResult {
    const t = this.#table(type);
    if (!t.sorted) t.sorted = [...t.objects.keys()].sort();
    const atRv = opts.atRv ?? this.#rv;
    let sorted = t.sorted;
    let lookup = (key: string): KubernetesObject | undefined => t.objects.get(key);
    if (atRv < this.#rv) {
      // Undo the changes made after atRv.
      const overrides = new Map<string, KubernetesObject | undefined>();
      for (const ev of this.eventsAfter(atRv, typeKeyOf(type))) {
        if (!overrides.has(ev.key)) overrides.set(ev.key, ev.prev);
      }
      if (overrides.size > 0) {
        const keys = new Set(sorted);
        for (const [k, v] of overrides) {
          if (v === undefined) keys.delete(k);
          else keys.add(k);
        }
        sorted = [...keys].sort();
        const current = lookup;
        lookup = (key) => (overrides.has(key) ? overrides.get(key) : current(key));
      }
    }
    const ns = type.namespaced ? opts.namespace : undefined;
    let start = 0;
    let end = sorted.length;
    if (ns) {
      start = bisectAfter(sorted, `${ns}/`);
      // `${ns}/` itself cannot be a key; bisectAfter finds the first key > `${ns}/`.
      end = bisectAfter(sorted, `${ns}/\uffff`);
    }
    if (opts.after !== undefined) start = Math.max(start, bisectAfter(sorted, opts.after));
    const label = opts.labelSelector;
    const field = opts.fieldSelector;
    const filtered =
      (label && label.requirements.length > 0) || (field && field.requirements.length > 0);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
    const items: KubernetesObject[] = [];
    let i = start;
    let lastKey: string | undefined;
    for (; i < end && items.length < limit; i++) {
      const key = sorted[i]!;
      const obj = lookup(key);
      if (!obj) continue;
      if (label && !label.matches(obj.metadata.labels)) continue;
      if (field && !field.matches(obj)) continue;
      items.push(obj);
      lastKey = key;
    }
    let remaining = 0;
    if (items.length >= limit && i < end) {
      if (filtered) {
        for (let j = i; j < end; j++) {
          const obj = lookup(sorted[j]!);
          if (!obj) continue;
          if (label && !label.matches(obj.metadata.labels)) continue;
          if (field && !field.matches(obj)) continue;
          remaining++;
        }
      } else {
        remaining = end - i;
      }
    }
    return { items, rv: atRv, nextAfter: remaining > 0 ? lastKey : undefined, remaining };
  }

  /** Remove every object and all history (keeps types and the resource version counter). */
  clear(): void {
    for (const t of this.#tables.values()) {
      t.objects.clear();
      t.sorted = undefined;
    }
    this.compact();
  }
}
