/**
 * Query parameters as the API server decodes them: Go's conversions
 * (`watch=yes` is true, `timeoutSeconds=1.5` is a 400 from `strconv`), and the
 * validation of `ListOptions`, `CreateOptions`, `UpdateOptions`,
 * `PatchOptions` and `DeleteOptions` (422 with causes).
 *
 * @module
 */
import type { StatusCause } from "../../resources/meta.ts";
import { badRequest, StatusError } from "./status.ts";
import { invalidMessage, notSupportedCause, renderValue, tooLongCause } from "./validation.ts";

/**
 * A boolean parameter: absent is false; `0` and `false` (any case) are
 * false; anything else, even an empty value, is true.
 */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !(v === "0" || v.toLowerCase() === "false");
}

/** An optional boolean parameter (`undefined` when absent). */
export function optionalBoolParam(q: URLSearchParams, name: string): boolean | undefined {
  return q.has(name) ? boolParam(q, name) : undefined;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** An int64 parameter; 400 with `strconv.ParseInt`'s message when it does not parse. */
export function int64Param(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^[+-]?\d+$/.test(v))
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const big = BigInt(v);
  if (big > INT64_MAX || big < INT64_MIN) {
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  }
  return Number(big);
}

/**
 * A resource version from a query: undefined for `""`, or a number; 500 (as
 * the API server's storage layer answers) when it is not an unsigned integer.
 */
export function parseResourceVersion(v: string): number {
  if (!/^\d+$/.test(v) || BigInt(v) > 18446744073709551615n) {
    const why = /^\d+$/.test(v) ? "value out of range" : "invalid syntax";
    throw new StatusError(
      500,
      `resourceVersion: Invalid value: ${JSON.stringify(v)}: strconv.ParseUint: parsing ${JSON.stringify(v)}: ${why}`,
      { reason: "" as never },
    );
  }
  return Number(v);
}

/** A 422 about an options object (`ListOptions.meta.k8s.io "" is invalid: ...`). */
export function invalidOptions(kind: string, causes: StatusCause[]): StatusError {
  return new StatusError(422, invalidMessage(kind, "meta.k8s.io", "", causes), {
    reason: "Invalid",
    details: { group: "meta.k8s.io", kind, causes },
  });
}

/** The parameters of a list or watch. */
export interface ListParams {
  labelSelector: string;
  fieldSelector: string;
  resourceVersion: string;
  resourceVersionMatch: string;
  limit: number | undefined;
  continue: string;
  timeoutSeconds: number | undefined;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean | undefined;
}

