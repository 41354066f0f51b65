/**
 * Discovery documents (`/version`, `/api`, `/api/v1`, `/apis`,
 * `/apis/{group}/{version}`) in the plain JSON form kubectl and client-go
 * accept. Aggregated discovery is not served; clients fall back.
 *
 * @module
 */
import type { ResourceType } from "../../resources/resource.ts";
import { isCustomResource } from "./crd.ts";
import { strategyFor } from "./kinds.ts";
import { openApiV3Document } from "./openapi.ts";

/** Custom resources list their verbs in the apiextensions server's order. */
const CUSTOM_VERBS = [
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "create",
  "update",
  "watch",
];
const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
/** Kinds whose collections cannot be deleted at once (Kubernetes 1.20). */
const NO_DELETECOLLECTION = new Set(["/Namespace", "/Service"]);

/** The `/version` document. */
export function versionInfo(): Record<string, string> {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0-kubeloop",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.23.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

/** The `/api` document. */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupVersions(types: ResourceType[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of types) {
    if (!t.group) continue;
    const versions = groups.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    groups.set(t.group, versions);
  }
  return groups;
}

/** The `/apis` document (an `APIGroupList`). */
export function apiGroupList(types: ResourceType[]): Record<string, unknown> {
  const groups = [...groupVersions(types)].map(([name, versions]) => ({
    name,
    versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
    preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
  }));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** The `/apis/{group}` document (an `APIGroup`), or undefined. */
export function apiGroup(
  types: ResourceType[],
  group: string,
): Record<string, unknown> | undefined {
  const versions = groupVersions(types).get(group);
  if (!versions) return undefined;
  return {
    kind: "APIGroup",
    apiVersion: "v1",
    name: group,
    versions: versions.map((version) => ({ groupVersion: `${group}/${version}`, version })),
    preferredVersion: { groupVersion: `${group}/${versions[0]}`, version: versions[0] },
  };
}

/** The `APIResourceList` of one group version, or undefined when nothing is served there. */
export function apiResourceList(
  types: ResourceType[],
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const matching = types.filter((t) => t.group === group && t.version === version);
  if (matching.length === 0 && !(group === "" && version === "v1")) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of matching) {
    const s = strategyFor(t);
    const custom = isCustomResource(t);
    const entry: Record<string, unknown> = {
      name: t.plural,
      // Kubernetes 1.20 fills the singular name for custom resources only
      singularName: custom ? t.singular : "",
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: custom
        ? CUSTOM_VERBS
        : NO_DELETECOLLECTION.has(`${t.group}/${t.kind}`)
          ? VERBS.filter((v) => v !== "deletecollection")
          : VERBS,
    };
    if (s.shortNames?.length) entry.shortNames = [...s.shortNames];
    if (s.categories?.length) entry.categories = [...s.categories];
    resources.push(entry);
    const sub = (name: string, verbs: string[], extra: Record<string, unknown> = {}): void => {
      resources.push({
        name: `${t.plural}/${name}`,
        singularName: "",
        namespaced: t.namespaced,
        ...extra,
        kind: t.kind,
        verbs,
        ...(extra.kind ? { kind: extra.kind } : {}),
      });
    };
    if (t.group === "" && t.kind === "Namespace") sub("finalize", ["update"]);
    if (s.scale)
      sub("scale", ["get", "patch", "update"], {
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
      });
    if (s.statusSubresource) sub("status", ["get", "patch", "update"]);
  }
  resources.sort((a, b) => (String(a.name) < String(b.name) ? -1 : 1));
  const list: Record<string, unknown> = { kind: "APIResourceList" };
  if (group) list.apiVersion = "v1";
  list.groupVersion = group ? `${group}/${version}` : version;
  list.resources = resources;
  return list;
}

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/**
 * The `/openapi/v3` root: one entry per group version. Served so kubectl
 * detects server-side field validation and skips client-side validation
 * (which would need the protobuf `/openapi/v2` document).
 */
export function openApiV3Root(types: ResourceType[]): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const t of types) {
    const p = gvPath(t.group, t.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=kubeloop` };
  }
  return { paths };
}

/**
 * The OpenAPI v3 document of one group version: every resource's paths with
 * `x-kubernetes-group-version-kind` and the `fieldValidation` query
 * parameter, and each kind's schema built from its zod schema (openapi.ts).
 * Undefined when nothing is served there.
 */
export function openApiV3GroupVersion(
  types: ResourceType[],
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  return openApiV3Document(types, group, version);
}
