// Transcript tests of `kubeloop generate crd` (scripts/kubeloop.ts), run as a process on Node,
// Deno and Bun. Expected outputs are committed: test/kinds/cli/help.txt and the modules in
// test/kinds/generated/ (which `npm run typecheck` also type-checks). Node only: it spawns runtimes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CustomResourceDefinitions } from "../../src/kinds/apiextensions/v1.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";
import { writeFakeKubeconfig } from "../support/kubeconfig.ts";

const root = new URL("../..", import.meta.url).pathname;
const bin = (name: string): string => join(root, "node_modules", ".bin", name);
const RUNTIMES: [string, string, string[]][] = [
  ["node", process.execPath, ["--import", "tsx", "scripts/kubeloop.ts"]],
  ["deno", bin("deno"), ["run", "-A", "scripts/kubeloop.ts"]],
  ["bun", bin("bun"), ["scripts/kubeloop.ts"]],
];
const CRDS = [
  "test/kinds/crds/cert-manager.io_certificates.yaml",
  "test/kinds/crds/monitoring.coreos.com_servicemonitors.yaml",
  "test/kinds/crds/widgets.kubeloop.example.com.yaml",
];
// The committed modules import kubeloop from the sources, so that they type-check in this repository.
const KUBELOOP = ["--kubeloop", "../../../../src/mod.ts"];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  cmd: string,
  args: string[],
  stdin?: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += String(d);
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

const expected = (path: string): string => readFileSync(join(root, path), "utf8");

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? listFiles(join(dir, e.name), `${prefix}${e.name}/`)
        : [`${prefix}${e.name}`],
    )
    .sort();
}

for (const [name, cmd, prefix] of RUNTIMES) {
  describe(`kubeloop generate crd on ${name}`, () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "kubeloop-crd-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("--help prints the usage (test/kinds/cli/help.txt) and exits 0", async () => {
      const r = await run(cmd, [...prefix, "generate", "crd", "--help"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, expected("test/kinds/cli/help.txt"));
    });

    it("--out writes one module per group/version, as committed in test/kinds/generated", async () => {
      const r = await run(cmd, [...prefix, "generate", "crd", ...KUBELOOP, "--out", dir, ...CRDS]);
      assert.equal(r.code, 0, r.stderr);
      const files = listFiles(dir);
      assert.deepEqual(files, listFiles(join(root, "test/kinds/generated")));
      for (const f of files) {
        assert.equal(readFileSync(join(dir, f), "utf8"), expected(`test/kinds/generated/${f}`), f);
      }
      assert.equal(r.stderr.match(/^wrote /gm)?.length, files.length);
    });

    it("prints a single module to stdout, from a file or from stdin", async () => {
      const widgets = "test/kinds/crds/widgets.kubeloop.example.com.yaml";
      const one = ["generate", "crd", ...KUBELOOP, "--version", "v1"];
      const fromFile = await run(cmd, [...prefix, ...one, widgets]);
      assert.equal(fromFile.code, 0, fromFile.stderr);
      assert.equal(fromFile.stdout, expected("test/kinds/generated/kubeloop.example.com/v1.ts"));
      const fromStdin = await run(cmd, [...prefix, ...one, "-"], expected(widgets));
      assert.equal(fromStdin.code, 0, fromStdin.stderr);
      assert.equal(
        fromStdin.stdout,
        fromFile.stdout.replace("generate crd widgets.kubeloop.example.com.yaml", "generate crd -"),
      );
    });

    it("refuses what it cannot do, with exit 2 for usage and 1 for bad input", async () => {
      const many = await run(cmd, [...prefix, "generate", "crd", ...CRDS]);
      assert.equal(many.code, 2);
      assert.match(many.stderr, /span 4 group\/versions .*pass --out <dir> or --version <v>/);
      assert.equal(many.stdout, "");
      const bogus = await run(cmd, [...prefix, "generate", "crd", "--bogus"]);
      assert.equal(bogus.code, 2);
      assert.match(bogus.stderr, /unknown option --bogus/);
      const notCrd = join(dir, "cm.yaml");
      writeFileSync(notCrd, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
      const none = await run(cmd, [...prefix, "generate", "crd", notCrd]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /cm\.yaml: no CustomResourceDefinition in it/);
      const noVersion = await run(cmd, [...prefix, "generate", "crd", "--version", "v9", CRDS[2]!]);
      assert.equal(noVersion.code, 1);
      assert.match(noVersion.stderr, /has no version v9 \(versions: v1alpha1, v1\)/);
    });
  });
}

describe("kubeloop generate crd --from-cluster", () => {
  let server: FakeApiServer;
  let listener: Listener;
  let dir: string;

  before(async () => {
    server = new FakeApiServer();
    listener = await server.listen();
    const { parseAllDocuments } = await import("yaml");
    for (const file of CRDS) {
      const crd = parseAllDocuments(expected(file))[0]!.toJSON();
      server.create(CustomResourceDefinitions, crd);
    }
    dir = mkdtempSync(join(tmpdir(), "kubeloop-crd-cluster-"));
    writeFakeKubeconfig(dir, listener.url);
  });

  after(async () => {
    await listener?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, cmd, prefix] of RUNTIMES) {
    it(`reads the named CRDs from the cluster of a kubeconfig (${name})`, async () => {
      const r = await run(cmd, [
        ...prefix,
        "generate",
        "crd",
        "--from-cluster",
        "--kubeconfig",
        join(dir, "config"),
        ...KUBELOOP,
        "certificates.cert-manager.io",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const want = expected("test/kinds/generated/cert-manager.io/v1.ts").replace(
        "kubeloop generate crd cert-manager.io_certificates.yaml",
        "kubeloop generate crd --from-cluster certificates.cert-manager.io",
      );
      assert.equal(r.stdout, want);
      assert.ok(!r.stdout.includes("t0ken") && !r.stderr.includes("t0ken"));
      const missing = await run(cmd, [
        ...prefix,
        "generate",
        "crd",
        "--from-cluster",
        "--kubeconfig",
        join(dir, "config"),
        "nope.example.com",
      ]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no CustomResourceDefinition nope\.example\.com in the cluster/);
    });
  }
});
