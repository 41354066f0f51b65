// Shared by the kinds tests: the committed OpenAPI extract the built-in kinds are generated from.
import { readdirSync, readFileSync } from "node:fs";
import type { OpenApiDocument } from "../../scripts/generate/spec.ts";

const specDir = new URL("../../scripts/generate/spec/", import.meta.url);

/** The parsed extract (scripts/generate/spec/kubernetes-vX.Y.Z.json). */
export function extractDocument(): OpenApiDocument {
  const file = readdirSync(specDir).find((f) => /^kubernetes-v[\d.]+\.json$/.test(f));
  if (!file) throw new Error("no kubernetes-vX.Y.Z.json in scripts/generate/spec/");
  return JSON.parse(readFileSync(new URL(file, specDir), "utf8")) as OpenApiDocument;
}
