// The generated guards (`isPod`, ...) against zod: for random JSON values built from each
// guarded schema (valid ones, and ones with a wrong value, a missing field or an extra one
// somewhere), the guard says true exactly when zod's safeParse succeeds. Every generated
// module is covered: the built-in kinds and the CRD modules of test/kinds/generated.
import assert from "node:assert/strict";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import type * as zm from "zod/mini";
import { safeParse } from "zod/v4/core";
import { emitModule, type ModuleDecl } from "../../src/generate/emit.ts";
import { seededRandom } from "../../src/testing/random.ts";

type Random = () => number;
type Def = Record<string, unknown> & { type: string };

const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** JSON values of every type, some of them next to the edges the schemas draw. */
const ODD: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53,
  65536,
  "",
  "x",
  "DER",
  "10s",
  "http://a",
  [],
  ["x"],
  [1],
  {},
  { a: "x" },
  { a: 1 },
];

const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/**
 * A JSON value for `schema`: valid most of the time at each node, otherwise an odd value of any
 * type, a missing required field or an extra unknown field. `undefined` stands for "absent".
 */
function sample(schema: unknown, r: Random, depth: number): unknown {
  if (r() < 0.04) return pick(r, ODD);
  const d = defOf(schema);
  switch (d.type) {
    case "optional":
      return r() < 0.3 ? undefined : sample(d.innerType, r, depth);
    case "nullable":
      return r() < 0.2 ? null : sample(d.innerType, r, depth);
    case "lazy":
      return sample((d.getter as () => unknown)(), r, depth);
    case "string":
      return pick(r, [
        "",
        "x",
        "abc",
        "DER",
        "10s",
        "1h30m",
        "http://a",
        "https://b/c",
        "0",
        "5Gi",
      ]);
    case "enum":
      return r() < 0.8 ? pick(r, Object.values(d.entries as object)) : "not-a-member";
    case "literal":
      return r() < 0.8 ? pick(r, d.values as unknown[]) : 7;
    case "number":
      return pick(r, [0, 1, -1, 0.25, 0.5, 1.5, 2, 100, 65535, 2 ** 53, -(2 ** 31)]);
    case "boolean":
      return r() < 0.5;
    case "unknown":
    case "any":
      return pick(r, ODD);
    case "custom": // the string map
      return r() < 0.8 ? { a: "x", b: "" } : { a: 1 };
    case "union":
      return sample(pick(r, d.options as unknown[]), r, depth);
    case "array": {
      if (depth > 6) return [];
      const n = Math.floor(r() * 3);
      return Array.from({ length: n }, () => sample(d.element, r, depth + 1)).filter(
        (v) => v !== undefined,
      );
    }
    case "record": {
      const out: Record<string, unknown> = {};
      if (depth > 6) return out;
      for (let i = Math.floor(r() * 6); i > 0; i--) {
        const v = sample(d.valueType, r, depth + 1);
        if (v !== undefined) out[`k${i}`] = v;
      }
      return out;
    }
    case "object": {
      const out: Record<string, unknown> = {};
      if (depth > 6) return out;
      for (const [key, field] of Object.entries(d.shape as Record<string, unknown>)) {
        if (r() < 0.03) continue; // a required field may go missing
        const v = sample(field, r, depth + 1);
        if (v !== undefined) out[key] = v;
      }
      if (r() < 0.1) out.unknownField = pick(r, ODD);
      return out;
    }
    default:
      throw new Error(`no sampler for ${d.type}`);
  }
}

/** Every generated module: src/kinds/<group>/<version>.ts and the CRD modules. */
function modules(): URL[] {
  const out: URL[] = [];
  for (const base of ["../../src/kinds/", "./generated/"]) {
    const dir = new URL(base, import.meta.url);
    for (const group of readdirSync(dir, { withFileTypes: true })) {
      if (!group.isDirectory()) continue;
      for (const f of readdirSync(new URL(`${group.name}/`, dir)).sort()) {
        if (f.endsWith(".ts")) out.push(new URL(`${group.name}/${f}`, dir));
      }
    }
  }
  return out;
}

