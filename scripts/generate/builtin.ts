/**
 * The built-in kinds: from the Kubernetes OpenAPI document to one module per
 * group-version (`src/kinds/<group>/<version>.ts`) plus a registry of every
 * resource. A pure function of the document: no files, no clock.
 */

import type { $ZodType } from "zod/v4/core";
import {
  type EmitImports,
  emitModule,
  type ModuleDecl,
  type NamedType,
  type ResourceDecl,
} from "../../src/generate/emit.ts";
import { resourceConstName } from "../../src/generate/names.ts";
import { buildSchema } from "../../src/resources/schema-build.ts";
import type { SchemaType } from "../../src/resources/schema-model.ts";
import { translateSchema } from "../../src/resources/schema-translate.ts";
import { applyFixups } from "./fixups.ts";
import { mergeFields } from "./merge.ts";
import { isAlpha, type OpenApiDocument } from "./spec.ts";

/** The command that regenerates the built-in kinds (named in every generated header). */
export const GENERATE_COMMAND = "npm run generate";

/** One resource found in the document's paths. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  verbs: string[];
  subresources: string[];
}

/** One generated file: path relative to the repository root and its content. */
export interface GeneratedFile {
  path: string;
  content: string;
}

/** What {@link generateBuiltins} produces. */
export interface BuiltinOutput {
  files: GeneratedFile[];
  /** Module paths (`apps/v1`, ...) in order: the `kubeloop/kinds/<module>` entry points. */
  modules: string[];
  /** Every resource, per module. */
  resources: Map<string, ResourceInfo[]>;
  /** Fix-ups applied. */
  fixups: string[];
}

const ACTION_VERB: Record<string, string> = {
  get: "get",
  list: "list",
  post: "create",
  put: "update",
  patch: "patch",
  delete: "delete",
  deletecollection: "deletecollection",
  watch: "watch",
  watchlist: "watch",
};
const VERB_ORDER = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

/** Resources (kind, plural, scope, verbs, subresources) from the document's paths. */
export function resourcesFromPaths(doc: OpenApiDocument): ResourceInfo[] {
  const byKey = new Map<string, ResourceInfo>();
  const subs: { key: string; sub: string }[] = [];
  for (const path of Object.keys(doc.paths).sort()) {
    const m =
      /^\/api\/(v[^/]+)\/(.*)$/.exec(path) ?? /^\/apis\/([^/]+)\/(v[^/]+)\/(.*)$/.exec(path);
    if (!m) continue;
    const group = path.startsWith("/api/") ? "" : m[1]!;
    const version = path.startsWith("/api/") ? m[1]! : m[2]!;
    let segs = (path.startsWith("/api/") ? m[2]! : m[3]!).split("/").filter(Boolean);
    if (isAlpha(version) || segs.length === 0) continue;
    const watch = segs[0] === "watch";
    if (watch) segs = segs.slice(1);
    let namespaced = false;
    if (segs[0] === "namespaces" && segs[1] === "{namespace}" && segs.length >= 3) {
      namespaced = true;
      segs = segs.slice(2);
    }
    const plural = segs[0]!;
    if (plural.startsWith("{")) continue;
    const sub = segs.length >= 3 && segs[1] === "{name}" ? segs[2]! : undefined;
    const key = `${group}/${version}/${plural}`;
    for (const op of Object.values(doc.paths[path]!)) {
      const gvk = op["x-kubernetes-group-version-kind"];
      const verb = ACTION_VERB[op["x-kubernetes-action"] ?? ""];
      if (!gvk) continue;
      if (sub !== undefined) {
        subs.push({ key, sub });
        continue;
      }
      if (gvk.group !== group || gvk.version !== version) continue;
      let r = byKey.get(key);
      if (!r) {
        r = { group, version, kind: gvk.kind, plural, namespaced, verbs: [], subresources: [] };
        byKey.set(key, r);
      }
      if (namespaced) r.namespaced = true;
      if (verb && !r.verbs.includes(verb) && !(watch && verb !== "watch")) r.verbs.push(verb);
    }
  }
  for (const { key, sub } of subs) {
    const r = byKey.get(key);
    if (r && !r.subresources.includes(sub)) r.subresources.push(sub);
  }
  const out = [...byKey.values()];
  for (const r of out) {
    r.verbs.sort((a, b) => VERB_ORDER.indexOf(a) - VERB_ORDER.indexOf(b));
    r.subresources.sort();
  }
  return out.sort((a, b) =>
    `${a.group}/${a.version}/${a.kind}` < `${b.group}/${b.version}/${b.kind}` ? -1 : 1,
  );
}

