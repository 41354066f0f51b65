// FileCheckpointStore on Node, Deno and Bun: files replaced atomically, private,
// and an informer restarted from its file checkpoint resumes without a list.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadSnapshot, saveSnapshot } from "../../src/cache/checkpoint.ts";
import { FileCheckpointStore } from "../../src/cache/checkpoint-stores.ts";
import { createInformer } from "../../src/cache/informer.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import { cm, eventually, requests, seed, setup } from "./support.ts";

describe("FileCheckpointStore", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "kubeloop-checkpoint-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes one private file per key, replaces it atomically and reads it back", async () => {
    const store = new FileCheckpointStore(join(dir, "nested", "deeper"));
    assert.equal(await store.get("pods"), undefined);
    await store.put("pods", '{"a":1}');
    await store.put("pods", '{"a":2}');
    await store.put("web/config maps", "é");
    assert.equal(await store.get("pods"), '{"a":2}');
    assert.equal(await store.get("web/config maps"), "é");
    const files = (await readdir(join(dir, "nested", "deeper"))).sort();
    assert.deepEqual(files, ["pods.json", "web%2Fconfig%20maps.json"], "no temporary file left");
    if (process.platform !== "win32") {
      assert.equal((await stat(store.pathOf("pods"))).mode & 0o777, 0o600);
    }
    await store.delete("pods");
    await store.delete("pods");
    assert.equal(await store.get("pods"), undefined);
  });

  it("refuses a checkpoint over maxBytes and keeps the old file", async () => {
    const store = new FileCheckpointStore(dir, { maxBytes: 8 });
    await store.put("k", "12345678");
    await assert.rejects(store.put("k", "123456789"), { name: "CheckpointTooLargeError" });
    assert.equal(await store.get("k"), "12345678");
  });

  it("a corrupt file is a CheckpointCorruptError from loadSnapshot", async () => {
    const store = new FileCheckpointStore(dir);
    await writeFile(store.pathOf("broken"), "{ half a snap");
    await assert.rejects(loadSnapshot(store, "broken"), { name: "CheckpointCorruptError" });
  });

  it("an informer restarted from its file checkpoint resumes without relisting", async () => {
    const env = setup();
    seed(env.server, 20);
    const store = new FileCheckpointStore(dir);
    const first = createInformer(env.client, ConfigMaps, { clock: env.clock });
    const ac = new AbortController();
    const done = first.run(ac.signal);
    await first.waitForSync();
    await saveSnapshot(store, "cms", first.snapshot()!);
    ac.abort();
    await done;
    env.server.create(ConfigMaps, cm("late"));
    const lists = requests(env.server, "list").length;

    const second = createInformer(env.client, ConfigMaps, {
      clock: env.clock,
      initialState: await loadSnapshot(store, "cms"),
    });
    assert.equal(second.store.size, 20);
    const ac2 = new AbortController();
    const done2 = second.run(ac2.signal);
    await eventually(() => second.store.has("default/late"));
    assert.equal(requests(env.server, "list").length, lists, "no list request");
    ac2.abort();
    await done2;
    await env.server.close();
  });
});