describe("generated guards", () => {
  it("agree with zod on random values of every guarded schema of every generated module", async () => {
    const r = seededRandom(18);
    let guards = 0;
    let accepted = 0;
    let rejected = 0;
    let unguarded = 0;
    for (const url of modules()) {
      const mod = (await import(url.href)) as Record<string, unknown>;
      for (const [name, schema] of Object.entries(mod)) {
        if (!name.endsWith("Schema") || typeof schema !== "object") continue;
        const guard = mod[`is${name.slice(0, -"Schema".length)}`] as
          | ((v: unknown) => boolean)
          | undefined;
        if (typeof guard !== "function") {
          unguarded++;
          continue;
        }
        guards++;
        for (let i = 0; i < 40; i++) {
          const value = sample(schema, r, 0);
          const want: boolean = safeParse(schema as zm.ZodMiniType, value).success;
          assert.equal(
            guard(value),
            want,
            `${url.pathname.split("/").slice(-2).join("/")} is${name.slice(0, -6)}: ${JSON.stringify(value)}`,
          );
          if (want) accepted++;
          else rejected++;
        }
      }
    }
    // every built-in schema has a guard; of the CRD modules, the widget schemas that use
    // multipleOf (and those that contain them) have none
    assert.ok(guards > 650, `${guards} guards`);
    assert.ok(unguarded > 0 && unguarded < 10, `${unguarded} schemas without a guard`);
    assert.ok(accepted > 10_000 && rejected > 10_000, `${accepted} accepted, ${rejected} rejected`);
  });
});

describe("generated guards in validate", () => {
  it("run for the schema they are attached to, and a schema without one is compiled", async () => {
    const core = await import("../../src/kinds/core/v1.ts");
    const widgets = await import("./generated/kubeloop.example.com/v1.ts");
    const { validate } = await import("../../src/resources/validate.ts");
    const pod = { metadata: { name: "p" }, spec: { containers: [{ name: "c" }] } };
    assert.ok(core.isPod(pod));
    assert.equal(validate(core.PodSchema, pod).success, true);
    const bad = { metadata: { name: "p" }, spec: { containers: [{ image: "x" }] } };
    assert.equal(core.isPod(bad), false);
    const r = validate(core.PodSchema, bad);
    assert.ok(!r.success);
    assert.deepEqual(r.error.issues[0]!.path, ["spec", "containers", 0, "name"]);
    // multipleOf has no guard: the widget spec (and the Widget) are left to the compiler
    assert.equal("isWidgetSpec" in widgets, false);
    assert.equal("isWidget" in widgets, false);
    const widget = { metadata: { name: "w" }, spec: { size: 1, color: "red", ratio: 0.5 } };
    assert.equal(validate(widgets.WidgetSchema, widget).success, true);
    const off = { ...widget, spec: { ...widget.spec, ratio: 0.3 } }; // not a multiple of 0.25
    assert.equal(validate(widgets.WidgetSchema, off).success, false);
  });
});

