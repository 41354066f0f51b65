// Spec fix-ups (scripts/generate/fixups.ts): each is proven by an object a real API server sent.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { $ZodType } from "zod/v4/core";
import { runtimeSchemas } from "../../scripts/generate/builtin.ts";
import { applyFixups, FixupTargetGoneError, fixups } from "../../scripts/generate/fixups.ts";
import type { OpenApiDocument } from "../../scripts/generate/spec.ts";
import { findBuiltinResource } from "../../src/resources/builtin.ts";
import { validate } from "../../src/resources/validate.ts";
import { extractDocument } from "./support.ts";

const doc: OpenApiDocument = extractDocument();

function fixtures(name: string): { file: string; object: Record<string, unknown> }[] {
  const dir = new URL("./fixtures/", import.meta.url);
  const files = [`${name}.json`, `${name}.events-v1.json`];
  const out: { file: string; object: Record<string, unknown> }[] = [];
  for (const file of files) {
    try {
      out.push({ file, object: JSON.parse(readFileSync(new URL(file, dir), "utf8")) });
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw err;
    }
  }
  return out;
}

function moduleAndKind(apiVersion: string, kind: string): [string, string] {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return [`${group ? group!.split(".")[0] : "core"}/${version}`, kind];
}

describe("spec fix-ups", () => {
  for (const fixup of fixups) {
    describe(fixup.name, () => {
      const cases = fixtures(fixup.name);
      it("has a fixture read from a real server, and names its reason and upstream report", () => {
        assert.ok(cases.length > 0, `test/kinds/fixtures/${fixup.fixture} is missing`);
        assert.equal(cases[0]!.file, fixup.fixture);
        assert.match(fixup.upstream, /^https:\/\/github\.com\/kubernetes\//);
        assert.ok(fixup.reason.length > 40);
      });

      it("the generated schema accepts the fixture; without the fix-up it is rejected", () => {
        const without = runtimeSchemas(doc, [fixup.name]);
        const withAll = runtimeSchemas(doc);
        for (const { file, object } of cases) {
          const apiVersion = object.apiVersion as string;
          const kind = object.kind as string;
          const generated = findBuiltinResource(apiVersion, kind);
          assert.ok(generated, `${file}: no generated kind ${apiVersion} ${kind}`);
          const ok = validate(generated.schema, object);
          assert.ok(ok.success, `${file}: ${JSON.stringify(!ok.success && ok.error.issues)}`);
          const [module, name] = moduleAndKind(apiVersion, kind);
          assert.ok(validate(withAll(module, name) as $ZodType, object).success, file);
          assert.equal(
            validate(without(module, name) as $ZodType, object).success,
            false,
            `${file} passes even without ${fixup.name}: the fix-up is not needed for it`,
          );
        }
      });

      it("fails the generator once its target is gone (here: already fixed)", () => {
        const { doc: fixed } = applyFixups(doc);
        assert.throws(() => fixup.apply(fixed), FixupTargetGoneError);
      });
    });
  }
});
