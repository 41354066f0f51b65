/**
 * The `kubeloop` command: `kubeloop generate crd`. All of it runs on injected
 * I/O ({@link CliIO}), so it works the same on Node, Deno and Bun and in tests;
 * `scripts/kubeloop.ts` is the shell that supplies files, stdout and YAML.
 *
 * @module
 */
import type { CustomResourceDefinition } from "../kinds/apiextensions/v1.ts";
import { generateCRDModules } from "./crd.ts";

/**
 * What the command needs from its runtime.
 *
 * @example
 * ```ts
 * import type { CliIO } from "./cli.ts";
 * const out: string[] = [];
 * const io: CliIO = {
 *   readFile: async () => "",
 *   readStdin: async () => "",
 *   writeFile: async () => {},
 *   stdout: (t) => out.push(t),
 *   stderr: (t) => out.push(t),
 *   parseYaml: (t) => [JSON.parse(t)],
 * };
 * ```
 */
export interface CliIO {
  /** Read a UTF-8 file. */
  readFile(path: string): Promise<string>;
  /** Read all of standard input. */
  readStdin(): Promise<string>;
  /** Write a UTF-8 file, creating its folders. */
  writeFile(path: string, content: string): Promise<void>;
  /** Write to standard output. */
  stdout(text: string): void;
  /** Write to standard error. */
  stderr(text: string): void;
  /** Parse YAML (or JSON) text into its documents. */
  parseYaml(text: string): unknown[];
  /** List the CustomResourceDefinitions of a cluster (for `--from-cluster`). */
  listClusterCRDs?(options: {
    kubeconfig?: string | undefined;
    context?: string | undefined;
  }): Promise<CustomResourceDefinition[]>;
}

/** The `--help` text. */
export const HELP: string = `kubeloop generate crd: TypeScript types, zod schemas and ResourceTypes from CustomResourceDefinitions

Usage:
  kubeloop generate crd [options] <file>...       CRDs from YAML or JSON files ("-" reads stdin)
  kubeloop generate crd --from-cluster [options] [<crd-name>...]
                                                  CRDs read from a cluster (all, or the named ones)

Every served version of each CRD becomes one module per group/version: an interface per object
(nested objects named after their path), a zod/mini schema and a ResourceType for each kind.

Options:
  -o, --out <dir>        write <dir>/<group>/<version>.ts (default: print the one module to stdout)
      --version <v>      only this version of each CRD (default: every served version)
      --from-cluster     read the CRDs from the cluster of the current kubeconfig context
      --kubeconfig <f>   kubeconfig file for --from-cluster (default: KUBECONFIG or ~/.kube/config)
      --context <name>   kubeconfig context for --from-cluster
      --kubeloop <spec>  module to import kubeloop from (default: kubeloop)
      --zod <spec>       module to import zod's mini API from (default: zod/mini)
  -h, --help             show this help

Examples:
  kubeloop generate crd crds/widgets.yaml > src/widgets.ts
  kubeloop generate crd --out src/crds deploy/crds/*.yaml
  kubeloop generate crd --from-cluster --out src/crds certificates.cert-manager.io
`;

/** A usage error: wrong flags or arguments (exit code 2). */
class UsageError extends Error {
  override readonly name = "UsageError";
}

interface Parsed {
  help: boolean;
  out?: string | undefined;
  version?: string | undefined;
  fromCluster: boolean;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  kubeloop?: string | undefined;
  zod?: string | undefined;
  positional: string[];
}

function parseArgs(args: string[]): Parsed {
  const p: Parsed = { help: false, fromCluster: false, positional: [] };
  const value = (i: number, flag: string): string => {
    const v = args[i + 1];
    if (v === undefined || (v.startsWith("-") && v !== "-")) {
      throw new UsageError(`${flag} needs a value`);
    }
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf("=");
    const [flag, inline] =
      a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const take = (): string => (inline !== undefined ? inline : value(i++, flag));
    switch (flag) {
      case "-h":
      case "--help":
        p.help = true;
        break;
      case "-o":
      case "--out":
        p.out = take();
        break;
      case "--version":
        p.version = take();
        break;
      case "--from-cluster":
        p.fromCluster = true;
        break;
      case "--kubeconfig":
        p.kubeconfig = take();
        break;
      case "--context":
        p.context = take();
        break;
      case "--kubeloop":
        p.kubeloop = take();
        break;
      case "--zod":
        p.zod = take();
        break;
      default:
        if (a.startsWith("-") && a !== "-") throw new UsageError(`unknown option ${a}`);
        p.positional.push(a);
    }
  }
  return p;
}

