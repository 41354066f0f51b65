#!/usr/bin/env node
// The `kubeloop` command (package bin): `kubeloop generate crd ...`. The command itself is
// src/generate/cli.ts; this shell gives it files, standard streams, YAML and a cluster client.
// Runs on Node, Deno (`deno run -A`) and Bun.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import process from "node:process";
import { parseAllDocuments } from "yaml";
import { KubeClient } from "../src/client/client.ts";
import { fromEnvironment, loadKubeconfigFile } from "../src/client/kubeconfig.ts";
import { runCli } from "../src/generate/cli.ts";
import { CustomResourceDefinitions } from "../src/kinds/apiextensions/v1.ts";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const code = await runCli(process.argv.slice(2), {
  readFile: (path) => readFile(path, "utf8"),
  readStdin,
  writeFile: async (path, content) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  },
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  parseYaml: (text) =>
    parseAllDocuments(text).map((d) => {
      if (d.errors.length) throw d.errors[0];
      return d.toJSON();
    }),
  listClusterCRDs: async ({ kubeconfig, context }) => {
    const config = kubeconfig
      ? await loadKubeconfigFile(kubeconfig, { context })
      : await fromEnvironment({ context });
    return (await new KubeClient(config).listAll(CustomResourceDefinitions)).items;
  },
});
process.exitCode = code;
