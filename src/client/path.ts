/**
 * Path segments: names, namespaces and subresources that go into a request
 * path are checked before any request is sent, with client-go's rule
 * (`IsValidPathSegmentName`): not `.` or `..`, no `/` or `%`, and not empty
 * where a value is required.
 *
 * Why: `fetch` folds `.` and `..` segments (also written `%2E`), so a name
 * `..` would turn `DELETE …/namespaces/ns/configmaps/..` into
 * `DELETE …/namespaces/ns`, and a name `.` into a delete-collection.
 *
 * @module
 */

/**
 * Which argument of a call a path segment came from.
 *
 * @example
 * ```ts
 * import type { PathSegmentArgument } from "kubeloop";
 * const arg: PathSegmentArgument = "namespace";
 * ```
 */
export type PathSegmentArgument = "name" | "namespace" | "subresource" | "resource";

/**
 * Why `value` cannot be a path segment, as client-go words it (`may not be
 * '..'`, `may not contain '/'`); empty if it can. An empty string passes
 * (only a required argument refuses it). Beyond client-go, a lone UTF-16
 * surrogate is refused too (`encodeURIComponent` cannot encode it).
 *
 * @example
 * ```ts
 * import { pathSegmentProblems } from "kubeloop";
 * pathSegmentProblems("web-0"); // []
 * pathSegmentProblems(".."); // ["may not be '..'"]
 * pathSegmentProblems("a/b%"); // ["may not contain '/'", "may not contain '%'"]
 * ```
 */
export function pathSegmentProblems(value: string): string[] {
  if (value === "." || value === "..") return [`may not be '${value}'`];
  const problems: string[] = [];
  if (value.includes("/")) problems.push("may not contain '/'");
  if (value.includes("%")) problems.push("may not contain '%'");
  // not in client-go (Go strings are bytes): a lone UTF-16 surrogate has no URL encoding
  if (LONE_SURROGATE.test(value)) problems.push("may not contain a lone surrogate");
  return problems;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function describeValue(value: unknown): string {
  if (typeof value !== "string") return typeof value;
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(shown);
}

/**
 * A name, namespace or subresource that cannot be a path segment. Thrown
 * before any request is sent. A `TypeError`, so code that caught the earlier
 * "empty object name" `TypeError` still does.
 *
 * @example
 * ```ts
 * import { ConfigMaps, type KubeClient, PathSegmentError } from "kubeloop";
 * declare const client: KubeClient;
 * declare const nameFromLabel: string;
 * try {
 *   await client.delete(ConfigMaps, nameFromLabel, { namespace: "default" });
 * } catch (err) {
 *   if (err instanceof PathSegmentError) console.warn(err.argument, err.problems); // nothing was sent
 * }
 * ```
 */
export class PathSegmentError extends TypeError {
  /** Always `"PathSegmentError"`. */
  override readonly name = "PathSegmentError";
  /** The argument that was refused. */
  readonly argument: PathSegmentArgument;
  /** The refused value (`undefined` when a required value was missing). */
  readonly value: string | undefined;
  /** What is wrong with it, e.g. `may not be '..'` or `may not be empty`. */
  readonly problems: string[];
  /** `kind` names the resource type in the message. */
  constructor(
    argument: PathSegmentArgument,
    value: string | undefined,
    problems: string[],
    kind = "",
  ) {
    super(
      `${kind ? `${kind}: ` : ""}invalid ${argument} ${describeValue(value)}: ${problems.join(", ")} (no request was sent)`,
    );
    this.argument = argument;
    this.value = value;
    this.problems = problems;
  }
}

/**
 * Throw {@link PathSegmentError} unless `value` can be a path segment.
 * `required`: the empty string (and a missing value) is refused too.
 *
 * @example
 * ```ts
 * import { checkPathSegment } from "kubeloop";
 * checkPathSegment("kube-system", "namespace"); // fine
 * checkPathSegment("..", "name", { required: true }); // throws PathSegmentError
 * ```
 */
export function checkPathSegment(
  value: unknown,
  argument: PathSegmentArgument,
  options: { required?: boolean | undefined; kind?: string | undefined } = {},
): void {
  if (value === undefined || value === "") {
    if (options.required) {
      throw new PathSegmentError(argument, value, ["may not be empty"], options.kind);
    }
    return;
  }
  if (typeof value !== "string") {
    throw new PathSegmentError(
      argument,
      undefined,
      [`must be a string, got ${value === null ? "null" : typeof value}`],
      options.kind,
    );
  }
  const problems = pathSegmentProblems(value);
  if (problems.length > 0) throw new PathSegmentError(argument, value, problems, options.kind);
}
