#!/usr/bin/env node
// Start kubeloop's fake Kubernetes API server on a port, so kubectl (or any client) can talk to it.
//
//   node --import tsx scripts/fake-apiserver.ts --port 8080 [--host 127.0.0.1] [--load objects.json|yaml]
//   kubectl --server http://127.0.0.1:8080 get configmaps -w
//
// Options:
//   --port N          port (default 8080; 0 picks a free one)
//   --host ADDR       address to bind (default 127.0.0.1)
//   --load FILE       create the objects in FILE first (JSON: an object, an array or a List; YAML needs the
//                     `yaml` package installed, and may hold several documents)
//   --token TOKEN     require "Authorization: Bearer TOKEN"
//   --tls-cert FILE --tls-key FILE   serve HTTPS
//   --no-gc           no garbage collection: dependents stay when their owner goes, as on a lone
//                     kube-apiserver without kube-controller-manager
//   --verbose         log every request
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { KubernetesObject } from "../src/resources/meta.ts";
import { FakeApiServer, type YamlCodec } from "../src/testing/mod.ts";
import { consoleLogger, silentLogger } from "../src/util/logger.ts";

async function parseFile(path: string): Promise<KubernetesObject[]> {
  const text = readFileSync(path, "utf8");
  if (/\.ya?ml$/i.test(path)) {
    let yaml: { parseAllDocuments(text: string): { toJSON(): unknown }[] };
    try {
      yaml = (await import("yaml" as string)) as typeof yaml;
    } catch {
      throw new Error(`--load ${path}: YAML needs the "yaml" package (npm i yaml), or use JSON`);
    }
    return yaml
      .parseAllDocuments(text)
      .map((d) => d.toJSON())
      .filter((d): d is KubernetesObject => d !== null && typeof d === "object");
  }
  const data = JSON.parse(text) as KubernetesObject | KubernetesObject[];
  return Array.isArray(data) ? data : [data];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8080" },
      host: { type: "string", default: "127.0.0.1" },
      load: { type: "string", multiple: true },
      token: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "no-gc": { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(
      "usage: fake-apiserver [--port 8080] [--host 127.0.0.1] [--load file.json|yaml]... [--token T] [--tls-cert F --tls-key F] [--no-gc] [--verbose]",
    );
    return;
  }
  // YAML request bodies and responses, when the yaml package is there (it is a kubeloop dependency)
  let yamlCodec: YamlCodec | undefined;
  try {
    yamlCodec = (await import("yaml" as string)) as YamlCodec;
  } catch {
    yamlCodec = undefined;
  }
  const server = new FakeApiServer({
    token: values.token,
    logger: values.verbose ? consoleLogger("debug") : silentLogger,
    yaml: yamlCodec,
    garbageCollection: !values["no-gc"],
  });
  let loaded = 0;
  for (const file of values.load ?? []) loaded += server.load(await parseFile(file));
  const tls =
    values["tls-cert"] && values["tls-key"]
      ? {
          cert: readFileSync(values["tls-cert"], "utf8"),
          key: readFileSync(values["tls-key"], "utf8"),
        }
      : undefined;
  const listener = await server.listen({ port: Number(values.port), hostname: values.host, tls });
  console.log(`fake-apiserver listening on ${listener.url} (${loaded} objects loaded)`);
  console.log(`try: kubectl --server ${listener.url} get configmaps -A`);
  const stop = async (): Promise<void> => {
    await server.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
