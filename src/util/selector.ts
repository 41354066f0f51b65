/**
 * Label and field selectors, parsed and matched exactly as the Kubernetes API
 * server does (`k8s.io/apimachinery/pkg/labels` and `pkg/fields`).
 *
 * Pure functions, no I/O: the client uses them to build query strings, the
 * fake API server to filter lists and watches.
 *
 * @module
 */
import type { LabelSelector } from "../resources/common.ts";

/**
 * Operators of a label selector requirement. `exists` is `key`, `!` is `!key`.
 *
 * @example
 * ```ts
 * import { type LabelOperator, parseLabelSelector } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * const ops: LabelOperator[] = parseLabelSelector("app=web,!canary").requirements.map((r) => r.operator);
 * // ["=", "!"]
 * ```
 */
export type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

/**
 * One requirement of a label selector, e.g. `tier in (web,api)`.
 *
 * @example
 * ```ts
 * import { type LabelRequirement, parseLabelSelector } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * const [req]: readonly LabelRequirement[] = parseLabelSelector("tier in (web,api)").requirements;
 * // { key: "tier", operator: "in", values: ["web", "api"] }
 * ```
 */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Values for `=`, `!=`, `in`, `notin` (one for `=`/`!=`, one integer for `gt`/`lt`, none otherwise). */
  readonly values: readonly string[];
}

/**
 * A parsed label selector. An empty selector matches everything.
 *
 * @example
 * ```ts
 * import { type ParsedLabelSelector, parseLabelSelector } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * const sel: ParsedLabelSelector = parseLabelSelector("app=web");
 * sel.matches({ app: "web" }); // true
 * sel.toString(); // "app=web"
 * ```
 */
export interface ParsedLabelSelector {
  readonly requirements: readonly LabelRequirement[];
  /** Whether `labels` (an object's `metadata.labels`) satisfies every requirement. */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** Canonical string form, accepted by {@link parseLabelSelector}. */
  toString(): string;
}

/**
 * Operators of a field selector requirement.
 *
 * @example
 * ```ts
 * import { type FieldOperator, parseFieldSelector } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * const op: FieldOperator | undefined = parseFieldSelector("status.phase!=Running").requirements[0]?.operator;
 * // "!="
 * ```
 */
export type FieldOperator = "=" | "!=";

/**
 * One requirement of a field selector, e.g. `metadata.name=web`.
 *
 * @example
 * ```ts
 * import { type FieldRequirement, parseFieldSelector } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * const reqs: readonly FieldRequirement[] = parseFieldSelector("metadata.name=web").requirements;
 * // [{ field: "metadata.name", operator: "=", value: "web" }]
 * ```
 */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/**
 * A parsed field selector. An empty selector matches everything.
 *
 * @example
 * ```ts
 * import { type ParsedFieldSelector, parseFieldSelector } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * const sel: ParsedFieldSelector = parseFieldSelector("metadata.name=web");
 * sel.matches({ metadata: { name: "web" } }); // true
 * ```
 */
export interface ParsedFieldSelector {
  readonly requirements: readonly FieldRequirement[];
  /** Whether the object's fields (looked up by dotted path, e.g. `metadata.name`) satisfy every requirement. */
  matches(obj: unknown): boolean;
  /** Canonical string form, accepted by {@link parseFieldSelector}. */
  toString(): string;
}

/**
 * Thrown when a selector string cannot be parsed. The API server answers such
 * requests with `400 BadRequest`.
 *
 * @example
 * ```ts
 * // internal module (not re-exported by "kubeloop"); the fake API server and the cache use it
 * import { parseLabelSelector, SelectorParseError } from "./selector.ts";
 * try {
 *   parseLabelSelector("a in (b");
 * } catch (e) {
 *   if (e instanceof SelectorParseError) console.log(e.selector, e.message);
 * }
 * ```
 */
export class SelectorParseError extends Error {
  /** The selector text that failed to parse. */
  readonly selector: string;
  /** Character offset where the problem was found. */
  readonly position: number;
  constructor(selector: string, position: number, message: string) {
    super(`unable to parse selector "${selector}": ${message} (at ${position})`);
    this.name = "SelectorParseError";
    this.selector = selector;
    this.position = position;
  }
}

const NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Whether `key` is a valid label key: optional DNS subdomain prefix and `/`, then a name of at most 63 characters.
 *
 * @example
 * ```ts
 * import { isValidLabelKey } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * isValidLabelKey("app.kubernetes.io/name"); // true
 * isValidLabelKey("-bad"); // false
 * ```
 */
export function isValidLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  let name = key;
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    name = key.slice(slash + 1);
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN_RE.test(prefix)) {
      return false;
    }
  }
  return name.length > 0 && name.length <= 63 && NAME_RE.test(name);
}

/**
 * Whether `value` is a valid label value: empty, or a name of at most 63 characters.
 *
 * @example
 * ```ts
 * import { isValidLabelValue } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * isValidLabelValue(""); // true
 * isValidLabelValue("has space"); // false
 * ```
 */
