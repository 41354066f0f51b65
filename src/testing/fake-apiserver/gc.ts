/**
 * The garbage collector's part of a cluster, for the fake API server: what
 * kube-controller-manager's garbage collector does with `ownerReferences`
 * when an owner is deleted. A lone API server (envtest, the suite's real
 * server) has no garbage collector: there, dependents stay, and a
 * `Foreground` or `Orphan` delete leaves the owner waiting on its
 * `foregroundDeletion` or `orphan` finalizer for good.
 *
 * - **Background** (the default for most kinds): once the owner is gone, a
 *   dependent whose owners are all gone is deleted (in the background too);
 *   one that still has a live owner only loses the reference to the gone one.
 * - **Foreground**: the owner stays (with `deletionTimestamp` and the
 *   `foregroundDeletion` finalizer) while its dependents are deleted (in the
 *   foreground themselves when they have dependents of their own); the
 *   finalizer is removed once no dependent with `blockOwnerDeletion: true`
 *   is left, and the owner goes.
 * - **Orphan**: the reference to the owner is removed from every dependent,
 *   then the `orphan` finalizer from the owner, which goes; the dependents stay.
 * - A dependent that refers to an owner the collector saw deleted (created
 *   in a race with the deletion) is collected as well. A reference to an
 *   owner that never existed is left alone (a cluster's collector would look
 *   it up and delete the dependent).
 *
 * Work happens a moment after the change that caused it (a microtask), as
 * the collector is asynchronous in a cluster too; every step is an ordinary
 * write, seen by watchers.
 *
 * @module
 */
import type { KubernetesObject, OwnerReference } from "../../resources/meta.ts";
import type { ResourceType } from "../../resources/resource.ts";
import type { ObjectStore, StoreEvent } from "./store.ts";

/** Field manager of the collector's writes. */
const MANAGER = "generic-garbage-collector";
const WRITER = { writer: { manager: MANAGER, operation: "Update" as const } };
/** How many deleted owner uids are remembered for late dependents. */
const GONE_LIMIT = 10_000;

interface Where {
  typeKey: string;
  key: string;
}

function idOf(typeKey: string, key: string): string {
  return `${typeKey}|${key}`;
}

function refsOf(obj: KubernetesObject): readonly OwnerReference[] {
  return obj.metadata?.ownerReferences ?? [];
}

/**
 * Carries out owner-reference propagation on an {@link ObjectStore}:
 * background, foreground (with `blockOwnerDeletion`) and orphan deletion.
 * Created by `FakeApiServer` unless `garbageCollection: false`.
 */
export class GarbageCollector {
  readonly #store: ObjectStore;
  /** uid → where the object with that uid lives. */
  readonly #byUid = new Map<string, Where>();
  /** owner uid → ids of the objects referring to it. */
  readonly #dependents = new Map<string, Set<string>>();
  /** id → owner uids it refers to. */
  readonly #refs = new Map<string, string[]>();
  /** uids of objects seen deleted (bounded, oldest first). */
  readonly #gone = new Set<string>();
  /** Work to do: `owner:<uid>` or `dependent:<id>`. */
  readonly #tasks = new Set<string>();
  readonly #unsubscribe: () => void;
  #scheduled = false;
  #closed = false;

  /** Index what the store holds and follow its changes. */
  constructor(store: ObjectStore) {
    this.#store = store;
    for (const type of store.types()) {
      const typeKey = `${type.group}/${type.plural}`;
      for (const obj of store.objects(type)) this.#index(typeKey, keyOfObject(obj), obj);
    }
    this.#unsubscribe = store.subscribe((ev) => this.#onEvent(ev));
  }

