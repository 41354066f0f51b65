/**
 * The fake API server's storage: objects per resource type, one global
 * resource version counter, a bounded history of change events (watch
 * replay, consistent list snapshots, continue tokens), and the API server's
 * write path around it: defaulting, validation, generation, graceful and
 * finalizer-blocked deletion, and the namespace lifecycle.
 *
 * Stored objects are never mutated: every write stores a new object, so the
 * same object may be shared by the table, the history and queued watch events.
 *
 * @module
 */
import type { KubernetesObject, ManagedFieldsEntry, StatusCause } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import { validate } from "../../resources/validate.ts";
import type { Clock, Timer } from "../../util/clock.ts";
import type { ParsedFieldSelector, ParsedLabelSelector } from "../../util/selector.ts";
import { type KindStrategy, nameProblems, strategyFor } from "./kinds.ts";
import { invalid, notFound, StatusError } from "./status.ts";
import {
  dns1123Label,
  invalidCause,
  requiredCause,
  validateAnnotations,
  validateLabels,
} from "./validation.ts";

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
  /** The resource version the type's watch history starts after (later registration: a new CRD). */
  historyStart: number;
  /** Resource version of the type's latest change. */
  lastRv: number;
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

/** Who writes, for `metadata.managedFields`. */
export interface Writer {
  /** Field manager name. */
  manager: string;
  /** `Update` for create/update/patch, `Apply` for server-side apply. */
  operation: "Update" | "Apply";
  /** Subresource written (`status`, `scale`), if any. */
  subresource?: string | undefined;
  /** For `Apply`: the managed fields the apply computed (see `serverSideApply`). */
  managedFields?: ManagedFieldsEntry[] | undefined;
}

/** Options of a create or update. */
export interface WriteOptions {
  /** Validate with the type's schema (default: the store's setting). */
  validate?: boolean | undefined;
  /** Do everything but store (`dryRun=All`). */
  dryRun?: boolean | undefined;
  /** The writer, for managed fields. */
  writer?: Writer | undefined;
  /** The caller hands the input over (a fresh object nobody else holds): no defensive copy. */
  owned?: boolean | undefined;
}

/** Options of a delete. */
export interface DeleteOptions {
  preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  gracePeriodSeconds?: number | undefined;
  propagationPolicy?: "Foreground" | "Background" | "Orphan" | undefined;
  orphanDependents?: boolean | undefined;
  dryRun?: boolean | undefined;
}

/**
 * Maintains `metadata.managedFields` across writes (server-side apply's field
 * ownership). The store calls it with the object about to be stored.
 */
export interface FieldTracker {
  /** Record `writer`'s change from `old` (undefined on create) to `obj`; returns the object with its managedFields. */
  track(
    type: ResourceType,
    old: KubernetesObject | undefined,
    obj: KubernetesObject,
    writer: Writer | undefined,
    now: string,
  ): KubernetesObject;
}

const GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** RFC 3339 at second precision, as the API server writes timestamps. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
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

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** What counts as the object's desired state for `metadata.generation`. */
function specOf(obj: KubernetesObject, s: KindStrategy, kind: string): string {
  const { metadata, status, apiVersion: _a, kind: _k, ...rest } = obj;
  const parts: unknown[] = [rest];
  if (!s.statusSubresource) parts.push(status);
  // Deployments also count annotations (rollbacks are annotation changes)
  if (kind === "Deployment") parts.push(metadata.annotations ?? {});
  return JSON.stringify(parts);
}

/**
 * What the API server's (Go, `omitempty`) serialization drops: empty label,
 * annotation, finalizer and owner lists in metadata, and a ConfigMap's or
 * Secret's empty data.
 */
