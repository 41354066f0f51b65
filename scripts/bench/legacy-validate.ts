/**
 * kubeloop 0.1.0's `validate()` (closures over zod classic schemas), kept unchanged as the
 * "before" of the validation benchmark together with scripts/bench/legacy-pod-schema.ts.
 * Not used anywhere else.
 */
import type { z } from "zod";

/**
 * Result of {@link validate}: zod's `safeParse` shape.
 */
export type ValidationResult<T> =
  | { success: true; data: T }
  | { success: false; error: z.ZodError };

type Check = (v: unknown) => boolean;

class Unsupported extends Error {}

interface Internals {
  _zod: { def: Record<string, unknown> & { type: string; checks?: unknown[] } };
  safeParse(v: unknown): { success: boolean };
}

const cache = new WeakMap<object, Check | null>();

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function compile(schema: unknown): Check {
  const node = schema as Internals;
  const def = node._zod?.def;
  if (!def) throw new Unsupported();
  const hasChecks = Array.isArray(def.checks) && def.checks.length > 0;
  // pure validators with extra checks (min, regex, int, ...): let zod check that node
  const viaZod: Check = (v) => node.safeParse(v).success;
  switch (def.type) {
    case "string":
      return hasChecks ? viaZod : (v) => typeof v === "string";
    case "number":
      if (hasChecks) {
        const only = def.checks as { _zod?: { def?: { check?: string; format?: string } } }[];
        if (
          only.length === 1 &&
          only[0]?._zod?.def?.check === "number_format" &&
          only[0]._zod.def.format === "safeint"
        ) {
          return (v) => typeof v === "number" && Number.isSafeInteger(v);
        }
        return viaZod;
      }
      return (v) => typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return hasChecks ? viaZod : (v) => typeof v === "boolean";
    case "null":
      return (v) => v === null;
    case "unknown":
    case "any":
      return () => true;
    case "literal": {
      const values = def.values as unknown[];
      return (v) => values.includes(v);
    }
    case "enum": {
      const values = Object.values(def.entries as Record<string, unknown>);
      return (v) => values.includes(v);
    }
    case "custom": {
      if (hasChecks) return viaZod;
      const fn = def.fn as (v: unknown) => unknown;
      return (v) => fn(v) === true;
    }
    case "optional": {
      const inner = compile(def.innerType);
      return (v) => v === undefined || inner(v);
    }
    case "nullable": {
      const inner = compile(def.innerType);
      return (v) => v === null || inner(v);
    }
    case "union": {
      const options = (def.options as unknown[]).map(compile);
      return (v) => {
        for (const o of options) if (o(v)) return true;
        return false;
      };
    }
    case "array": {
      if (hasChecks) return viaZod;
      const el = compile(def.element);
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!el(v[i])) return false;
        return true;
      };
    }
    case "record": {
      const keyDef = (def.keyType as Internals)._zod.def;
      if (keyDef.type !== "string" || (keyDef.checks?.length ?? 0) > 0) throw new Unsupported();
      const val = compile(def.valueType);
      return (v) => {
        if (!isObject(v)) return false;
        for (const k in v) if (!val(v[k])) return false;
        return true;
      };
    }
    case "object": {
      // only loose objects return their input unchanged; strip/strict objects differ
      const catchall = def.catchall as Internals | undefined;
      if (catchall?._zod.def.type !== "unknown" || hasChecks) throw new Unsupported();
      const shape = def.shape as Record<string, unknown>;
      const keys = Object.keys(shape);
      const checks = keys.map((k) => compile(shape[k]));
      const n = keys.length;
      return (v) => {
        if (!isObject(v)) return false;
        for (let i = 0; i < n; i++) if (!checks[i]!(v[keys[i]!])) return false;
        return true;
      };
    }
    default:
      throw new Unsupported();
  }
}

function checkerFor(schema: object): Check | null {
  let c = cache.get(schema);
  if (c === undefined) {
    try {
      c = compile(schema);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      c = null;
    }
    cache.set(schema, c);
  }
  return c;
}

/**
 * Validate `value` with `schema`. Returns the input itself (not a copy) when
 * it passes the compiled fast check; otherwise zod's `safeParse` result.
 */
export function validate<T>(schema: z.ZodType<T>, value: unknown): ValidationResult<T> {
  const check = checkerFor(schema);
  if (check?.(value)) return { success: true, data: value as T };
  return schema.safeParse(value) as ValidationResult<T>;
}

/**
 * Whether {@link validate} has a compiled fast path for `schema` (for tests and benchmarks).
 */
export function hasFastPath(schema: z.ZodType<unknown>): boolean {
  return checkerFor(schema) !== null;
}