  /** Stop following the store. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
  }

  #index(typeKey: string, key: string, obj: KubernetesObject): void {
    const id = idOf(typeKey, key);
    const uid = obj.metadata?.uid;
    if (uid) this.#byUid.set(uid, { typeKey, key });
    const owners = refsOf(obj).map((r) => r.uid);
    const before = this.#refs.get(id) ?? [];
    for (const u of before) if (!owners.includes(u)) this.#dependents.get(u)?.delete(id);
    for (const u of owners) {
      let set = this.#dependents.get(u);
      if (set === undefined) {
        set = new Set();
        this.#dependents.set(u, set);
      }
      set.add(id);
    }
    if (owners.length > 0) this.#refs.set(id, owners);
    else this.#refs.delete(id);
  }

  #unindex(typeKey: string, key: string, obj: KubernetesObject): void {
    const id = idOf(typeKey, key);
    for (const u of this.#refs.get(id) ?? []) {
      const set = this.#dependents.get(u);
      set?.delete(id);
      if (set?.size === 0) this.#dependents.delete(u);
    }
    this.#refs.delete(id);
    const uid = obj.metadata?.uid;
    if (uid && this.#byUid.get(uid)?.key === key) this.#byUid.delete(uid);
  }

  #onEvent(ev: StoreEvent): void {
    if (this.#closed) return;
    const obj = ev.object;
    const uid = obj.metadata?.uid;
    if (ev.type === "DELETED") {
      const owners = this.#refs.get(idOf(ev.typeKey, ev.key)) ?? [];
      this.#unindex(ev.typeKey, ev.key, obj);
      if (uid) {
        this.#gone.add(uid);
        if (this.#gone.size > GONE_LIMIT) this.#gone.delete(this.#gone.values().next().value!);
        this.#task(`owner:${uid}`);
      }
      // an owner in foreground deletion may be waiting for this one
      for (const u of owners) this.#task(`owner:${u}`);
      return;
    }
    this.#index(ev.typeKey, ev.key, obj);
    const finalizers = obj.metadata.finalizers ?? [];
    if (
      uid &&
      obj.metadata.deletionTimestamp &&
      (finalizers.includes("foregroundDeletion") || finalizers.includes("orphan"))
    ) {
      this.#task(`owner:${uid}`);
    }
    if (refsOf(obj).some((r) => this.#gone.has(r.uid))) {
      this.#task(`dependent:${idOf(ev.typeKey, ev.key)}`);
    }
  }

  #task(task: string): void {
    this.#tasks.add(task);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#run();
    });
  }

  #run(): void {
    // Each step is a write whose event may add tasks; they run in this loop too.
    for (let steps = 0; steps < 100_000 && this.#tasks.size > 0 && !this.#closed; steps++) {
      const task = this.#tasks.values().next().value!;
      this.#tasks.delete(task);
      try {
        if (task.startsWith("owner:")) this.#owner(task.slice(6));
        else this.#dependent(task.slice(10));
      } catch {
        // an object changed or went meanwhile: a later event brings the work back
      }
    }
  }

  #type(typeKey: string): ResourceType | undefined {
    const slash = typeKey.indexOf("/");
    return this.#store.findType(typeKey.slice(0, slash), typeKey.slice(slash + 1));
  }

  #get(where: Where): { type: ResourceType; obj: KubernetesObject } | undefined {
    const type = this.#type(where.typeKey);
    if (!type) return undefined;
    const slash = where.key.indexOf("/");
    const namespace = type.namespaced && slash >= 0 ? where.key.slice(0, slash) : undefined;
    const name = type.namespaced && slash >= 0 ? where.key.slice(slash + 1) : where.key;
    const obj = this.#store.peek(type, namespace, name);
    return obj ? { type, obj } : undefined;
  }

  #dependentsOf(uid: string): { id: string; type: ResourceType; obj: KubernetesObject }[] {
    const out: { id: string; type: ResourceType; obj: KubernetesObject }[] = [];
    for (const id of this.#dependents.get(uid) ?? []) {
      const bar = id.indexOf("|");
      const found = this.#get({ typeKey: id.slice(0, bar), key: id.slice(bar + 1) });
      if (found && refsOf(found.obj).some((r) => r.uid === uid)) out.push({ id, ...found });
    }
    return out;
  }

  /** An owner changed or went: carry out its propagation policy. */
  #owner(uid: string): void {
    const where = this.#byUid.get(uid);
    const owner = where ? this.#get(where) : undefined;
    if (owner === undefined) {
      // gone: its dependents lose it (and go, when it was their last owner)
      for (const d of this.#dependentsOf(uid)) this.#dependent(d.id);
      return;
    }
    const meta = owner.obj.metadata;
    if (!meta.deletionTimestamp) return;
    const finalizers = meta.finalizers ?? [];
    if (finalizers.includes("orphan")) {
      for (const d of this.#dependentsOf(uid)) {
        this.#setOwners(d.type, d.obj, (r) => r.uid !== uid);
      }
      this.#removeFinalizer(owner.type, owner.obj, "orphan");
      return;
    }
    if (finalizers.includes("foregroundDeletion")) {
      let blocking = 0;
      for (const d of this.#dependentsOf(uid)) {
        const ref = refsOf(d.obj).find((r) => r.uid === uid);
        if (ref?.blockOwnerDeletion === true) blocking++;
        if (!d.obj.metadata.deletionTimestamp) this.#dependent(d.id);
      }
      if (blocking === 0) this.#removeFinalizer(owner.type, owner.obj, "foregroundDeletion");
    }
  }

