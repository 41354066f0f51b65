/**
 * Label and field selectors as the API server reads them from a query
 * string: the lexer and parser of `k8s.io/apimachinery/pkg/labels` and
 * `pkg/fields`, ported for their error messages (a client shows them to its
 * user), and the field labels each kind supports.
 *
 * @module
 */
import {
  type ParsedFieldSelector,
  type ParsedLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from "../../util/selector.ts";
import { badRequest, type StatusError } from "./status.ts";
import { labelValue, qualifiedName } from "./validation.ts";

type Tok =
  | "error"
  | "eos"
  | ")"
  | ","
  | "!"
  | "=="
  | "="
  | ">"
  | "id"
  | "in"
  | "<"
  | "!="
  | "notin"
  | "(";

const STRING_TO_TOKEN: Record<string, Tok> = {
  ")": ")",
  ",": ",",
  "!": "!",
  "==": "==",
  "=": "=",
  ">": ">",
  in: "in",
  "<": "<",
  "!=": "!=",
  notin: "notin",
  "(": "(",
};

const isWhitespace = (c: string): boolean => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSpecial = (c: string): boolean => "=!(),><".includes(c) && c !== "";

function lex(s: string): { tok: Tok; lit: string }[] {
  const out: { tok: Tok; lit: string }[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isWhitespace(s[i]!)) i++;
    if (i >= s.length) {
      out.push({ tok: "eos", lit: "" });
      return out;
    }
    if (isSpecial(s[i]!)) {
      let buffer = "";
      let last: { tok: Tok; lit: string } | undefined;
      while (i < s.length && isSpecial(s[i]!)) {
        buffer += s[i];
        i++;
        const t = STRING_TO_TOKEN[buffer];
        if (t) last = { tok: t, lit: buffer };
        else if (last) {
          i--;
          break;
        }
      }
      out.push(last ?? { tok: "error", lit: `error expected: keyword found '${buffer}'` });
      if (!last) {
        out.push({ tok: "eos", lit: "" });
        return out;
      }
      continue;
    }
    let buffer = "";
    while (i < s.length && !isSpecial(s[i]!) && !isWhitespace(s[i]!)) buffer += s[i++];
    out.push({ tok: STRING_TO_TOKEN[buffer] ?? "id", lit: buffer });
  }
}

