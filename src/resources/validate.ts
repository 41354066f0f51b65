/**
 * Fast validation of decoded JSON against a zod schema.
 *
 * `validate(schema, value)` compiles the schema into a plain checker (no
 * copying, no issue collection), lazily: a part of the schema is compiled when
 * the first value reaches it, so a Pod schema that covers every field costs
 * only what real Pods use. It returns the input itself when it
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
/**
 * Not compiled yet (an array element, a record value): compiled when the first value reaches
 * it, and then the node becomes the compiled one in place (see `resolve`).
 */
const DEFERRED = 14;

/** What a deferred node compiles: its schema, and the compile state of the schema being validated. */
interface Deferred {
  schema: unknown;
  seen: Map<unknown, Node>;
}

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
  /** DEFERRED: what to compile. */
  lazy: Deferred | undefined = undefined;
  constructor(tag: number) {
    this.tag = tag;
  }
}

/**
 * An object node's fields. Its field schemas are compiled, and the lookup table built, when the
 * first value reaches the object (`prepareObject`).
 */
class ObjectFields {
  keys: string[];
  /** The zod shape: its field schemas are compiled when the object is prepared. */
  shape: Record<string, unknown>;
  seen: Map<unknown, Node>;
  table: Map<string, Field> | undefined = undefined;
  requiredCount = 0;
  /**
   * The key order last seen and, per position, its field's node and tag (`+ NULLABLE` when
   * it accepts null, `+ REQUIRED` when required; 0 for unknown keys).
   */
  seenKeys: string[] = [];
  seenNodes: (Node | undefined)[] = [];
  seenTags: number[] = [];
  constructor(keys: string[], shape: Record<string, unknown>, seen: Map<unknown, Node>) {
    this.keys = keys;
    this.shape = shape;
    this.seen = seen;
  }
}

function node(
  tag: number,
  extra: Partial<Pick<Node, "inner" | "options" | "fn" | "obj" | "lazy">> = {},
): Node {
  const n = new Node(tag);
  if (extra.inner) n.inner = extra.inner;
  if (extra.options) n.options = extra.options;
  if (extra.fn) n.fn = extra.fn;
  if (extra.obj) n.obj = extra.obj;
  if (extra.lazy) n.lazy = extra.lazy;
  return n;
}

/** Objects whose fields were compiled (`prepareObject` calls), for tests. */
let prepared = 0;

/**
 * Compile an object's fields, the first time a value reaches it. Each field's own node is
 * compiled (its wrappers, its type, the shell of a nested object, union options), not what is
 * inside: a nested object's fields wait until a value reaches that object, an array's element
 * until it has one. That is enough to know which fields are required (those not wrapped in
 * `z.optional`), and to meet a default, transform, catch or pipe
 * on a field (`Unsupported`), which zod would apply to the field even when it is absent, before
 * any value passes this object.
 */
function prepareObject(o: ObjectFields): void {
  prepared++;
  const table = new Map<string, Field>();
  let required = 0;
  for (let i = 0; i < o.keys.length; i++) {
    const key = o.keys[i]!;
    const child = compile(o.shape[key], o.seen);
    // zod needs the key of every field not wrapped in z.optional, even one whose schema takes
    // undefined (z.unknown(), z.any()): absent, it fails as "nonoptional"
    const isRequired = !child.optional;
    if (isRequired) required++;
    table.set(key, { node: child, required: isRequired });
  }
  o.requiredCount = required;
  o.table = table;
}

/** Compile a deferred node now and make it that node, in place (parents keep their reference). */
function resolve(d: Node): void {
  const { schema, seen } = d.lazy!;
  let real = seen.get(schema)!;
  if (real === d) {
    seen.delete(schema);
    try {
      real = compile(schema, seen);
    } catch (err) {
      seen.set(schema, d);
      throw err;
    }
  } else if (real.tag === DEFERRED) {
    resolve(real);
  }
  d.tag = real.tag;
  d.inner = real.inner;
  d.options = real.options;
  d.mask = real.mask;
  d.fn = real.fn;
  d.obj = real.obj;
  d.optional ||= real.optional;
  d.nullable ||= real.nullable;
  d.lazy = undefined;
}