describe("the guard emitter on every construct of the schema model", () => {
  it("agrees with the emitted schema on random values, and leaves multipleOf to the compiler", async () => {
    const mod: ModuleDecl = {
      path: "guards.example.com/v1",
      header: ["A module for the guard test."],
      moduleDoc: ["Guards."],
      resources: [],
      types: [
        {
          name: "Everything",
          doc: ["Every construct."],
          type: {
            type: "object",
            properties: [
              { name: "s", required: true, type: { type: "string", minLength: 1, maxLength: 3 } },
              { name: "e", required: false, type: { type: "string", enum: ["DER", "x"] } },
              { name: "p", required: false, type: { type: "string", pattern: "^[0-9]+(s|h)$" } },
              {
                name: "n",
                required: false,
                type: {
                  type: "number",
                  integer: false,
                  minimum: 0,
                  exclusiveMaximum: true,
                  maximum: 100,
                },
              },
              {
                name: "i",
                required: false,
                type: { type: "number", integer: true, exclusiveMinimum: true, minimum: -1 },
              },
              {
                name: "ne",
                required: false,
                type: { type: "number", integer: true, enum: [1, 2] },
              },
              { name: "b", required: false, type: { type: "boolean", nullable: true } },
              { name: "ios", required: false, type: { type: "intOrString" } },
              { name: "q", required: false, type: { type: "quantity" } },
              { name: "t", required: false, type: { type: "time", nullable: true } },
              { name: "any", required: true, type: { type: "unknown" } },
              {
                name: "anyOrString",
                required: true,
                type: { type: "union", options: [{ type: "unknown" }, { type: "string" }] },
              },
              { name: "free", required: false, type: { type: "object", properties: [] } },
              {
                name: "list",
                required: false,
                type: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 2 },
              },
              {
                name: "anyList",
                required: false,
                type: { type: "array", items: { type: "unknown" } },
              },
              {
                name: "labels",
                required: false,
                type: { type: "map", values: { type: "string" } },
              },
              {
                name: "counted",
                required: false,
                type: { type: "map", values: { type: "intOrString" }, maxProperties: 2 },
              },
              {
                name: "nullableMap",
                required: false,
                type: { type: "map", values: { type: "string", nullable: true } },
              },
              {
                name: "child",
                required: false,
                type: {
                  type: "ref",
                  module: "guards.example.com/v1",
                  name: "Child",
                  nullable: true,
                },
              },
              {
                name: "children",
                required: false,
                type: {
                  type: "array",
                  items: { type: "ref", module: "guards.example.com/v1", name: "Child" },
                },
              },
              {
                name: "either",
                required: false,
                type: {
                  type: "union",
                  options: [
                    { type: "boolean" },
                    { type: "ref", module: "guards.example.com/v1", name: "Child" },
                  ],
                },
              },
              { name: "x-dashed", required: false, type: { type: "string" } },
            ],
          },
        },
        {
          name: "Child",
          doc: ["A recursive child."],
          type: {
            type: "object",
            properties: [
              { name: "name", required: true, type: { type: "string" } },
              {
                name: "next",
                required: false,
                type: { type: "ref", module: "guards.example.com/v1", name: "Child" },
              },
            ],
          },
        },
        {
          name: "Stepped",
          doc: ["multipleOf: no guard."],
          type: {
            type: "object",
            properties: [
              {
                name: "ratio",
                required: false,
                type: { type: "number", integer: false, multipleOf: 0.25 },
              },
            ],
          },
        },
        {
          name: "HoldsStepped",
          doc: ["Refers to a type without a guard: none either."],
          type: {
            type: "object",
            properties: [
              {
                name: "s",
                required: false,
                type: { type: "ref", module: "guards.example.com/v1", name: "Stepped" },
              },
            ],
          },
        },
      ],
    };
    const kubeloop = new URL("../../src/mod.ts", import.meta.url).href;
    const { source } = emitModule(mod, {
      zod: "zod/mini",
      runtime: () => kubeloop,
      module: () => kubeloop,
    });
    const file = new URL(
      `./.guards-${Date.now()}-${Math.floor(Math.random() * 1e6)}.ts`,
      import.meta.url,
    );
    writeFileSync(file, source);
    try {
      const m = (await import(file.href)) as Record<string, unknown>;
      assert.equal(typeof m.isEverything, "function");
      assert.equal(typeof m.isChild, "function");
      assert.equal("isStepped" in m, false);
      assert.equal("isHoldsStepped" in m, false);
      const r = seededRandom(36);
      let accepted = 0;
      for (const name of ["Everything", "Child"]) {
        const guard = m[`is${name}`] as (v: unknown) => boolean;
        for (let i = 0; i < 3000; i++) {
          const value = sample(m[`${name}Schema`], r, 0);
          const want: boolean = safeParse(m[`${name}Schema`] as zm.ZodMiniType, value).success;
          assert.equal(guard(value), want, `is${name}: ${JSON.stringify(value)}`);
          if (want) accepted++;
        }
      }
      assert.ok(accepted > 300, `${accepted} accepted`);
      // the cases the sampler rarely builds
      const isEverything = m.isEverything as (v: unknown) => boolean;
      const base = { s: "ab", any: null, anyOrString: 1 };
      assert.equal(isEverything(base), true);
      const { any: _any, ...noAny } = base;
      assert.equal(isEverything(noAny), false); // a required field that takes any value needs its key
      assert.equal(isEverything({ ...base, "x-dashed": 1 }), false);
      assert.equal(isEverything({ ...base, counted: { a: 1, b: "x", c: 2 } }), false);
      assert.equal(isEverything({ ...base, p: "10m" }), false);
      assert.equal(isEverything({ ...base, child: { name: "a", next: { name: 1 } } }), false);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
