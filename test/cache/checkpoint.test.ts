// Informer checkpoints: snapshot(), restore with initialState (resume without a
// list), every way a resume can fail (410, another scope, another format or
// kind, invalid objects) and what handlers then see.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import {
  CheckpointRejectedError,
  INFORMER_SNAPSHOT_FORMAT,
  type InformerSnapshot,
  loadSnapshot,
  saveSnapshot,
  schemaFingerprint,
  utf8ByteLength,
} from "../../src/cache/checkpoint.ts";
import { MemoryCheckpointStore } from "../../src/cache/checkpoint-stores.ts";
import { createInformer, type Informer, type InformerOptions } from "../../src/cache/informer.ts";
import { type ConfigMap, ConfigMaps, Secrets } from "../../src/resources/core.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { cm, type Env, eventually, requests, setup } from "./support.ts";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function run<T extends ConfigMap>(informer: Informer<T>): () => Promise<void> {
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  const stop = async (): Promise<void> => {
    ac.abort();
    await done;
  };
  stops.push(stop);
  return stop;
}

function informerFor(env: Env, opts: InformerOptions<ConfigMap> = {}): Informer<ConfigMap> {
  // refused checkpoints and injected failures are on purpose: no console output
  return createInformer(env.client, ConfigMaps, {
    clock: env.clock,
    random: () => 0,
    logger: silentLogger,
    ...opts,
  });
}

/** Every handler call, with the add / delete details. */
function record(informer: Informer<ConfigMap>): string[] {
  const calls: string[] = [];
  const key = (o: ConfigMap): string => `${o.metadata.namespace}/${o.metadata.name}`;
  informer.addEventHandler({
    onAdd: (o, info) =>
      calls.push(
        `add ${key(o)}${info?.fromCheckpoint ? " (checkpoint)" : ""}${info?.pending ? " (pending)" : ""}`,
      ),
    onUpdate: (_old, o) => calls.push(`update ${key(o)}`),
    onDelete: (o, info) =>
      calls.push(
        `delete${info.finalStateUnknown ? "?" : ""} ${key(o)}${info.fromCheckpoint ? " (checkpoint)" : ""}`,
      ),
  });
  return calls;
}

/** Sync an informer against `env`, snapshot it, stop it; returns the snapshot as read back from JSON. */
async function takeSnapshot(
  env: Env,
  opts: InformerOptions<ConfigMap> = {},
  snapshotOptions: Parameters<Informer<ConfigMap>["snapshot"]>[0] = {},
): Promise<InformerSnapshot<ConfigMap>> {
  const informer = informerFor(env, opts);
  assert.equal(
    informer.snapshot(),
    undefined,
    "no snapshot before the informer has a complete state",
  );
  const stop = run(informer);
  assert.equal(await informer.waitForSync(), true);
  await eventually(() => env.server.watcherCount() === 1);
  const snapshot = informer.snapshot(snapshotOptions);
  assert.ok(snapshot);
  await stop();
  return JSON.parse(JSON.stringify(snapshot)) as InformerSnapshot<ConfigMap>;
}

