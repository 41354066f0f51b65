/**
 * Fast validation of decoded JSON against a zod schema.
 *
 * `validate(schema, value)` compiles the schema once into a plain checker
 * (no copying, no issue collection) and returns the input itself when it
 * passes. Only when the fast check fails (or the schema uses something the
 * compiler does not handle, like transforms or defaults) does it run zod's
 * own `safeParse`, so errors and results are exactly zod's. On the hot path
 * (every watch event) this costs a fraction of zod's parse, which copies
 * every object.
 *
 * @module
 */
import { type $ZodError, type $ZodErrorMap, type $ZodType, safeParse } from "zod/v4/core";
import { isStringMap } from "./primitives.ts";

/**
 * Result of {@link validate}: zod's `safeParse` shape.
 *
 * @example
 * ```ts
 * import { PodSchema, type Pod, type ValidationResult, validate } from "kubeloop";
 * declare const json: unknown;
 * const r: ValidationResult<Pod> = validate(PodSchema, json);
 * if (r.success) console.log(r.data.metadata.name);
 * else console.log(r.error.issues);
 * ```
 */
export type ValidationResult<T> = { success: true; data: T } | { success: false; error: $ZodError };

type Check = (v: unknown) => boolean;

class Unsupported extends Error {}

interface Internals {
  _zod: {
    def: Record<string, unknown> & { type: string; checks?: unknown[]; format?: string };
  };
}

/*
 * The compiled form of a schema is a tree of nodes (one class, one hidden class)
 * that `check`, `checkObject` and `checkArray` interpret. Leaves are tested
 * inline by tag, so a field costs no call, and nothing is copied.
 */
const STRING = 1;
const NUMBER = 2;
const INT = 3;
const BOOL = 4;
const ANY = 5;
const OBJECT = 6;
const ARRAY = 7;
const RECORD = 8;
const UNION = 9;
const FN = 10;
const REF = 11;
/** A union of leaves (int-or-string, quantities): `mask` has a bit per leaf tag. */
const LEAVES = 12;
/** An object with no known fields (FieldsV1, free-form objects): only its type is checked. */
const PLAIN_OBJECT = 13;

interface Field {
  node: Node;
  required: boolean;
}

/** One compiled schema node. A class with every field set up front, so all nodes share one hidden class. */
class Node {
  tag: number;
  optional = false;
  nullable = false;
  /** ARRAY element, RECORD value, REF target. */
  inner: Node | undefined = undefined;
  /** UNION options. */
  options: Node[] | undefined = undefined;
  /** LEAVES: one bit per accepted leaf tag. */
  mask = 0;
  /** FN: a check zod (or a custom function) does for this node. */
  fn: Check | undefined = undefined;
  /** OBJECT: its fields (shared by optional/nullable copies of the node). */
  obj: ObjectFields | undefined = undefined;
  constructor(tag: number) {
    this.tag = tag;
  }
}

/** An object node's fields. The lookup table is built once the whole schema is compiled (recursive children complete). */
class ObjectFields {
  keys: string[];
  shape: Node[];
  table: Map<string, Field> | undefined = undefined;
  requiredCount = 0;
  /**
   * The key order last seen and, per position, its field's node and tag (`+ NULLABLE` when
   * it accepts null, `+ REQUIRED` when required; 0 for unknown keys).
   */
  seenKeys: string[] = [];
  seenNodes: (Node | undefined)[] = [];
  seenTags: number[] = [];
  constructor(keys: string[], shape: Node[]) {
    this.keys = keys;
    this.shape = shape;
  }
}

function node(
  tag: number,
  extra: Partial<Pick<Node, "inner" | "options" | "fn" | "obj">> = {},
): Node {
  const n = new Node(tag);
  if (extra.inner) n.inner = extra.inner;
  if (extra.options) n.options = extra.options;
  if (extra.fn) n.fn = extra.fn;
  if (extra.obj) n.obj = extra.obj;
  return n;
}

function prepareObject(o: ObjectFields): Map<string, Field> {
  const table = new Map<string, Field>();
  let required = 0;
  for (let i = 0; i < o.keys.length; i++) {
    const child = o.shape[i]!;
    const isRequired = !check(child, undefined);
    if (isRequired) required++;
    table.set(o.keys[i]!, { node: child, required: isRequired });
  }
  o.requiredCount = required;
  o.table = table;
  return table;
}