/** Module path (`apps/v1`) and local name of a definition, or undefined when it is not generated as a named type. */
export function moduleOf(defName: string): { module: string; name: string } | undefined {
  const parts = defName.split(".");
  const name = parts[parts.length - 1]!;
  const version = parts[parts.length - 2]!;
  let m = /^io\.k8s\.api\.([a-z0-9]+)\.(v[a-z0-9]+)\.[A-Za-z0-9]+$/.exec(defName);
  if (m) return { module: `${m[1]}/${m[2]}`, name };
  m =
    /^io\.k8s\.(?:apiextensions-apiserver|kube-aggregator)\.pkg\.apis\.([a-z0-9]+)\.(v[a-z0-9]+)\.[A-Za-z0-9]+$/.exec(
      defName,
    );
  if (m) return { module: `${m[1]}/${m[2]}`, name };
  if (defName.startsWith("io.k8s.apimachinery.pkg.apis.meta.v1."))
    return { module: `meta/${version}`, name };
  return undefined;
}

/** Definitions typed as a kubeloop primitive (or a union) instead of a named type. */
function primitiveFor(defName: string, doc: OpenApiDocument): SchemaType | undefined {
  const nullable = doc.definitions[defName]?.nullable === true;
  const jsp = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.";
  const props: SchemaType = { type: "ref", module: "apiextensions/v1", name: "JSONSchemaProps" };
  const t: SchemaType | undefined = (() => {
    switch (defName) {
      case "io.k8s.apimachinery.pkg.api.resource.Quantity":
        return { type: "quantity" };
      case "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
        return { type: "intOrString" };
      case "io.k8s.apimachinery.pkg.apis.meta.v1.Time":
      case "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime":
        return { type: "time" };
      case "io.k8s.apimachinery.pkg.runtime.RawExtension":
      case `${jsp}JSON`:
        return { type: "unknown" };
      // Custom JSON marshalling in Go; the document leaves them untyped.
      case `${jsp}JSONSchemaPropsOrArray`:
        return { type: "union", options: [props, { type: "array", items: props }] };
      case `${jsp}JSONSchemaPropsOrBool`:
        return { type: "union", options: [{ type: "boolean" }, props] };
      case `${jsp}JSONSchemaPropsOrStringArray`:
        return { type: "union", options: [props, { type: "array", items: { type: "string" } }] };
      default:
        return undefined;
    }
  })();
  if (t && nullable) t.nullable = true;
  return t;
}

function isList(def: OpenApiDocument["definitions"][string]): boolean {
  const gvks = def["x-kubernetes-group-version-kind"] ?? [];
  return (
    gvks.length > 0 &&
    gvks.every((g) => g.kind.endsWith("List")) &&
    def.properties?.items !== undefined
  );
}

function isObjectKind(def: OpenApiDocument["definitions"][string]): boolean {
  const gvks = def["x-kubernetes-group-version-kind"] ?? [];
  return (
    gvks.length === 1 &&
    def.properties?.metadata?.$ref ===
      "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
  );
}

/** The API group served by a module: from the kinds its definitions declare. */
function groupOf(module: string, doc: OpenApiDocument): string | undefined {
  for (const [name, def] of Object.entries(doc.definitions)) {
    if (moduleOf(name)?.module !== module) continue;
    const gvks = def["x-kubernetes-group-version-kind"] ?? [];
    if (gvks.length === 1) return gvks[0]!.group;
  }
  return undefined;
}