/** A node for `schema` that is compiled when a value first reaches it. */
function defer(schema: unknown, seen: Map<unknown, Node>): Node {
  const done = seen.get(schema);
  if (done) return done;
  const d = node(DEFERRED, { lazy: { schema, seen } });
  seen.set(schema, d);
  return d;
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
    case DEFERRED:
      resolve(n);
      return check(n, x);
    default:
      return n.fn!(x);
  }
}

const NULLABLE = 32;
const REQUIRED = 64;

/** A key at a position the last value did not have: look it up and remember it there. */
function remember(n: ObjectFields, i: number, k: string): void {
  const f = n.table!.get(k);
  if (f?.node.tag === DEFERRED) resolve(f.node);
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
  if (n.table === undefined) prepareObject(n);
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
  if (el.tag === DEFERRED) {
    if (x.length === 0) return true;
    resolve(el);
  }
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

/**
 * Compile `schema`'s own node: its wrappers (optional, nullable, lazy), its type, union options;
 * an object's fields, an array's element and a record's value wait (`prepareObject`, `defer`).
 */
function compile(schema: unknown, seen: Map<unknown, Node>): Node {
  const done = seen.get(schema);
  if (done) return done;
  const fn = useAttached ? attached.get(schema as object) : undefined;
  if (fn) {
    const n = node(FN, { fn });
    seen.set(schema, n);
    return n;
  }
  // Register a reference first, so recursive schemas (z.lazy in a union, say) compile to a cycle.
  const ref = node(REF);
  seen.set(schema, ref);
  let real: Node;
  try {
    real = compileNode(schema, seen);
  } catch (err) {
    seen.delete(schema); // an error of a getter, say: the next value tries again
    throw err;
  }
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
    // a deferred inner: a deferred copy, which `resolve` completes from the shared node
    copy = node(inner.tag, inner);
    copy.optional = inner.optional;
    copy.nullable = inner.nullable;
    copy.mask = inner.mask;
  }
  copy[flag] = true;
  return copy;
}

/** A pure validator with extra checks (min, regex, ...): zod checks that node. */
function viaZod(schema: Internals): Node {
  return node(FN, { fn: (v) => safeParse(schema as unknown as $ZodType, v).success });
}

function compileNode(schema: unknown, seen: Map<unknown, Node>): Node {
  const zschema = schema as Internals;
  const def = zschema._zod?.def;
  if (!def) throw new Unsupported();
  // Format schemas (`z.int()`, `z.email()`, ...) carry their check on the node itself.
  const format = (def as { check?: string; format?: string }).check ? def.format : undefined;
  const listed = Array.isArray(def.checks) && def.checks.length > 0;
  const hasChecks = listed || format !== undefined;
  switch (def.type) {
    case "string":
      return hasChecks ? viaZod(zschema) : node(STRING);
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
        return viaZod(zschema);
      }
      return node(NUMBER);
    }
    case "boolean":
      return hasChecks ? viaZod(zschema) : node(BOOL);
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
      if (hasChecks) return viaZod(zschema);
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
      // z.xor fails a value more than one option accepts; the checker stops at the first
      if (def.inclusive === false && def.discriminator === undefined) throw new Unsupported();
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
      return hasChecks ? viaZod(zschema) : node(ARRAY, { inner: defer(def.element, seen) });
    case "record": {
      const keyDef = (def.keyType as Internals)._zod.def;
      if (keyDef.type !== "string" || (keyDef.checks?.length ?? 0) > 0 || hasChecks) {
        throw new Unsupported();
      }
      return node(RECORD, { inner: defer(def.valueType, seen) });
    }
    case "object": {
      // only loose objects return their input unchanged; strip/strict objects differ
      const catchall = def.catchall as Internals | undefined;
      if (catchall?._zod.def.type !== "unknown" || hasChecks) throw new Unsupported();
      const shape = def.shape as Record<string, unknown>;
      const keys = Object.keys(shape);
      if (keys.length === 0) return node(PLAIN_OBJECT);
      return node(OBJECT, { obj: new ObjectFields(keys, shape, seen) });
    }
    default:
      throw new Unsupported();
  }
}

let cache = new WeakMap<object, Node | null>();

/** Checks attached to schemas with {@link withCheck}. */
const attached = new WeakMap<object, Check>();
/** Whether compiling uses attached checks (tests turn it off to exercise the compiler on generated schemas). */
let useAttached = true;