function check(n: Node, x: unknown): boolean {
  if (x === undefined) {
    if (n.optional) return true;
  } else if (x === null && n.nullable) {
    return true;
  }
  switch (n.tag) {
    case STRING:
      return typeof x === "string";
    case INT:
      return typeof x === "number" && Number.isSafeInteger(x);
    case NUMBER:
      return typeof x === "number" && Number.isFinite(x);
    case BOOL:
      return typeof x === "boolean";
    case ANY:
      return true;
    case OBJECT:
      if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
      return checkObject(n.obj!, x as Record<string, unknown>);
    case ARRAY:
      return Array.isArray(x) && checkArray(n.inner!, x);
    case RECORD: {
      if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
      const val = n.inner!;
      const o = x as Record<string, unknown>;
      if (val.tag === STRING && !val.nullable) {
        for (const k in o) if (typeof o[k] !== "string") return false;
        return true;
      }
      if (val.tag === LEAVES) {
        for (const k in o) if (!leavesAccept(val.mask, o[k])) return false;
        return true;
      }
      for (const k in o) if (!check(val, o[k])) return false;
      return true;
    }
    case UNION: {
      const options = n.options!;
      for (let i = 0; i < options.length; i++) if (check(options[i]!, x)) return true;
      return false;
    }
    case REF:
      return check(n.inner!, x);
    case LEAVES:
      return leavesAccept(n.mask, x);
    case PLAIN_OBJECT:
      return typeof x === "object" && x !== null && !Array.isArray(x);
    default:
      return n.fn!(x);
  }
}

const NULLABLE = 32;
const REQUIRED = 64;

/** A key at a position the last value did not have: look it up and remember it there. */
function remember(n: ObjectFields, i: number, k: string): void {
  const f = n.table!.get(k);
  n.seenKeys[i] = k;
  n.seenNodes[i] = f?.node;
  n.seenTags[i] = f
    ? f.node.tag + (f.node.nullable ? NULLABLE : 0) + (f.required ? REQUIRED : 0)
    : 0;
}

function checkObject(n: ObjectFields, o: Record<string, unknown>): boolean {
  // Walk the keys the value has (most fields of a Pod spec are unset) and count the
  // required ones seen. Objects of one kind from one server list their keys in the same
  // (Go struct) order, so the last order seen is remembered: a repeat costs a pointer
  // compare per key instead of a map lookup, and leaves are tested inline by tag.
  const seenKeys = n.seenKeys;
  const seenTags = n.seenTags;
  const seenNodes = n.seenNodes;
  let i = -1;
  let required = 0;
  for (const k in o) {
    i++;
    if (seenKeys[i] !== k) remember(n, i, k);
    const tag = seenTags[i]!;
    if (tag === 0) continue;
    required += tag >> 6; // REQUIRED
    const v = o[k];
    switch (tag & 63) {
      case STRING:
        if (typeof v === "string") continue;
        return false;
      case STRING + NULLABLE:
        if (typeof v === "string" || v === null) continue;
        return false;
      case INT:
        if (typeof v === "number" && Number.isSafeInteger(v)) continue;
        return false;
      case INT + NULLABLE:
        if ((typeof v === "number" && Number.isSafeInteger(v)) || v === null) continue;
        return false;
      case BOOL:
        if (typeof v === "boolean") continue;
        return false;
      case OBJECT:
        if (typeof v === "object" && v !== null && !Array.isArray(v)) {
          if (!checkObject(seenNodes[i]!.obj!, v as Record<string, unknown>)) return false;
          continue;
        }
        return false;
      case LEAVES:
        if (leavesAccept(seenNodes[i]!.mask, v)) continue;
        return false;
      case ARRAY:
        if (Array.isArray(v) && checkArray(seenNodes[i]!.inner!, v)) continue;
        return false;
      default:
        if (!check(seenNodes[i]!, v)) return false;
    }
  }
  return required === n.requiredCount;
}

function checkArray(el: Node, x: unknown[]): boolean {
  if (el.tag === STRING && !el.nullable) {
    for (let i = 0; i < x.length; i++) if (typeof x[i] !== "string") return false;
    return true;
  }
  if (el.tag === OBJECT && !el.nullable) {
    const fields = el.obj!;
    for (let i = 0; i < x.length; i++) {
      const item = x[i];
      if (typeof item !== "object" || item === null || Array.isArray(item)) return false;
      if (!checkObject(fields, item as Record<string, unknown>)) return false;
    }
    return true;
  }
  for (let i = 0; i < x.length; i++) if (!check(el, x[i])) return false;
  return true;
}

