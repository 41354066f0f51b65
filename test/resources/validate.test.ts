import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { z } from "zod";
import * as zm from "zod/mini";
import { CustomResourceDefinitionSchema } from "../../src/kinds/apiextensions/v1.ts";
import { builtinResources } from "../../src/resources/builtin.ts";
import { PodSchema } from "../../src/resources/core.ts";
import { BookmarkSchema, ObjectMetaSchema, StatusSchema } from "../../src/resources/meta.ts";
import { hasFastPath, validate } from "../../src/resources/validate.ts";
import { seededRandom as rng } from "../../src/testing/random.ts";

const pod = JSON.parse(
  readFileSync(new URL("../fixtures/pod.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

const WEIRD: unknown[] = [
  null,
  undefined,
  0,
  1.5,
  -1,
  "",
  "x",
  true,
  false,
  [],
  {},
  [1],
  { a: 1 },
  Number.NaN,
  2 ** 60,
];

function paths(
  v: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      paths(x, [...prefix, i], out);
    });
  } else if (v && typeof v === "object")
    for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

function mutate(obj: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string | number, unknown>;
  if (path.length === 0) return value;
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return copy;
}

describe("validate (compiled fast path)", () => {
  it("has a fast path for every built-in kind and the meta schemas", () => {
    for (const r of builtinResources) assert.ok(hasFastPath(r.schema), r.kind);
    assert.ok(hasFastPath(BookmarkSchema));
    assert.ok(hasFastPath(StatusSchema));
  });

  it("returns the input itself on success", () => {
    const r = validate(PodSchema, pod);
    assert.ok(r.success);
    assert.equal(r.data, pod);
  });

  it("agrees with zod on thousands of mutated Pods", () => {
    const random = rng(42);
    const all = paths(pod);
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const path = all[Math.floor(random() * all.length)]!;
      const value = WEIRD[Math.floor(random() * WEIRD.length)];
      const candidate = mutate(pod, path, value);
      const fast = validate(PodSchema, candidate).success;
      const slow = PodSchema.safeParse(candidate).success;
      assert.equal(fast, slow, `path ${path.join(".")} = ${String(value)}`);
      if (!slow) rejected++;
    }
    assert.ok(rejected > 100, `only ${rejected} mutations were invalid`);
  });

  it("gives zod's issues on failure", () => {
    const r = validate(ObjectMetaSchema, { name: 5 });
    assert.ok(!r.success);
    assert.deepEqual(r.error.issues[0]!.path, ["name"]);
  });

  it("falls back to zod for schemas it cannot compile (strip objects, transforms, defaults)", () => {
    const strip = z.object({ a: z.string() });
    assert.equal(hasFastPath(strip), false);
    const r = validate(strip, { a: "x", extra: 1 });
    assert.ok(r.success);
    assert.deepEqual(r.data, { a: "x" });
    const withDefault = z.looseObject({ n: z.number().default(3) });
    assert.equal(hasFastPath(withDefault), false);
    const d = validate(withDefault, {});
    assert.ok(d.success && d.data.n === 3);
    const checked = z.looseObject({ s: z.string().min(2), i: z.number().int() });
    assert.ok(hasFastPath(checked));
    assert.equal(validate(checked, { s: "a", i: 1 }).success, false);
    assert.equal(validate(checked, { s: "ab", i: 1.5 }).success, false);
    assert.equal(validate(checked, { s: "ab", i: 1 }).success, true);
  });

  it("checks format schemas (z.int(), z.email(), ...) instead of accepting any number or string", () => {
    const s = z.looseObject({ n: z.int(), e: z.email(), m: zm.int() });
    assert.ok(hasFastPath(s));
    assert.equal(validate(s, { n: 1, e: "a@example.com", m: 2 }).success, true);
    assert.equal(validate(s, { n: 1.5, e: "a@example.com", m: 2 }).success, false);
    assert.equal(validate(s, { n: 1, e: "not an email", m: 2 }).success, false);
    assert.equal(validate(s, { n: 1, e: "a@example.com", m: 2.5 }).success, false);
  });

  it("compiles recursive schemas (getters, z.lazy) and agrees with zod on them", () => {
    interface Node {
      name: string;
      children?: Node[] | undefined;
    }
    const Tree: zm.ZodMiniType<Node> = zm.looseObject({
      name: zm.string(),
      get children(): zm.ZodMiniType<Node[] | undefined> {
        return zm.optional(zm.array(Tree));
      },
    });
    const Lazy: zm.ZodMiniType<Node> = zm.lazy(() =>
      zm.looseObject({ name: zm.string(), children: zm.optional(zm.array(Lazy)) }),
    );
    for (const schema of [Tree, Lazy]) {
      assert.ok(hasFastPath(schema));
      const ok = { name: "a", children: [{ name: "b", children: [{ name: "c" }] }] };
      const r = validate(schema, ok);
      assert.ok(r.success && r.data === ok);
      const bad = { name: "a", children: [{ name: "b", children: [{ name: 3 }] }] };
      assert.equal(validate(schema, bad).success, false);
      assert.equal(zm.safeParse(schema, bad).success, false);
    }
    // the generated CRD schema (JSONSchemaProps refers to itself)
    const crd = {
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "widgets", kind: "Widget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: { spec: { type: "object", properties: { n: { type: "integer" } } } },
              },
            },
          },
        ],
      },
    };
    assert.ok(hasFastPath(CustomResourceDefinitionSchema));
    const r = validate(CustomResourceDefinitionSchema, crd);
    assert.ok(r.success && r.data === crd);
    const badCrd = structuredClone(crd);
    (
      badCrd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.n as {
        type: unknown;
      }
    ).type = 5;
    assert.equal(validate(CustomResourceDefinitionSchema, badCrd).success, false);
  });

  it("counts required fields whatever order the keys come in, and ignores unknown keys", () => {
    const s = z.looseObject({
      a: z.string(),
      b: z.number(),
      c: z.string().optional(),
      d: z.boolean().optional(),
      e: z.string().optional(),
      f: z.string().optional(),
      g: z.string().optional(),
    });
    for (const obj of [
      { a: "x", b: 1 },
      { b: 1, a: "x", zz: [1] },
      { c: "y", b: 1, a: "x", d: true },
    ]) {
      const r = validate(s, obj);
      assert.ok(r.success && r.data === obj, JSON.stringify(obj));
    }
    for (const obj of [
      { a: "x" },
      { b: 1, zz: 1 },
      { a: "x", b: 1, d: "no" },
      { a: "x", b: undefined },
    ]) {
      assert.equal(validate(s, obj).success, false, JSON.stringify(obj));
    }
  });
});
