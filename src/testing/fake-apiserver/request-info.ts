/**
 * What a request asks for, read from its path and method alone, before the
 * server knows whether the resource exists (the API server's
 * `RequestInfoFactory`). Authorization and error messages use it.
 *
 * @module
 */

/** The attributes of one request. */
export interface RequestAttributes {
  /** Whether the path names an API resource (`/api/v1/...`, `/apis/g/v/...`). */
  resourceRequest: boolean;
  /** `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or the lower-case method. */
  verb: string;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

/**
 * Parse a request as the API server does: `/api/v1/namespaces/ns/pods/name/status`,
 * the legacy `/watch/` prefix, and `watch=true|1` on collections.
 */
export function requestAttributes(
  method: string,
  path: string,
  query: URLSearchParams,
): RequestAttributes {
  const attrs: RequestAttributes = {
    resourceRequest: false,
    verb: method.toLowerCase(),
    group: "",
    version: "",
    namespace: "",
    resource: "",
    subresource: "",
    name: "",
  };
  const parts = path
    .split("/")
    .filter((p) => p !== "")
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    attrs.version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    attrs.group = parts[1]!;
    attrs.version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return attrs;
  }
  attrs.resourceRequest = true;
  let watchPrefix = false;
  if (rest[0] === "watch") {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  if (rest[0] === "namespaces") {
    if (rest.length > 1) {
      attrs.namespace = rest[1]!;
      // `/namespaces/{name}` is the namespace itself; `/namespaces/{name}/finalize|status` its subresources
      if (rest.length > 2 && !["finalize", "status"].includes(rest[2]!)) rest = rest.slice(2);
    }
  }
  if (rest[0] === "namespaces" && rest.length >= 2) {
    attrs.resource = "namespaces";
    attrs.name = rest[1]!;
    // a namespace is "in" itself, as far as authorization is concerned
    attrs.namespace = rest[1]!;
    attrs.subresource = rest[2] ?? "";
  } else {
    attrs.resource = rest[0] ?? "";
    attrs.name = rest[1] ?? "";
    attrs.subresource = rest.slice(2).join("/");
  }
  // `watch` counts on collections only (a single object's path with watch=true is a get);
  // as Go decodes a bool, anything but "0" and "false" is true
  const w = query.get("watch");
  const watchParam = w !== null && !(w === "0" || w.toLowerCase() === "false");
  switch (method.toUpperCase()) {
    case "GET":
    case "HEAD":
      attrs.verb = watchPrefix ? "watch" : attrs.name ? "get" : watchParam ? "watch" : "list";
      break;
    case "POST":
      attrs.verb = "create";
      break;
    case "PUT":
      attrs.verb = "update";
      break;
    case "PATCH":
      attrs.verb = "patch";
      break;
    case "DELETE":
      attrs.verb = attrs.name ? "delete" : "deletecollection";
      break;
  }
  return attrs;
}

/** The API server's message for a request RBAC denied. */
export function forbiddenMessage(user: string, a: RequestAttributes): string {
  const what = a.group ? `${a.resource}.${a.group}` : a.resource;
  const subject = a.name ? `${what} "${a.name}"` : what;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : "at the cluster scope";
  return `${subject} is forbidden: User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`;
}
