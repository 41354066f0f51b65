import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BoundedBytes, concatBytes, textHead } from "../../src/util/bytes.ts";

const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);

describe("concatBytes", () => {
  it("joins chunks, and returns a single chunk as it is", () => {
    assert.deepEqual(concatBytes([bytes(1, 2), bytes(), bytes(3)]), bytes(1, 2, 3));
    const one = bytes(4);
    assert.equal(concatBytes([one]), one);
    assert.deepEqual(concatBytes([]), bytes());
  });
});

describe("BoundedBytes", () => {
  it("collects chunks up to the limit and keeps the part of the last one that fits", () => {
    const heads: number[][] = [];
    const body = new BoundedBytes(5, (h) => heads.push([...h]));
    assert.equal(body.push(bytes()), true); // an empty chunk is not the head
    assert.equal(body.push(bytes(1, 2)), true);
    assert.equal(body.push(bytes(3, 4)), true);
    assert.equal(body.push(bytes(5, 6, 7)), false);
    assert.deepEqual(body.result(), { bytes: bytes(1, 2, 3, 4, 5), truncated: true });
    assert.deepEqual(heads, [[1, 2]]);
  });

  it("is not truncated at exactly the limit, and a throwing head hook changes nothing", () => {
    const body = new BoundedBytes(3, () => {
      throw new Error("hint only");
    });
    assert.equal(body.push(bytes(1, 2, 3)), true);
    assert.deepEqual(body.result(), { bytes: bytes(1, 2, 3), truncated: false });
    const none = new BoundedBytes(0);
    assert.equal(none.push(bytes(1)), false);
    assert.deepEqual(none.result(), { bytes: bytes(), truncated: true });
  });
});

describe("textHead", () => {
  it("gives the first characters, multi-byte ones whole and invalid bytes replaced", () => {
    const enc = new TextEncoder();
    assert.equal(textHead(enc.encode("not json at all"), 8), "not json");
    assert.equal(textHead(enc.encode("äöü€ rest"), 4), "äöü€");
    assert.equal(textHead(new Uint8Array([0x61, 0xff, 0x62]), 3), "a\ufffdb");
    assert.equal(textHead(bytes(), 10), "");
  });
});