class LabelParser {
  readonly #items: { tok: Tok; lit: string }[];
  #pos = 0;
  constructor(s: string) {
    this.#items = lex(s);
  }
  #at(i: number, values: boolean): { tok: Tok; lit: string } {
    const item = this.#items[Math.min(i, this.#items.length - 1)]!;
    const tok = values && (item.tok === "in" || item.tok === "notin") ? "id" : item.tok;
    return { tok, lit: item.lit };
  }
  lookahead(values = true): { tok: Tok; lit: string } {
    return this.#at(this.#pos, values);
  }
  consume(values = true): { tok: Tok; lit: string } {
    return this.#at(this.#pos++, values);
  }

  parse(): void {
    for (;;) {
      const { tok, lit } = this.lookahead();
      if (tok === "id" || tok === "!") {
        try {
          this.requirement();
        } catch (e) {
          throw new Error(`unable to parse requirement: ${(e as Error).message}`);
        }
        const next = this.consume();
        if (next.tok === "eos") return;
        if (next.tok === ",") {
          const after = this.lookahead();
          if (after.tok !== "id" && after.tok !== "!") {
            throw new Error(`found '${after.lit}', expected: identifier after ','`);
          }
          continue;
        }
        throw new Error(`found '${next.lit}', expected: ',' or 'end of string'`);
      }
      if (tok === "eos") return;
      throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  requirement(): void {
    let { tok, lit } = this.consume();
    let op = "";
    if (tok === "!") {
      op = "!";
      ({ tok, lit } = this.consume());
    }
    if (tok !== "id") throw new Error(`found '${lit}', expected: identifier`);
    const keyErrs = qualifiedName(lit);
    if (keyErrs.length) throw new Error(`invalid label key "${lit}": ${keyErrs.join("; ")}`);
    const key = lit;
    const next = this.lookahead().tok;
    // `!key` is complete on its own: an operator after it fails in parse(), as the API server's does
    if (next === "eos" || next === "," || op === "!") return;
    const o = this.consume(false);
    let values: string[];
    switch (o.tok) {
      case "in":
      case "notin":
        values = this.values();
        if (values.length === 0)
          throw new Error("for 'in', 'notin' operators, values set can't be empty");
        break;
      case "=":
      case "==":
      case "!=":
      case ">":
      case "<":
        values = this.exactValue();
        if ((o.tok === ">" || o.tok === "<") && !/^[+-]?\d+$/.test(values[0] ?? "")) {
          throw new Error(`for 'Gt', 'Lt' operators, the value must be an integer`);
        }
        break;
      default:
        throw new Error(`found '${o.lit}', expected: '=', '!=', '==', 'in', notin'`);
    }
    if (o.tok !== ">" && o.tok !== "<") {
      for (const v of values) {
        const errs = labelValue(v);
        if (errs.length)
          throw new Error(`invalid label value: "${v}": at key: "${key}": ${errs.join("; ")}`);
      }
    }
  }

  values(): string[] {
    const open = this.consume();
    if (open.tok !== "(") throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead();
    if (tok === "id" || tok === ",") {
      const s = this.identifiers();
      if (this.consume().tok !== ")") throw new Error(`found '${lit}', expected: ')'`);
      return s;
    }
    if (tok === ")") {
      this.consume();
      return [""];
    }
    throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
  }

  identifiers(): string[] {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume();
      if (tok === "id") {
        s.add(lit);
        const next = this.lookahead();
        if (next.tok === ",") continue;
        if (next.tok === ")") return [...s];
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === ",") {
        if (s.size === 0) s.add("");
        const next = this.lookahead();
        if (next.tok === ")") {
          s.add("");
          return [...s];
        }
        if (next.tok === ",") {
          this.consume();
          s.add("");
        }
        continue;
      }
      throw new Error(`found '${lit}', expected: ',', or identifier`);
    }
  }

  exactValue(): string[] {
    const ahead = this.lookahead();
    if (ahead.tok === "eos" || ahead.tok === ",") return [""];
    const { tok, lit } = this.consume();
    if (tok === "id") return [lit];
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parse a `labelSelector` query parameter: 400 with the API server's message
 * when it does not parse.
 */
export function labelSelectorParam(text: string): ParsedLabelSelector | undefined {
  if (text === "") return undefined;
  try {
    new LabelParser(text).parse();
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  try {
    return parseLabelSelector(text);
  } catch (e) {
    throw badRequest((e as Error).message);
  }
}

/** A kind's field selector support: labels it accepts and how to read each from an object. */
export interface FieldLabels {
  /** Supported labels (beyond `metadata.name` and `metadata.namespace`, which every kind has). */
  readonly labels: Readonly<Record<string, (obj: Record<string, unknown>) => string>>;
  /**
   * How the API server words an unsupported label: kinds with their own
   * conversion function say `field label not supported: X`, the rest list the
   * two metadata labels.
   */
  readonly custom: boolean;
  /** Labels renamed on the way in (`spec.host` is an old name of `spec.nodeName`). */
  readonly aliases?: Readonly<Record<string, string>>;
}

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** A field read as a string (missing: ""). */
export function str(path: string): (obj: Record<string, unknown>) => string {
  return (obj) => {
    const v = at(obj, path);
    return v === undefined || v === null ? "" : String(v);
  };
}

/** A boolean field (missing: "false"). */
export function bool(path: string): (obj: Record<string, unknown>) => string {
  return (obj) => String(at(obj, path) === true);
}

/** A number field (missing: "0"). */
export function num(path: string): (obj: Record<string, unknown>) => string {
  return (obj) => String(Number(at(obj, path) ?? 0));
}

const METADATA_LABELS = ["metadata.name", "metadata.namespace"];

/**
 * Parse a `fieldSelector` query parameter for a kind: 400 with the API
 * server's message for a term it cannot read or a label the kind does not
 * support. The result matches objects by the kind's field readers.
 */
export function fieldSelectorParam(
  text: string,
  fields: FieldLabels | undefined,
): ParsedFieldSelector | undefined {
  if (text === "") return undefined;
  const terms = splitTerms(text).sort();
  const reqs: { field: string; op: "=" | "!="; value: string }[] = [];
  for (const term of terms) {
    if (term === "") continue;
    const split = splitTerm(term);
    if (!split) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    let value: string;
    try {
      value = unescapeValue(split.rhs);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
    let field = split.lhs;
    field = fields?.aliases?.[field] ?? field;
    if (!METADATA_LABELS.includes(field) && !(fields && Object.hasOwn(fields.labels, field))) {
      if (fields?.custom) throw badRequest(`field label not supported: ${split.lhs}`);
      throw badRequest(
        `"${split.lhs}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    reqs.push({ field, op: split.op === "!=" ? "!=" : "=", value });
  }
  if (reqs.length === 0) return undefined;
  const read = (obj: Record<string, unknown>, field: string): string => {
    if (field === "metadata.name") return str("metadata.name")(obj);
    if (field === "metadata.namespace") return str("metadata.namespace")(obj);
    return fields!.labels[field]!(obj);
  };
  const base = parseFieldSelector(
    reqs.map((r) => `${r.field}${r.op}${r.value.replace(/[\\,=]/g, (c) => `\\${c}`)}`).join(","),
  );
  return {
    requirements: base.requirements,
    toString: () => base.toString(),
    matches: (obj: unknown) =>
      reqs.every((r) => {
        const v = read(obj as Record<string, unknown>, r.field);
        return r.op === "=" ? v === r.value : v !== r.value;
      }),
  };
}

function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    if (escaped) {
      escaped = false;
      continue;
    }
    if (s[i] === "\\") escaped = true;
    else if (s[i] === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    for (const op of ["!=", "==", "="]) {
      if (rest.startsWith(op)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = "";
  let escaped = false;
  for (const c of s) {
    if (escaped) {
      if (c !== "\\" && c !== "," && c !== "=") {
        throw new Error("invalid field selector: invalid escape sequence");
      }
      out += c;
      escaped = false;
    } else if (c === "\\") escaped = true;
    else if (c === "," || c === "=") {
      throw new Error(`invalid field selector: unescaped character in value: ${JSON.stringify(c)}`);
    } else out += c;
  }
  if (escaped) throw new Error("invalid field selector: invalid escape sequence");
  return out;
}

export type { StatusError };