describe("informer checkpoints: snapshot and resume", () => {
  it("a snapshot is the format, the scope, the resource version and the transformed objects", async () => {
    const env = setup();
    env.server.create(ConfigMaps, {
      metadata: { name: "a", namespace: "default", managedFields: [{ manager: "kubectl" }] },
      data: { v: "1" },
    });
    env.server.create(ConfigMaps, cm("b", "other"));
    const snapshot = await takeSnapshot(env, { namespace: "default", labelSelector: "" });
    assert.equal(snapshot.format, INFORMER_SNAPSHOT_FORMAT);
    assert.equal(snapshot.resource, "v1/configmaps");
    assert.equal(snapshot.kind, "ConfigMap");
    assert.equal(snapshot.namespace, "default");
    assert.equal(snapshot.labelSelector, undefined);
    assert.equal(snapshot.resourceVersion, env.server.resourceVersion());
    assert.deepEqual(
      snapshot.objects.map((o) => o.metadata.name),
      ["a"],
    );
    assert.equal(snapshot.objects[0]!.metadata.managedFields, undefined, "after the transform");
  });

  it("resumes from the snapshot's resource version without a list; changes made meanwhile arrive as events", async () => {
    const env = setup();
    for (const n of ["a", "b", "c"]) env.server.create(ConfigMaps, cm(n, "default", { v: "1" }));
    const snapshot = await takeSnapshot(env);
    // while no informer runs
    env.server.update(ConfigMaps, cm("a", "default", { v: "2" }));
    env.server.delete(ConfigMaps, "b", "default");
    env.server.create(ConfigMaps, cm("d"));
    const listsBefore = requests(env.server, "list").length;

    const informer = informerFor(env, { initialState: snapshot });
    assert.equal(informer.hasSynced(), true, "synced from the checkpoint");
    assert.deepEqual(informer.store.keys().sort(), ["default/a", "default/b", "default/c"]);
    const calls = record(informer);
    assert.deepEqual(calls.sort(), [
      "add default/a (checkpoint)",
      "add default/b (checkpoint)",
      "add default/c (checkpoint)",
    ]);
    run(informer);
    await eventually(() => informer.store.has("default/d") && !informer.store.has("default/b"));
    assert.equal(informer.store.get("default/a")?.data?.v, "2");
    assert.equal(requests(env.server, "list").length, listsBefore, "no list request");
    const watches = requests(env.server, "watch");
    assert.equal(watches.at(-1)!.get("resourceVersion"), snapshot.resourceVersion);
    assert.deepEqual(calls.slice(3), ["update default/a", "delete default/b", "add default/d"]);
    const s = informer.stats();
    assert.equal(s.lists, 0);
    assert.equal(s.reconnects, 1, "the resume is a reconnect");
    assert.equal(informer.lastSyncResourceVersion(), env.server.resourceVersion());
  });

  it("a compacted server (410 on resume) relists consistently and delivers the deletions", async () => {
    const env = setup();
    for (const n of ["a", "b", "c"]) env.server.create(ConfigMaps, cm(n));
    const snapshot = await takeSnapshot(env);
    env.server.delete(ConfigMaps, "b", "default");
    env.server.update(ConfigMaps, cm("c", "default", { v: "2" }));
    env.server.create(ConfigMaps, cm("e"));
    env.server.faults.compact();
    const listsBefore = requests(env.server, "list").length;

    const informer = informerFor(env, { initialState: snapshot });
    const calls = record(informer);
    run(informer);
    await eventually(() => informer.stats().relists === 0 && informer.stats().lists === 1);
    const lists = requests(env.server, "list").slice(listsBefore);
    assert.deepEqual(
      lists.map((q) => q.get("resourceVersion")),
      [""],
      "one consistent relist",
    );
    assert.deepEqual(informer.store.keys().sort(), ["default/a", "default/c", "default/e"]);
    assert.deepEqual(calls.slice(3).sort(), [
      "add default/e",
      "delete? default/b",
      "update default/c",
    ]);
    assert.equal(informer.stats().gone, 1);
  });

  it("pending keys and unfinished deletes survive the checkpoint", async () => {
    const env = setup();
    for (const n of ["a", "b"]) env.server.create(ConfigMaps, cm(n));
    const gone: ConfigMap = { metadata: { name: "z", namespace: "default", uid: "old" } };
    const snapshot = await takeSnapshot(
      env,
      {},
      { pending: ["default/b", "default/nope"], deleted: [gone] },
    );
    assert.deepEqual(snapshot.pending, ["default/b"], "only cached keys are kept");
    const informer = informerFor(env, { initialState: snapshot });
    const calls = record(informer);
    assert.deepEqual(calls.sort(), [
      "add default/a (checkpoint)",
      "add default/b (checkpoint) (pending)",
      "delete? default/z (checkpoint)",
    ]);
  });

  it("due times of delayed pending keys and deletes survive the checkpoint, only for the keys kept", async () => {
    const env = setup();
    for (const n of ["a", "b", "c"]) env.server.create(ConfigMaps, cm(n));
    const gone: ConfigMap = { metadata: { name: "z", namespace: "default", uid: "old" } };
    const snapshot = await takeSnapshot(
      env,
      {},
      {
        pending: ["default/b", "default/c"],
        deleted: [gone],
        pendingDueAt: new Map([
          ["default/b", 1_234],
          ["default/z", 99],
          ["default/a", 7], // not pending: dropped
          ["default/nope", 5], // not cached: dropped
        ]),
      },
    );
    assert.deepEqual(snapshot.pendingDueAt, { "default/b": 1_234, "default/z": 99 });
    const informer = informerFor(env, { initialState: snapshot });
    const infos: string[] = [];
    informer.addEventHandler({
      onAdd: (o, info) => infos.push(`add ${o.metadata.name} ${info?.pending} ${info?.dueAt}`),
      onDelete: (o, info) => infos.push(`delete ${o.metadata.name} ${info.dueAt}`),
    });
    assert.deepEqual(infos.sort(), [
      "add a false undefined",
      "add b true 1234",
      "add c true undefined",
      "delete z 99",
    ]);
    // without due times the field is left out
    const plain = await takeSnapshot(env, {}, { pending: ["default/b"], pendingDueAt: {} });
    assert.equal("pendingDueAt" in plain, false);
  });

  it("attempt counts of failing pending keys and deletes survive the checkpoint, only for the keys kept", async () => {
    const env = setup();
    for (const n of ["a", "b", "c"]) env.server.create(ConfigMaps, cm(n));
    const gone: ConfigMap = { metadata: { name: "z", namespace: "default", uid: "old" } };
    const snapshot = await takeSnapshot(
      env,
      {},
      {
        pending: ["default/b", "default/c"],
        deleted: [gone],
        pendingAttempts: new Map([
          ["default/b", 3],
          ["default/z", 2],
          ["default/a", 4], // not pending: dropped
          ["default/nope", 1], // not cached: dropped
        ]),
      },
    );
    assert.deepEqual(snapshot.pendingAttempts, { "default/b": 3, "default/z": 2 });
    const informer = informerFor(env, { initialState: snapshot });
    const infos: string[] = [];
    informer.addEventHandler({
      onAdd: (o, info) => infos.push(`add ${o.metadata.name} ${info?.pending} ${info?.attempts}`),
      onDelete: (o, info) => infos.push(`delete ${o.metadata.name} ${info.attempts}`),
    });
    assert.deepEqual(infos.sort(), [
      "add a false undefined",
      "add b true 3",
      "add c true undefined",
      "delete z 2",
    ]);
    // without counts the field is left out
    const plain = await takeSnapshot(env, {}, { pending: ["default/b"], pendingAttempts: {} });
    assert.equal("pendingAttempts" in plain, false);
  });
});

