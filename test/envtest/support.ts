// Shared by the envtest cluster tests: are the binaries here, and must they be?
import { BinaryNotFoundError, ENVTEST_ENV, findBinaries } from "../../src/envtest/mod.ts";

function env(name: string): string | undefined {
  const v = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[
    name
  ];
  return v === "" ? undefined : v;
}

/** `KUBELOOP_ENVTEST_REQUIRED=1` (CI): missing binaries fail the run instead of being reported. */
export const envtestRequired: boolean = env(ENVTEST_ENV.required) === "1";

/**
 * Whether etcd and kube-apiserver can be found (and, if not, the lookup error). The cluster
 * tests run only when they can; otherwise a test with a NOT RUN title says so in the output.
 */
export async function binariesAvailable(): Promise<
  { ok: true } | { ok: false; error: BinaryNotFoundError }
> {
  try {
    await findBinaries();
    return { ok: true };
  } catch (err) {
    if (err instanceof BinaryNotFoundError) return { ok: false, error: err };
    throw err;
  }
}

/** Bounded polling for I/O. */
export async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** The title of the test that stands in for cluster tests that cannot run here. */
export const NOT_RUN_TITLE: string =
  "NOT RUN: the envtest cluster tests need etcd and kube-apiserver (bash scripts/envtest/install.sh, " +
  "or KUBEBUILDER_ASSETS); checking that startTestCluster says so";

// Stand-in binaries: tiny Node programs that behave like etcd and kube-apiserver as far as
// envtest can tell (flags, readiness endpoints, /version), so the process and cleanup logic can
// be tested on any machine, fast. They run on the machine's `node` whatever runtime runs the test.

const standInEtcd = `#!/usr/bin/env node
const flag = process.argv.find((a) => a.startsWith("--listen-client-urls="));
const url = new URL(flag.slice(flag.indexOf("=") + 1));
require("node:http")
  .createServer((req, res) => res.end(req.url === "/health" ? '{"health":"true"}' : "{}"))
  .listen(Number(url.port), url.hostname, () => console.log("stand-in etcd serving", url.href));
`;

const standInApiServer = `#!/usr/bin/env node
if (process.argv.includes("--version")) {
  console.log("Kubernetes v1.20.99-standin");
  process.exit(0);
}
const arg = (name) => {
  const a = process.argv.find((x) => x.startsWith("--" + name + "="));
  return a && a.slice(name.length + 3);
};
const fs = require("node:fs");
const version = { major: "1", minor: "20", gitVersion: "v1.20.99-standin" };
require("node:https")
  .createServer(
    { cert: fs.readFileSync(arg("tls-cert-file")), key: fs.readFileSync(arg("tls-private-key-file")) },
    (req, res) => {
      if (req.url === "/readyz") return res.end("ok");
      if (req.url === "/version") return res.end(JSON.stringify(version));
      res.end("{}");
    },
  )
  .listen(Number(arg("secure-port")), "127.0.0.1", () => console.log("stand-in kube-apiserver up"));
`;

const failingApiServer = `#!/bin/sh
echo "I1129 starting kube-apiserver"
echo "Error: unknown flag: --made-up" >&2
exit 1
`;

/**
 * Write stand-in `etcd` and `kube-apiserver` programs into `dir` (a KUBEBUILDER_ASSETS-style
 * folder). `apiServer: "fail"` makes kube-apiserver exit at once with an error.
 */
export async function writeStandIns(dir: string, apiServer: "ok" | "fail" = "ok"): Promise<void> {
  const { writeFile } = await import("node:fs/promises");
  await writeFile(`${dir}/etcd`, standInEtcd, { mode: 0o755 });
  await writeFile(
    `${dir}/kube-apiserver`,
    apiServer === "ok" ? standInApiServer : failingApiServer,
    { mode: 0o755 },
  );
}
