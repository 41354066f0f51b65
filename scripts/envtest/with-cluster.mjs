#!/usr/bin/env node
// Run a command against a fresh envtest cluster (real etcd + kube-apiserver), then stop it.
//
//   npm run envtest -- node --import tsx --test test/real/informer.real.ts
//   npm run envtest -- kubectl get namespaces
//   npm run envtest                 (no command: print the variables and wait for Ctrl-C)
//
// The command gets KUBELOOP_TEST_KUBECONFIG (admin), KUBELOOP_TEST_ETCD_URL, KUBELOOP_TEST_KUBECONFIG_UNPRIV (a user
// without RBAC bindings), KUBECONFIG (admin) and KUBELOOP_CONFORMANCE_TARGETS=real unless already
// set. The binaries come from the envtest lookup (docs/testing.md); `bash scripts/envtest/install.sh`
// fills its default folder on Debian 12. The exit code is the command's.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tsImport } from "tsx/esm/api";

const args = process.argv.slice(2);
if (args[0] === "--") args.shift();
if (args[0] === "-h" || args[0] === "--help") {
  console.log(
    "usage: node scripts/envtest/with-cluster.mjs [--] [command args...]\n" +
      "Starts an envtest cluster, runs the command with KUBELOOP_TEST_KUBECONFIG, KUBELOOP_TEST_KUBECONFIG_UNPRIV\n" +
      "and KUBECONFIG set, stops the cluster, and exits with the command's code. Without a command it waits for Ctrl-C.",
  );
  process.exit(0);
}

const envtest = await tsImport("../../src/envtest/mod.ts", import.meta.url);
let cluster;
try {
  const t0 = Date.now();
  cluster = await envtest.startTestCluster();
  console.error(
    `envtest: ${cluster.version.gitVersion} at ${cluster.server} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
} catch (err) {
  console.error(err?.message ?? err);
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), "kubeloop-envtest-kubeconfigs-"));
const paths = await cluster.writeKubeconfigs(dir);
const vars = {
  KUBELOOP_TEST_KUBECONFIG: paths.admin,
  KUBELOOP_TEST_KUBECONFIG_UNPRIV: paths.unprivileged,
  KUBECONFIG: paths.admin,
  KUBELOOP_CONFORMANCE_TARGETS: process.env.KUBELOOP_CONFORMANCE_TARGETS || "real",
  // the conformance cases that compact the server's history need its etcd
  ...(cluster.controlPlane ? { KUBELOOP_TEST_ETCD_URL: cluster.controlPlane.etcd.url } : {}),
};

async function finish(code) {
  try {
    await cluster.stop();
  } catch (err) {
    console.error(err?.message ?? err);
    code ||= 1;
  }
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

if (args.length === 0) {
  for (const [k, v] of Object.entries(vars)) console.log(`export ${k}=${v}`);
  console.error("envtest: running; Ctrl-C stops it and removes everything");
  const onSignal = () => void finish(0);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  setInterval(() => {}, 1 << 30);
} else {
  const child = spawn(args[0], args.slice(1), {
    stdio: "inherit",
    env: { ...process.env, ...vars },
  });
  // Ctrl-C reaches the child through the terminal; stop the cluster once it has gone.
  process.on("SIGINT", () => {});
  child.on("error", (err) => {
    console.error(`${args[0]}: ${err.message}`);
    void finish(127);
  });
  child.on("exit", (code, signal) => void finish(code ?? (signal ? 1 : 0)));
}
