import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import * as zm from "zod/mini";
import { CustomResourceDefinitionSchema } from "../../src/kinds/apiextensions/v1.ts";
import { allBuiltinResources, builtinResources } from "../../src/resources/builtin.ts";
import { PodSchema } from "../../src/resources/core.ts";
import { BookmarkSchema, ObjectMetaSchema, StatusSchema } from "../../src/resources/meta.ts";
import {
  hasFastPath,
  preparedObjectCount,
  useAttachedChecks,
  validate,
} from "../../src/resources/validate.ts";
import { seededRandom as rng } from "../../src/testing/random.ts";
import { loadRealFixtures } from "../fixtures/real.ts";

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

// The generated kinds carry guards (withCheck), which validate runs; with them off, validate
// compiles the same schemas. Both must give zod's answers.
for (const guards of [true, false])
  describe(guards ? "validate (generated guards)" : "validate (compiled fast path)", () => {
    before(() => useAttachedChecks(guards));
    after(() => useAttachedChecks(true));

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
      // an exclusive union (z.xor) fails a value that more than one option accepts
      const xor = z.looseObject({ a: z.xor([z.string(), z.string().min(1)]) });
      assert.equal(hasFastPath(xor), false);
      assert.equal(validate(xor, { a: "x" }).success, false);
      assert.equal(validate(xor, { a: "" }).success, true);
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

    it("needs the key of a required field that takes any value, as zod does", () => {
      const s = zm.looseObject({ name: zm.string(), parameters: zm.unknown() });
      for (const obj of [
        { name: "a" },
        { name: "a", parameters: null },
        { name: "a", parameters: {} },
      ]) {
        const want = zm.safeParse(s, obj).success;
        assert.equal(validate(s, obj).success, want, JSON.stringify(obj));
      }
      assert.equal(validate(s, { name: "a" }).success, false);
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

describe("validate (lazy compile)", () => {
  // A schema is compiled per root schema object: wrapping one in z.lazy gives a fresh root with
  // nothing compiled yet, over the same (shared, immutable) zod schemas. The generated kinds
  // carry their guards (withCheck); here the compiler compiles them instead.
  const fresh = <T>(schema: zm.ZodMiniType<T>): zm.ZodMiniType<T> => zm.lazy(() => schema);
  before(() => useAttachedChecks(false));
  after(() => useAttachedChecks(true));

  it("gives the results of the whole compile and of zod on every recorded kind and mutations of it", () => {
    const random = rng(7);
    let checked = 0;
    let rejected = 0;
    for (const f of loadRealFixtures()) {
      const type = allBuiltinResources.find(
        (r) => r.apiVersion === f.apiVersion && r.kind === f.kind,
      );
      assert.ok(type, `${f.apiVersion} ${f.kind}`);
      const schema = type.schema as zm.ZodMiniType<unknown>;
      const lazy = fresh(schema);
      const eager = fresh(schema);
      assert.ok(hasFastPath(eager)); // compiles the whole schema now
      const objects = [f.get, f.watch.object, ...f.list.items];
      for (const obj of objects) {
        const all = paths(obj);
        const candidates: unknown[] = [obj];
        for (let i = 0; i < 150; i++) {
          const path = all[Math.floor(random() * all.length)]!;
          candidates.push(mutate(obj, path, WEIRD[Math.floor(random() * WEIRD.length)]));
        }
        for (const c of candidates) {
          const want = zm.safeParse(schema, c).success;
          const got = validate(lazy, c);
          assert.equal(got.success, want, `${f.kind}: lazy`);
          assert.equal(validate(eager, c).success, want, `${f.kind}: eager`);
          if (got.success) assert.equal(got.data, c, `${f.kind}: the input itself`);
          else rejected++;
          checked++;
        }
      }
      assert.ok(hasFastPath(lazy), f.kind);
    }
    assert.ok(checked > 5000 && rejected > 1000, `${checked} checked, ${rejected} rejected`);
  });

  it("compiles only the objects values reach: an absent optional object is never compiled", () => {
    let compiled = 0;
    const s = zm.looseObject({
      a: zm.string(),
      b: zm.optional(
        zm.looseObject({
          c: zm.lazy(() => {
            compiled++;
            return zm.string();
          }),
        }),
      ),
      list: zm.optional(
        zm.array(
          zm.looseObject({
            d: zm.lazy(() => {
              compiled++;
              return zm.number();
            }),
          }),
        ),
      ),
    });
    assert.ok(validate(s, { a: "x" }).success);
    assert.ok(validate(s, { a: "x", list: [] }).success);
    assert.equal(compiled, 0);
    assert.ok(validate(s, { a: "x", b: { c: "y" } }).success);
    assert.equal(compiled, 1);
    assert.ok(validate(s, { a: "x", list: [{ d: 1 }] }).success);
    assert.equal(compiled, 2);
    // (zod, which runs for invalid values, calls the getters too: count no more from here)
    assert.equal(validate(s, { a: "x", b: { c: 1 } }).success, false);
    assert.equal(validate(s, { a: "x", list: [{ d: 1 }, { d: "no" }] }).success, false);

    // the generated Pod schema: a Pod compiles a fraction of its objects, a repeat none
    const pods = fresh(PodSchema);
    const before = preparedObjectCount();
    assert.ok(validate(pods, pod).success);
    const first = preparedObjectCount() - before;
    assert.ok(validate(pods, structuredClone(pod)).success);
    assert.equal(preparedObjectCount() - before, first);
    assert.ok(hasFastPath(pods));
    const whole = preparedObjectCount() - before;
    assert.ok(first > 5 && first * 3 < whole, `first Pod ${first} objects, whole schema ${whole}`);
  });

  it("rejects a missing required field of an object prepared late", () => {
    const s = zm.looseObject({
      a: zm.optional(zm.looseObject({ req: zm.string(), opt: zm.optional(zm.string()) })),
    });
    assert.ok(validate(s, {}).success);
    assert.equal(validate(s, { a: { opt: "x" } }).success, false);
    assert.equal(validate(s, { a: {} }).success, false);
    assert.ok(validate(s, { a: { req: "r" } }).success);
    assert.ok(validate(s, { a: { opt: "x", req: "r" } }).success);
    // in the Pod schema: a projected volume's secret item (KeyToPath) needs key and path
    const pods = fresh(PodSchema);
    assert.ok(validate(pods, pod).success);
    for (const item of [{ key: "k" }, { path: "p" }, { key: "k", path: "p" }]) {
      const p = structuredClone(pod) as { spec: { volumes: Record<string, unknown>[] } };
      p.spec.volumes.push({ name: "extra", secret: { secretName: "s", items: [item] } });
      const want = PodSchema.safeParse(p).success;
      assert.equal(want, "key" in item && "path" in item);
      assert.equal(validate(pods, p).success, want, JSON.stringify(item));
    }
  });

  it("switches the schema to zod when a value reaches a default or transform, with zod's output", () => {
    const s = z.looseObject({
      a: z.string(),
      extra: z.optional(
        z.looseObject({
          n: z.number().default(3),
          t: z.optional(z.string().transform((x) => x.toUpperCase())),
        }),
      ),
    });
    const plain = { a: "x" };
    const r1 = validate(s, plain);
    assert.ok(r1.success && r1.data === plain); // fast path: nothing in `extra` was reached
    // `extra` is reached without `n`: its default is met when `extra` is prepared
    const r2 = validate(s, { a: "x", extra: {} });
    assert.ok(r2.success);
    assert.deepEqual(r2.data, { a: "x", extra: { n: 3 } });
    // from now on zod validates every value (its output is a copy)
    const r3 = validate(s, plain);
    assert.ok(r3.success && r3.data !== plain);
    assert.deepEqual(r3.data, plain);
    assert.deepEqual(validate(s, { a: "x", extra: { n: 1, t: "q" } }), {
      success: true,
      data: { a: "x", extra: { n: 1, t: "Q" } },
    });
    assert.equal(hasFastPath(s), false);

    // a default under `optional` (zod applies it to an absent field), an array element that
    // strips unknown keys, a transform on a record value
    const cases: [z.ZodType, unknown, unknown, unknown][] = [
      [
        z.looseObject({ o: z.optional(z.looseObject({ d: z.optional(z.number().default(1)) })) }),
        {},
        { o: {} },
        { o: { d: 1 } },
      ],
      [
        z.looseObject({ l: z.array(z.object({ k: z.string() })) }),
        { l: [] },
        { l: [{ k: "a", x: 1 }] },
        { l: [{ k: "a" }] },
      ],
      [
        z.looseObject({
          m: z.record(
            z.string(),
            z.string().transform((x) => x.length),
          ),
        }),
        { m: {} },
        { m: { a: "abc" } },
        { m: { a: 3 } },
      ],
    ];
    for (const [schema, before, reaching, output] of cases) {
      const b = validate(schema, before);
      assert.ok(b.success && b.data === before, JSON.stringify(before));
      const r = validate(schema, reaching);
      assert.ok(r.success);
      assert.deepEqual(r.data, output);
      const again = validate(schema, before);
      assert.ok(again.success && again.data !== before, "zod from now on");
    }
  });

  it("hasFastPath compiles the whole schema: false for an unsupported part no value reached", () => {
    const s = z.looseObject({
      a: z.string(),
      deep: z.optional(z.array(z.looseObject({ n: z.number().default(1) }))),
    });
    assert.equal(hasFastPath(s), false);
    const plain = { a: "x" };
    const r = validate(s, plain);
    assert.ok(r.success && r.data !== plain, "validate uses zod for it");
  });

  it("compiles recursive schemas lazily, level by level", () => {
    interface Tree {
      name: string;
      children?: Tree[] | undefined;
    }
    const Tree: zm.ZodMiniType<Tree> = zm.looseObject({
      name: zm.string(),
      get children(): zm.ZodMiniType<Tree[] | undefined> {
        return zm.optional(zm.array(Tree));
      },
    });
    type Json = string | Json[];
    const Nested: zm.ZodMiniType<Json> = zm.lazy(() => zm.union([zm.string(), zm.array(Nested)]));
    const deep = (n: number, leaf: unknown): unknown =>
      n === 0 ? leaf : { name: `n${n}`, children: [{ name: "x" }, deep(n - 1, leaf)] };
    const nest = (n: number, leaf: unknown): unknown => (n === 0 ? leaf : ["a", nest(n - 1, leaf)]);
    for (const [schema, make] of [
      [Tree, deep],
      [Nested, nest],
    ] as const) {
      const root = fresh(schema as zm.ZodMiniType<unknown>);
      const bad = make(6, make === deep ? { name: 1 } : 1);
      assert.ok(validate(root, make(1, make === deep ? { name: "leaf" } : "s")).success);
      assert.equal(validate(root, bad).success, false);
      assert.equal(zm.safeParse(schema, bad).success, false);
      const good = make(8, make === deep ? { name: "leaf" } : "s");
      const r = validate(root, good);
      assert.ok(r.success && r.data === good);
      assert.ok(hasFastPath(root));
    }
  });
});