function leavesAccept(mask: number, x: unknown): boolean {
  switch (typeof x) {
    case "string":
      return (mask & (1 << STRING)) !== 0;
    case "number":
      return (
        ((mask & (1 << NUMBER)) !== 0 && Number.isFinite(x)) ||
        ((mask & (1 << INT)) !== 0 && Number.isSafeInteger(x))
      );
    case "boolean":
      return (mask & (1 << BOOL)) !== 0;
    default:
      return false;
  }
}

function compile(schema: unknown, seen: Map<unknown, Node>): Node {
  const done = seen.get(schema);
  if (done) return done;
  // Register a reference first, so recursive schemas (getters, z.lazy) compile to a cycle.
  const ref = node(REF);
  seen.set(schema, ref);
  const real = compileNode(schema, seen);
  ref.inner = real;
  seen.set(schema, real);
  return real;
}

/** `inner` with an optional/nullable wrapper: a copy of it, or a reference while it is still compiling. */
function wrap(inner: Node, flag: "optional" | "nullable"): Node {
  let copy: Node;
  if (inner.tag === REF) {
    // still compiling (recursive): refer to it
    copy = node(REF, { inner });
  } else {
    copy = node(inner.tag, inner);
    copy.optional = inner.optional;
    copy.nullable = inner.nullable;
    copy.mask = inner.mask;
  }
  copy[flag] = true;
  return copy;
}

function compileNode(schema: unknown, seen: Map<unknown, Node>): Node {
  const zschema = schema as Internals;
  const def = zschema._zod?.def;
  if (!def) throw new Unsupported();
  // Format schemas (`z.int()`, `z.email()`, ...) carry their check on the node itself.
  const format = (def as { check?: string; format?: string }).check ? def.format : undefined;
  const listed = Array.isArray(def.checks) && def.checks.length > 0;
  const hasChecks = listed || format !== undefined;
  // pure validators with extra checks (min, regex, ...): let zod check that node
  const viaZod = (): Node =>
    node(FN, { fn: (v) => safeParse(zschema as unknown as $ZodType, v).success });
  switch (def.type) {
    case "string":
      return hasChecks ? viaZod() : node(STRING);
    case "number": {
      if (format === "safeint" && !listed) return node(INT);
      if (hasChecks) {
        const only = def.checks as { _zod?: { def?: { check?: string; format?: string } } }[];
        if (
          format === undefined &&
          only.length === 1 &&
          only[0]?._zod?.def?.check === "number_format" &&
          only[0]._zod.def.format === "safeint"
        ) {
          return node(INT);
        }
        return viaZod();
      }
      return node(NUMBER);
    }
    case "boolean":
      return hasChecks ? viaZod() : node(BOOL);
    case "null":
      return node(FN, { fn: (v) => v === null });
    case "unknown":
    case "any":
      return node(ANY);
    case "literal": {
      const values = def.values as unknown[];
      return node(FN, { fn: (v) => values.includes(v) });
    }
    case "enum": {
      const values = Object.values(def.entries as Record<string, unknown>);
      return node(FN, { fn: (v) => values.includes(v) });
    }
    case "custom": {
      if (hasChecks) return viaZod();
      const fn = def.fn as (v: unknown) => unknown;
      // StringMapSchema: a record of strings, checked inline
      if (fn === isStringMap) return node(RECORD, { inner: node(STRING) });
      return node(FN, { fn: (v) => fn(v) === true });
    }
    case "optional":
      return wrap(compile(def.innerType, seen), "optional");
    case "nullable":
      return wrap(compile(def.innerType, seen), "nullable");
    case "lazy":
      return compile((def.getter as () => unknown)(), seen);
    case "union": {
      const options = (def.options as unknown[]).map((o) => compile(o, seen));
      const leafTags = [STRING, NUMBER, INT, BOOL];
      if (options.every((o) => leafTags.includes(o.tag) && !o.optional && !o.nullable)) {
        const n = node(LEAVES);
        for (const o of options) n.mask |= 1 << o.tag;
        return n;
      }
      return node(UNION, { options });
    }
    case "array":
      return hasChecks ? viaZod() : node(ARRAY, { inner: compile(def.element, seen) });
    case "record": {
      const keyDef = (def.keyType as Internals)._zod.def;
      if (keyDef.type !== "string" || (keyDef.checks?.length ?? 0) > 0 || hasChecks) {
        throw new Unsupported();
      }
      return node(RECORD, { inner: compile(def.valueType, seen) });
    }
    case "object": {
      // only loose objects return their input unchanged; strip/strict objects differ
      const catchall = def.catchall as Internals | undefined;
      if (catchall?._zod.def.type !== "unknown" || hasChecks) throw new Unsupported();
      const shape = def.shape as Record<string, unknown>;
      const keys = Object.keys(shape);
      if (keys.length === 0) return node(PLAIN_OBJECT);
      const fields = new ObjectFields(
        keys,
        keys.map((k) => compile(shape[k], seen)),
      );
      objects.push(fields);
      return node(OBJECT, { obj: fields });
    }
    default:
      throw new Unsupported();
  }
}