/**
 * Attach an exact check to `schema`: a function that returns true for exactly the values
 * `schema` accepts and returns unchanged (for a loose object: every known field valid, unknown
 * fields kept). {@link validate} then calls it instead of compiling the schema, and so does
 * the compiled check of any schema that contains this one. Returns `schema`.
 *
 * The generated kinds attach their generated type guards (`isPod` to `PodSchema`, ...): plain
 * straight-line code, fast from the first object on, where the compiled check is an
 * interpreter that V8 optimises only after some hundreds of objects. A check that accepts a
 * value the schema rejects lets that value through `validate`, so attach only a check that
 * is exact.
 *
 * @example
 * ```ts
 * import { validate, withCheck } from "kubeloop";
 * import * as z from "zod/mini";
 * const PortSchema = withCheck(z.int(), (v) => Number.isSafeInteger(v));
 * validate(PortSchema, 8080).success; // true, without compiling the schema
 * ```
 */
export function withCheck<S extends $ZodType>(schema: S, check: (value: unknown) => boolean): S {
  attached.set(schema, check);
  return schema;
}

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
      c = compile(schema, new Map());
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
  if (compiled) {
    let ok: boolean;
    try {
      ok =
        compiled.tag === OBJECT && !compiled.nullable
          ? typeof value === "object" &&
            value !== null &&
            !Array.isArray(value) &&
            checkObject(compiled.obj!, value as Record<string, unknown>)
          : check(compiled, value);
    } catch (err) {
      // This value reached a part of the schema the compiler does not handle (a default, a
      // transform, a strip object, ...): zod validates this schema from now on, as it would
      // have from the start if the schema were compiled whole. The values that passed before
      // got the same result from us as from zod: a part is compiled before any value passes
      // it, and an object's field nodes (wrappers included) when the object is first reached,
      // so every default or transform zod would have applied to those values (zod applies
      // them only inside present values, and to absent fields of present objects) was met
      // then, and they never went through the fast path.
      if (!(err instanceof Unsupported)) throw err;
      cache.set(schema, null);
      lastNode = null;
      ok = false;
    }
    if (ok) return { success: true, data: value as T };
  }
  return safeParse(schema, value, { error: describeIssue }) as ValidationResult<T>;
}

/** Roots whose whole schema `hasFastPath` compiled. */
let whole = new WeakSet<object>();

/** Compile every part of a root's schema now (what `validate` leaves until values reach it). */
function compileWhole(root: Node): void {
  const todo = [root];
  const done = new Set<Node>();
  for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
    if (done.has(n)) continue;
    done.add(n);
    if (n.tag === DEFERRED) resolve(n);
    if (n.inner) todo.push(n.inner);
    if (n.options) todo.push(...n.options);
    if (n.obj) {
      if (n.obj.table === undefined) prepareObject(n.obj);
      for (const f of n.obj.table!.values()) todo.push(f.node);
    }
  }
}

/**
 * Whether {@link validate} has a compiled fast path for `schema` (for tests and benchmarks).
 * `validate` compiles a schema lazily, part by part as values reach it; this compiles the
 * whole schema at once (so it costs what `validate` avoids), and is false when any part of it,
 * reached or not, makes `validate` fall back to zod's `safeParse`.
 *
 * @example
 * ```ts
 * import { ConfigMapSchema, hasFastPath } from "kubeloop";
 * console.log(hasFastPath(ConfigMapSchema)); // true: validate() skips zod for valid ConfigMaps
 * ```
 */
export function hasFastPath(schema: $ZodType): boolean {
  const c = checkerFor(schema);
  if (c === null) return false;
  if (!whole.has(schema)) {
    try {
      compileWhole(c);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      cache.set(schema, null);
      if (lastSchema === schema) lastNode = null;
      return false;
    }
    whole.add(schema);
  }
  return true;
}

/**
 * How many objects have had their fields compiled so far, over all schemas (tests observe the
 * laziness with it). Not part of the public API.
 *
 * @internal
 */
export function preparedObjectCount(): number {
  return prepared;
}

/**
 * Whether {@link validate} uses the checks attached with {@link withCheck} (the default) or
 * compiles those schemas too; forgets every compiled schema. Tests turn it off to run the
 * compiler on the generated kinds, benchmarks to compare the two. Not part of the public API.
 *
 * @internal
 */
export function useAttachedChecks(on: boolean): void {
  useAttached = on;
  cache = new WeakMap();
  whole = new WeakSet();
  lastSchema = undefined;
  lastNode = null;
}
