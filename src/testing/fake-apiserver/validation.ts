/**
 * The API server's validation helpers (`k8s.io/apimachinery/pkg/util/validation`
 * and `api/validation`), with the same messages, so that a 422 from the fake
 * server reads like one from a real server.
 *
 * @module
 */
import type { StatusCause } from "../../resources/meta.ts";

const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

/** Maximum length of an annotation map (keys + values), in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function regexError(msg: string, fmt: string, examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}'`).join(",  or ")}, regex used for validation is '${fmt}')`;
}

/** `IsDNS1123Label`: problems with `value` as a DNS label (empty when valid). */
export function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push("must be no more than 63 characters");
  if (!DNS1123_LABEL_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL_FMT,
        ["my-name", "123-abc"],
      ),
    );
  }
  return errs;
}

/** `IsDNS1123Subdomain`: problems with `value` as a DNS subdomain (empty when valid). */
export function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        ["example.com"],
      ),
    );
  }
  return errs;
}

/** `IsDNS1035Label` (Service names): problems, empty when valid. */
export function dns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push("must be no more than 63 characters");
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        "[a-z]([-a-z0-9]*[a-z0-9])?",
        ["my-name", "abc-123"],
      ),
    );
  }
  return errs;
}

/** `IsQualifiedName` (label and annotation keys): problems, empty when valid. */
export function qualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else for (const e of dns1123Subdomain(prefix)) errs.push(`prefix part ${e}`);
  } else {
    return [
      `a qualified name ${regexError(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_FMT,
        ["MyName", "my.name", "123-abc"],
      )} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push("name part must be no more than 63 characters");
  if (name.length > 0 && !QUALIFIED_NAME_RE.test(name)) {
    errs.push(
      `name part ${regexError(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_FMT,
        ["MyName", "my.name", "123-abc"],
      )}`,
    );
  }
  return errs;
}

/** `IsValidLabelValue`: problems, empty when valid. */
export function labelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push("must be no more than 63 characters");
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        ["MyValue", "my_value", "12345"],
      ),
    );
  }
  return errs;
}

/** A `FieldValueInvalid` cause, message as `field.Invalid` renders it. */
export function invalidCause(field: string, value: unknown, detail: string): StatusCause {
  return {
    reason: "FieldValueInvalid",
    message: `Invalid value: ${renderValue(value)}: ${detail}`,
    field,
  };
}

/** A `FieldValueRequired` cause. */
export function requiredCause(field: string, detail = ""): StatusCause {
  return {
    reason: "FieldValueRequired",
    message: detail ? `Required value: ${detail}` : "Required value",
    field,
  };
}

/** A `FieldValueForbidden` cause. */
export function forbiddenCause(field: string, detail: string): StatusCause {
  return { reason: "FieldValueForbidden", message: `Forbidden: ${detail}`, field };
}

/** A `FieldValueNotSupported` cause. */
export function notSupportedCause(field: string, value: unknown, supported: string[]): StatusCause {
  const list = supported.map((s) => JSON.stringify(s)).join(", ");
  return {
    reason: "FieldValueNotSupported",
    message: `Unsupported value: ${renderValue(value)}${supported.length ? `: supported values: ${list}` : ""}`,
    field,
  };
}

/** A `FieldValueTooLong` cause. */
export function tooLongCause(field: string, max: number): StatusCause {
  return {
    reason: "FieldValueTooLong",
    message: `Too long: must have at most ${max} bytes`,
    field,
  };
}

/** How `field.Error` renders a value (Go's `%#v` for strings, `%v` otherwise). */
export function renderValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** `ValidateLabels`: causes for invalid label keys and values under `path`. */
export function validateLabels(labels: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (labels === undefined || labels === null) return causes;
  if (typeof labels !== "object" || Array.isArray(labels)) return causes;
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const e of qualifiedName(k)) causes.push(invalidCause(path, k, e));
    if (typeof v === "string") for (const e of labelValue(v)) causes.push(invalidCause(path, v, e));
  }
  return causes;
}

/** `ValidateAnnotations`: invalid keys and the total size limit. */
export function validateAnnotations(annotations: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!annotations || typeof annotations !== "object" || Array.isArray(annotations)) return causes;
  let size = 0;
  const enc = new TextEncoder();
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    for (const e of qualifiedName(k.toLowerCase())) causes.push(invalidCause(path, k, e));
    size += enc.encode(k).length + enc.encode(String(v ?? "")).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT)
    causes.push(tooLongCause(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return causes;
}

/** The `Kind "name" is invalid: [...]` message of a 422. */
export function invalidMessage(
  kind: string,
  group: string,
  name: string,
  causes: StatusCause[],
): string {
  const what = group ? `${kind}.${group}` : kind;
  const parts = causes.map((c) => `${c.field ? `${c.field}: ` : ""}${c.message ?? ""}`);
  const list = parts.length === 1 ? parts[0]! : `[${parts.join(", ")}]`;
  return `${what} "${name}" is invalid: ${list}`;
}