export { resourceConstName };

/** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const stability = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = parse(a);
  const [sb, mb, nb] = parse(b);
  return sb - sa || mb - ma || nb - na;
}

function referenceUrl(
  kubernetesVersion: string,
  name: string,
  module: string,
  group: string | undefined,
): string {
  const minor = /^v(\d+\.\d+)/.exec(kubernetesVersion)?.[1] ?? kubernetesVersion;
  const [short, version] = module.split("/") as [string, string];
  const anchorGroup = short === "meta" ? "meta" : group ? group.replace(/\./g, "-") : short;
  return `https://kubernetes.io/docs/reference/generated/kubernetes-api/v${minor}/#${name.toLowerCase()}-${version}-${anchorGroup}`;
}

function apiVersionOf(group: string | undefined, module: string): string {
  const version = module.split("/")[1]!;
  return group ? `${group}/${version}` : version;
}

function relative(from: string, to: string): string {
  const [fg] = from.split("/");
  const [tg, tv] = to.split("/");
  return fg === tg ? `./${tv}.ts` : `../${tg}/${tv}.ts`;
}

/** Resolves `$ref`s of the document to primitives or named types. */
function refResolver(doc: OpenApiDocument): (ref: string) => SchemaType {
  return (ref) => {
    const name = ref.replace(/^#\/definitions\//, "");
    const prim = primitiveFor(name, doc);
    if (prim) return prim;
    const where = moduleOf(name);
    const def = doc.definitions[name];
    if (!where || !def) throw new Error(`reference to ${name}, which is not generated`);
    return def.nullable ? { type: "ref", ...where, nullable: true } : { type: "ref", ...where };
  };
}

/** A definition's type; whole objects get kubeloop's contract (`metadata` required). */
function translateDefinition(
  def: OpenApiDocument["definitions"][string],
  name: string,
  resolveRef: (ref: string) => SchemaType,
): SchemaType {
  const type = translateSchema(def, { resolveRef }, name);
  if (isObjectKind(def) && type.type === "object") {
    type.properties = type.properties.map((p) =>
      p.name === "metadata" ? { ...p, required: true } : p,
    );
  }
  return type;
}

/**
 * The schema model of every generated named type, by module and name (fix-ups
 * applied): tests derive objects from it.
 */
export function definitionTypes(
  source: OpenApiDocument,
): (module: string, name: string) => SchemaType {
  const { doc } = applyFixups(source);
  const resolveRef = refResolver(doc);
  const byName = new Map<string, string>();
  for (const defName of Object.keys(doc.definitions)) {
    const where = moduleOf(defName);
    if (where) byName.set(`${where.module}/${where.name}`, defName);
  }
  return (module, name) => {
    const defName = byName.get(`${module}/${name}`);
    if (!defName) throw new Error(`no definition for ${module}/${name}`);
    return translateDefinition(doc.definitions[defName]!, name, resolveRef);
  };
}

/**
 * Run-time zod schemas of the built-in types, straight from a document (no
 * generated code): tests use it to show what each spec fix-up changes.
 */
export function runtimeSchemas(
  source: OpenApiDocument,
  skipFixups: readonly string[] = [],
): (module: string, name: string) => $ZodType {
  const { doc } = applyFixups(source, skipFixups);
  const resolveRef = refResolver(doc);
  const byName = new Map<string, string>();
  for (const defName of Object.keys(doc.definitions)) {
    const where = moduleOf(defName);
    if (where) byName.set(`${where.module}/${where.name}`, defName);
  }
  const cache = new Map<string, $ZodType>();
  const resolve = (module: string, name: string): $ZodType => {
    const key = `${module}/${name}`;
    let schema = cache.get(key);
    if (!schema) {
      const defName = byName.get(key);
      if (!defName) throw new Error(`no definition for ${key}`);
      schema = buildSchema(
        translateDefinition(doc.definitions[defName]!, name, resolveRef),
        resolve,
      );
      cache.set(key, schema);
    }
    return schema;
  };
  return resolve;
}

/** Generate every built-in module and the registry from a (full or extracted) document. */
export function generateBuiltins(source: OpenApiDocument): BuiltinOutput {
  const { doc, applied } = applyFixups(source);
  const kubernetesVersion = doc.info.version;
  const resources = resourcesFromPaths(doc);

  const modules = new Map<string, { types: NamedType[]; resources: ResourceDecl[] }>();
  const moduleFor = (path: string) => {
    let m = modules.get(path);
    if (!m) modules.set(path, (m = { types: [], resources: [] }));
    return m;
  };
  const groups = new Map<string, string | undefined>();
  const group = (module: string): string | undefined => {
    if (!groups.has(module))
      groups.set(module, module.startsWith("meta/") ? undefined : groupOf(module, doc));
    return groups.get(module);
  };

  const resolveRef = refResolver(doc);

  const resourcesByKind = new Map<string, ResourceInfo>();
  for (const r of resources) resourcesByKind.set(`${r.group}/${r.version}/${r.kind}`, r);

  for (const defName of Object.keys(doc.definitions).sort()) {
    const def = doc.definitions[defName]!;
    const where = moduleOf(defName);
    if (!where || primitiveFor(defName, doc) || isList(def)) continue;
    const version = where.module.split("/")[1]!;
    if (isAlpha(version)) continue;
    const type = translateDefinition(def, where.name, resolveRef);
    const object = isObjectKind(def);
    const g = group(where.module);
    const apiVersion = apiVersionOf(g, where.module);
    const url = referenceUrl(kubernetesVersion, where.name, where.module, g);
    const gvk = def["x-kubernetes-group-version-kind"]?.[0];
    const res = gvk ? resourcesByKind.get(`${gvk.group}/${gvk.version}/${gvk.kind}`) : undefined;
    let doc1: string;
    if (object && res) {
      doc1 = `A \`${where.name}\`: a ${res.namespaced ? "namespaced" : "cluster-scoped"} object of the Kubernetes API \`${apiVersion}\`.`;
    } else if (object) {
      doc1 = `A \`${where.name}\` object of the Kubernetes API \`${apiVersion}\`, sent to and from a subresource (not stored on its own).`;
    } else if (gvk) {
      doc1 = `A \`${where.name}\` of the Kubernetes API \`${apiVersion}\`.`;
    } else {
      doc1 = `The \`${where.name}\` type of the Kubernetes API \`${apiVersion}\`.`;
    }
    moduleFor(where.module).types.push({
      name: where.name,
      type,
      object,
      doc: [doc1, "", `Kubernetes API reference: {@link ${url}}`],
      schemaDoc: [
        `Schema of {@link ${where.name}} (\`${apiVersion}\`): unknown fields pass through.`,
      ],
    });
  }

  for (const r of resources) {
    const module = `${r.group === "" ? "core" : r.group.split(".")[0]}/${r.version}`;
    const m = modules.get(module);
    if (!m?.types.some((t) => t.name === r.kind)) {
      throw new Error(
        `resource ${r.group}/${r.version} ${r.plural}: no type ${r.kind} in module ${module}`,
      );
    }
    if (group(module) !== r.group)
      throw new Error(`module ${module} serves ${group(module)}, not ${r.group}`);
    const taken = new Set([
      ...m.types.flatMap((t) => [t.name, `${t.name}Schema`]),
      ...m.resources.map((x) => x.name),
    ]);
    const name = resourceConstName(r.kind, r.plural, taken);
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    const scope = r.namespaced ? "namespaced" : "cluster-scoped";
    const subs = r.subresources.filter((s) => s === "status" || s === "scale");
    const details = [`\`${apiVersion}\` ${r.kind} objects (\`${r.plural}\`, ${scope}).`];
    if (r.subresources.length)
      details.push(`Subresources: ${r.subresources.map((s) => `\`${s}\``).join(", ")}.`);
    details.push(`Verbs: ${r.verbs.join(", ")}.`);
    const spec = `kubeloop/kinds/${module}`;
    const example = r.verbs.includes("list")
      ? [
          `import { ${name} } from "${spec}";`,
          `import type { KubeClient } from "kubeloop";`,
          "declare const client: KubeClient;",
          `const list = await client.list(${name}${r.namespaced ? ', { namespace: "default" }' : ""});`,
          "for (const item of list.items) console.log(item.metadata.name);",
        ]
      : [
          `import { ${name} } from "${spec}";`,
          `console.log(${name}.apiVersion, ${name}.kind, ${name}.verbs); // ${JSON.stringify(apiVersion)} ${JSON.stringify(r.kind)} ${JSON.stringify(r.verbs)}`,
        ];
    m.resources.push({
      name,
      typeName: r.kind,
      group: r.group,
      version: r.version,
      kind: r.kind,
      plural: r.plural,
      namespaced: r.namespaced,
      subresources: subs,
      verbs: r.verbs,
      doc: [
        details.join(" "),
        "",
        `Kubernetes API reference: {@link ${referenceUrl(kubernetesVersion, r.kind, module, r.group)}}`,
      ],
      example,
    });
  }

  const imports: EmitImports = {
    zod: "zod/mini",
    runtime: (_from, what) => `../../resources/${what}.ts`,
    module: relative,
  };
  const header = [
    `Code generated by scripts/generate from the Kubernetes ${kubernetesVersion} OpenAPI document. DO NOT EDIT.`,
    `Regenerate with: ${GENERATE_COMMAND}`,
    `Spec fix-ups applied (scripts/generate/fixups.ts): ${applied.join(", ") || "none"}.`,
  ];
  const files: GeneratedFile[] = [];
  const order = [...modules.keys()].sort();
  const perModule = new Map<string, ResourceInfo[]>();
  for (const path of order) {
    const m = modules.get(path)!;
    const g = group(path);
    const apiVersion = apiVersionOf(g, path);
    const kinds = m.types.filter((t) => t.object).map((t) => t.name);
    const version = path.split("/")[1]!;
    const moduleDoc = [
      `Types and schemas of the Kubernetes API \`${apiVersion}\`${version.includes("beta") ? " (beta: served only where the cluster enables it)" : ""}, generated from the Kubernetes ${kubernetesVersion} OpenAPI document.`,
    ];
    if (kinds.length) moduleDoc.push("", `Kinds: ${kinds.join(", ")}.`);
    if (m.resources.length) {
      moduleDoc.push("", `Import from \`kubeloop/kinds/${path}\`.`);
    }
    const decl: ModuleDecl = { path, header, moduleDoc, types: m.types, resources: m.resources };
    files.push({ path: `src/kinds/${path}.ts`, content: emitModule(decl, imports).source });
    perModule.set(
      path,
      resources.filter(
        (r) => `${r.group === "" ? "core" : r.group.split(".")[0]}/${r.version}` === path,
      ),
    );
  }
  files.push({ path: "src/kinds/registry.ts", content: registrySource(order, modules, header) });
  files.push({ path: "src/kinds/merge.ts", content: mergeSource(doc, resources, header) });
  return { files, modules: order, resources: perModule, fixups: applied };
}