describe("informer checkpoints: a snapshot it cannot resume from never corrupts the cache", () => {
  it("another namespace or selector: loaded, relisted at once, out-of-scope objects delivered as deletes", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a", "default", {}, { app: "x" }));
    env.server.create(ConfigMaps, cm("b", "default", {}, { app: "y" }));
    const snapshot = await takeSnapshot(env, { labelSelector: "app=x" });
    const errors: unknown[] = [];
    const informer = informerFor(env, {
      labelSelector: "app=y",
      initialState: snapshot,
      onError: (err, info) => errors.push([err, info.phase]),
    });
    assert.equal(informer.hasSynced(), false, "not current: it must list first");
    const calls = record(informer);
    const listsBefore = requests(env.server, "list").length;
    run(informer);
    assert.equal(await informer.waitForSync(), true);
    assert.equal(requests(env.server, "list").length, listsBefore + 1);
    assert.deepEqual(informer.store.keys(), ["default/b"]);
    assert.deepEqual(calls, ["add default/a (checkpoint)", "add default/b", "delete? default/a"]);
    assert.equal(errors.length, 1);
    const [err, phase] = errors[0] as [CheckpointRejectedError, string];
    assert.ok(err instanceof CheckpointRejectedError);
    assert.equal(err.reason, "scope");
    assert.equal(phase, "checkpoint");
  });

  it("another format, an older format, another kind or metadata-only objects: ignored, a plain list", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const good = await takeSnapshot(env);
    const foreign = (over: Record<string, unknown>): InformerSnapshot<ConfigMap> =>
      ({ ...good, ...over }) as InformerSnapshot<ConfigMap>;
    const stranger: ConfigMap = { metadata: { name: "stranger", namespace: "default" } };
    const cases: [string, unknown, string][] = [
      [
        "older format",
        foreign({ format: "kubeloop.dev/informer-snapshot/v0", objects: [stranger] }),
        "format",
      ],
      ["no format", { resourceVersion: "5", objects: [stranger] }, "format"],
      ["not an object", "[]", "format"],
      [
        "another kind",
        foreign({ resource: "v1/secrets", kind: "Secret", objects: [stranger] }),
        "resource",
      ],
      ["metadata only", foreign({ metadataOnly: true, objects: [stranger] }), "resource"],
      ["no resource version", foreign({ resourceVersion: "", objects: [stranger] }), "format"],
      ["due times not an object", foreign({ pendingDueAt: [1], objects: [stranger] }), "format"],
      [
        "a due time not a number",
        foreign({ pendingDueAt: { "default/a": "soon" }, objects: [stranger] }),
        "format",
      ],
      [
        "a due time not finite (JSON null)",
        foreign({ pendingDueAt: { "default/a": null }, objects: [stranger] }),
        "format",
      ],
      ["due times null", foreign({ pendingDueAt: null, objects: [stranger] }), "format"],
      ["attempts not an object", foreign({ pendingAttempts: [2], objects: [stranger] }), "format"],
      ["attempts null", foreign({ pendingAttempts: null, objects: [stranger] }), "format"],
      [
        "an attempt count not a number",
        foreign({ pendingAttempts: { "default/a": "2" }, objects: [stranger] }),
        "format",
      ],
      [
        "an attempt count not an integer",
        foreign({ pendingAttempts: { "default/a": 1.5 }, objects: [stranger] }),
        "format",
      ],
      [
        "an attempt count zero or negative",
        foreign({ pendingAttempts: { "default/a": 0, "default/b": -1 }, objects: [stranger] }),
        "format",
      ],
      [
        "an attempt count not finite (JSON null)",
        foreign({ pendingAttempts: { "default/a": null }, objects: [stranger] }),
        "format",
      ],
    ];
    for (const [what, initialState, reason] of cases) {
      const errors: unknown[] = [];
      const informer = informerFor(env, {
        initialState: initialState as InformerSnapshot<ConfigMap>,
        onError: (err) => errors.push(err),
      });
      assert.equal(informer.store.size, 0, `${what}: nothing loaded`);
      assert.equal(informer.hasSynced(), false);
      const calls = record(informer);
      const stop = run(informer);
      assert.equal(await informer.waitForSync(), true);
      assert.deepEqual(informer.store.keys(), ["default/a"], what);
      assert.deepEqual(
        calls,
        ["add default/a"],
        `${what}: handlers never see the snapshot's objects`,
      );
      assert.equal((errors[0] as CheckpointRejectedError).reason, reason, what);
      await stop();
    }
  });

  it("objects of a snapshot taken under another schema are validated: invalid ones are dropped and the informer relists", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    env.server.create(Secrets, { metadata: { name: "s", namespace: "default" } });
    const good = await takeSnapshot(env);
    assert.equal(
      good.schema,
      schemaFingerprint(ConfigMaps.schema),
      "the schema it was validated with",
    );
    const tampered: InformerSnapshot<ConfigMap> = {
      ...good,
      schema: "an-older-schema",
      objects: [
        ...good.objects,
        { metadata: { name: "bad", namespace: "default" }, data: { n: 1 } } as unknown as ConfigMap,
        { metadata: {} } as ConfigMap,
      ],
    };
    const errors: CheckpointRejectedError[] = [];
    const informer = informerFor(env, {
      initialState: tampered,
      onError: (err) => errors.push(err as CheckpointRejectedError),
    });
    assert.deepEqual(informer.store.keys(), ["default/a"]);
    assert.equal(informer.hasSynced(), false);
    const listsBefore = requests(env.server, "list").length;
    run(informer);
    assert.equal(await informer.waitForSync(), true);
    assert.equal(requests(env.server, "list").length, listsBefore + 1);
    assert.equal(errors[0]?.reason, "objects");
    // a namespaced informer refuses objects of other namespaces
    const other = informerFor(env, {
      namespace: "default",
      initialState: {
        ...good,
        namespace: "default",
        objects: [{ metadata: { name: "x", namespace: "kube-system" } }],
      },
    });
    assert.equal(other.store.size, 0);
  });
});

