/**
 * `Status` objects and the typed error the fake API server throws from its
 * direct helpers (and turns into HTTP responses).
 *
 * @module
 */
import type { Status, StatusCause } from "../../resources/meta.ts";
import { invalidMessage } from "./validation.ts";

/**
 * Status reasons the fake API server uses (the Kubernetes `StatusReason` values).
 *
 * @example
 * ```ts
 * import { ConfigMaps } from "kubeloop";
 * import { FakeApiServer, StatusError, type StatusReason } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * let reason: StatusReason | undefined;
 * try { server.delete(ConfigMaps, "missing", "default"); } catch (e) {
 *   if (e instanceof StatusError) reason = e.reason; // "NotFound"
 * }
 * ```
 */
export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "Invalid"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "UnsupportedMediaType"
  | "TooManyRequests"
  | "InternalError"
  | "ServiceUnavailable"
  | "Timeout"
  | "RequestEntityTooLarge"
  | "Unknown";

/** The default reason for an HTTP status code. */
export function reasonForCode(code: number): StatusReason {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 406:
      return "NotAcceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Expired";
    case 413:
      return "RequestEntityTooLarge";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "Unknown";
  }
}

/**
 * Details attached to a {@link StatusError}.
 *
 * @example
 * ```ts
 * import { ConfigMaps } from "kubeloop";
 * import { FakeApiServer, type StatusDetails, StatusError } from "kubeloop/testing";
 * const server = new FakeApiServer();
 * try { server.delete(ConfigMaps, "missing", "default"); } catch (e) {
 *   const details: StatusDetails | undefined = e instanceof StatusError ? e.details : undefined;
 *   console.log(details?.kind, details?.name); // "configmaps" "missing"
 * }
 * ```
 */
export interface StatusDetails {
  /** Name of the object the error is about. */
  name?: string | undefined;
  /** API group of the object the error is about. */
  group?: string | undefined;
  /** Kind (or resource) of the object the error is about. */
  kind?: string | undefined;
  /** Individual causes, e.g. one per invalid field. */
  causes?: StatusCause[] | undefined;
  /** How long the client should wait before retrying. */
  retryAfterSeconds?: number | undefined;
}

/**
 * An API error as a `Status` object. The fake API server's direct helpers
 * (`server.create()` …) throw it; over HTTP it becomes the response body.
 *
 * @example
 * ```ts
 * import { FakeApiServer, StatusError } from "kubeloop/testing";
 * import { ConfigMaps } from "kubeloop";
 * const server = new FakeApiServer();
 * server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" } });
 * try {
 *   server.create(ConfigMaps, { metadata: { name: "a", namespace: "default" } });
 * } catch (e) {
 *   if (e instanceof StatusError) console.log(e.code, e.reason); // 409 AlreadyExists
 * }
 * ```
 */
export class StatusError extends Error {
  /** HTTP status code. */
  readonly code: number;
  /** Machine-readable reason. */
  readonly reason: StatusReason;
  /** Extra details (name, kind, causes, retryAfterSeconds). */
  readonly details: StatusDetails | undefined;
  /** List metadata on the Status (a fresh `continue` token on an expired continue). */
  readonly listMeta: { continue?: string; resourceVersion?: string } | undefined;
  /**
   * Create the error.
   *
   * @param code HTTP status code.
   * @param message human-readable message.
   * @param options `reason` (default: the usual one for `code`), `details`, `listMeta`.
   */
  constructor(
    code: number,
    message: string,
    options: {
      reason?: StatusReason;
      details?: StatusDetails;
      listMeta?: { continue?: string; resourceVersion?: string };
    } = {},
  ) {
    super(message);
    this.name = "StatusError";
    this.code = code;
    this.reason = options.reason ?? reasonForCode(code);
    this.details = options.details;
    this.listMeta = options.listMeta;
  }

  /** The `Status` object the API server would send. */
  toStatus(): Status {
    return statusObject(this.code, this.message, this.reason, this.details, this.listMeta);
  }
}

/** Build a failure `Status` object. */
export function statusObject(
  code: number,
  message: string,
  reason: string = reasonForCode(code),
  details?: StatusDetails,
  listMeta?: { continue?: string; resourceVersion?: string },
): Status {
  const status: Status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: listMeta ? { ...listMeta } : {},
    status: "Failure",
    message,
    reason,
    code,
  };
  if (!reason) delete status.reason;
  if (details) {
    // empty fields are left out, as the API server's JSON (omitempty) does
    const d: StatusDetails = {};
    if (details.name) d.name = details.name;
    if (details.group) d.group = details.group;
    if (details.kind) d.kind = details.kind;
    if (details.causes && details.causes.length > 0) d.causes = details.causes;
    if (details.retryAfterSeconds !== undefined) d.retryAfterSeconds = details.retryAfterSeconds;
    // present whenever the error names a resource (Go's pointer with omitempty fields): `{}` too
    status.details = d;
  }
  return status;
}

/** `404 NotFound` for `plural "name"`. */
export function notFound(group: string, plural: string, name: string): StatusError {
  const what = group ? `${plural}.${group}` : plural;
  return new StatusError(404, `${what} "${name}" not found`, {
    details: { name, group, kind: plural },
  });
}

/** `422 Invalid` for a kind and name, with causes. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: StatusCause[],
): StatusError {
  return new StatusError(422, invalidMessage(kind, group, name, causes), {
    reason: "Invalid",
    details: { name, group, kind, causes },
  });
}

/** A `400 BadRequest`. */
export function badRequest(message: string): StatusError {
  return new StatusError(400, message, { reason: "BadRequest" });
}
