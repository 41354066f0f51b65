// The README's code blocks are the type-checked files in examples/readme/:
// a block preceded by `<!-- example: examples/readme/X.ts -->` must show that
// file's code after its `// --- README begin` line, with the same imports
// (from "kubeloop" and "kubeloop/kubeconfig" instead of the relative paths).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";

const root = new URL("../..", import.meta.url).pathname;
const MAP: Record<string, string> = {
  "../../src/mod.ts": "kubeloop",
  "../../src/client/kubeconfig.ts": "kubeloop/kubeconfig",
  "../../src/testing/mod.ts": "kubeloop/testing",
};

function imports(code: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of code.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    const from = MAP[m[2] ?? ""] ?? m[2] ?? "";
    const names = (m[1] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    out[from] = [...(out[from] ?? []), ...names].sort();
  }
  return out;
}

function body(code: string): string {
  return code.replace(/import\s*(?:type\s*)?\{[^}]*\}\s*from\s*"[^"]+";\n?/g, "").trim();
}

// README.md's code blocks carry `<!-- example: file -->` markers naming the checked file.
const readmes = ["README.md"].filter(
  (f) => existsSync(`${root}${f}`) && readFileSync(`${root}${f}`, "utf8").includes("<!-- example:"),
);

describe("README examples", () => {
  it("has README examples to check", () => {
    assert.ok(readmes.length > 0);
  });
  for (const readme of readmes) {
    const text = readFileSync(`${root}${readme}`, "utf8");
    const blocks = [...text.matchAll(/<!-- example: (\S+) -->\s*```ts\n([\s\S]*?)```/g)];
    it(`${readme}: ${blocks.length} blocks match their files in examples/readme`, () => {
      assert.ok(blocks.length >= 3);
      for (const [, file, shown] of blocks) {
        const src = readFileSync(`${root}${file}`, "utf8");
        const [head, rest] = src.split("// --- README begin\n");
        assert.ok(rest !== undefined, `${file} has no README marker`);
        assert.deepEqual(imports(shown ?? ""), imports(head ?? ""), `${file}: imports`);
        assert.equal(body(shown ?? ""), rest.trim(), `${file}: code`);
      }
    });
  }
});

describe("README testing example", () => {
  it("runs (fake API server in-process, no cluster)", async () => {
    await import("../../examples/readme/testing.ts");
  });
});
