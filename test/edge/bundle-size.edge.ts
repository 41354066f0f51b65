// The edge bundle budget: a minimal controller bundled for workerd the way a user's bundler
// would (esbuild, minified, the package's `workerd` export conditions) stays under 120 KB, and a
// second kind costs only that kind's schema: generated schemas are pure, so unused kinds (and
// zod classic) are dropped. Node only; needs `npm run build` (dist/edge).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { build, type Plugin } from "esbuild";

const root = new URL("../..", import.meta.url).pathname;
const BUDGET = 120 * 1024;

type Conditions = Record<string, { default: string } | undefined>;
const exportsMap = (
  JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
    exports: Record<string, Conditions | string>;
  }
).exports;

/** Resolve `kubeloop` and `kubeloop/...` through package.json's `workerd` condition, as a user's bundler does. */
const packageExports: Plugin = {
  name: "kubeloop-package-exports",
  setup(b) {
    b.onResolve({ filter: /^kubeloop(\/|$)/ }, (args) => {
      const subpath = args.path === "kubeloop" ? "." : `./${args.path.slice("kubeloop/".length)}`;
      const target = exportsMap[subpath];
      const file = typeof target === "object" ? target.workerd?.default : undefined;
      assert.ok(file, `package.json has no workerd export for ${args.path}`);
      return { path: `${root}${file.slice(2)}` };
    });
  },
};

async function bundle(code: string): Promise<string> {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: "js" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "import"],
    minify: true,
    write: false,
    logLevel: "silent",
    plugins: [packageExports],
  });
  return result.outputFiles[0]!.text;
}

const controller = (imports: string, use: string): string => `
import { KubeClient, createInformer, ConfigMaps, Controller, newResource${imports} } from "kubeloop";
export default {
  async fetch(_req, env) {
    const client = new KubeClient({ server: env.SERVER, token: env.TOKEN });
    const informer = createInformer(client, ConfigMaps, { namespace: "default" });
    const controller = new Controller({
      resource: newResource(informer, async (_key, cm) => console.log(cm.data), async () => {}),
    });
    ${use}
    const ac = new AbortController();
    await controller.run(ac.signal);
    return new Response("ok");
  },
};`;

/** Plurals of kinds the minimal controller does not use: none may end up in its bundle. */
const UNUSED = ["pods", "secrets", "deployments", "statefulsets", "cronjobs", "leases", "nodes"];

describe("edge bundle budget", () => {
  it(`a minimal controller (KubeClient, createInformer, ConfigMaps, Controller) is at most ${BUDGET / 1024} KB minified`, async () => {
    const text = await bundle(controller("", ""));
    const gzip = gzipSync(text).length;
    console.log(
      `minimal controller: ${(text.length / 1024).toFixed(1)} KB minified, ${(gzip / 1024).toFixed(1)} KB gzipped`,
    );
    assert.ok(text.length <= BUDGET, `${text.length} bytes > ${BUDGET}`);
    assert.ok(!/from\s*["']node:/.test(text), "no node: imports");
    assert.ok(text.includes('"configmaps"'), "the one kind it uses is there");
    for (const plural of UNUSED) {
      assert.ok(!text.includes(`"${plural}"`), `${plural} (unused) was bundled`);
    }
    // zod classic (the `zod` root) cannot be tree-shaken: only zod/mini may be in the bundle
    assert.ok(!text.includes("ZodRealError"), "zod classic was bundled");
  });

  it("a second kind costs only that kind's schema", async () => {
    const base = await bundle(controller("", ""));
    const withSecrets = await bundle(
      controller(", Secrets", "createInformer(client, Secrets, { namespace: 'default' });"),
    );
    const secretsCost = withSecrets.length - base.length;
    console.log(`+ Secrets: ${secretsCost} bytes`);
    assert.ok(withSecrets.includes('"secrets"'));
    // a Secret schema is a handful of fields on top of ObjectMeta, which is already there
    assert.ok(secretsCost > 0 && secretsCost < 1024, `Secrets cost ${secretsCost} bytes`);
    for (const plural of UNUSED.filter((p) => p !== "secrets")) {
      assert.ok(!withSecrets.includes(`"${plural}"`), `${plural} came along with Secrets`);
    }

    // A kind from its subpath entry: its schema and the types it uses, nothing of other kinds.
    const withDeployments = await bundle(
      `import { Deployments } from "kubeloop/kinds/apps/v1";\n${controller(
        "",
        "createInformer(client, Deployments);",
      )}`,
    );
    const deploymentsCost = withDeployments.length - base.length;
    console.log(`+ Deployments (kubeloop/kinds/apps/v1): ${deploymentsCost} bytes`);
    assert.ok(withDeployments.includes('"deployments"'));
    assert.ok(withDeployments.includes("terminationGracePeriodSeconds"), "its pod template");
    for (const plural of ["statefulsets", "daemonsets", "replicasets", "pods", "secrets"]) {
      assert.ok(!withDeployments.includes(`"${plural}"`), `${plural} came along with Deployments`);
    }
    assert.ok(!withDeployments.includes("volumeClaimTemplates"), "StatefulSet's spec came along");
  });
});
