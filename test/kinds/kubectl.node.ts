// `kubectl explain` against the fake API server, which builds its /openapi/v3 documents from the
// registered kinds' schemas (generated kinds and CRDs). Node only: runs the kubectl binary;
// like test/testing/kubectl.node.ts it needs kubectl installed (CI installs Debian's).
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import type { CustomResourceDefinition } from "../../src/kinds/apiextensions/v1.ts";
import { builtinResources } from "../../src/resources/builtin.ts";
import { resourceFromCRD } from "../../src/resources/crd.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";

const kubectlPath = process.env.KUBECTL ?? "kubectl";
const hasKubectl =
  spawnSync(kubectlPath, ["version", "--client"], { stdio: "ignore" }).status === 0;

const widgets = resourceFromCRD(
  parseAllDocuments(
    readFileSync(new URL("./crds/widgets.kubeloop.example.com.yaml", import.meta.url), "utf8"),
  )[0]!.toJSON() as CustomResourceDefinition,
);

describe("kubectl explain against the fake API server", {
  skip: hasKubectl ? false : "kubectl not installed",
}, () => {
  let server: FakeApiServer;
  let listener: Listener;
  let home: string;

  function explain(what: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        kubectlPath,
        ["--server", listener.url, "explain", what],
        {
          env: { ...process.env, HOME: home, KUBECONFIG: join(home, "kubeconfig") },
          timeout: 30_000,
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "kubeloop-explain-"));
    writeFileSync(join(home, "kubeconfig"), "apiVersion: v1\nkind: Config\n");
    server = new FakeApiServer({ resources: [...builtinResources, widgets] });
    listener = await server.listen();
  });

  after(async () => {
    await listener.close();
    await server.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("lists a built-in kind's nested fields with their types", async () => {
    const r = await explain("deployments.spec.template.spec.containers.ports");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /KIND:\s+Deployment/);
    assert.match(r.stdout, /containerPort\s+<integer> -required-/);
    assert.match(r.stdout, /protocol\s+<string>/);
  });

  it("explains a CRD's kind from its openAPIV3Schema", async () => {
    const r = await explain("widgets.spec");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /color\s+<string> -required-/);
    assert.match(r.stdout, /steps\s+<\[\]Object>/);
  });

  it("walks recursive schemas (a CRD's openAPIV3Schema)", async () => {
    const r = await explain("customresourcedefinitions.spec.versions.schema.openAPIV3Schema");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /x-kubernetes-int-or-string\s+<boolean>/);
  });
});