function mergeSource(doc: OpenApiDocument, resources: ResourceInfo[], header: string[]): string {
  const resolveRef = refResolver(doc);
  const byName = new Map<string, string>();
  for (const defName of Object.keys(doc.definitions)) {
    const where = moduleOf(defName);
    if (where) byName.set(`${where.module}/${where.name}`, defName);
  }
  const typeOf = (module: string, name: string): SchemaType =>
    translateDefinition(doc.definitions[byName.get(`${module}/${name}`)!]!, name, resolveRef);
  const lines: string[] = header.map((h) => `// ${h}`);
  lines.push(
    "/**",
    " * How the API server merges the lists and maps of every generated resource in strategic",
    " * merge patches and server-side apply, keyed `<apiVersion> <kind>`: per field path (list items",
    " * add no segment, map values add `*`; `metadata` is left out, every kind shares it) the",
    " * `x-kubernetes-list-type` (atomic lists are not listed), `-list-map-keys`, `-map-type`,",
    " * `-patch-strategy` and `-patch-merge-key` of the OpenAPI document. The fake API server reads it.",
    " *",
    " * @module",
    " */",
    'import type { MergeInfo } from "../resources/merge.ts";',
    "",
    "/** The merge metadata of every generated resource, keyed `<apiVersion> <kind>`. */",
    "export const builtinMergeInfo: Readonly<Record<string, MergeInfo>> = {",
  );
  for (const r of resources) {
    const module = `${r.group === "" ? "core" : r.group.split(".")[0]}/${r.version}`;
    const fields = mergeFields(typeOf(module, r.kind), typeOf);
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    lines.push(`  ${JSON.stringify(`${apiVersion} ${r.kind}`)}: {`, "    fields: {");
    for (const path of Object.keys(fields).sort()) {
      const f = fields[path]!;
      const parts = Object.entries(f).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
      lines.push(`      ${JSON.stringify(path)}: { ${parts.join(", ")} },`);
    }
    lines.push("    },", "  },");
  }
  lines.push("};", "");
  return lines.join("\n");
}

