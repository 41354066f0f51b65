/**
 * kubernetes-fluent-client: `K8s(kind.Pod).Watch(cb)`. It reads its
 * connection from a kubeconfig, so this process writes a temporary one
 * pointing at the bench server and sets KUBECONFIG before importing it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { config, runClient } from "../harness.ts";

const cfg = config();
const dir = mkdtempSync(join(tmpdir(), "kubeloop-bench-"));
const kubeconfig = join(dir, "kubeconfig");
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster:
    server: ${cfg.url}
    insecure-skip-tls-verify: true
users:
- name: bench
  user:
    token: bench
contexts:
- name: bench
  context:
    cluster: bench
    user: bench
current-context: bench
`,
);
process.env.KUBECONFIG = kubeconfig;
const { K8s, kind } = await import("kubernetes-fluent-client");

await runClient("fluent", async (h) => {
  let synced = false;
  let size = 0;
  const watcher = K8s(kind.Pod).Watch((_pod, phase) => {
    if (!synced && phase === "ADDED") {
      size++;
      h.added();
    } else {
      if (phase === "ADDED") size++;
      if (phase === "DELETED") size--;
      h.event();
    }
  });
  watcher.events.on("list_error", (err: unknown) => console.error("fluent list error:", err));
  await watcher.start();
  synced = true;
  return { size: () => size, stop: () => watcher.close() };
});