function isCRD(doc: unknown): doc is CustomResourceDefinition {
  const d = doc as { kind?: unknown; apiVersion?: unknown } | null;
  return (
    typeof d === "object" &&
    d !== null &&
    d.kind === "CustomResourceDefinition" &&
    typeof d.apiVersion === "string" &&
    d.apiVersion.startsWith("apiextensions.k8s.io/")
  );
}

/** CRDs in a parsed document: a CRD, a List of them, or nothing. */
function crdsIn(doc: unknown): CustomResourceDefinition[] {
  if (isCRD(doc)) return [doc];
  const list = doc as { kind?: unknown; items?: unknown } | null;
  if (list && typeof list === "object" && Array.isArray(list.items)) {
    return list.items.filter(isCRD);
  }
  return [];
}

/** A CRD and the file it came from (no file: from the cluster). */
interface Source {
  crd: CustomResourceDefinition;
  file?: string | undefined;
}

async function readCRDs(p: Parsed, io: CliIO): Promise<Source[]> {
  if (p.fromCluster) {
    if (!io.listClusterCRDs) throw new Error("--from-cluster is not available here");
    const all = await io.listClusterCRDs({ kubeconfig: p.kubeconfig, context: p.context });
    if (p.positional.length === 0) return all.map((crd) => ({ crd }));
    const wanted = new Set(p.positional);
    const found = all.filter((c) => wanted.has(c.metadata.name ?? ""));
    const missing = [...wanted].filter((n) => !found.some((c) => c.metadata.name === n));
    if (missing.length) {
      throw new Error(`no CustomResourceDefinition ${missing.join(", ")} in the cluster`);
    }
    return found.map((crd) => ({ crd }));
  }
  if (p.positional.length === 0) throw new UsageError("no CRD files given (or use --from-cluster)");
  const crds: Source[] = [];
  for (const file of p.positional) {
    const text = file === "-" ? await io.readStdin() : await io.readFile(file);
    let docs: unknown[];
    try {
      docs = io.parseYaml(text);
    } catch (err) {
      throw new Error(`${file}: not YAML or JSON (${(err as Error).message})`);
    }
    const found = docs.flatMap(crdsIn);
    if (found.length === 0) throw new Error(`${file}: no CustomResourceDefinition in it`);
    // only the base name: generated headers must not carry this machine's paths
    const base = file === "-" ? "-" : file.split(/[\\/]/).pop();
    crds.push(...found.map((crd) => ({ crd, file: base })));
  }
  return crds;
}

/**
 * Run the `kubeloop` command with `args` (without the program name). Returns
 * the exit code: 0 on success, 1 on an error, 2 on a usage error.
 *
 * @example
 * ```ts
 * import { runCli, type CliIO } from "./cli.ts";
 * declare const io: CliIO;
 * const code = await runCli(["generate", "crd", "--out", "src/crds", "widgets.yaml"], io);
 * ```
 */
export async function runCli(args: string[], io: CliIO): Promise<number> {
  try {
    if (args.length === 0 || args[0] === "-h" || args[0] === "--help" || args[0] === "help") {
      io.stdout(HELP);
      return args.length === 0 ? 2 : 0;
    }
    if (args[0] !== "generate" || args[1] !== "crd") {
      throw new UsageError(`unknown command "${args.slice(0, 2).join(" ")}"`);
    }
    const p = parseArgs(args.slice(2));
    if (p.help) {
      io.stdout(HELP);
      return 0;
    }
    const sources = await readCRDs(p, io);
    const command = (names: string[]): string => {
      if (p.fromCluster) return `kubeloop generate crd --from-cluster ${names.join(" ")}`;
      const files = sources.filter((s) => names.includes(s.crd.metadata.name ?? ""));
      return `kubeloop generate crd ${[...new Set(files.map((s) => s.file))].join(" ")}`;
    };
    const modules = generateCRDModules(
      sources.map((s) => s.crd),
      {
        version: p.version,
        kubeloop: p.kubeloop,
        zod: p.zod,
        command,
      },
    );
    if (modules.length === 0) throw new Error("the CRDs serve no version");
    if (p.out === undefined) {
      if (modules.length > 1) {
        throw new UsageError(
          `the CRDs span ${modules.length} group/versions (${modules.map((m) => m.path).join(", ")}): pass --out <dir> or --version <v>`,
        );
      }
      io.stdout(modules[0]!.source);
      return 0;
    }
    const dir = p.out.replace(/[\\/]+$/, "") || ".";
    for (const m of modules) {
      const file = `${dir}/${m.path}.ts`;
      await io.writeFile(file, m.source);
      io.stderr(`wrote ${file}\n`);
    }
    return 0;
  } catch (err) {
    io.stderr(`kubeloop: ${(err as Error).message}\n`);
    if (err instanceof UsageError) {
      io.stderr('run "kubeloop generate crd --help" for usage\n');
      return 2;
    }
    return 1;
  }
}