function registrySource(
  order: string[],
  modules: Map<string, { types: NamedType[]; resources: ResourceDecl[] }>,
  header: string[],
): string {
  const lines: string[] = header.map((h) => `// ${h}`);
  lines.push(
    "/**",
    " * Every generated built-in resource type, and the preferred version of each",
    " * (GA before beta), as the fake API server serves them by default.",
    " *",
    " * @module",
    " */",
    'import type { ResourceType } from "../resources/resource.ts";',
  );
  const all: { alias: string; r: ResourceDecl; module: string }[] = [];
  for (const path of order) {
    const m = modules.get(path)!;
    if (!m.resources.length) continue;
    const prefix = path
      .replace(/[./](\w)/g, (_, c: string) => c.toUpperCase())
      .replace(/^\w/, (c) => c.toUpperCase());
    const names = m.resources.map((r) => `${r.name} as ${prefix}${r.name}`).sort();
    lines.push(`import { ${names.join(", ")} } from "./${path}.ts";`);
    for (const r of m.resources) all.push({ alias: `${prefix}${r.name}`, r, module: path });
  }
  const best = new Map<string, { alias: string; r: ResourceDecl }>();
  for (const x of all) {
    const key = `${x.r.group}/${x.r.plural}`;
    const prev = best.get(key);
    if (!prev || compareVersions(x.r.version, prev.r.version) < 0) best.set(key, x);
  }
  const preferred = all.filter((x) => best.get(`${x.r.group}/${x.r.plural}`) === x);
  lines.push(
    "",
    "/**",
    " * Every built-in resource type kubeloop generates: each served version of each kind.",
    " *",
    " * @example",
    " * ```ts",
    ' * import { allBuiltinResources } from "kubeloop";',
    ' * const versions = allBuiltinResources.filter((r) => r.kind === "HorizontalPodAutoscaler").map((r) => r.apiVersion);',
    " * ```",
    " */",
    "export const allBuiltinResources: readonly ResourceType[] = [",
    ...all.map((x) => `  ${x.alias},`),
    "] as readonly ResourceType[];",
    "",
    "/**",
    " * One version of each built-in resource (GA before beta, newest first): what a",
    " * current cluster prefers, and what the fake API server serves by default.",
    " *",
    " * @example",
    " * ```ts",
    ' * import { builtinResources } from "kubeloop";',
    ' * const pods = builtinResources.find((r) => r.apiVersion === "v1" && r.kind === "Pod");',
    " * ```",
    " */",
    "export const builtinResources: readonly ResourceType[] = [",
    ...preferred.map((x) => `  ${x.alias},`),
    "] as readonly ResourceType[];",
    "",
  );
  return lines.join("\n");
}
