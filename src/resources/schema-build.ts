/**
 * Build `zod/mini` schemas at run time from kubeloop's schema model: the
 * run-time twin of the source emitter (same types, same checks), used by
 * `resourceFromCRD` and by tests that compare the two.
 *
 * @module
 */
import * as z from "zod/mini";
import type { $ZodType } from "zod/v4/core";
import { IntOrStringSchema, QuantitySchema, StringMapSchema, TimeSchema } from "./primitives.ts";
import type { SchemaType } from "./schema-model.ts";

/**
 * Resolves `ref` types while building: returns the schema of a named type.
 * Called lazily, so named types may refer to each other (and themselves).
 *
 * @example
 * ```ts
 * import type { RefResolver } from "./schema-build.ts";
 * import { ObjectMetaSchema } from "../kinds/meta/v1.ts";
 * const resolve: RefResolver = (module, name) => {
 *   if (module === "meta/v1" && name === "ObjectMeta") return ObjectMetaSchema;
 *   throw new Error(`unknown type ${module}.${name}`);
 * };
 * ```
 */
export type RefResolver = (module: string, name: string) => $ZodType;

/** An ECMAScript RegExp for an RE2 pattern, or undefined when the dialects may disagree (then the server alone checks it). */
function regexFor(pattern: string): RegExp | undefined {
  if (/\[\[:|\(\?[a-zA-Z]|\\[zACQEpPK]/.test(pattern)) return undefined;
  try {
    return new RegExp(pattern, "u");
  } catch {
    return undefined;
  }
}

/**
 * Build the schema of one type. Objects are loose: unknown fields pass through.
 *
 * @example
 * ```ts
 * import { buildSchema } from "./schema-build.ts";
 * const schema = buildSchema(
 *   { type: "object", properties: [{ name: "size", required: true, type: { type: "number", integer: true, minimum: 1 } }] },
 *   () => { throw new Error("no refs"); },
 * );
 * schema.safeParse({ size: 3, extra: true }).success; // true
 * ```
 */
export function buildSchema(t: SchemaType, resolve: RefResolver): z.ZodMiniType<unknown> {
  let s: z.ZodMiniType<unknown>;
  switch (t.type) {
    case "string": {
      if (t.enum?.length) {
        s = z.enum(t.enum as [string, ...string[]]);
        break;
      }
      const checks: z.core.$ZodCheck<string>[] = [];
      const re = t.pattern === undefined ? undefined : regexFor(t.pattern);
      if (re) checks.push(z.regex(re));
      if (t.minLength !== undefined) checks.push(z.minLength(t.minLength));
      if (t.maxLength !== undefined) checks.push(z.maxLength(t.maxLength));
      s = checks.length ? z.string().check(...checks) : z.string();
      break;
    }
    case "number": {
      if (t.enum?.length) {
        s = z.literal(t.enum as number[]);
        break;
      }
      const checks: z.core.$ZodCheck<number>[] = [];
      if (t.minimum !== undefined) {
        checks.push(t.exclusiveMinimum ? z.gt(t.minimum) : z.gte(t.minimum));
      }
      if (t.maximum !== undefined) {
        checks.push(t.exclusiveMaximum ? z.lt(t.maximum) : z.lte(t.maximum));
      }
      if (t.multipleOf !== undefined) checks.push(z.multipleOf(t.multipleOf));
      const base = t.integer ? z.int() : z.number();
      s = checks.length ? base.check(...checks) : base;
      break;
    }
    case "boolean":
      s = z.boolean();
      break;
    case "intOrString":
      s = IntOrStringSchema;
      break;
    case "quantity":
      s = QuantitySchema;
      break;
    case "time":
      s = TimeSchema;
      break;
    case "unknown":
      return z.unknown();
    case "array": {
      const base = z.array(buildSchema(t.items, resolve));
      const checks: z.core.$ZodCheck<unknown[]>[] = [];
      if (t.minItems !== undefined) checks.push(z.minLength(t.minItems));
      if (t.maxItems !== undefined) checks.push(z.maxLength(t.maxItems));
      s = checks.length ? base.check(...checks) : base;
      break;
    }
    case "map": {
      const checks: z.core.$ZodCheck<Record<string, unknown>>[] = [];
      const { minProperties: min, maxProperties: max } = t;
      if (min !== undefined) checks.push(z.refine((m) => Object.keys(m).length >= min));
      if (max !== undefined) checks.push(z.refine((m) => Object.keys(m).length <= max));
      const v = t.values;
      const plain =
        v.type === "string" &&
        !v.nullable &&
        !v.enum &&
        v.pattern === undefined &&
        v.minLength === undefined &&
        v.maxLength === undefined;
      const base: z.ZodMiniType<Record<string, unknown>> =
        plain && checks.length === 0
          ? StringMapSchema
          : z.record(z.string(), buildSchema(v, resolve));
      s = checks.length ? base.check(...checks) : base;
      break;
    }
    case "object": {
      const shape: Record<string, $ZodType> = {};
      for (const p of t.properties) {
        const inner = buildSchema(p.type, resolve);
        shape[p.name] = p.required ? inner : z.optional(inner);
      }
      s = z.looseObject(shape);
      break;
    }
    case "ref": {
      let cached: $ZodType | undefined;
      const target = (): $ZodType => (cached ??= resolve(t.module, t.name));
      s = z.lazy(target) as z.ZodMiniType<unknown>;
      break;
    }
    case "union":
      s = z.union(t.options.map((o) => buildSchema(o, resolve)));
      break;
  }
  return t.nullable ? z.nullable(s) : s;
}