describe("informer checkpoints: validation on restore", () => {
  it("objects cached under the same schema are not validated again; without a schema fingerprint they are", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a"));
    const good = await takeSnapshot(env);
    // an object the ConfigMap schema refuses (data values must be strings)
    const odd = {
      metadata: { name: "odd", namespace: "default" },
      data: { n: 1 },
    } as unknown as ConfigMap;
    const same = informerFor(env, { initialState: { ...good, objects: [...good.objects, odd] } });
    assert.deepEqual(
      same.store.keys().sort(),
      ["default/a", "default/odd"],
      "trusted: same schema",
    );
    assert.equal(same.hasSynced(), true);
    const { schema: _dropped, ...unfingerprinted } = good;
    const other = informerFor(env, {
      initialState: { ...unfingerprinted, objects: [...good.objects, odd] },
    });
    assert.deepEqual(other.store.keys(), ["default/a"], "validated: no fingerprint");
    assert.equal(other.hasSynced(), false, "it relists");
  });

  it("schemaFingerprint tells schemas apart and is stable", async () => {
    const { Secrets } = await import("../../src/resources/core.ts");
    const a = schemaFingerprint(ConfigMaps.schema);
    assert.ok(a);
    assert.equal(schemaFingerprint(ConfigMaps.schema), a);
    assert.notEqual(schemaFingerprint(Secrets.schema), a);
  });
});