/** Decode and validate `ListOptions` (422 as `ValidateListOptions` words it). */
export function listParams(
  q: URLSearchParams,
  watch: boolean,
  streamingLists: boolean,
): ListParams {
  const p: ListParams = {
    labelSelector: q.get("labelSelector") ?? "",
    fieldSelector: q.get("fieldSelector") ?? "",
    resourceVersion: q.get("resourceVersion") ?? "",
    resourceVersionMatch: q.get("resourceVersionMatch") ?? "",
    limit: int64Param(q, "limit"),
    continue: q.get("continue") ?? "",
    timeoutSeconds: int64Param(q, "timeoutSeconds"),
    allowWatchBookmarks: boolParam(q, "allowWatchBookmarks"),
    sendInitialEvents: streamingLists ? optionalBoolParam(q, "sendInitialEvents") : undefined,
  };
  const causes: StatusCause[] = [];
  const field = "resourceVersionMatch";
  const forbid = (msg: string): void => {
    causes.push({ reason: "FieldValueForbidden", message: `Forbidden: ${msg}`, field });
  };
  const match = p.resourceVersionMatch;
  const streaming = p.sendInitialEvents !== undefined;
  if (streaming) {
    // Kubernetes ≥ 1.27 (WatchList): sendInitialEvents needs a watch, NotOlderThan and bookmarks
    if (!watch) {
      causes.push({
        reason: "FieldValueForbidden",
        message: "Forbidden: sendInitialEvents is forbidden for list",
        field: "sendInitialEvents",
      });
    } else {
      if (match !== "NotOlderThan") {
        causes.push({
          reason: "FieldValueNotSupported",
          message: `Unsupported value: ${renderValue(match)}: supported values: "NotOlderThan"`,
          field,
        });
      }
      if (p.sendInitialEvents === true && !p.allowWatchBookmarks) {
        causes.push({
          reason: "FieldValueForbidden",
          message: "Forbidden: sendInitialEvents requires setting allowWatchBookmarks=true",
          field: "allowWatchBookmarks",
        });
      }
    }
  } else if (match !== "") {
    if (watch) forbid("resourceVersionMatch is forbidden for watch");
    if (p.resourceVersion === "")
      forbid("resourceVersionMatch is forbidden unless resourceVersion is provided");
    if (p.continue !== "") forbid("resourceVersionMatch is forbidden when continue is provided");
    if (match !== "Exact" && match !== "NotOlderThan") {
      causes.push(notSupportedCause(field, match, ["Exact", "NotOlderThan", ""]));
    }
    if (match === "Exact" && p.resourceVersion === "0") {
      forbid('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
  }
  if (causes.length) throw invalidOptions("ListOptions", causes);
  return p;
}

function goStringSlice(values: string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`;
}

/** Options shared by the writing verbs. */
export interface WriteParams {
  dryRun: boolean;
  fieldManager: string | undefined;
}

/**
 * Decode and validate `dryRun` and `fieldManager` of a create, update, patch
 * or delete (`kind` names the options object in the 422).
 */
export function writeParams(q: URLSearchParams, kind: string): WriteParams {
  const dry = q.getAll("dryRun");
  const causes: StatusCause[] = [];
  if (dry.length > 0 && !dry.every((d) => d === "All")) {
    causes.push({
      reason: "FieldValueNotSupported",
      message: `Unsupported value: ${goStringSlice(dry)}: supported values: "All"`,
      field: "dryRun",
    });
  }
  const fieldManager = q.get("fieldManager") ?? undefined;
  if (kind !== "DeleteOptions" && fieldManager !== undefined) {
    if (new TextEncoder().encode(fieldManager).length > 128)
      causes.push(tooLongCause("fieldManager", 128));
  }
  if (causes.length) throw invalidOptions(kind, causes);
  return { dryRun: dry.length > 0, fieldManager };
}

/** `DeleteOptions` from the query and the body (the body wins, as in the API server). */
export interface DeleteParams extends WriteParams {
  gracePeriodSeconds: number | undefined;
  propagationPolicy: "Foreground" | "Background" | "Orphan" | undefined;
  orphanDependents: boolean | undefined;
  preconditions: { uid?: string | undefined; resourceVersion?: string | undefined };
}

/** Decode and validate delete options (query parameters, then a `DeleteOptions` body). */
export function deleteParams(q: URLSearchParams, body: unknown): DeleteParams {
  const write = writeParams(q, "DeleteOptions");
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  if (b.kind !== undefined && b.kind !== "DeleteOptions") {
    throw badRequest(
      `no kind "${String(b.kind)}" is registered for version "${String(b.apiVersion ?? "")}"`,
    );
  }
  const grace =
    typeof b.gracePeriodSeconds === "number"
      ? b.gracePeriodSeconds
      : int64Param(q, "gracePeriodSeconds");
  const policy =
    (typeof b.propagationPolicy === "string" ? b.propagationPolicy : q.get("propagationPolicy")) ??
    undefined;
  const orphan =
    typeof b.orphanDependents === "boolean"
      ? b.orphanDependents
      : optionalBoolParam(q, "orphanDependents");
  const dryRun = Array.isArray(b.dryRun) ? b.dryRun.length > 0 : write.dryRun;
  if (Array.isArray(b.dryRun) && !b.dryRun.every((d) => d === "All")) {
    throw invalidOptions("DeleteOptions", [
      {
        reason: "FieldValueNotSupported",
        message: `Unsupported value: ${goStringSlice(b.dryRun as string[])}: supported values: "All"`,
        field: "dryRun",
      },
    ]);
  }
  const causes: StatusCause[] = [];
  if (policy !== undefined && !["Foreground", "Background", "Orphan"].includes(policy)) {
    causes.push(
      notSupportedCause("propagationPolicy", policy, ["Foreground", "Background", "Orphan", "nil"]),
    );
  }
  if (policy !== undefined && orphan !== undefined) {
    causes.push({
      reason: "FieldValueInvalid",
      message: `Invalid value: ${renderValue(policy)}: orphanDependents and deletionPropagation cannot be both set`,
      field: "propagationPolicy",
    });
  }
  if (causes.length) throw invalidOptions("DeleteOptions", causes);
  const pre = (b.preconditions && typeof b.preconditions === "object" ? b.preconditions : {}) as {
    uid?: string;
    resourceVersion?: string;
  };
  return {
    dryRun,
    fieldManager: undefined,
    gracePeriodSeconds: grace,
    propagationPolicy: policy as DeleteParams["propagationPolicy"],
    orphanDependents: orphan,
    preconditions: { uid: pre.uid, resourceVersion: pre.resourceVersion },
  };
}
