/**
 * Resume from a file checkpoint vs a full sync against a real kube-apiserver
 * (kubeloop/envtest: its own etcd and kube-apiserver on free ports, stopped
 * at the end). Slow: it creates the pods first (with their status, as a
 * kubelet would set it). Needs the envtest binaries (npm run envtest:install).
 *
 *   node --import tsx scripts/bench/resume-real.ts [pods=50000] [rounds=3]
 *
 * Each measurement runs in its own process (scripts/bench/resume.ts), as in
 * `npm run bench -- --scenario resume`; prints a Markdown table.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeClient } from "../../src/client/client.ts";
import { startTestCluster } from "../../src/envtest/mod.ts";
import { Namespaces, type Pod, Pods } from "../../src/resources/core.ts";
import { makePod, NAMESPACES } from "./pods.ts";
import { median } from "./report.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pods = Number(process.argv[2] ?? 50_000);
const rounds = Number(process.argv[3] ?? 3);
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

function run(
  args: string[],
  env: Record<string, string>,
): Promise<Record<string, number> | undefined> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--max-old-space-size=4096", "--import", "tsx", ...args],
      {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      if (err.length < 10_000) err += d.toString();
    });
    child.on("exit", (code) => {
      const line = out
        .trim()
        .split("\n")
        .reverse()
        .find((l) => l.startsWith("{"));
      if (!line)
        log(
          `  ${args.slice(1, 3).join(" ")} failed (exit ${code}): ${err.trim().split("\n").slice(-3).join(" | ")}`,
        );
      resolve(line ? (JSON.parse(line) as Record<string, number>) : undefined);
    });
  });
}

const cluster = await startTestCluster({ existingCluster: false });
const dir = mkdtempSync(join(tmpdir(), "kubeloop-bench-real-"));
try {
  log(`kube-apiserver ${cluster.version.gitVersion} at ${cluster.server}`);
  const client = new KubeClient({ ...cluster.admin, rateLimit: false });
  for (let n = 0; n < NAMESPACES; n++) {
    await client.create(Namespaces, { metadata: { name: `team-${n}` } });
  }
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= pods) return;
      const { metadata, spec, status } = makePod(i, "") as unknown as Pod;
      const { name, namespace, labels, annotations, ownerReferences } = metadata;
      const created = await client.create(Pods, {
        metadata: { name, namespace, labels, annotations, ownerReferences },
        spec,
      });
      // the status a kubelet would have set (conditions, container statuses)
      await client.replaceStatus(Pods, { ...created, status });
      if (i % 5000 === 4999)
        log(`  ${i + 1} pods (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  log(`${pods} pods created in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  // what a child process needs to reach the server (the config's runtime object does not survive JSON)
  const { server, token, caCertificate } = cluster.admin;
  const env = { BENCH_CLUSTER: JSON.stringify({ server, token, caCertificate }) };
  const script = "scripts/bench/resume.ts";
  const prepared = await run([script, cluster.server, "prepare", dir], env);
  if (!prepared) throw new Error("prepare failed");
  log(`checkpoint: ${(prepared.bytes! / 1e6).toFixed(1)} MB of JSON`);
  const rows: Record<string, Record<string, number>[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const mode of ["sync", "resume", "controller-sync", "controller-resume"]) {
      const res = await run([script, cluster.server, mode, dir], env);
      if (res) (rows[mode] ??= []).push(res);
      log(`round ${r + 1} ${mode}: ${res?.totalMs?.toFixed(0) ?? "–"} ms`);
    }
  }
  const m = (mode: string, k = "totalMs"): number => median((rows[mode] ?? []).map((x) => x[k]!));
  const f0 = (n: number): string =>
    Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–";
  console.log(
    `### Resume vs full sync against kube-apiserver ${cluster.version.gitVersion} (${f0(pods)} pods, checkpoint ${(prepared.bytes! / 1e6).toFixed(1)} MB; medians of ${rounds})\n`,
  );
  console.log("| start | total ms |\n|---|---:|");
  console.log(`| informer, full sync | ${f0(m("sync"))} |`);
  console.log(
    `| informer, resume from FileCheckpointStore | ${f0(m("resume"))} (read + parse ${f0(m("resume", "loadMs"))}) |`,
  );
  console.log(`| controller until idle, from scratch | ${f0(m("controller-sync"))} |`);
  console.log(`| controller until idle, from the checkpoint | ${f0(m("controller-resume"))} |`);
  console.log(
    `\nresume: informer ${(m("sync") / m("resume")).toFixed(2)}× faster, restarted controller ${(m("controller-sync") / m("controller-resume")).toFixed(2)}× faster`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await cluster.stop();
}