export function isValidLabelValue(value: string): boolean {
  return value === "" || (value.length <= 63 && NAME_RE.test(value));
}

function matchRequirement(
  r: LabelRequirement,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case "=":
    case "in":
      return has && r.values.includes(value as string);
    case "!=":
    case "notin":
      return !has || !r.values.includes(value as string);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || !/^-?\d+$/.test(value as string)) return false;
      const lhs = Number(value);
      const rhs = Number(r.values[0]);
      return r.operator === "gt" ? lhs > rhs : lhs < rhs;
    }
  }
}

function requirementToString(r: LabelRequirement): string {
  switch (r.operator) {
    case "=":
    case "!=":
      return `${r.key}${r.operator}${r.values[0] ?? ""}`;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${r.values.join(",")})`;
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "gt":
      return `${r.key}>${r.values[0] ?? ""}`;
    case "lt":
      return `${r.key}<${r.values[0] ?? ""}`;
  }
}

function makeLabelSelector(requirements: LabelRequirement[]): ParsedLabelSelector {
  const frozen = Object.freeze(
    requirements.map((r) => Object.freeze({ ...r, values: Object.freeze([...r.values]) })),
  );
  return {
    requirements: frozen,
    matches: (labels) => frozen.every((r) => matchRequirement(r, labels)),
    toString: () => frozen.map(requirementToString).join(","),
  };
}

/**
 * A selector that matches everything.
 *
 * @example
 * ```ts
 * import { everythingLabelSelector } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * everythingLabelSelector.matches(undefined); // true
 * everythingLabelSelector.toString(); // ""
 * ```
 */
export const everythingLabelSelector: ParsedLabelSelector = makeLabelSelector([]);

/**
 * Parse a label selector: comma-separated requirements of the forms `key`,
 * `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`,
 * `key notin (a,b)`, `key>1`, `key<1`. Throws {@link SelectorParseError}.
 *
 * @example
 * ```ts
 * import { parseLabelSelector } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * const sel = parseLabelSelector("app=web,tier in (frontend,backend),!canary");
 * sel.matches({ app: "web", tier: "frontend" }); // true
 * sel.matches({ app: "web", tier: "frontend", canary: "yes" }); // false
 * ```
 */
export function parseLabelSelector(selector: string): ParsedLabelSelector {
  const s = selector;
  let i = 0;
  const fail = (msg: string): never => {
    throw new SelectorParseError(s, i, msg);
  };
  const skipWs = (): void => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && !/[\s,!=()<>]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const checkKey = (key: string): string => {
    if (!isValidLabelKey(key)) fail(`invalid label key "${key}"`);
    return key;
  };
  const checkValue = (value: string): string => {
    if (!isValidLabelValue(value)) fail(`invalid label value "${value}"`);
    return value;
  };
  const requirements: LabelRequirement[] = [];
  skipWs();
  if (i >= s.length) return everythingLabelSelector;
  for (;;) {
    skipWs();
    if (s[i] === "!") {
      i++;
      skipWs();
      const key = checkKey(readToken());
      requirements.push({ key, operator: "!", values: [] });
    } else {
      const key = readToken();
      if (key === "") fail("expected a label key");
      checkKey(key);
      skipWs();
      const c = s[i];
      if (i >= s.length || c === ",") {
        requirements.push({ key, operator: "exists", values: [] });
      } else if (c === "=" || (c === "!" && s[i + 1] === "=")) {
        const op = c === "=" ? "=" : "!=";
        i += c === "=" ? (s[i + 1] === "=" ? 2 : 1) : 2;
        skipWs();
        const value = checkValue(readToken());
        requirements.push({ key, operator: op, values: [value] });
      } else if (c === ">" || c === "<") {
        i++;
        skipWs();
        const value = readToken();
        if (!/^-?\d+$/.test(value)) fail(`"${value}" is not an integer`);
        requirements.push({ key, operator: c === ">" ? "gt" : "lt", values: [value] });
      } else {
        const word = readToken();
        if (word !== "in" && word !== "notin")
          fail(`expected one of =, ==, !=, in, notin, got "${word || c}"`);
        skipWs();
        if (s[i] !== "(") fail("expected '('");
        i++;
        const values: string[] = [];
        for (;;) {
          skipWs();
          const value = checkValue(readToken());
          skipWs();
          if (s[i] === ",") {
            values.push(value);
            i++;
            continue;
          }
          if (s[i] === ")") {
            values.push(value);
            i++;
            break;
          }
          fail("expected ',' or ')'");
        }
        requirements.push({ key, operator: word as "in" | "notin", values });
      }
    }
    skipWs();
    if (i >= s.length) break;
    if (s[i] !== ",") fail(`unexpected "${s[i]}"`);
    i++;
  }
  return makeLabelSelector(requirements);
}

const OBJECT_OPERATORS: Record<string, LabelOperator | undefined> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * Build a {@link ParsedLabelSelector} from a `metav1.ParsedLabelSelector` object.
 *
 * @example
 * ```ts
 * import { labelSelectorFromObject } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * labelSelectorFromObject({ matchLabels: { app: "web" } }).toString(); // "app=web"
 * ```
 */
export function labelSelectorFromObject(obj: LabelSelector): ParsedLabelSelector {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(obj.matchLabels ?? {})) {
    reqs.push({ key, operator: "=", values: [value] });
  }
  for (const e of obj.matchExpressions ?? []) {
    const operator = OBJECT_OPERATORS[e.operator];
    if (operator === undefined) {
      throw new SelectorParseError(JSON.stringify(obj), 0, `unknown operator "${e.operator}"`);
    }
    reqs.push({ key: e.key, operator, values: e.values ?? [] });
  }
  const sel = makeLabelSelector(reqs);
  // Validate through the parser so the result is always a valid selector.
  parseLabelSelector(sel.toString());
  return sel;
}

/**
 * Whether `labels` match `selector` (a string is parsed first).
 *
 * @example
 * ```ts
 * import { matchLabels } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * matchLabels("env!=prod", { env: "dev" }); // true
 * ```
 */
export function matchLabels(
  selector: string | ParsedLabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const sel = typeof selector === "string" ? parseLabelSelector(selector) : selector;
  return sel.matches(labels);
}

function unescapeFieldValue(s: string, raw: string, pos: number): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\") {
      const n = s[i + 1];
      if (n !== "\\" && n !== "," && n !== "=") {
        throw new SelectorParseError(raw, pos + i, `invalid escape sequence "\\${n ?? ""}"`);
      }
      out += n;
      i++;
    } else if (c === "," || c === "=") {
      throw new SelectorParseError(raw, pos + i, `unescaped "${c}" in value`);
    } else {
      out += c;
    }
  }
  return out;
}

function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

function fieldLookup(obj: unknown, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === "string" ? cur : String(cur);
}

function makeFieldSelector(requirements: FieldRequirement[]): ParsedFieldSelector {
  const frozen = Object.freeze(requirements.map((r) => Object.freeze({ ...r })));
  return {
    requirements: frozen,
    matches: (obj) =>
      frozen.every((r) => {
        const v = fieldLookup(obj, r.field) ?? "";
        return r.operator === "=" ? v === r.value : v !== r.value;
      }),
    toString: () =>
      frozen.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(","),
  };
}

/**
 * A field selector that matches everything.
 *
 * @example
 * ```ts
 * import { everythingFieldSelector } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * everythingFieldSelector.matches({ metadata: { name: "any" } }); // true
 * ```
 */
export const everythingFieldSelector: ParsedFieldSelector = makeFieldSelector([]);

/**
 * Parse a field selector: comma-separated `field=value`, `field==value` or
 * `field!=value` terms (values may escape `\,`, `\=` and `\\`). Which fields a
 * server supports is up to the server; the API server supports
 * `metadata.name` and `metadata.namespace` for every kind.
 *
 * @example
 * ```ts
 * import { parseFieldSelector } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * const sel = parseFieldSelector("metadata.namespace!=kube-system");
 * sel.matches({ metadata: { name: "a", namespace: "default" } }); // true
 * ```
 */
export function parseFieldSelector(selector: string): ParsedFieldSelector {
  if (selector.trim() === "") return everythingFieldSelector;
  const reqs: FieldRequirement[] = [];
  // Split on unescaped commas.
  let start = 0;
  const terms: { text: string; pos: number }[] = [];
  for (let i = 0; i <= selector.length; i++) {
    if (i === selector.length || (selector[i] === "," && !isEscaped(selector, i))) {
      terms.push({ text: selector.slice(start, i), pos: start });
      start = i + 1;
    }
  }
  for (const { text, pos } of terms) {
    const m = /^\s*([A-Za-z0-9_.\-/]+)\s*(!=|==|=)(.*)$/s.exec(text);
    if (!m) throw new SelectorParseError(selector, pos, `invalid field selector term "${text}"`);
    const field = m[1]!;
    const op = m[2] === "!=" ? "!=" : "=";
    const valuePos = pos + text.length - m[3]!.length;
    reqs.push({ field, operator: op, value: unescapeFieldValue(m[3]!.trim(), selector, valuePos) });
  }
  return makeFieldSelector(reqs);
}

function isEscaped(s: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && s[j] === "\\"; j--) n++;
  return n % 2 === 1;
}

/**
 * Whether `obj` matches the field `selector` (a string is parsed first).
 *
 * @example
 * ```ts
 * import { matchFields } from "./selector.ts"; // internal module, not re-exported by "kubeloop"
 * matchFields("metadata.name=web", { metadata: { name: "web" } }); // true
 * ```
 */
export function matchFields(selector: string | ParsedFieldSelector, obj: unknown): boolean {
  const sel = typeof selector === "string" ? parseFieldSelector(selector) : selector;
  return sel.matches(obj);
}