function dropEmpty(type: ResourceType, obj: KubernetesObject): void {
  const meta = obj.metadata as Record<string, unknown>;
  for (const k of ["labels", "annotations"]) {
    const v = meta[k];
    if (v !== null && typeof v === "object" && Object.keys(v).length === 0) delete meta[k];
    else if (v === null) delete meta[k];
  }
  for (const k of ["finalizers", "ownerReferences", "managedFields"]) {
    const v = meta[k];
    if (v === null || (Array.isArray(v) && v.length === 0)) delete meta[k];
  }
  if (type.group === "" && (type.kind === "ConfigMap" || type.kind === "Secret")) {
    const o = obj as Record<string, unknown>;
    for (const k of ["data", "binaryData", "stringData"]) {
      const v = o[k];
      if (v === null || (v !== null && typeof v === "object" && Object.keys(v).length === 0))
        delete o[k];
    }
  }
}

function sameExceptRv(a: KubernetesObject, b: KubernetesObject): boolean {
  const { resourceVersion: _x, managedFields: _m1, ...ma } = a.metadata;
  const { resourceVersion: _y, managedFields: _m2, ...mb } = b.metadata;
  return JSON.stringify({ ...a, metadata: ma }) === JSON.stringify({ ...b, metadata: mb });
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
  readonly #timers = new Map<string, Timer>();
  #nextClusterIP = 10;
  /** Managed fields; absent until set (see `setFieldTracker`). */
  #fields: FieldTracker | undefined;

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

  /** Install the managed-fields tracker. */
  setFieldTracker(tracker: FieldTracker): void {
    this.#fields = tracker;
  }

  /** The current global resource version. */
  get rv(): number {
    return this.#rv;
  }

  /** Resource versions at or below this cannot be replayed or listed at. */
  get compactedRv(): number {
    return this.#compactedRv;
  }

  /** The clock. */
  get clock(): Clock {
    return this.#clock;
  }

  /**
   * Register a resource type (idempotent; re-registering replaces the type
   * definition). A type registered after start (a new CRD) has no history
   * before now: watches from older resource versions get 410.
   */
  register(type: ResourceType): void {
    const key = typeKeyOf(type);
    const existing = this.#tables.get(key);
    if (existing) existing.type = type;
    else {
      const start = this.#rv <= 1 ? 0 : this.#rv;
      this.#tables.set(key, {
        type,
        objects: new Map(),
        sorted: undefined,
        historyStart: start,
        lastRv: start,
      });
    }
  }

  /** Stop serving a resource type (a deleted CRD): its objects go, without events. */
  unregister(type: { group: string; plural: string }): void {
    this.#tables.delete(typeKeyOf(type));
  }

  /** Registered resource types. */
  types(): ResourceType[] {
    return [...this.#tables.values()].map((t) => t.type);
  }

  /** Find a registered type by group and plural. */
  findType(group: string, plural: string): ResourceType | undefined {
    return this.#tables.get(`${group}/${plural}`)?.type;
  }

  /** Resource version of the latest change to objects of `type`. */
  lastRvOf(type: ResourceType): number {
    return this.#tables.get(typeKeyOf(type))?.lastRv ?? 0;
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
      throw new StatusError(404, "the server could not find the requested resource", {
        reason: "NotFound",
        details: { group: type.group, kind: type.plural },
      });
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

  #what(type: ResourceType): string {
    return type.group ? `${type.plural}.${type.group}` : type.plural;
  }

  #conflict(type: ResourceType, name: string, message: string): StatusError {
    return new StatusError(
      409,
      `Operation cannot be fulfilled on ${this.#what(type)} "${name}": ${message}`,
      {
        reason: "Conflict",
        details: { name, group: type.group, kind: type.plural },
      },
    );
  }

  #storageKey(type: ResourceType, namespace: string | undefined, name: string): string {
    const prefix =
      type.group &&
      ![
        "apps",
        "batch",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "apiextensions.k8s.io",
      ].includes(type.group)
        ? `/registry/${type.group}/${type.plural}`
        : `/registry/${type.plural}`;
    return namespace ? `${prefix}/${namespace}/${name}` : `${prefix}/${name}`;
  }

  /** `ValidateObjectMeta` and the kind's own validation, then the schema. */
  #validate(
    type: ResourceType,
    s: KindStrategy,
    obj: KubernetesObject,
    old: KubernetesObject | undefined,
    validateSchema: boolean,
  ): void {
    const causes: StatusCause[] = [];
    const meta = obj.metadata;
    const name = meta.name ?? "";
    if (!old) {
      const gen = meta.generateName;
      if (gen) {
        // a prefix may end with "-"
        const masked = gen.endsWith("-") ? `${gen.slice(0, -1)}a` : gen;
        for (const e of nameProblems(s.nameRule, masked))
          causes.push(invalidCause("metadata.generateName", gen, e));
      }
      for (const e of nameProblems(s.nameRule, name))
        causes.push(invalidCause("metadata.name", name, e));
    }
    if (type.namespaced) {
      const ns = meta.namespace;
      if (!ns) causes.push(requiredCause("metadata.namespace"));
      else for (const e of dns1123Label(ns)) causes.push(invalidCause("metadata.namespace", ns, e));
    } else if (meta.namespace) {
      causes.push({
        reason: "FieldValueForbidden",
        message: "Forbidden: not allowed on this type",
        field: "metadata.namespace",
      });
    }
    causes.push(...validateLabels(meta.labels, "metadata.labels"));
    causes.push(...validateAnnotations(meta.annotations, "metadata.annotations"));
    if (s.validate)
      causes.push(
        ...s.validate(obj as Record<string, unknown>, old as Record<string, unknown> | undefined),
      );
    if (causes.length === 0 && validateSchema) {
      const result = validate(type.schema, obj);
      if (!result.success) {
        for (const issue of result.error.issues.slice(0, 10)) {
          causes.push({
            reason: "FieldValueInvalid",
            field: issue.path.map(String).join("."),
            message: `Invalid value: ${issue.message}`,
          });
        }
      }
    }
    if (causes.length) throw invalid(type.kind, type.group, name, causes);
  }

  #generateName(t: Table, prefix: string, namespace: string | undefined): string {
    const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
    for (let attempt = 0; attempt < 20; attempt++) {
      let suffix = "";
      for (let i = 0; i < 5; i++) {
        suffix += GENERATE_CHARS[Math.floor(this.#random() * GENERATE_CHARS.length)];
      }
      const name = `${base}${suffix}`;
      if (!t.objects.has(keyOf(namespace, name))) return name;
    }
    throw new StatusError(500, "could not generate a unique name", { reason: "InternalError" });
  }

  #allocateClusterIP(): string {
    const n = this.#nextClusterIP++;
    return `10.96.${(n >> 8) & 255}.${n & 255}`;
  }

  #checkNamespace(type: ResourceType, namespace: string | undefined, name: string): void {
    if (!this.#requireNamespaces || !type.namespaced || !namespace) return;
    const ns = this.#tables.get("/namespaces")?.objects.get(namespace);
    if (!ns) throw notFound("", "namespaces", namespace);
    if (ns.metadata.deletionTimestamp) {
      throw new StatusError(
        403,
        `${type.plural}${type.group ? `.${type.group}` : ""} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          reason: "Forbidden",
          details: {
            name,
            group: type.group,
            kind: type.plural,
            causes: [
              {
                reason: "NamespaceTerminating",
                message: `namespace ${namespace} is being terminated`,
                field: "metadata.namespace",
              },
            ],
          },
        },
      );
    }
  }

  /**
   * Create an object: resolves `generateName`, applies the kind's defaults
   * and allocations, validates, and fills `uid`, `creationTimestamp`,
   * `resourceVersion` and (for kinds that track it) `generation`.
   */
  create(type: ResourceType, input: KubernetesObject, opts: WriteOptions = {}): KubernetesObject {
    const t = this.#table(type);
    const s = strategyFor(type);
    if (!isObject(input) || !isObject(input.metadata)) {
      throw invalid(type.kind, type.group, "", [requiredCause("metadata")]);
    }
    const {
      apiVersion: _a,
      kind: _k,
      metadata: inMeta,
      ...rest
    } = opts.owned ? input : clone(input);
    const meta = { ...inMeta };
    const namespace = type.namespaced ? meta.namespace : undefined;
    if (!type.namespaced && meta.namespace === "") delete meta.namespace;
    let name = meta.name;
    if (!name) {
      if (meta.generateName) name = this.#generateName(t, meta.generateName, namespace);
      else {
        throw invalid(type.kind, type.group, "", [
          requiredCause("metadata.name", "name or generateName is required"),
        ]);
      }
    }
    meta.name = name;
    // server-managed fields
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.generation;
    delete meta.selfLink;
    meta.uid = crypto.randomUUID();
    meta.creationTimestamp = timestamp(this.#clock.now());
    if (s.generation) meta.generation = 1;
    let obj: KubernetesObject = {
      apiVersion: type.apiVersion,
      kind: type.kind,
      metadata: meta,
      ...rest,
    };
    s.defaults?.(obj as Record<string, unknown>);
    // the field manager sees the decoded, defaulted object; what the registry sets later is nobody's
    if (!Array.isArray(meta.managedFields) || meta.managedFields.length === 0)
      delete meta.managedFields;
    if (this.#fields)
      obj = this.#fields.track(type, undefined, obj, opts.writer, meta.creationTimestamp);
    const o = obj as Record<string, unknown>;
    s.prepareCreate?.(o, {
      allocateClusterIP: () => this.#allocateClusterIP(),
      uid: meta.uid,
      dryRun: opts.dryRun === true,
    });
    this.#checkNamespace(type, namespace, name);
    this.#validate(type, s, obj, undefined, opts.validate ?? this.#validateByDefault);
    const key = keyOf(namespace, name);
    if (t.objects.has(key)) {
      throw new StatusError(409, `${this.#what(type)} "${name}" already exists`, {
        reason: "AlreadyExists",
        details: { name, group: type.group, kind: type.plural },
      });
    }
    if (this.#fields)
      obj = this.#fields.track(type, undefined, obj, opts.writer, meta.creationTimestamp);
    if (opts.dryRun) return obj;
    return this.#commit(t, key, "ADDED", obj, undefined);
  }

  /**
   * Replace an object. With `metadata.resourceVersion` set, it must match the
   * stored one (409 Conflict otherwise). For kinds with a status subresource,
   * `subresource: "status"` changes only `status` and a main update keeps the
   * stored `status`.
   */
  update(
    type: ResourceType,
    input: KubernetesObject,
    opts: WriteOptions & { subresource?: "status" | undefined } = {},
  ): KubernetesObject {
    const t = this.#table(type);
    const s = strategyFor(type);
    const name = input?.metadata?.name;
    if (!name) {
      throw invalid(type.kind, type.group, "", [
        requiredCause("metadata.name", "name is required"),
      ]);
    }
    const namespace = type.namespaced ? input.metadata.namespace : undefined;
    if (type.namespaced && !namespace) {
      throw invalid(type.kind, type.group, name, [requiredCause("metadata.namespace")]);
    }
    const key = keyOf(namespace, name);
    const old = t.objects.get(key);
    if (!old) throw notFound(type.group, type.plural, name);
    const rv = input.metadata.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== old.metadata.resourceVersion) {
      throw this.#conflict(
        type,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
      );
    }
    if (input.metadata.uid && input.metadata.uid !== old.metadata.uid) {
      throw this.#conflict(
        type,
        name,
        `StorageError: invalid object, Code: 4, Key: ${this.#storageKey(type, namespace, name)}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${input.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    let obj: KubernetesObject;
    if (opts.subresource === "status" && s.statusSubresource) {
      obj = { ...clone(old) };
      if (input.status === undefined) delete obj.status;
      else obj.status = clone(input.status);
    } else {
      const {
        apiVersion: _a,
        kind: _k,
        metadata: inMeta,
        ...rest
      } = opts.owned ? input : clone(input);
      const meta = { ...inMeta };
      if (!type.namespaced) delete meta.namespace;
      meta.uid = old.metadata.uid;
      meta.creationTimestamp = old.metadata.creationTimestamp;
      if (old.metadata.generation !== undefined) meta.generation = old.metadata.generation;
      else delete meta.generation;
      if (old.metadata.deletionTimestamp) {
        meta.deletionTimestamp = old.metadata.deletionTimestamp;
        meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
      } else {
        delete meta.deletionTimestamp;
        delete meta.deletionGracePeriodSeconds;
      }
      // managed fields a request sends (non-empty) are taken as they are, as the API server's field
      // manager does (kubectl's client-side-to-server-side apply migration relies on it); none: the live ones
      const sent = meta.managedFields;
      if (!Array.isArray(sent) || sent.length === 0) {
        if (old.metadata.managedFields !== undefined)
          meta.managedFields = old.metadata.managedFields;
        else delete meta.managedFields;
      }
      obj = { apiVersion: type.apiVersion, kind: type.kind, metadata: meta, ...rest };
      if (s.statusSubresource) {
        if (old.status === undefined) delete obj.status;
        else obj.status = clone(old.status);
      }
      dropEmpty(type, obj);
      s.defaults?.(obj as Record<string, unknown>);
      if (this.#fields)
        obj = this.#fields.track(type, old, obj, opts.writer, timestamp(this.#clock.now()));
      const o = obj as Record<string, unknown>;
      s.prepareUpdate?.(o, old as Record<string, unknown>);
      if (s.generation && specOf(obj, s, type.kind) !== specOf(old, s, type.kind)) {
        obj = {
          ...obj,
          metadata: { ...obj.metadata, generation: (old.metadata.generation ?? 0) + 1 },
        };
      }
    }
    this.#validate(type, s, obj, old, opts.validate ?? this.#validateByDefault);
    if (this.#fields)
      obj = this.#fields.track(type, old, obj, opts.writer, timestamp(this.#clock.now()));
    // No-op updates do not bump the resource version (as the API server).
    const sameFields =
      obj.metadata.managedFields === old.metadata.managedFields ||
      JSON.stringify(obj.metadata.managedFields ?? []) ===
        JSON.stringify(old.metadata.managedFields ?? []);
    if (sameFields && sameExceptRv(obj, old)) return old;
    if (opts.dryRun)
      return {
        ...obj,
        metadata: { ...obj.metadata, resourceVersion: old.metadata.resourceVersion },
      };
    if (
      obj.metadata.deletionTimestamp &&
      (obj.metadata.finalizers ?? []).length === 0 &&
      !this.#graceRemaining(obj)
    ) {
      return this.#remove(t, key, obj, old);
    }
    return this.#commit(t, key, "MODIFIED", obj, old);
  }

  /** Whether a graceful deletion still has time to run (a pod on a node). */
  #graceRemaining(obj: KubernetesObject): boolean {
    const ts = obj.metadata.deletionTimestamp;
    return (
      typeof ts === "string" &&
      (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0 &&
      Date.parse(ts) > this.#clock.now()
    );
  }

  /**
   * Delete an object. With finalizers (or a `Foreground`/`Orphan` policy,
   * which add one) it only gets a `deletionTimestamp` and stays until they
   * are removed; a pod on a node stays for its grace period. Returns the
   * deleted (or now terminating) object.
   */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): { object: KubernetesObject; deleted: boolean } {
    const t = this.#table(type);
    const key = keyOf(type.namespaced ? namespace : undefined, name);
    const old = t.objects.get(key);
    if (!old) throw notFound(type.group, type.plural, name);
    const pre = opts.preconditions ?? {};
    // the registry's precondition check names the kind (not the resource) in message and details
    const kindConflict = (message: string): StatusError =>
      new StatusError(
        409,
        `Operation cannot be fulfilled on ${type.kind}${type.group ? `.${type.group}` : ""} "${name}": ${message}`,
        {
          reason: "Conflict",
          details: { name, group: type.group, kind: type.kind },
        },
      );
    if (pre.uid && pre.uid !== old.metadata.uid) {
      throw kindConflict(
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${old.metadata.uid}). The object might have been deleted and then recreated`,
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw kindConflict(
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${old.metadata.resourceVersion}). The object might have been modified`,
      );
    }
    const now = this.#clock.now();
    // graceful deletion: pods on a node get their grace period (default: the pod's own)
    let grace = 0;
    if (type.group === "" && type.kind === "Pod") {
      const spec = (old as { spec?: { nodeName?: string; terminationGracePeriodSeconds?: number } })
        .spec;
      const requested = opts.gracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 30;
      grace = spec?.nodeName ? Math.max(0, requested) : 0;
      const current = old.metadata.deletionGracePeriodSeconds;
      if (old.metadata.deletionTimestamp && current !== undefined && current <= grace)
        grace = current;
    }
    // propagation: Foreground and Orphan are carried out by the garbage collector, through finalizers
    const finalizers = [...(old.metadata.finalizers ?? [])];
    const policy =
      opts.propagationPolicy ?? (opts.orphanDependents === true ? "Orphan" : undefined);
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion")) {
      finalizers.push("foregroundDeletion");
    }
    if (policy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan");
    if (policy === "Background" || policy === "Foreground") {
      const i = finalizers.indexOf("orphan");
      if (i >= 0 && policy === "Background") finalizers.splice(i, 1);
    }
    const isNamespace = type.group === "" && type.kind === "Namespace";
    const pending = finalizers.length > 0 || grace > 0 || isNamespace;
    if (!pending) {
      let last = old;
      if (type.group === "" && type.kind === "Pod") {
        // a graceful kind deleted at once still goes out with a deletion timestamp and zero grace
        last = {
          ...old,
          metadata: {
            ...old.metadata,
            deletionTimestamp: old.metadata.deletionTimestamp ?? timestamp(now),
            deletionGracePeriodSeconds: 0,
          },
        };
      }
      if (opts.dryRun) return { object: last, deleted: true };
      return { object: this.#remove(t, key, last, old), deleted: true };
    }
    const s = strategyFor(type);
    const meta: KubernetesObject["metadata"] = { ...old.metadata, finalizers };
    if (finalizers.length === 0) delete meta.finalizers;
    const already = old.metadata.deletionTimestamp !== undefined;
    if (!already || grace < (old.metadata.deletionGracePeriodSeconds ?? 0)) {
      meta.deletionTimestamp = timestamp(now + grace * 1000);
      meta.deletionGracePeriodSeconds = grace;
      if (s.generation && !already) meta.generation = (old.metadata.generation ?? 0) + 1;
    }
    let obj: KubernetesObject = { ...old, metadata: meta };
    if (isNamespace) {
      obj = { ...obj, status: { ...((old.status as object) ?? {}), phase: "Terminating" } };
    }
    if (opts.dryRun) return { object: obj, deleted: false };
    if (sameExceptRv(obj, old)) return { object: old, deleted: false };
    const stored = this.#commit(t, key, "MODIFIED", obj, old);
    if (grace > 0) this.#scheduleGraceEnd(type, key, grace);
    if (isNamespace) this.#terminateNamespace(String(old.metadata.name));
    return { object: stored, deleted: false };
  }

  /** The kubelet's part of a graceful pod deletion: the pod goes when its grace period ends. */
  #scheduleGraceEnd(type: ResourceType, key: string, grace: number): void {
    const timerKey = `${typeKeyOf(type)}|${key}`;
    this.#timers.get(timerKey)?.cancel();
    this.#timers.set(
      timerKey,
      this.#clock.setTimer(() => {
        this.#timers.delete(timerKey);
        const t = this.#tables.get(typeKeyOf(type));
        const current = t?.objects.get(key);
        if (!t || !current?.metadata.deletionTimestamp) return;
        if ((current.metadata.finalizers ?? []).length > 0) {
          const obj = {
            ...current,
            metadata: { ...current.metadata, deletionGracePeriodSeconds: 0 },
          };
          this.#commit(t, key, "MODIFIED", obj, current);
          return;
        }
        this.#remove(t, key, current, current);
      }, grace * 1000),
    );
  }

  /**
   * The namespace controller's part (a lone API server has none; the fake
   * server runs it): delete everything in a terminating namespace, and
   * remove the namespace once it is empty.
   */
  #terminateNamespace(namespace: string): void {
    for (const t of this.#tables.values()) {
      if (!t.type.namespaced) continue;
      for (const [key, obj] of [...t.objects]) {
        if (obj.metadata.namespace !== namespace || obj.metadata.deletionTimestamp) continue;
        this.delete(t.type, namespace, obj.metadata.name!, {});
        void key;
      }
    }
    this.#finishNamespace(namespace);
  }

  #finishNamespace(namespace: string): void {
    const nsTable = this.#tables.get("/namespaces");
    const ns = nsTable?.objects.get(namespace);
    if (!nsTable || !ns?.metadata.deletionTimestamp) return;
    for (const t of this.#tables.values()) {
      if (!t.type.namespaced) continue;
      for (const obj of t.objects.values()) if (obj.metadata.namespace === namespace) return;
    }
    const spec = (ns.spec ?? {}) as { finalizers?: string[] };
    const finalizers = (spec.finalizers ?? []).filter((f) => f !== "kubernetes");
    const next: KubernetesObject = { ...ns, spec: { ...spec, finalizers } };
    if (finalizers.length === 0 && (ns.metadata.finalizers ?? []).length === 0) {
      this.#remove(nsTable, namespace, next, ns);
    } else if (JSON.stringify(finalizers) !== JSON.stringify(spec.finalizers ?? [])) {
      this.#commit(nsTable, namespace, "MODIFIED", next, ns);
    }
  }

  /**
   * `PUT /api/v1/namespaces/{name}/finalize`: replace the namespace's
   * `spec.finalizers`; a terminating namespace with none left is removed.
   */
  finalizeNamespace(input: KubernetesObject): KubernetesObject {
    const nsTable = this.#tables.get("/namespaces");
    const name = input.metadata?.name ?? "";
    const old = nsTable?.objects.get(name);
    if (!nsTable || !old) throw notFound("", "namespaces", name);
    const finalizers = ((input.spec ?? {}) as { finalizers?: string[] }).finalizers ?? [];
    const next: KubernetesObject = {
      ...old,
      spec: { ...((old.spec as object) ?? {}), finalizers },
    };
    if (
      old.metadata.deletionTimestamp &&
      finalizers.length === 0 &&
      (old.metadata.finalizers ?? []).length === 0
    ) {
      return this.#remove(nsTable, name, next, old);
    }
    if (sameExceptRv(next, old)) return old;
    return this.#commit(nsTable, name, "MODIFIED", next, old);
  }

  #remove(t: Table, key: string, obj: KubernetesObject, prev: KubernetesObject): KubernetesObject {
    const removed = this.#commit(t, key, "DELETED", obj, prev);
    const ns = removed.metadata.namespace;
    if (ns && t.type.namespaced) {
      const nsObj = this.#tables.get("/namespaces")?.objects.get(ns);
      if (nsObj?.metadata.deletionTimestamp) this.#finishNamespace(ns);
    }
    return removed;
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
    t.lastRv = rv;
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
   * Throws 410 Expired when `after` is older than the retained window (or,
   * for one type, older than the type itself: a CRD created later).
   */
  eventsAfter(after: number, typeKey?: string): StoreEvent[] {
    if (after < this.#compactedRv) throw this.tooOld(after);
    if (typeKey !== undefined) {
      const start = this.#tables.get(typeKey)?.historyStart ?? 0;
      if (after < start) throw this.tooOld(after, start + 1);
    }
    const out: StoreEvent[] = [];
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
  tooOld(rv: number, oldest = this.#compactedRv + 1): StatusError {
    return new StatusError(410, `too old resource version: ${rv} (${oldest})`, {
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

  /** Cancel pending timers (graceful deletions). */
  close(): void {
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
  }
}
