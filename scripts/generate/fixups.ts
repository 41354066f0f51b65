/**
 * Spec fix-ups: where what real API servers send disagrees with the OpenAPI
 * document, a named function patches the parsed document before generation.
 *
 * Each fix-up says why, links the upstream report, names the fixture (an object
 * read back from a real kube-apiserver, under test/kinds/fixtures/) that proves
 * it, and throws once its target is gone or already fixed upstream, so stale
 * fix-ups cannot linger. test/kinds/fixups.test.ts checks every fixture fails
 * without its fix-up and passes with it.
 */
import type { Definition, OpenApiDocument } from "./spec.ts";

/** A fix-up's target is gone or already fixed: delete the fix-up (and keep its fixture as a regression test). */
export class FixupTargetGoneError extends Error {
  override readonly name = "FixupTargetGoneError";
  constructor(fixup: string, detail: string) {
    super(
      `spec fix-up "${fixup}" no longer applies: ${detail}. Remove it from scripts/generate/fixups.ts.`,
    );
  }
}

/** One spec fix-up. */
export interface Fixup {
  /** Stable name, used in fixture file names and the generated header. */
  name: string;
  /** What the wire carries that the document does not allow. */
  reason: string;
  /** Upstream report of the disagreement. */
  upstream: string;
  /** Fixture file (test/kinds/fixtures/) read from a real API server. */
  fixture: string;
  /** The kind the fixture is an object of: `apiVersion/kind`. */
  fixtureKind: string;
  /** Patch the document in place; throw {@link FixupTargetGoneError} if there is nothing to patch. */
  apply(doc: OpenApiDocument): void;
}

function definition(doc: OpenApiDocument, fixup: string, name: string): Definition {
  const def = doc.definitions[name];
  if (!def) throw new FixupTargetGoneError(fixup, `definition ${name} is gone`);
  return def;
}

/** The ordered list of fix-ups applied to the built-in document. */
export const fixups: readonly Fixup[] = [
  {
    name: "zero-time-is-null",
    reason:
      "Go marshals a zero metav1.Time/MicroTime that is not a pointer as JSON null, and the document " +
      "declares them plain strings. Real servers send `creationTimestamp: null` in pod templates, " +
      "`lastProbeTime: null` in pod conditions and `eventTime: null` in events.",
    upstream: "https://github.com/kubernetes/kubernetes/issues/67610",
    fixture: "zero-time-is-null.json",
    fixtureKind: "apps/v1/Deployment",
    apply(doc) {
      for (const name of [
        "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
        "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
      ]) {
        const def = definition(doc, this.name, name);
        if (def.type !== "string" || def.nullable === true) {
          throw new FixupTargetGoneError(this.name, `${name} is no longer a non-nullable string`);
        }
        def.nullable = true;
      }
    },
  },
  {
    name: "aggregated-cluster-role-rules-null",
    reason:
      "A ClusterRole with an aggregationRule and no rules is sent with `rules: null` (a nil Go slice " +
      "without omitempty) until the aggregation controller fills it; the document declares an array.",
    upstream: "https://github.com/kubernetes/kubernetes/issues/73050",
    fixture: "aggregated-cluster-role-rules-null.json",
    fixtureKind: "rbac.authorization.k8s.io/v1/ClusterRole",
    apply(doc) {
      const def = definition(doc, this.name, "io.k8s.api.rbac.v1.ClusterRole");
      const rules = def.properties?.rules;
      if (rules?.type !== "array" || rules.nullable === true) {
        throw new FixupTargetGoneError(
          this.name,
          "ClusterRole.rules is no longer a non-nullable array",
        );
      }
      rules.nullable = true;
    },
  },
  {
    name: "crd-status-conditions-null",
    reason:
      "A CustomResourceDefinition is sent back from its create with `status.conditions: null` (a nil " +
      "Go slice without omitempty) until the server's CRD controllers run; the document declares an array.",
    upstream: "https://github.com/kubernetes/kubernetes/pull/64996",
    fixture: "crd-status-conditions-null.json",
    fixtureKind: "apiextensions.k8s.io/v1/CustomResourceDefinition",
    apply(doc) {
      const def = definition(
        doc,
        this.name,
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus",
      );
      const conditions = def.properties?.conditions;
      if (conditions?.type !== "array" || conditions.nullable === true) {
        throw new FixupTargetGoneError(
          this.name,
          "CustomResourceDefinitionStatus.conditions is no longer a non-nullable array",
        );
      }
      conditions.nullable = true;
    },
  },
  {
    name: "csinode-driver-topology-keys-null",
    reason:
      "A CSINode driver without topology keys is sent with `topologyKeys: null`: the Go field is a " +
      "slice without omitempty, so nil becomes null; the document declares an array.",
    upstream:
      "https://github.com/kubernetes/kubernetes/blob/v1.36.0/staging/src/k8s.io/api/storage/v1/types.go",
    fixture: "csinode-driver-topology-keys-null.json",
    fixtureKind: "storage.k8s.io/v1/CSINode",
    apply(doc) {
      const def = definition(doc, this.name, "io.k8s.api.storage.v1.CSINodeDriver");
      const keys = def.properties?.topologyKeys;
      if (keys?.type !== "array" || keys.nullable === true) {
        throw new FixupTargetGoneError(
          this.name,
          "CSINodeDriver.topologyKeys is no longer a non-nullable array",
        );
      }
      keys.nullable = true;
    },
  },
];

/** Apply every fix-up (or all but those named in `skip`, for tests) to a copy of `doc`. */
export function applyFixups(
  doc: OpenApiDocument,
  skip: readonly string[] = [],
): { doc: OpenApiDocument; applied: string[] } {
  const copy = structuredClone(doc);
  const applied: string[] = [];
  for (const f of fixups) {
    if (skip.includes(f.name)) continue;
    f.apply(copy);
    applied.push(f.name);
  }
  return { doc: copy, applied };
}
