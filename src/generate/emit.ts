/**
 * TypeScript source from kubeloop's schema model: for each named type an
 * interface and a `zod/mini` schema, and for each resource a `ResourceType`.
 * One emitter serves the built-in kinds (`npm run generate`) and CRDs
 * (`kubeloop generate crd`), so both read the same.
 *
 * The output is deterministic (no dates, no paths of this machine) and every
 * top-level statement is free of side effects, so bundlers drop unused kinds.
 *
 * @module
 */
import type { ObjectType, Property, SchemaType } from "../resources/schema-model.ts";

/**
 * A named type of a module: an interface (or type alias) plus its schema `<name>Schema`.
 *
 * @example
 * ```ts
 * import type { NamedType } from "./emit.ts";
 * const spec: NamedType = {
 *   name: "WidgetSpec",
 *   doc: ["Spec of a Widget."],
 *   type: { type: "object", properties: [{ name: "size", required: true, type: { type: "number", integer: true } }] },
 * };
 * ```
 */
export interface NamedType {
  /** Name of the interface; the schema is `<name>Schema`. */
  name: string;
  /** The type (usually an object). */
  type: SchemaType;
  /** Doc comment lines of the interface. */
  doc: string[];
  /** Doc comment lines of the schema (default: one line naming the interface). */
  schemaDoc?: string[] | undefined;
  /** A whole Kubernetes object: the interface extends `KubernetesObject` and `metadata` is required. */
  object?: boolean | undefined;
}

/**
 * A resource of a module: a `ResourceType` constant.
 *
 * @example
 * ```ts
 * import type { ResourceDecl } from "./emit.ts";
 * const widgets: ResourceDecl = {
 *   name: "Widgets", typeName: "Widget", group: "example.com", version: "v1", kind: "Widget",
 *   plural: "widgets", namespaced: true, subresources: ["status"], doc: ["Widgets."],
 * };
 * ```
 */
export interface ResourceDecl {
  /** Constant name, e.g. `Deployments`. */
  name: string;
  /** The object's named type, e.g. `Deployment`. */
  typeName: string;
  /** API group (`""` for core). */
  group: string;
  /** API version. */
  version: string;
  /** Kind. */
  kind: string;
  /** Lower-case plural. */
  plural: string;
  /** Whether objects live in a namespace. */
  namespaced: boolean;
  /** Subresources such as `status` and `scale`. */
  subresources?: readonly string[] | undefined;
  /** Verbs the API serves, when known. */
  verbs?: readonly string[] | undefined;
  /** Doc comment lines (before the example). */
  doc: string[];
  /** Example code lines (without the fence). */
  example?: string[] | undefined;
}

/**
 * One module to emit.
 *
 * @example
 * ```ts
 * import type { ModuleDecl } from "./emit.ts";
 * const mod: ModuleDecl = { path: "example.com/v1", header: [], moduleDoc: ["Widgets."], types: [], resources: [] };
 * ```
 */
export interface ModuleDecl {
  /** Module path used by {@link RefType}s, e.g. `apps/v1`. */
  path: string;
  /** Line comments at the very top (generator, source, command). */
  header: string[];
  /** The `@module` doc comment lines. */
  moduleDoc: string[];
  /** Named types, in any order (the emitter orders them). */
  types: NamedType[];
  /** Resources. */
  resources: ResourceDecl[];
}

/**
 * Where emitted modules import things from.
 *
 * @example
 * ```ts
 * import type { EmitImports } from "./emit.ts";
 * const forUsers: EmitImports = {
 *   zod: "zod/mini",
 *   runtime: () => "kubeloop",
 *   module: (_from, to) => (to === "meta/v1" ? "kubeloop" : `./${to}.ts`),
 * };
 * ```
 */
export interface EmitImports {
  /** Specifier of `zod/mini`. */
  zod: string;
  /** Specifier of kubeloop's runtime pieces (`defineResource`, primitives, `KubernetesObject`) for a module. */
  runtime(from: string, what: RuntimePart): string;
  /** Specifier of another module's types from module `from`. */
  module(from: string, to: string): string;
}

/**
 * kubeloop's runtime modules that emitted code imports from: `resource` (`defineResource`),
 * `meta` (`KubernetesObject`), `primitives` (quantities, string maps) and `validate` (`withCheck`).
 *
 * @example
 * ```ts
 * import type { RuntimePart } from "./emit.ts";
 * const file = (what: RuntimePart): string => `../../resources/${what}.ts`;
 * ```
 */
export type RuntimePart = "resource" | "meta" | "primitives" | "validate";

/** A generated module: its path and source text. */
export interface EmittedModule {
  /** Module path, e.g. `apps/v1`. */
  path: string;
  /** TypeScript source. */
  source: string;
}

/**
 * The emitter met something it cannot express.
 *
 * @example
 * ```ts
 * import { EmitError } from "./emit.ts";
 * const err = new EmitError("apps/v1", "duplicate name Deployment");
 * console.log(err.module);
 * ```
 */
