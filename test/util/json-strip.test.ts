// Cutting metadata.managedFields out of JSON bytes before JSON.parse: the result must parse to exactly
// what JSON.parse of the input gives minus that one member, and nothing else may ever be cut.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseBytesWithoutManagedFields,
  parseWithoutManagedFields,
  type StripShape,
} from "../../src/util/json-strip.ts";

/** The parse result as text (compact), for readable comparisons. */
function strip(text: string, shape: StripShape): string {
  return JSON.stringify(parseWithoutManagedFields(text, shape));
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** What JSON.parse gives minus metadata.managedFields at the shape's paths (JSON.parse keeps the last of duplicate keys). */
function expected(text: string, shape: StripShape): unknown {
  const v = JSON.parse(text) as Record<string, Json>;
  const drop = (o: Json | undefined): void => {
    const m = (o as { metadata?: Json } | null | undefined)?.metadata;
    if (m !== null && typeof m === "object" && !Array.isArray(m)) delete m.managedFields;
  };
  if (shape === "object") drop(v);
  else if (shape === "event") drop(v.object);
  else if (Array.isArray(v.items)) for (const it of v.items) drop(it);
  return v;
}

function check(text: string, shape: StripShape): string {
  const value = parseWithoutManagedFields(text, shape);
  assert.deepEqual(value, expected(text, shape), `input: ${text}`);
  const out = JSON.stringify(value);
  return out;
}

const MF = [{ manager: "kubectl", fieldsV1: { "f:metadata": { 'k:{"uid":"x"}': {} } } }];

describe("parseWithoutManagedFields", () => {
  it("cuts managedFields wherever it sits among metadata's members (first, middle, last, only)", () => {
    for (const md of [
      { managedFields: MF, name: "a", namespace: "n" },
      { name: "a", managedFields: MF, namespace: "n" },
      { name: "a", namespace: "n", managedFields: MF },
      { managedFields: MF },
    ]) {
      const text = JSON.stringify({ kind: "Pod", metadata: md, spec: { x: 1 } });
      const out = check(text, "object");
      assert.ok(!out.includes("managedFields"), out);
    }
  });

  it("event shape: the event object's metadata only", () => {
    const text = JSON.stringify({
      type: "MODIFIED",
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "a", managedFields: MF },
        spec: {},
      },
    });
    const out = check(text, "event");
    assert.equal(
      out,
      '{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{}}}',
    );
  });

  it("list shape: every item, items with and without managedFields, empty lists", () => {
    const items = [
      { metadata: { name: "a", managedFields: MF } },
      { metadata: { name: "b" } },
      { metadata: { managedFields: [] } },
      { spec: { metadata: { managedFields: MF } } },
      "not an object",
      7,
    ];
    const text = JSON.stringify({
      kind: "List",
      metadata: { resourceVersion: "1", managedFields: "list-level: kept" },
      items,
    });
    const out = check(text, "list");
    assert.match(out, /list-level: kept/);
    assert.match(out, /"spec":\{"metadata":\{"managedFields"/);
    check('{"items":[]}', "list");
    check('{"kind":"List","items":[],"metadata":{}}', "list");
  });

  it("leaves every other managedFields alone: nested in spec, in annotation text, escaped keys", () => {
    const inputs = [
      // a custom resource with a field of the same name elsewhere
      { metadata: { name: "a" }, spec: { managedFields: [1, 2] } },
      // the spec comes first, and the metadata has none
      { spec: { metadata: { managedFields: [1] } }, metadata: { name: "a" } },
      // JSON text inside an annotation (kubectl's last-applied-configuration)
      {
        metadata: {
          name: "a",
          annotations: { last: JSON.stringify({ metadata: { managedFields: [] } }) },
        },
      },
      // a key that contains the name with a quote in front
      { metadata: { '"managedFields': [1], name: "a" } },
      { metadata: { 'x","managedFields": [': "y" } },
    ];
    for (const obj of inputs) {
      const text = JSON.stringify(obj);
      assert.equal(strip(text, "object"), text, text);
    }
    // a field of that name elsewhere AND the metadata's: only the metadata's goes
    const both = {
      spec: { managedFields: [{ keep: true }] },
      metadata: { name: "a", managedFields: MF },
    };
    assert.deepEqual(parseWithoutManagedFields(JSON.stringify(both), "object"), {
      spec: { managedFields: [{ keep: true }] },
      metadata: { name: "a" },
    });
    const items = {
      items: [
        { metadata: { name: "a", managedFields: MF } },
        { metadata: { name: "b", managedFields: 0 } },
        { spec: { managedFields: [1] }, metadata: { name: "c" } },
      ],
    };
    check(JSON.stringify(items), "list");
  });

  it("handles whitespace, escapes and unicode the way JSON.parse does", () => {
    const text = `{
      "metadata" : {
        "name" : "a \\"quoted\\" \\\\ name ✓",
        "managedFields" : [ { "manager" : "m\\\\", "x" : "]}" } ] ,
        "uid" : "u"
      },
      "data" : { "k" : "\\u005d\\u007d" }
    }`;
    const out = check(text, "object");
    assert.ok(!out.includes("manager"));
    check(
      `  {"type":"ADDED" ,  "object" : {"metadata":{"managedFields":[],"name":"x"}}}  `,
      "event",
    );
  });

  it("duplicate managedFields keys (JSON.parse keeps the last one): every one is cut", () => {
    check('{"metadata":{"managedFields":[1],"name":"a","managedFields":[2]}}', "object");
    check('{"metadata":{"managedFields":[1],"managedFields":[2],"name":"a"}}', "object");
    check('{"metadata":{"name":"a","managedFields":[1],"managedFields":[2]}}', "object");
    check('{"metadata":{"managedFields":[1],"managedFields":[2]}}', "object");
    check('{"items":[{"metadata":{"managedFields":[1],"managedFields":[2]}}]}', "list");
  });

  it("text that is not JSON throws JSON.parse's own error; text of another shape is not cut", () => {
    const bad = [
      "",
      "[",
      "nul",
      '{"metadata":{"managedFields":[1]',
      '{"metadata":{"managedFields":[1]}',
      '{"metadata":{"managedFields":[1],}}',
      '{"metadata":{"managedFields":["unterminated}}',
      '{"metadata" "managedFields":[1]}}',
      '{"object":{"metadata":{"managedFields":[1]}}',
      '{"items":[{"metadata":{"managedFields":[1]}},]}',
    ];
    for (const text of bad) {
      let message = "";
      try {
        JSON.parse(text);
      } catch (err) {
        message = (err as Error).message;
      }
      for (const shape of ["object", "event", "list"] as const) {
        assert.throws(() => parseWithoutManagedFields(text, shape), {
          name: "SyntaxError",
          message,
        });
      }
    }
    // the right JSON in the wrong shape: nothing is dropped
    const pod = '{"metadata":{"name":"a","managedFields":[1]}}';
    assert.equal(strip(pod, "event"), pod);
    assert.equal(strip(pod, "list"), pod);
    assert.equal(strip(`{"items":[${pod}]}`, "object"), `{"items":[${pod}]}`);
  });

  it("keeps the metadata object compact: rebuilt without the key, never deleted from", () => {
    const v = parseWithoutManagedFields(
      '{"metadata":{"name":"a","managedFields":[{}],"uid":"u"}}',
      "object",
    ) as { metadata: Record<string, unknown> };
    assert.deepEqual(Object.keys(v.metadata), ["name", "uid"]);
    assert.equal("managedFields" in v.metadata, false);
  });

  it("random objects: the cut text always parses to the input minus metadata.managedFields", () => {
    let seed = 0x9e3779b9;
    const rnd = (n: number): number => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed % n;
    };
    const keys = ["managedFields", "metadata", "name", "a", 'q"x', "k\\", "spec", "items", "✓"];
    const str = (): string =>
      ["plain", 'with "quotes"', "back\\slash\\", "]}{[", '"managedFields":[', "ü€𝄞", ""][rnd(7)]!;
    const value = (depth: number): Json => {
      const k = rnd(depth > 3 ? 4 : 7);
      if (k === 0) return null;
      if (k === 1) return rnd(2) === 0;
      if (k === 2) return rnd(1000) - 500 + rnd(100) / 10;
      if (k === 3) return str();
      if (k === 4) return Array.from({ length: rnd(4) }, () => value(depth + 1));
      const o: Record<string, Json> = {};
      for (let i = rnd(5); i > 0; i--) o[keys[rnd(keys.length)]!] = value(depth + 1);
      return o;
    };
    const withMeta = (): Json => {
      const o = value(1);
      if (o === null || typeof o !== "object" || Array.isArray(o)) return o;
      if (rnd(3) > 0) {
        const md = value(2);
        o.metadata = md !== null && typeof md === "object" && !Array.isArray(md) ? md : {};
        if (rnd(4) > 0) (o.metadata as Record<string, Json>).managedFields = value(2);
      }
      return o;
    };
    const spaced = (text: string): string =>
      rnd(3) === 0 ? JSON.stringify(JSON.parse(text), null, rnd(2) === 0 ? 2 : "\t") : text;
    let cutSome = 0;
    for (let i = 0; i < 3000; i++) {
      const shape = (["object", "event", "list"] as const)[i % 3]!;
      const inner = withMeta();
      const doc =
        shape === "object"
          ? inner
          : shape === "event"
            ? { type: "MODIFIED", object: inner }
            : { metadata: {}, items: Array.from({ length: rnd(4) }, withMeta) };
      const text = spaced(JSON.stringify(doc));
      check(text, shape);
      if (text.includes('"managedFields"')) cutSome++;
    }
    assert.ok(cutSome > 500, `only ${cutSome} inputs had a managedFields key`);
  });

  it("works on UTF-8 bytes: multi-byte characters around and inside the cut, invalid bytes decoded as before", () => {
    const lenient = new TextDecoder();
    const decode = (b: Uint8Array): string => lenient.decode(b);
    const mf = [
      { manager: "ünïcødé-😀", fieldsV1: { "f:metadata": { "f:labels": { "f:日本": {} } } } },
    ];
    const text = JSON.stringify({
      items: [
        {
          metadata: { name: "é", annotations: { "a/b": '😀"[{' }, managedFields: mf },
          spec: { ü: "]" },
        },
        { metadata: { managedFields: mf, name: "日本" } },
      ],
    });
    check(text, "list");
    const bytes = new TextEncoder().encode(text);
    assert.deepEqual(parseBytesWithoutManagedFields(bytes, "list", decode), expected(text, "list"));
    // an invalid byte outside the arrays becomes U+FFFD, as decoding the whole body does
    const bad = new TextEncoder().encode(
      '{"metadata":{"name":"a","managedFields":[{"manager":"x"}]},"v":"?"}',
    );
    const at = bad.lastIndexOf(0x3f);
    bad[at] = 0xff;
    const value = parseBytesWithoutManagedFields(bad, "object", decode) as Record<string, unknown>;
    assert.deepEqual(value, { metadata: { name: "a" }, v: "\ufffd" });
    // a fatal decoder's error comes through (the watch reports it as invalid UTF-8)
    const fatal = new TextDecoder("utf-8", { fatal: true });
    assert.throws(
      () => parseBytesWithoutManagedFields(bad, "object", (b) => fatal.decode(b)),
      TypeError,
    );
  });
});
