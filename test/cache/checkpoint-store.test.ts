// Checkpoint stores without an informer: the Durable Object store's parts and
// generations against a storage double that enforces Cloudflare's limits
// (128 KiB values, 128 keys per call), and the UTF-8 size guard.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CheckpointCorruptError,
  CheckpointTooLargeError,
  utf8ByteLength,
} from "../../src/cache/checkpoint.ts";
import {
  DurableObjectCheckpointStore,
  type DurableObjectStorageLike,
} from "../../src/cache/checkpoint-stores.ts";

/** Durable Object storage in memory, refusing what the real one refuses. */
class StorageDouble implements DurableObjectStorageLike {
  readonly data = new Map<string, unknown>();
  calls = 0;
  /** Fail the put call number `failAt` (1-based), to simulate an eviction half-way. */
  failAt = 0;
  async get(keys: string[]): Promise<Map<string, unknown>> {
    this.#batch(keys.length);
    const out = new Map<string, unknown>();
    for (const k of keys) if (this.data.has(k)) out.set(k, structuredClone(this.data.get(k)));
    return out;
  }
  async put(entries: Record<string, unknown>): Promise<void> {
    const keys = Object.keys(entries);
    this.#batch(keys.length);
    if (this.failAt > 0 && this.calls === this.failAt) throw new Error("evicted");
    for (const k of keys) {
      const v = entries[k];
      // V8 serialises a Latin-1 string with 1 byte per character, any other with 2
      const size = typeof v === "string" ? serialisedSize(v) : JSON.stringify(v).length;
      if (size > 128 * 1024) throw new RangeError(`value of ${k} is ${size} bytes, over 128 KiB`);
    }
    for (const k of keys) this.data.set(k, structuredClone(entries[k]));
  }
  async delete(keys: string[]): Promise<number> {
    this.#batch(keys.length);
    let n = 0;
    for (const k of keys) if (this.data.delete(k)) n++;
    return n;
  }
  async list(options: { prefix: string }): Promise<Map<string, unknown>> {
    this.calls++;
    return new Map([...this.data].filter(([k]) => k.startsWith(options.prefix)).sort());
  }
  #batch(n: number): void {
    this.calls++;
    if (n > 128) throw new RangeError(`${n} keys in one call, over 128`);
  }
}

/** What V8 serialises a string to: 1 byte per character if all are Latin-1, else 2. */
function serialisedSize(v: string): number {
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) > 0xff) return v.length * 2;
  return v.length;
}

/** A string of about `chars` characters, mixing ASCII, 2-byte and 4-byte characters. */
function text(chars: number, seed = 1): string {
  const alphabet = ["a", "b", "é", "ß", "€", "😀", "{", '"', "\n"];
  let s = "";
  let x = seed;
  while (s.length < chars) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += alphabet[x % alphabet.length];
  }
  return s;
}

describe("DurableObjectCheckpointStore", () => {
  it("splits a large checkpoint into parts under the value limit and reads it back", async () => {
    const storage = new StorageDouble();
    const store = new DurableObjectCheckpointStore(storage);
    const value = text(1_000_000);
    await store.put("pods", value);
    assert.equal(await store.get("pods"), value);
    assert.equal(await store.get("other"), undefined);
    // more parts than one storage call takes (128)
    const small = new DurableObjectCheckpointStore(storage, { maxValueBytes: 8 * 1024 });
    await small.put("many", value);
    const parts = [...storage.data.keys()].filter((k) => k.startsWith("checkpoint:many\u0000"));
    assert.ok(parts.length > 128, `${parts.length} parts`);
    assert.equal(await small.get("many"), value);
  });

  it("a new put replaces the old parts; an interrupted put leaves the old checkpoint readable", async () => {
    const storage = new StorageDouble();
    const store = new DurableObjectCheckpointStore(storage, { maxValueBytes: 1024 });
    const first = text(50_000, 1);
    await store.put("cms", first);
    const firstKeys = [...storage.data.keys()];
    const second = text(20_000, 2);
    await store.put("cms", second);
    assert.equal(await store.get("cms"), second);
    assert.ok(
      firstKeys.filter((k) => k !== "checkpoint:cms").every((k) => !storage.data.has(k)),
      "old parts deleted",
    );
    // the object is evicted during the next put, after some parts were written
    storage.calls = 0;
    storage.failAt = 2;
    await assert.rejects(store.put("cms", text(30_000, 3)), /evicted/);
    storage.failAt = 0;
    assert.equal(await store.get("cms"), second, "a reader sees the old checkpoint, never a mix");
    // the next successful put cleans up the orphans of the interrupted one
    await store.put("cms", first);
    assert.equal(await store.get("cms"), first);
    const partsNow = [...storage.data.keys()].filter((k) => k !== "checkpoint:cms");
    assert.equal(partsNow.length, Math.ceil(first.length / ((1024 - 64) / 2)));
  });

  it("refuses a checkpoint over maxBytes before writing anything; a missing part is a CheckpointCorruptError; delete removes all", async () => {
    const storage = new StorageDouble();
    const store = new DurableObjectCheckpointStore(storage, {
      maxBytes: 10_000,
      maxValueBytes: 1024,
    });
    await assert.rejects(store.put("x", "é".repeat(5001)), (err: unknown) => {
      assert.ok(err instanceof CheckpointTooLargeError);
      assert.equal(err.bytes, 10_002);
      assert.equal(err.maxBytes, 10_000);
      return true;
    });
    assert.equal(storage.data.size, 0);
    await store.put("x", text(5000));
    const part = [...storage.data.keys()].find((k) => k !== "checkpoint:x")!;
    storage.data.delete(part);
    await assert.rejects(store.get("x"), CheckpointCorruptError);
    await store.delete("x");
    assert.equal(storage.data.size, 0);
    assert.equal(await store.get("x"), undefined);
  });

  it("keeps keys apart: one key's parts are not another's", async () => {
    const storage = new StorageDouble();
    const store = new DurableObjectCheckpointStore(storage, { maxValueBytes: 256 });
    await store.put("a", text(1000, 1));
    await store.put("ab", text(1000, 2));
    await store.put("a", text(500, 3));
    assert.equal(await store.get("ab"), text(1000, 2));
    assert.equal(await store.get("a"), text(500, 3));
  });
});

describe("utf8ByteLength", () => {
  it("equals TextEncoder's length for any mix of characters, lone surrogates included", () => {
    const enc = new TextEncoder();
    for (let seed = 1; seed < 50; seed++) {
      const s = text(200 + seed * 13, seed);
      assert.equal(utf8ByteLength(s), enc.encode(s).length);
    }
    for (const s of ["", "\ud800", "a\udc00b", "\ud83d\ude00", "\ud83d"]) {
      assert.equal(utf8ByteLength(s), enc.encode(s).length, JSON.stringify(s));
    }
  });
});