  /**
   * A dependent whose owners may be gone or going: drop references to gone
   * owners while a live one remains; delete it when none does.
   */
  #dependent(id: string): void {
    const bar = id.indexOf("|");
    const d = this.#get({ typeKey: id.slice(0, bar), key: id.slice(bar + 1) });
    if (d === undefined || d.obj.metadata.deletionTimestamp) return;
    const refs = refsOf(d.obj);
    const dangling: string[] = [];
    let waiting = false;
    let solid = false;
    for (const r of refs) {
      const where = this.#byUid.get(r.uid);
      const owner = where ? this.#get(where) : undefined;
      if (owner === undefined) {
        // never seen: a cluster's collector would look it up; the fake keeps the reference
        if (this.#gone.has(r.uid)) dangling.push(r.uid);
        else solid = true;
      } else if (
        owner.obj.metadata.deletionTimestamp &&
        (owner.obj.metadata.finalizers ?? []).includes("foregroundDeletion")
      ) {
        waiting = true;
      } else {
        solid = true;
      }
    }
    if (dangling.length === 0 && !waiting) return;
    if (solid) {
      if (dangling.length > 0) {
        this.#setOwners(d.type, d.obj, (r) => !dangling.includes(r.uid));
      }
      return;
    }
    // no live owner left: delete it, in the foreground when an owner waits and it has dependents
    const ownUid = d.obj.metadata.uid;
    const hasDependents = ownUid !== undefined && (this.#dependents.get(ownUid)?.size ?? 0) > 0;
    this.#store.delete(d.type, d.obj.metadata.namespace, d.obj.metadata.name ?? "", {
      propagationPolicy: waiting && hasDependents ? "Foreground" : "Background",
    });
  }

  /** Keep the owner references `keep` accepts (an empty list is dropped, as the API server does). */
  #setOwners(
    type: ResourceType,
    obj: KubernetesObject,
    keep: (r: OwnerReference) => boolean,
  ): void {
    const { ownerReferences: _o, ...meta } = obj.metadata;
    const refs = refsOf(obj).filter(keep);
    this.#write(type, {
      ...obj,
      metadata: refs.length ? { ...meta, ownerReferences: refs } : meta,
    });
  }

  #removeFinalizer(type: ResourceType, obj: KubernetesObject, finalizer: string): void {
    const { finalizers: _f, ...meta } = obj.metadata;
    const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    this.#write(type, { ...obj, metadata: finalizers.length ? { ...meta, finalizers } : meta });
  }

  #write(type: ResourceType, obj: KubernetesObject): void {
    const { resourceVersion: _rv, ...meta } = obj.metadata;
    this.#store.update(type, { ...obj, metadata: meta }, WRITER);
  }
}

function keyOfObject(obj: KubernetesObject): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name}` : (name ?? "");
}
