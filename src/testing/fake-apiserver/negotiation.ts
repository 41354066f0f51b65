/**
 * Content negotiation as the API server does it: which representation an
 * `Accept` header asks for (`Table`, `PartialObjectMetadata(List)`, JSON,
 * YAML), and which request bodies it reads (JSON, YAML; protobuf is refused
 * the way the API server refuses it for custom resources, so clients fall
 * back to JSON).
 *
 * @module
 */
import { badRequest, StatusError } from "./status.ts";

/** What a response should be. */
export interface Representation {
  /** `application/json` or `application/yaml`. */
  mediaType: "application/json" | "application/yaml";
  /** A transformed form (`as=`), if asked for. */
  as: "Table" | "PartialObjectMetadata" | "PartialObjectMetadataList" | undefined;
  /** `meta.k8s.io` version of the transformed form. */
  version: "v1" | "v1beta1";
}

interface MediaRange {
  type: string;
  params: Map<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(",")
    .map((part) => {
      const [type, ...params] = part.split(";").map((s) => s.trim());
      const map = new Map<string, string>();
      for (const p of params) {
        const eq = p.indexOf("=");
        if (eq > 0) map.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
      }
      return { type: (type ?? "").toLowerCase(), params: map };
    })
    .filter((r) => r.type !== "");
}

const ACCEPTED = "application/json, application/yaml, application/vnd.kubernetes.protobuf";

/**
 * Pick the representation for a response. `list` says whether the endpoint
 * answers with a list (PartialObjectMetadata and PartialObjectMetadataList are
 * not interchangeable); `watch` whether it streams (JSON only).
 */
export function negotiate(
  accept: string | null,
  kind: "object" | "list" | "watch",
  yamlOk = false,
): Representation {
  const ranges = parseAccept(accept ?? "");
  if (ranges.length === 0) return { mediaType: "application/json", as: undefined, version: "v1" };
  let sawTransform: string | undefined;
  for (const r of ranges) {
    const json = r.type === "application/json";
    const yaml = r.type === "application/yaml" && yamlOk;
    const any = r.type === "*/*";
    if (!json && !yaml && !any) continue;
    const as = r.params.get("as");
    if (as === undefined) {
      if (kind === "watch" && yaml) continue;
      return {
        mediaType: yaml ? "application/yaml" : "application/json",
        as: undefined,
        version: "v1",
      };
    }
    if (!json || r.params.get("g") !== "meta.k8s.io") continue;
    const v = r.params.get("v");
    if (v !== "v1" && v !== "v1beta1") continue;
    if (as === "Table") return { mediaType: "application/json", as, version: v };
    if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") {
      const wantsList = as === "PartialObjectMetadataList";
      if (kind === "watch") {
        if (!wantsList) return { mediaType: "application/json", as, version: v };
        continue;
      }
      if (wantsList !== (kind === "list")) {
        sawTransform = as;
        continue;
      }
      return { mediaType: "application/json", as, version: v };
    }
  }
  if (sawTransform === "PartialObjectMetadata") {
    throw new StatusError(
      406,
      "you requested PartialObjectMetadata, but the requested object is a list",
      {
        reason: "NotAcceptable",
      },
    );
  }
  if (sawTransform === "PartialObjectMetadataList") {
    throw new StatusError(
      406,
      "you requested PartialObjectMetadataList, but the requested object is not a list",
      {
        reason: "NotAcceptable",
      },
    );
  }
  if (ranges.some((r) => r.params.has("as"))) {
    throw new StatusError(406, `only the following media types are accepted: ${ACCEPTED}`, {
      reason: "NotAcceptable",
    });
  }
  throw new StatusError(406, "406: Not Acceptable", { reason: "NotAcceptable" });
}

/**
 * A YAML codec, e.g. the `yaml` package: `parse` reads one document,
 * `stringify` writes one. kubeloop/testing does not depend on a YAML library;
 * pass one to serve YAML bodies and `Accept: application/yaml`.
 *
 * @example
 * ```ts
 * import * as YAML from "yaml";
 * import { FakeApiServer, type YamlCodec } from "kubeloop/testing";
 * const yaml: YamlCodec = YAML;
 * const server = new FakeApiServer({ yaml });
 * ```
 */
export interface YamlCodec {
  /** Parse the first document of `text`. */
  parse(text: string): unknown;
  /** Serialize `value` as a YAML document. */
  stringify(value: unknown): string;
}

function firstDocument(text: string): string {
  const parts = text.split(/^---[ \t]*$/m);
  return parts.find((p) => p.trim() !== "" && !/^\s*(#.*)?$/s.test(p)) ?? parts[0] ?? "";
}

/**
 * Read a request body by its Content-Type: JSON, or YAML (the first
 * document); protobuf gets 415 as for a custom resource (clients then send
 * JSON); anything else 415 listing what is accepted. `undefined` for an
 * empty body.
 */
export async function readBody(
  request: Request,
  yaml: YamlCodec | undefined,
  patch = false,
): Promise<unknown> {
  const text = await request.text();
  const ct = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (text.trim() === "") return undefined;
  if (!patch) {
    if (ct === "application/vnd.kubernetes.protobuf") {
      throw new StatusError(
        415,
        `the body of the request was in an unknown format - accepted media types include: application/json${yaml ? ", application/yaml" : ""}`,
        { reason: "UnsupportedMediaType" },
      );
    }
    if (yaml && (ct === "application/yaml" || ct === "application/x-yaml" || ct === "text/yaml")) {
      try {
        return yaml.parse(firstDocument(text));
      } catch (e) {
        throw badRequest(
          `error converting YAML to JSON: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    if (ct !== "" && ct !== "application/json" && ct !== "*/*") {
      throw new StatusError(
        415,
        `the body of the request was in an unknown format - accepted media types include: application/json${yaml ? ", application/yaml" : ""}`,
        { reason: "UnsupportedMediaType" },
      );
    }
  }
  if (patch && ct === "application/apply-patch+yaml" && yaml && !/^\s*[{[]/.test(text)) {
    try {
      return yaml.parse(text);
    } catch (e) {
      throw badRequest(
        `error converting YAML to JSON: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(
      `the object provided is unrecognized: couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