describe("informer checkpoints: quiet watch", () => {
  it("quietMs is undefined until the watch is connected, then counts from the connection or the last event", async () => {
    const env = setup();
    const informer = informerFor(env);
    assert.equal(informer.quietMs(), undefined);
    run(informer);
    await informer.waitForSync();
    await eventually(() => informer.quietMs() !== undefined);
    await env.clock.advance(700);
    assert.equal(informer.quietMs(), 700);
    env.server.create(ConfigMaps, cm("x"));
    await eventually(() => informer.store.has("default/x"));
    assert.equal(informer.quietMs(), 0);
    await env.clock.advance(50);
    assert.equal(informer.quietMs(), 50);
  });
});

describe("checkpoint stores: memory", () => {
  it("round-trips a snapshot; the size guard refuses a value over maxBytes and keeps the old one", async () => {
    const env = setup();
    env.server.create(ConfigMaps, cm("a", "default", { v: "é".repeat(100) }));
    const snapshot = await takeSnapshot(env);
    const bytes = utf8ByteLength(JSON.stringify(snapshot));
    assert.ok(bytes > JSON.stringify(snapshot).length, "the é count twice");
    const store = new MemoryCheckpointStore({ maxBytes: bytes + 10 });
    await saveSnapshot(store, "cms", snapshot);
    assert.deepEqual(await loadSnapshot(store, "cms"), snapshot);
    assert.equal(await loadSnapshot(store, "missing"), undefined);
    const big = {
      ...snapshot,
      objects: [...snapshot.objects, ...snapshot.objects, ...snapshot.objects],
    };
    await assert.rejects(saveSnapshot(store, "cms", big), (err: Error) => {
      assert.equal(err.name, "CheckpointTooLargeError");
      return true;
    });
    assert.deepEqual(await loadSnapshot(store, "cms"), snapshot, "the old checkpoint is intact");
    await store.put("junk", "{not json");
    await assert.rejects(loadSnapshot(store, "junk"), { name: "CheckpointCorruptError" });
  });
});
