/**
 * The Kubernetes OpenAPI (v2) document the built-in kinds are generated from,
 * and the compact extract of it that the repository keeps.
 *
 * The extract is the upstream document minus what generation never reads:
 * descriptions, parameters, responses, security, and the alpha group-versions
 * (off by default on real clusters). Everything else is kept as upstream wrote
 * it, so generating from the full document or from the extract gives the same
 * output; `npm run generate -- --spec <file>` rewrites the extract.
 */
import type { JsonSchema } from "../../src/resources/schema-translate.ts";

/** `x-kubernetes-group-version-kind` entries. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** A definition: a JSON schema plus the kinds it is the schema of. */
export type Definition = JsonSchema & {
  "x-kubernetes-group-version-kind"?: GroupVersionKind[] | undefined;
};

/** One operation of a path, reduced to what generation reads. */
export interface Operation {
  "x-kubernetes-action"?: string | undefined;
  "x-kubernetes-group-version-kind"?: GroupVersionKind | undefined;
}

/** The parts of a Swagger 2.0 document generation reads. */
export interface OpenApiDocument {
  swagger: string;
  info: { title: string; version: string };
  definitions: Record<string, Definition>;
  paths: Record<string, Record<string, Operation>>;
}

/** The Kubernetes version a spec file is for: from its `info.version` or, failing that, its file name. */
export function kubernetesVersionOf(doc: OpenApiDocument, fileName: string): string {
  if (/^v\d+\.\d+\.\d+$/.test(doc.info?.version ?? "")) return doc.info.version;
  const m = /v\d+\.\d+\.\d+/.exec(fileName);
  if (!m) {
    throw new Error(
      `cannot tell the Kubernetes version of ${fileName}: info.version is "${doc.info?.version}"; pass --kubernetes-version vX.Y.Z`,
    );
  }
  return m[0];
}

/** Group-versions kubeloop does not generate: alpha APIs are off by default and change without notice. */
export function isAlpha(version: string): boolean {
  return /^v\d+alpha\d+$/.test(version);
}

const DROP = new Set(["description"]);

function stripSchema(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripSchema);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (!DROP.has(k)) out[k] = stripSchema((v as Record<string, unknown>)[k]);
    }
    return out;
  }
  return v;
}

function versionOfDefinition(name: string): string | undefined {
  const parts = name.split(".");
  return parts[parts.length - 2];
}

function versionOfPath(path: string): string | undefined {
  const m = /^\/api\/(v[^/]+)|^\/apis\/[^/]+\/(v[^/]+)/.exec(path);
  return m?.[1] ?? m?.[2];
}

/** The extract: the document minus descriptions, parameters, responses and alpha group-versions. */
export function extractSpec(doc: OpenApiDocument, kubernetesVersion: string): OpenApiDocument {
  const definitions: Record<string, Definition> = {};
  for (const name of Object.keys(doc.definitions).sort()) {
    const v = versionOfDefinition(name);
    if (v && isAlpha(v)) continue;
    definitions[name] = stripSchema(doc.definitions[name]) as Definition;
  }
  const paths: Record<string, Record<string, Operation>> = {};
  for (const path of Object.keys(doc.paths).sort()) {
    const v = versionOfPath(path);
    if (v && isAlpha(v)) continue;
    const ops: Record<string, Operation> = {};
    for (const method of Object.keys(doc.paths[path]!).sort()) {
      if (method === "parameters") continue;
      const op = doc.paths[path]![method]!;
      const kept: Operation = {};
      if (op["x-kubernetes-action"]) kept["x-kubernetes-action"] = op["x-kubernetes-action"];
      if (op["x-kubernetes-group-version-kind"]) {
        kept["x-kubernetes-group-version-kind"] = stripSchema(
          op["x-kubernetes-group-version-kind"],
        ) as GroupVersionKind;
      }
      ops[method] = kept;
    }
    paths[path] = ops;
  }
  return {
    swagger: doc.swagger,
    info: { title: doc.info?.title ?? "Kubernetes", version: kubernetesVersion },
    definitions,
    paths,
  };
}

/** The extract as text: one definition or path per line, sorted, so upgrades diff line by line. */
export function serializeSpec(doc: OpenApiDocument): string {
  const section = (obj: Record<string, unknown>): string =>
    Object.keys(obj)
      .sort()
      .map((k) => `    ${JSON.stringify(k)}: ${JSON.stringify(obj[k])}`)
      .join(",\n");
  return [
    "{",
    `  "swagger": ${JSON.stringify(doc.swagger)},`,
    `  "info": ${JSON.stringify(doc.info)},`,
    `  "definitions": {\n${section(doc.definitions)}\n  },`,
    `  "paths": {\n${section(doc.paths)}\n  }`,
    "}",
    "",
  ].join("\n");
}