export class EmitError extends Error {
  /** Always `"EmitError"`. */
  override readonly name = "EmitError";
  /** Module being emitted. */
  readonly module: string;
  /**
   * Create the error.
   *
   * @param module the module being emitted.
   * @param message what went wrong.
   */
  constructor(module: string, message: string) {
    super(`${module}: ${message}`);
    this.module = module;
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Every schema is built inside an IIFE marked pure: bundlers (esbuild, rollup)
 * do not read zod's own `@__NO_SIDE_EFFECTS__` line comments, and a pure call
 * whose result is unused is dropped with everything inside it.
 */
const PURE = "/* @__PURE__ */";

function propKey(name: string): string {
  return IDENT.test(name) ? name : JSON.stringify(name);
}

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join("");
}

/** `apps/v1` → `AppsV1`; used to alias imported names that clash with local ones. */
function moduleAlias(path: string): string {
  return pascal(path.replace(/\//g, " "));
}

function docBlock(lines: string[], indent = ""): string {
  const safe = lines.map((l) => l.replace(/\*\//g, "*\\/"));
  if (safe.length === 1 && !safe[0]!.includes("\n")) return `${indent}/** ${safe[0]} */\n`;
  return `${indent}/**\n${safe.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)).join("\n")}\n${indent} */\n`;
}

function isInlineObject(t: SchemaType): t is ObjectType {
  return t.type === "object" && (t.properties.length > 0 || t.embedded === true);
}

/** Give every nested object with properties a name (`<Parent><Property>`), as kopium does for CRDs. */
function hoist(mod: ModuleDecl): NamedType[] {
  const out: NamedType[] = [];
  const taken = new Set(mod.types.map((t) => t.name));
  for (const r of mod.resources) taken.add(r.name);
  const claim = (base: string): string => {
    let name = base;
    for (let i = 2; taken.has(name) || taken.has(`${name}Schema`); i++) name = `${base}${i}`;
    taken.add(name);
    return name;
  };
  type Role = "field" | "item" | "value";
  const describeRole = (role: Role, field: string, parent: string): string =>
    role === "item"
      ? `An item of the \`${field}\` list of {@link ${parent}}.`
      : role === "value"
        ? `A value of the \`${field}\` map of {@link ${parent}}.`
        : `The \`${field}\` object of {@link ${parent}}.`;
  const visit = (
    t: SchemaType,
    owner: string,
    parent: string,
    field: string,
    top: boolean,
    role: Role,
  ): SchemaType => {
    switch (t.type) {
      case "object": {
        const self = top || !isInlineObject(t) ? parent : claim(owner);
        const props: Property[] = t.properties.map((p) => ({
          ...p,
          type: visit(p.type, `${owner}${pascal(p.name)}`, self, p.name, false, "field"),
        }));
        const obj: ObjectType = { ...t, properties: props };
        if (top || !isInlineObject(t)) return obj;
        out.push({ name: self, type: obj, doc: [describeRole(role, field, parent)] });
        const ref: SchemaType = { type: "ref", module: mod.path, name: self };
        if (t.nullable) ref.nullable = true;
        return ref;
      }
      case "array":
        return { ...t, items: visit(t.items, owner, parent, field, false, "item") };
      case "map":
        return { ...t, values: visit(t.values, owner, parent, field, false, "value") };
      case "union":
        return {
          ...t,
          options: t.options.map((o, i) =>
            visit(o, `${owner}${i === 0 ? "" : i + 1}`, parent, field, false, role),
          ),
        };
      default:
        return t;
    }
  };
  const named = mod.types.map((nt) => ({
    ...nt,
    type: visit(nt.type, nt.name, nt.name, "", true, "field"),
  }));
  return [...named, ...out];
}

function refsOf(t: SchemaType, into: Set<string>, module?: string): Set<string> {
  switch (t.type) {
    case "ref":
      if (module === undefined || t.module === module) into.add(`${t.module}\u0000${t.name}`);
      break;
    case "array":
      refsOf(t.items, into, module);
      break;
    case "map":
      refsOf(t.values, into, module);
      break;
    case "union":
      for (const o of t.options) refsOf(o, into, module);
      break;
    case "object":
      for (const p of t.properties) refsOf(p.type, into, module);
      break;
    default:
      break;
  }
  return into;
}

/** Tarjan's strongly connected components, in dependency-first order. */
function components(names: string[], deps: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of deps.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      out.push(comp.sort());
    }
  };
  for (const n of names) if (!idx.has(n)) strong(n);
  return out;
}

interface Ctx {
  mod: ModuleDecl;
  imports: EmitImports;
  /** specifier → (exported name → local name) */
  named: Map<string, Map<string, { local: string; typeOnly: boolean }>>;
  /** `module\0name` → local base name for refs into other modules */
  foreign: Map<string, string>;
  local: Set<string>;
  /** Named types of this module that have a type guard (`is<Name>`). */
  guarded: Set<string>;
  /** Module-level helpers of the guards: source → name (regular expressions, list and map checks). */
  helpers: Map<string, string>;
}

function use(ctx: Ctx, spec: string, name: string, typeOnly: boolean, local = name): string {
  let m = ctx.named.get(spec);
  if (!m) ctx.named.set(spec, (m = new Map()));
  const prev = m.get(name);
  if (prev) {
    if (!typeOnly) prev.typeOnly = false;
    return prev.local;
  }
  m.set(name, { local, typeOnly });
  return local;
}

function runtime(ctx: Ctx, what: RuntimePart, name: string, typeOnly: boolean): string {
  return use(ctx, ctx.imports.runtime(ctx.mod.path, what), name, typeOnly);
}

function refName(ctx: Ctx, t: { module: string; name: string }, schema: boolean): string {
  const suffix = schema ? "Schema" : "";
  if (t.module === ctx.mod.path) return `${t.name}${suffix}`;
  const base = ctx.foreign.get(`${t.module}\u0000${t.name}`) ?? t.name;
  return use(
    ctx,
    ctx.imports.module(ctx.mod.path, t.module),
    `${t.name}${suffix}`,
    !schema,
    `${base}${suffix}`,
  );
}

function tsType(ctx: Ctx, t: SchemaType): string {
  let s: string;
  switch (t.type) {
    case "string":
      s = t.enum?.length ? t.enum.map((v) => JSON.stringify(v)).join(" | ") : "string";
      break;
    case "number":
      s = t.enum?.length ? t.enum.map((v) => JSON.stringify(v)).join(" | ") : "number";
      break;
    case "boolean":
      s = "boolean";
      break;
    case "intOrString":
      s = runtime(ctx, "primitives", "IntOrString", true);
      break;
    case "quantity":
      s = runtime(ctx, "primitives", "Quantity", true);
      break;
    case "time":
      s = runtime(ctx, "primitives", "Time", true);
      break;
    case "unknown":
      return "unknown";
    case "array": {
      const inner = tsType(ctx, t.items);
      s = /[|&]/.test(inner) ? `(${inner})[]` : `${inner}[]`;
      break;
    }
    case "map":
      s = `Record<string, ${tsType(ctx, t.values)}>`;
      break;
    case "object":
      if (t.properties.length > 0)
        throw new EmitError(ctx.mod.path, "inline object with properties");
      s = "Record<string, unknown>";
      break;
    case "ref":
      s = refName(ctx, t, false);
      break;
    case "union":
      s = t.options.map((o) => tsType(ctx, o)).join(" | ");
      break;
  }
  return t.nullable ? `${s} | null` : s;
}

/** A string with no restriction and not nullable: a map of them is a `StringMapSchema`. */
function isPlainString(t: SchemaType): boolean {
  return (
    t.type === "string" &&
    !t.nullable &&
    !t.enum &&
    !t.pattern &&
    t.minLength === undefined &&
    t.maxLength === undefined
  );
}

/** An ECMAScript regular expression literal for an RE2 pattern, or undefined when the two dialects may disagree. */
export function regexLiteral(pattern: string): string | undefined {
  if (/\[\[:|\(\?[a-zA-Z]|\\[zACQEpPK]/.test(pattern)) return undefined;
  try {
    new RegExp(pattern, "u");
  } catch {
    return undefined;
  }
  let body = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      body += c + (pattern[i + 1] ?? "");
      i++;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    if (c === "/" && !inClass) body += "\\/";
    else if (c === "\n") body += "\\n";
    else if (c === "\r") body += "\\r";
    else if (c === "\u2028") body += "\\u2028";
    else if (c === "\u2029") body += "\\u2029";
    else body += c;
  }
  return `/${body}/u`;
}

function zodExpr(ctx: Ctx, t: SchemaType): string {
  let s: string;
  switch (t.type) {
    case "string": {
      if (t.enum?.length) {
        s = `z.enum([${t.enum.map((v) => JSON.stringify(v)).join(", ")}])`;
        break;
      }
      const checks: string[] = [];
      if (t.pattern !== undefined) {
        const re = regexLiteral(t.pattern);
        if (re) checks.push(`z.regex(${re})`);
      }
      if (t.minLength !== undefined) checks.push(`z.minLength(${t.minLength})`);
      if (t.maxLength !== undefined) checks.push(`z.maxLength(${t.maxLength})`);
      s = checks.length ? `z.string().check(${checks.join(", ")})` : "z.string()";
      break;
    }
    case "number": {
      if (t.enum?.length) {
        s = `z.literal([${t.enum.map((v) => JSON.stringify(v)).join(", ")}])`;
        break;
      }
      const checks: string[] = [];
      if (t.minimum !== undefined)
        checks.push(`z.${t.exclusiveMinimum ? "gt" : "gte"}(${t.minimum})`);
      if (t.maximum !== undefined)
        checks.push(`z.${t.exclusiveMaximum ? "lt" : "lte"}(${t.maximum})`);
      if (t.multipleOf !== undefined) checks.push(`z.multipleOf(${t.multipleOf})`);
      const base = t.integer ? "z.int()" : "z.number()";
      s = checks.length ? `${base}.check(${checks.join(", ")})` : base;
      break;
    }
    case "boolean":
      s = "z.boolean()";
      break;
    case "intOrString":
      s = runtime(ctx, "primitives", "IntOrStringSchema", false);
      break;
    case "quantity":
      s = runtime(ctx, "primitives", "QuantitySchema", false);
      break;
    case "time":
      s = runtime(ctx, "primitives", "TimeSchema", false);
      break;
    case "unknown":
      return "z.unknown()";
    case "array": {
      const checks: string[] = [];
      if (t.minItems !== undefined) checks.push(`z.minLength(${t.minItems})`);
      if (t.maxItems !== undefined) checks.push(`z.maxLength(${t.maxItems})`);
      const base = `z.array(${zodExpr(ctx, t.items)})`;
      s = checks.length ? `${base}.check(${checks.join(", ")})` : base;
      break;
    }
    case "map": {
      const checks: string[] = [];
      if (t.minProperties !== undefined) {
        checks.push(`z.refine((m) => Object.keys(m).length >= ${t.minProperties})`);
      }
      if (t.maxProperties !== undefined) {
        checks.push(`z.refine((m) => Object.keys(m).length <= ${t.maxProperties})`);
      }
      s =
        isPlainString(t.values) && checks.length === 0
          ? runtime(ctx, "primitives", "StringMapSchema", false)
          : `z.record(z.string(), ${zodExpr(ctx, t.values)})`;
      if (checks.length) s = `${s}.check(${checks.join(", ")})`;
      break;
    }
    case "object":
      if (t.properties.length > 0)
        throw new EmitError(ctx.mod.path, "inline object with properties");
      s = "z.looseObject({})";
      break;
    case "ref":
      s = refName(ctx, t, true);
      break;
    case "union":
      s = `z.union([${t.options.map((o) => zodExpr(ctx, o)).join(", ")}])`;
      break;
  }
  return t.nullable ? `z.nullable(${s})` : s;
}

/**
 * A module-level helper of the guards, shared by every use of the same source: `make(name)`
 * gives its declaration; it is named `hint` (numbered when that is taken).
 */
function helper(ctx: Ctx, hint: string, make: (name: string) => string): string {
  const key = make("\u0000");
  let name = ctx.helpers.get(key);
  if (name === undefined) {
    const taken = new Set(ctx.helpers.values());
    name = hint;
    for (let i = 2; taken.has(name) || ctx.local.has(name); i++) name = `${hint}${i}`;
    ctx.helpers.set(key, name);
  }
  return name;
}

/** A name for the helper that checks lists or maps of `t`. */
function helperHint(t: SchemaType, what: "List" | "Map"): string {
  if (t.nullable) return `is${what}`;
  if (t.type === "ref") return `is${t.name}${what}`;
  if (isPlainString(t)) return `isString${what}`;
  if (t.type === "number" && !t.enum && t.minimum === undefined && t.maximum === undefined)
    return t.integer ? `isInteger${what}` : `isNumber${what}`;
  if (t.type === "quantity") return `isQuantity${what}`;
  if (t.type === "intOrString") return `isIntOrString${what}`;
  return `is${what}`;
}

/** The guard of a named type, local or imported (`is<Name>`). */
function guardName(ctx: Ctx, t: { module: string; name: string }): string | undefined {
  if (t.module === ctx.mod.path) return ctx.guarded.has(t.name) ? `is${t.name}` : undefined;
  const base = ctx.foreign.get(`${t.module}\u0000${t.name}`) ?? t.name;
  return use(ctx, ctx.imports.module(ctx.mod.path, t.module), `is${t.name}`, false, `is${base}`);
}

/**
 * A JavaScript expression that is true exactly when `zodExpr(t)` accepts the value of variable
 * `x` unchanged, or undefined where no such expression is emitted (a `multipleOf`, which zod
 * checks with its own float arithmetic; a type without a guard). It reads the value and
 * allocates nothing, so it is cheap from the first object on: no compiling, no interpreting.
 */
function guardExpr(ctx: Ctx, t: SchemaType, x: string): string | undefined {
  let s: string | undefined;
  switch (t.type) {
    case "string": {
      if (t.enum?.length) {
        s = `(${t.enum.map((v) => `${x} === ${JSON.stringify(v)}`).join(" || ")})`;
        break;
      }
      const parts = [`typeof ${x} === "string"`];
      if (t.pattern !== undefined) {
        const re = regexLiteral(t.pattern);
        if (re) parts.push(`${helper(ctx, "PATTERN", (n) => `const ${n} = ${re};\n`)}.test(${x})`);
      }
      if (t.minLength !== undefined) parts.push(`${x}.length >= ${t.minLength}`);
      if (t.maxLength !== undefined) parts.push(`${x}.length <= ${t.maxLength}`);
      s = parts.length === 1 ? parts[0]! : `(${parts.join(" && ")})`;
      break;
    }
    case "number": {
      if (t.enum?.length) {
        s = `(${t.enum.map((v) => `${x} === ${JSON.stringify(v)}`).join(" || ")})`;
        break;
      }
      if (t.multipleOf !== undefined) return undefined;
      const parts = [t.integer ? `Number.isSafeInteger(${x})` : `Number.isFinite(${x})`];
      const n = `(${x} as number)`;
      if (t.minimum !== undefined)
        parts.push(`${n} ${t.exclusiveMinimum ? ">" : ">="} ${t.minimum}`);
      if (t.maximum !== undefined)
        parts.push(`${n} ${t.exclusiveMaximum ? "<" : "<="} ${t.maximum}`);
      s = parts.length === 1 ? parts[0]! : `(${parts.join(" && ")})`;
      break;
    }
    case "boolean":
      s = `typeof ${x} === "boolean"`;
      break;
    case "intOrString":
      s = `${runtime(ctx, "primitives", "isIntOrString", false)}(${x})`;
      break;
    case "quantity":
      s = `${runtime(ctx, "primitives", "isQuantity", false)}(${x})`;
      break;
    case "time":
      s = `typeof ${x} === "string"`;
      break;
    case "unknown":
      return "true"; // as zodExpr: z.unknown() accepts null too
    case "array": {
      const item = guardExpr(ctx, t.items, "v");
      if (item === undefined) return undefined;
      const size: string[] = [];
      if (t.minItems !== undefined) size.push(`a.length < ${t.minItems}`);
      if (t.maxItems !== undefined) size.push(`a.length > ${t.maxItems}`);
      if (item === "true" && size.length === 0) {
        s = `Array.isArray(${x})`;
        break;
      }
      const check = helper(
        ctx,
        helperHint(t.items, "List"),
        (n) =>
          `function ${n}(a: unknown): boolean {\n  if (!Array.isArray(a)${size.map((c) => ` || ${c}`).join("")}) return false;\n` +
          `  for (let i = 0; i < a.length; i++) {\n    const v: unknown = a[i];\n    if (${not(item)}) return false;\n  }\n  return true;\n}\n`,
      );
      s = `${check}(${x})`;
      break;
    }
    case "map": {
      const plain = isPlainString(t.values);
      const counted = t.minProperties !== undefined || t.maxProperties !== undefined;
      if (plain && !counted) {
        s = `${runtime(ctx, "primitives", "isStringMap", false)}(${x})`;
        break;
      }
      const value = guardExpr(ctx, t.values, "v");
      if (value === undefined) return undefined;
      const size: string[] = [];
      if (t.minProperties !== undefined) size.push(`Object.keys(m).length < ${t.minProperties}`);
      if (t.maxProperties !== undefined) size.push(`Object.keys(m).length > ${t.maxProperties}`);
      // a plain map checks its values with `for…in` (isStringMap, zod's check); a record
      // schema (z.record) walks the own keys but "__proto__", which JSON.parse makes an own key
      const record = !plain;
      const check = helper(
        ctx,
        helperHint(t.values, "Map"),
        (n) =>
          `function ${n}(m: unknown): boolean {\n  if (typeof m !== "object" || m === null || Array.isArray(m)) return false;\n` +
          size.map((c) => `  if (${c}) return false;\n`).join("") +
          (record
            ? `  for (const k of Object.keys(m)) {\n    if (k === "__proto__") continue;\n`
            : "  for (const k in m) {\n") +
          `    const v: unknown = (m as Record<string, unknown>)[k];\n    if (${not(value)}) return false;\n  }\n  return true;\n}\n`,
      );
      s = `${check}(${x})`;
      break;
    }
    case "object":
      if (t.properties.length > 0)
        throw new EmitError(ctx.mod.path, "inline object with properties");
      s = `(typeof ${x} === "object" && ${x} !== null && !Array.isArray(${x}))`;
      break;
    case "ref": {
      const g = guardName(ctx, t);
      if (g === undefined) return undefined;
      s = `${g}(${x})`;
      break;
    }
    case "union": {
      const options = t.options.map((o) => guardExpr(ctx, o, x));
      if (options.some((o) => o === undefined)) return undefined;
      s = `(${options.join(" || ")})`;
      break;
    }
  }
  return t.nullable ? `(${x} === null || ${s})` : s;
}

function describe(ctx: Ctx, t: SchemaType): string {
  let s: string;
  switch (t.type) {
    case "string":
      if (t.enum?.length) s = `one of ${t.enum.map((v) => `\`${v}\``).join(", ")}`;
      else if (t.format === "byte") s = "base64-encoded bytes";
      else s = t.format ? `string (\`${t.format}\`)` : "string";
      break;
    case "number":
      s = t.format
        ? `\`${t.format}\` ${t.integer ? "integer" : "number"}`
        : t.integer
          ? "integer"
          : "number";
      if (t.minimum !== undefined) s += `, ${t.exclusiveMinimum ? ">" : "≥"} ${t.minimum}`;
      if (t.maximum !== undefined) s += `, ${t.exclusiveMaximum ? "<" : "≤"} ${t.maximum}`;
      break;
    case "boolean":
      s = "boolean";
      break;
    case "intOrString":
      s = "integer or string";
      break;
    case "quantity":
      s = "quantity such as `500m` or `1Gi`";
      break;
    case "time":
      s = "RFC 3339 time";
      break;
    case "unknown":
      return "any JSON value";
    case "array": {
      s = `list of ${describe(ctx, t.items)}`;
      const keys = t.listMapKeys?.length ? t.listMapKeys : t.patchMergeKey ? [t.patchMergeKey] : [];
      if (t.listType === "map" || t.patchMergeKey)
        s += `, keyed by ${keys.map((k) => `\`${k}\``).join(" and ")}`;
      else if (t.listType === "set") s += ", a set";
      break;
    }
    case "map":
      s = `map of ${describe(ctx, t.values)}`;
      break;
    case "object":
      s = t.embedded ? "an embedded Kubernetes object" : "free-form object";
      break;
    case "ref":
      s = t.module === ctx.mod.path ? `{@link ${t.name}}` : `\`${t.name}\` (${t.module})`;
      break;
    case "union":
      s = t.options.map((o) => describe(ctx, o)).join(" or ");
      break;
  }
  return t.nullable ? `${s}, or \`null\`` : s;
}

function propertyDoc(ctx: Ctx, p: Property): string {
  const what = describe(ctx, p.type);
  const sentence = p.required ? `Required: ${what}.` : `${what[0]!.toUpperCase()}${what.slice(1)}.`;
  return sentence;
}

function emitType(ctx: Ctx, nt: NamedType, lazy: Set<string>, out: string[]): void {
  const t = nt.type;
  const schemaName = `${nt.name}Schema`;
  const schemaDoc = nt.schemaDoc ?? [`Schema of {@link ${nt.name}}.`];
  if (t.type !== "object") {
    out.push(docBlock(nt.doc));
    out.push(`export type ${nt.name} = ${tsType(ctx, t)};\n\n`);
    out.push(docBlock(schemaDoc));
    const expr = ctx.guarded.has(nt.name) ? guardExpr(ctx, t, "value") : undefined;
    const schema = zodExpr(ctx, t);
    out.push(
      `export const ${schemaName}: z.ZodMiniType<${nt.name}> = ${PURE} (() => ${expr === undefined ? schema : `${runtime(ctx, "validate", "withCheck", false)}(${schema}, is${nt.name})`})();\n\n`,
    );
    if (expr !== undefined) {
      out.push(docBlock(guardDoc(nt)));
      out.push(
        `export function is${nt.name}(value: unknown): value is ${nt.name} {\n  return ${expr};\n}\n\n`,
      );
    }
    return;
  }
  const props = [...t.properties];
  if (nt.object) {
    // kubeloop's contract for whole objects: apiVersion/kind optional (list items lack them), metadata required.
    const meta = props.find((p) => p.name === "metadata");
    if (meta) meta.required = true;
  }
  const extendsClause = nt.object
    ? ` extends ${runtime(ctx, "meta", "KubernetesObject", true)}`
    : "";
  out.push(docBlock(nt.doc));
  out.push(`export interface ${nt.name}${extendsClause} {\n`);
  for (const p of props) {
    out.push(docBlock([propertyDoc(ctx, p)], "  "));
    const ty = tsType(ctx, p.type);
    out.push(
      p.required ? `  ${propKey(p.name)}: ${ty};\n` : `  ${propKey(p.name)}?: ${ty} | undefined;\n`,
    );
  }
  if (t.open && !nt.object) {
    out.push(docBlock(["Other fields, kept as received."], "  "));
    out.push("  [key: string]: unknown;\n");
  }
  out.push("}\n\n");
  out.push(docBlock(schemaDoc));
  const guarded = ctx.guarded.has(nt.name);
  const guard = `is${nt.name}`;
  out.push(
    `export const ${schemaName}: z.ZodMiniType<${nt.name}> = ${PURE} (() =>\n  ${guarded ? `${runtime(ctx, "validate", "withCheck", false)}(` : ""}z.looseObject({\n`,
  );
  for (const p of props) {
    let expr = zodExpr(ctx, p.type);
    if (!p.required) expr = `z.optional(${expr})`;
    const isLazy = [...refsOf(p.type, new Set(), ctx.mod.path)].some((r) =>
      lazy.has(r.split("\u0000")[1]!),
    );
    if (isLazy) {
      const ty = tsType(ctx, p.type);
      out.push(
        `    get ${propKey(p.name)}(): z.ZodMiniType<${p.required ? ty : `${ty} | undefined`}> {\n      return ${expr};\n    },\n`,
      );
    } else {
      out.push(`    ${propKey(p.name)}: ${expr},\n`);
    }
  }
  out.push(guarded ? `  }), ${guard}))();\n\n` : "  }))();\n\n");
  if (guarded) emitGuard(ctx, nt, props, out);
}

/** A guard's doc: what it checks, with the API version its schema's doc names. */
function guardDoc(nt: NamedType): string[] {
  const version =
    /^Schema of \{@link \w+\}( \(`[^`]+`\))?/.exec(nt.schemaDoc?.[0] ?? "")?.[1] ?? "";
  return [
    `Whether a JSON value is a valid {@link ${nt.name}}${version}: exactly what {@link ${nt.name}Schema} accepts, read without copying.`,
  ];
}

/** The guard `is<Name>` of an object type: one test per known field, unknown fields pass. */
function emitGuard(ctx: Ctx, nt: NamedType, props: Property[], out: string[]): void {
  out.push(docBlock(guardDoc(nt)));
  out.push(`export function is${nt.name}(value: unknown): value is ${nt.name} {\n`);
  out.push(
    '  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;\n',
  );
  if (props.length > 0) {
    out.push("  const o = value as Record<string, unknown>;\n  let v: unknown;\n");
    for (const p of props) {
      const expr = guardExpr(ctx, p.type, "v")!;
      const read = IDENT.test(p.name) ? `o.${p.name}` : `o[${JSON.stringify(p.name)}]`;
      // zod wants the key of a field that is not optional, even when its type takes undefined
      if (p.required && acceptsUndefined(ctx, p.type, new Set())) {
        out.push(`  if (!(${JSON.stringify(p.name)} in o)) return false;\n`);
      }
      if (expr === "true") continue;
      out.push(
        p.required
          ? `  v = ${read}; if (${not(expr)}) return false;\n`
          : `  v = ${read}; if (v !== undefined && ${not(expr)}) return false;\n`,
      );
    }
  }
  out.push("  return true;\n}\n\n");
}

/** Whether `t`'s schema accepts `undefined` (z.unknown(), and unions and aliases of it). */
function acceptsUndefined(ctx: Ctx, t: SchemaType, seen: Set<string>): boolean {
  switch (t.type) {
    case "unknown":
      return true;
    case "union":
      return t.options.some((o) => acceptsUndefined(ctx, o, seen));
    case "ref": {
      if (t.module !== ctx.mod.path || seen.has(t.name)) return false;
      seen.add(t.name);
      const target = ctx.mod.types.find((nt) => nt.name === t.name);
      return target !== undefined && acceptsUndefined(ctx, target.type, seen);
    }
    default:
      return false;
  }
}

/** The negation of a guard expression, readable for the common shapes. */
function not(expr: string): string {
  const type = /^typeof (\w+) === ("\w+")$/.exec(expr);
  if (type) return `typeof ${type[1]} !== ${type[2]}`;
  return /^[\w$.]+\(\w+\)$/.test(expr) || enclosed(expr) ? `!${expr}` : `!(${expr})`;
}

/** Whether `expr` is one parenthesised group (string literals in it skipped). */
function enclosed(expr: string): boolean {
  if (!expr.startsWith("(")) return false;
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '"') {
      for (i++; i < expr.length && expr[i] !== '"'; i++) if (expr[i] === "\\") i++;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i === expr.length - 1;
  }
  return false;
}

/**
 * The named types of the module that get a guard: those whose every field has a guard
 * expression, through the types they refer to (a fixed point: a type loses its guard when one
 * it refers to has none).
 */
function guardedTypes(ctx: Ctx, types: NamedType[]): Set<string> {
  const guarded = new Set(types.map((t) => t.name));
  const scratch: Ctx = { ...ctx, named: new Map(), helpers: new Map(), guarded };
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of types) {
      if (!guarded.has(t.name)) continue;
      const parts = t.type.type === "object" ? t.type.properties.map((p) => p.type) : [t.type];
      if (parts.some((p) => guardExpr(scratch, p, "v") === undefined)) {
        guarded.delete(t.name);
        changed = true;
      }
    }
  }
  return guarded;
}

function emitResource(ctx: Ctx, r: ResourceDecl, out: string[]): void {
  const lines = [...r.doc];
  if (r.example) lines.push("", "@example", "```ts", ...r.example, "```");
  out.push(docBlock(lines));
  const rt = runtime(ctx, "resource", "ResourceType", true);
  const def = runtime(ctx, "resource", "defineResource", false);
  const fields = [
    `  group: ${JSON.stringify(r.group)},`,
    `  version: ${JSON.stringify(r.version)},`,
    `  kind: ${JSON.stringify(r.kind)},`,
    `  plural: ${JSON.stringify(r.plural)},`,
    `  namespaced: ${r.namespaced},`,
    `  schema: ${r.typeName}Schema,`,
  ];
  if (r.subresources?.length)
    fields.push(`  subresources: [${r.subresources.map((s) => JSON.stringify(s)).join(", ")}],`);
  if (r.verbs?.length)
    fields.push(`  verbs: [${r.verbs.map((s) => JSON.stringify(s)).join(", ")}],`);
  out.push(
    `export const ${r.name}: ${rt}<${r.typeName}> = ${PURE} ${def}({\n${fields.join("\n")}\n});\n\n`,
  );
}

/**
 * Emit one module's TypeScript source.
 *
 * @example
 * ```ts
 * import { emitModule } from "./emit.ts";
 * const { source } = emitModule(
 *   {
 *     path: "example.com/v1",
 *     header: ["Generated by kubeloop generate crd."],
 *     moduleDoc: ["Widgets."],
 *     types: [{ name: "Widget", object: true, doc: ["A Widget."], type: { type: "object", properties: [] } }],
 *     resources: [],
 *   },
 *   { zod: "zod/mini", runtime: () => "kubeloop", module: () => "kubeloop" },
 * );
 * ```
 */
export function emitModule(mod: ModuleDecl, imports: EmitImports): EmittedModule {
  const types = hoist(mod);
  const local = new Set<string>();
  for (const t of types) {
    for (const n of [t.name, `${t.name}Schema`, `is${t.name}`]) {
      if (local.has(n)) throw new EmitError(mod.path, `duplicate name ${n}`);
      local.add(n);
    }
  }
  for (const r of mod.resources) {
    if (local.has(r.name))
      throw new EmitError(mod.path, `resource name ${r.name} clashes with a type`);
    local.add(r.name);
  }
  // Names imported from other modules: alias those that clash with local names or with each other.
  const foreignRefs = new Set<string>();
  for (const t of types) refsOf(t.type, foreignRefs);
  const foreign = new Map<string, string>();
  const byName = new Map<string, string[]>();
  for (const key of [...foreignRefs].sort()) {
    const [module, name] = key.split("\u0000") as [string, string];
    if (module === mod.path) continue;
    byName.set(name, [...(byName.get(name) ?? []), module]);
  }
  for (const [name, modules] of byName) {
    for (const module of modules) {
      const clash =
        local.has(name) ||
        local.has(`${name}Schema`) ||
        local.has(`is${name}`) ||
        modules.length > 1;
      foreign.set(`${module}\u0000${name}`, clash ? `${moduleAlias(module)}${name}` : name);
    }
  }
  const ctx: Ctx = {
    mod,
    imports,
    named: new Map(),
    foreign,
    local,
    guarded: new Set(),
    helpers: new Map(),
  };
  ctx.guarded = guardedTypes(ctx, types);

  // Order: dependencies first; members of reference cycles use getters for in-cycle references.
  const byTypeName = new Map(types.map((t) => [t.name, t]));
  const deps = new Map<string, string[]>();
  for (const t of types) {
    deps.set(
      t.name,
      [...refsOf(t.type, new Set(), mod.path)]
        .map((k) => k.split("\u0000")[1]!)
        .filter((n) => byTypeName.has(n))
        .sort(),
    );
  }
  const names = types.map((t) => t.name).sort();
  const body: string[] = [];
  for (const comp of components(names, deps)) {
    const cyclic = comp.length > 1 || (deps.get(comp[0]!) ?? []).includes(comp[0]!);
    const lazy = new Set(cyclic ? comp : []);
    for (const name of comp) emitType(ctx, byTypeName.get(name)!, lazy, body);
  }
  for (const r of mod.resources) emitResource(ctx, r, body);

  const head: string[] = [];
  for (const h of mod.header) head.push(`// ${h}\n`);
  head.push(docBlock([...mod.moduleDoc, "", "@module"]));
  const specs = [...ctx.named.keys()].sort();
  head.push(`import * as z from ${JSON.stringify(imports.zod)};\n`);
  for (const spec of specs) {
    const entries = [...ctx.named.get(spec)!.entries()].sort((a, b) =>
      a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
    );
    const allTypes = entries.every(([, v]) => v.typeOnly);
    const parts = entries.map(([name, v]) => {
      const alias = v.local === name ? name : `${name} as ${v.local}`;
      return allTypes || !v.typeOnly ? alias : `type ${alias}`;
    });
    head.push(
      `import ${allTypes ? "type " : ""}{ ${parts.join(", ")} } from ${JSON.stringify(spec)};\n`,
    );
  }
  head.push("\n");
  // the guards' helpers (regular expressions, list and map checks), named in order of first use
  for (const [source, name] of ctx.helpers) head.push(`${source.split("\u0000").join(name)}\n`);
  return { path: mod.path, source: `${head.join("")}${body.join("").replace(/\n+$/, "\n")}` };
}