const cache = new WeakMap<object, Node | null>();
/** Object nodes created by the compile in progress. */
let objects: ObjectFields[] = [];

function received(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/**
 * Short English messages for the issues Kubernetes schemas produce. kubeloop
 * builds its schemas with `zod/mini`, which loads no locale; this keeps
 * validation errors readable without shipping one. Codes it does not know fall
 * through to zod's configuration (classic `zod` installs English messages).
 */
const describeIssue: $ZodErrorMap = (issue) => {
  const i = issue as unknown as Record<string, unknown>;
  switch (issue.code) {
    case "invalid_type":
      return `expected ${String(i.expected)}, got ${received(issue.input)}`;
    case "invalid_value":
      return `expected one of ${(i.values as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return `${String(i.origin)} must be at least ${String(i.minimum)}`;
    case "too_big":
      return `${String(i.origin)} must be at most ${String(i.maximum)}`;
    case "invalid_format":
      return `does not match ${String(i.pattern ?? i.format)}`;
    case "not_multiple_of":
      return `must be a multiple of ${String(i.divisor)}`;
    case "invalid_union":
      return "matches none of the allowed types";
    default:
      return undefined;
  }
};

// The schema validated last (an informer validates one kind over and over): skips the WeakMap.
let lastSchema: object | undefined;
let lastNode: Node | null = null;

function checkerFor(schema: object): Node | null {
  if (schema === lastSchema) return lastNode;
  let c = cache.get(schema);
  if (c === undefined) {
    try {
      objects = [];
      c = compile(schema, new Map());
      // Lookup tables last: every child (recursive ones too) is complete now.
      for (const o of objects) prepareObject(o);
      objects = [];
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      c = null;
    }
    cache.set(schema, c);
  }
  lastSchema = schema;
  lastNode = c;
  return c;
}

/**
 * Validate `value` with `schema`. Returns the input itself (not a copy) when
 * it passes the compiled fast check; otherwise zod's `safeParse` result.
 *
 * @example
 * ```ts
 * import { validate, PodSchema } from "kubeloop";
 * declare const text: string;
 * const r = validate(PodSchema, JSON.parse(text));
 * if (!r.success) console.log(r.error.issues);
 * ```
 */
export function validate<T>(schema: $ZodType<T>, value: unknown): ValidationResult<T> {
  const compiled = checkerFor(schema);
  if (
    compiled &&
    (compiled.tag === OBJECT && !compiled.nullable
      ? typeof value === "object" &&
        value !== null &&
        !Array.isArray(value) &&
        checkObject(compiled.obj!, value as Record<string, unknown>)
      : check(compiled, value))
  ) {
    return { success: true, data: value as T };
  }
  return safeParse(schema, value, { error: describeIssue }) as ValidationResult<T>;
}

/**
 * Whether {@link validate} has a compiled fast path for `schema` (for tests and benchmarks).
 *
 * @example
 * ```ts
 * import { ConfigMapSchema, hasFastPath } from "kubeloop";
 * console.log(hasFastPath(ConfigMapSchema)); // true: validate() skips zod for valid ConfigMaps
 * ```
 */
export function hasFastPath(schema: $ZodType): boolean {
  return checkerFor(schema) !== null;
}
