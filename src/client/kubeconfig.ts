/**
 * Kubeconfig loading: `fromKubeconfig` (YAML or JSON text, or an object),
 * `loadKubeconfigFile` and `fromEnvironment` (`KUBECONFIG`, `~/.kube/config`,
 * then in-cluster).
 *
 * YAML text is parsed with the `yaml` package, imported on first use, so this
 * is its own entry point (`kubeloop/kubeconfig`); JSON kubeconfigs and
 * kubeconfig objects work without it.
 *
 * @module
 */
import type { Runtime } from "../runtime/types.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { type ClusterConfig, fileTokenProvider, inCluster, protectConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";

/**
 * A kubeconfig cluster entry.
 *
 * @example
 * ```ts
 * import type { KubeconfigCluster } from "kubeloop/kubeconfig";
 * const cluster: KubeconfigCluster = {
 *   server: "https://127.0.0.1:6443",
 *   "certificate-authority": "ca.crt",
 * };
 * ```
 */
export interface KubeconfigCluster {
  /** API server URL (`https://host:port`); required by {@link fromKubeconfig}. */
  server?: string;
  /** Base64-encoded PEM CA bundle that verifies the server (wins over `certificate-authority`). */
  "certificate-authority-data"?: string;
  /** Path of a PEM CA file (relative paths resolve against `basePath`). */
  "certificate-authority"?: string;
  /** Skip verifying the server certificate (only `true` has an effect). */
  "insecure-skip-tls-verify"?: boolean;
  /** Server name for TLS verification (parsed but not used by kubeloop). */
  "tls-server-name"?: string;
  /** Proxy URL (parsed but not used by kubeloop). */
  "proxy-url"?: string;
  /** Other fields are kept as-is. */
  [key: string]: unknown;
}

/**
 * An exec credential plugin (`client.authentication.k8s.io`).
 *
 * @example
 * ```ts
 * import type { KubeconfigExec } from "kubeloop/kubeconfig";
 * const exec: KubeconfigExec = {
 *   apiVersion: "client.authentication.k8s.io/v1beta1",
 *   command: "aws",
 *   args: ["eks", "get-token", "--cluster-name", "prod"],
 *   env: [{ name: "AWS_PROFILE", value: "prod" }],
 * };
 * ```
 */
export interface KubeconfigExec {
  /** Program to run (looked up on `PATH` by the runtime). */
  command: string;
  /** Arguments for `command`. */
  args?: string[] | null;
  /** Extra environment variables for the plugin. */
  env?: { name: string; value: string }[] | null;
  /** ExecCredential API version sent in `KUBERNETES_EXEC_INFO` (default: `client.authentication.k8s.io/v1`). */
  apiVersion?: string;
  /** kubectl's interactive mode; ignored: kubeloop always runs plugins non-interactively. */
  interactiveMode?: string;
  /** Pass the cluster's server and CA in `KUBERNETES_EXEC_INFO`. */
  provideClusterInfo?: boolean;
  /** Other fields are kept as-is. */
  [key: string]: unknown;
}

/**
 * A kubeconfig user entry.
 *
 * @example
 * ```ts
 * import type { KubeconfigUser } from "kubeloop/kubeconfig";
 * const user: KubeconfigUser = { "client-certificate": "dev.crt", "client-key": "dev.key" };
 * ```
 */
export interface KubeconfigUser {
  /** Bearer token (wins over `tokenFile`, `exec` and `auth-provider`). */
  token?: string;
  /** Path of a file holding a bearer token, re-read at most once a minute. */
  tokenFile?: string;
  /** Base64-encoded PEM client certificate (wins over `client-certificate`). */
  "client-certificate-data"?: string;
  /** Base64-encoded PEM client key (wins over `client-key`). */
  "client-key-data"?: string;
  /** Path of a PEM client certificate file. */
  "client-certificate"?: string;
  /** Path of a PEM client key file. */
  "client-key"?: string;
  /** Basic-auth user name (used only together with `password`). */
  username?: string;
  /** Basic-auth password (used only together with `username`). */
  password?: string;
  /** Exec credential plugin that prints a token. */
  exec?: KubeconfigExec;
  /** Legacy auth provider; only its cached `id-token` or `access-token` is used. */
  "auth-provider"?: { name?: string; config?: Record<string, string> };
  /** Other fields are kept as-is. */
  [key: string]: unknown;
}

/**
 * A kubeconfig context entry.
 *
 * @example
 * ```ts
 * import type { KubeconfigContext } from "kubeloop/kubeconfig";
 * const context: KubeconfigContext = { cluster: "kind-dev", user: "kind-dev", namespace: "apps" };
 * ```
 */
export interface KubeconfigContext {
  /** Name of the entry in `clusters`. */
  cluster: string;
  /** Name of the entry in `users` (none: no credentials). */
  user?: string;
  /** Default namespace (becomes `ClusterConfig.namespace`). */
  namespace?: string;
  /** Other fields are kept as-is. */
  [key: string]: unknown;
}

/**
 * A parsed kubeconfig document.
 *
 * @example
 * ```ts
 * import { fromKubeconfig, type Kubeconfig } from "kubeloop/kubeconfig";
 * const kc: Kubeconfig = {
 *   "current-context": "dev",
 *   clusters: [{ name: "dev", cluster: { server: "https://127.0.0.1:6443" } }],
 *   users: [{ name: "dev", user: { token: "abc" } }],
 *   contexts: [{ name: "dev", context: { cluster: "dev", user: "dev", namespace: "apps" } }],
 * };
 * const config = await fromKubeconfig(kc);
 * ```
 */
export interface Kubeconfig {
  /** Usually `v1` (not checked). */
  apiVersion?: string;
  /** Usually `Config` (not checked). */
  kind?: string;
  /** Context used when no `context` option is given. */
  "current-context"?: string;
  /** Named cluster entries. */
  clusters?: { name: string; cluster: KubeconfigCluster }[];
  /** Named user entries. */
  users?: { name: string; user: KubeconfigUser }[];
  /** Named contexts (cluster + user + namespace). */
  contexts?: { name: string; context: KubeconfigContext }[];
  /** Other fields are kept as-is. */
  [key: string]: unknown;
}

/**
 * Options of {@link fromKubeconfig}.
 *
 * @example
 * ```ts
 * import { fromKubeconfig, type KubeconfigOptions } from "kubeloop/kubeconfig";
 * declare const text: string;
 * const opts: KubeconfigOptions = { context: "kind-dev", basePath: "/home/me/.kube" };
 * const config = await fromKubeconfig(text, opts);
 * ```
 */
export interface KubeconfigOptions {
  /** Context to use (default: `current-context`). */
  context?: string | undefined;
  /** Runtime for file reads and exec plugins (default: detected). */
  runtime?: Runtime | undefined;
  /** Directory relative file paths in the kubeconfig resolve against (default: none). */
  basePath?: string | undefined;
  /** Clock for token refresh (default: real clock). */
  clock?: Clock | undefined;
}

type YamlParse = (text: string, options?: Record<string, unknown>) => unknown;
let yamlParse: Promise<YamlParse> | undefined;

/** Load the `yaml` package on first use (JSON kubeconfigs never need it). */
function loadYaml(where: string): Promise<YamlParse> {
  yamlParse ??= import("yaml").then(
    (m) => m.parse as YamlParse,
    (err: unknown) => {
      yamlParse = undefined;
      throw new ConfigError(
        where,
        "parsing YAML needs the `yaml` package (npm install yaml); JSON kubeconfigs work without it",
        { cause: err },
      );
    },
  );
  return yamlParse;
}

/**
 * Parse kubeconfig text (YAML, or JSON) into a {@link Kubeconfig} object.
 * JSON is parsed without the YAML parser; YAML loads the `yaml` package on
 * first use. Throws {@link ConfigError} (with the line for YAML syntax errors).
 *
 * @example
 * ```ts
 * import { parseKubeconfig } from "kubeloop/kubeconfig";
 * declare const text: string;
 * const kc = await parseKubeconfig(text);
 * console.log(kc["current-context"]);
 * ```
 */
export async function parseKubeconfig(text: string, where = "kubeconfig"): Promise<Kubeconfig> {
  const trimmed = text.trim();
  if (!trimmed) throw new ConfigError(where, "empty document");
  let doc: unknown;
  if (trimmed.startsWith("{")) {
    try {
      doc = JSON.parse(trimmed);
    } catch (err) {
      throw new ConfigError(where, `not valid JSON: ${(err as Error).message}`);
    }
  } else {
    const parse = await loadYaml(where);
    try {
      doc = parse(text, { prettyErrors: true, uniqueKeys: false });
    } catch (err) {
      // yaml's messages quote a snippet of the source: keep only the first line (position + reason)
      const msg = String((err as Error)?.message ?? err).split("\n")[0];
      throw new ConfigError(where, `not valid YAML: ${msg}`);
    }
  }
  return checkKubeconfig(doc, where);
}

function checkKubeconfig(doc: unknown, where: string): Kubeconfig {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new ConfigError(
      where,
      "not a kubeconfig: expected a mapping with clusters, users and contexts",
    );
  }
  const kc = doc as Kubeconfig;
  for (const field of ["clusters", "users", "contexts"] as const) {
    const list = kc[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new ConfigError(`${where} ${field}`, "must be a list");
    list.forEach((entry, i) => {
      if (
        typeof entry !== "object" ||
        entry === null ||
        typeof (entry as { name?: unknown }).name !== "string"
      ) {
        throw new ConfigError(`${where} ${field}[${i}]`, "entry needs a string name");
      }
    });
  }
  return kc;
}

function decodeBase64(value: string, where: string): string {
  try {
    const bin = atob(value.replace(/\s+/g, ""));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new TextDecoder().decode(bytes);
  } catch {
    throw new ConfigError(where, "is not valid base64");
  }
}

function resolvePath(path: string, basePath: string | undefined): string {
  if (!basePath || path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) return path;
  return `${basePath.replace(/[\\/]+$/, "")}/${path}`;
}

async function runtimeOf(runtime: Runtime | undefined): Promise<Runtime> {
  if (runtime) return runtime;
  const { loadRuntime } = await import("../runtime/mod.ts");
  return loadRuntime();
}

async function readFileAt(runtime: Runtime, path: string, where: string): Promise<string> {
  try {
    return await runtime.readTextFile(path);
  } catch (err) {
    throw new ConfigError(where, `cannot read ${path}: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
    });
  }
}

interface ExecCredential {
  status?: {
    token?: string;
    expirationTimestamp?: string;
    clientCertificateData?: string;
    clientKeyData?: string;
  };
}

/**
 * A token provider running an exec credential plugin (`kubectl`'s
 * `users[].user.exec`), caching the token until shortly before its
 * `expirationTimestamp`.
 *
 * @example
 * ```ts
 * import { execTokenProvider } from "kubeloop/kubeconfig";
 * import { KubeClient, loadRuntime } from "kubeloop";
 * const tokenProvider = execTokenProvider(
 *   await loadRuntime(),
 *   { command: "gke-gcloud-auth-plugin", apiVersion: "client.authentication.k8s.io/v1beta1" },
 *   "kubeconfig users[\"gke\"]",
 * );
 * const client = new KubeClient({ server: "https://34.1.2.3", tokenProvider });
 * ```
 */
export function execTokenProvider(
  runtime: Runtime,
  exec: KubeconfigExec,
  where: string,
  clock: Clock = realClock,
  cluster?: KubeconfigCluster,
): () => Promise<string> {
  if (!runtime.exec) {
    throw new ConfigError(
      where,
      `exec credential plugins need a runtime that can spawn processes (this is ${runtime.name})`,
    );
  }
  if (typeof exec.command !== "string" || !exec.command)
    throw new ConfigError(where, "exec.command is required");
  const run = runtime.exec.bind(runtime);
  let token: string | undefined;
  let expiresAt = Number.POSITIVE_INFINITY;
  let inflight: Promise<string> | undefined;
  return async (): Promise<string> => {
    if (token !== undefined && clock.now() < expiresAt) return token;
    inflight ??= (async (): Promise<string> => {
      try {
        const env: Record<string, string> = {
          KUBERNETES_EXEC_INFO: JSON.stringify({
            apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1",
            kind: "ExecCredential",
            spec: {
              interactive: false,
              ...(exec.provideClusterInfo && cluster
                ? {
                    cluster: {
                      server: cluster.server,
                      "certificate-authority-data": cluster["certificate-authority-data"],
                      "insecure-skip-tls-verify": cluster["insecure-skip-tls-verify"],
                    },
                  }
                : {}),
            },
          }),
        };
        for (const e of exec.env ?? [])
          if (e && typeof e.name === "string") env[e.name] = String(e.value ?? "");
        let result: { code: number; stdout: string; stderr: string };
        try {
          result = await run(exec.command, exec.args ?? [], { env });
        } catch (err) {
          throw new ConfigError(
            where,
            `cannot run exec plugin ${exec.command}: ${(err as Error)?.message}`,
            {
              cause: err,
            },
          );
        }
        if (result.code !== 0) {
          throw new ConfigError(
            where,
            `exec plugin ${exec.command} exited with ${result.code}: ${result.stderr.trim().slice(0, 300)}`,
          );
        }
        let cred: ExecCredential;
        try {
          cred = JSON.parse(result.stdout) as ExecCredential;
        } catch {
          throw new ConfigError(
            where,
            `exec plugin ${exec.command} did not print an ExecCredential JSON`,
          );
        }
        const t = cred?.status?.token;
        if (typeof t !== "string" || !t) {
          throw new ConfigError(
            where,
            cred?.status?.clientCertificateData
              ? "exec plugins returning client certificates are not supported; use a token plugin"
              : `exec plugin ${exec.command} returned no status.token`,
          );
        }
        token = t;
        const exp = cred.status?.expirationTimestamp
          ? Date.parse(cred.status.expirationTimestamp)
          : Number.NaN;
        // refresh a little before expiry; the plugin's clock is the wall clock
        expiresAt = Number.isNaN(exp)
          ? Number.POSITIVE_INFINITY
          : clock.now() + (exp - Date.now()) - 10_000;
        return token;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };
}

/**
 * Build a {@link ClusterConfig} from a kubeconfig (YAML or JSON text, or an
 * already parsed object) for `options.context` or the current context.
 * Supports `certificate-authority(-data)`, `insecure-skip-tls-verify`,
 * `token`, `tokenFile`, `client-certificate(-data)`/`client-key(-data)`,
 * `username`/`password`, exec credential plugins, and the context namespace.
 * Errors are {@link ConfigError}s that say where (e.g. `kubeconfig users["dev"]`).
 *
 * @example
 * ```ts
 * import { fromKubeconfig } from "kubeloop/kubeconfig";
 * import { KubeClient } from "kubeloop";
 * declare const text: string;
 * const client = new KubeClient(await fromKubeconfig(text, { context: "kind-dev" }));
 * ```
 */
export async function fromKubeconfig(
  input: string | Kubeconfig,
  options: KubeconfigOptions = {},
): Promise<ClusterConfig> {
  const where = "kubeconfig";
  const kc =
    typeof input === "string" ? await parseKubeconfig(input, where) : checkKubeconfig(input, where);
  const contexts = kc.contexts ?? [];
  const contextName = options.context ?? kc["current-context"];
  if (!contextName) {
    throw new ConfigError(where, "no context given and no current-context set");
  }
  const ctxEntry = contexts.find((c) => c.name === contextName);
  if (!ctxEntry) {
    const names = contexts.map((c) => c.name).join(", ") || "none";
    throw new ConfigError(where, `context "${contextName}" not found (available: ${names})`);
  }
  const ctxWhere = `${where} contexts["${contextName}"]`;
  const ctx = ctxEntry.context;
  if (!ctx || typeof ctx !== "object" || typeof ctx.cluster !== "string") {
    throw new ConfigError(ctxWhere, "context needs a cluster");
  }
  const clusterEntry = (kc.clusters ?? []).find((c) => c.name === ctx.cluster);
  if (!clusterEntry) throw new ConfigError(ctxWhere, `cluster "${ctx.cluster}" not found`);
  const clWhere = `${where} clusters["${ctx.cluster}"]`;
  const cluster = clusterEntry.cluster ?? {};
  if (typeof cluster.server !== "string" || !cluster.server)
    throw new ConfigError(clWhere, "cluster.server is missing");
  try {
    new URL(cluster.server);
  } catch {
    throw new ConfigError(clWhere, "cluster.server is not a URL");
  }

  let runtime: Runtime | undefined = options.runtime;
  const rt = async (): Promise<Runtime> => {
    runtime ??= await runtimeOf(undefined);
    return runtime;
  };
  const clock = options.clock ?? realClock;

  const config: ClusterConfig = { server: cluster.server };
  if (cluster["certificate-authority-data"]) {
    config.caCertificate = decodeBase64(
      cluster["certificate-authority-data"],
      `${clWhere} certificate-authority-data`,
    );
  } else if (cluster["certificate-authority"]) {
    const p = resolvePath(cluster["certificate-authority"], options.basePath);
    config.caCertificate = await readFileAt(await rt(), p, `${clWhere} certificate-authority`);
  }
  if (cluster["insecure-skip-tls-verify"] === true) config.insecureSkipTLSVerify = true;
  if (ctx.namespace) config.namespace = ctx.namespace;

  if (ctx.user) {
    const userEntry = (kc.users ?? []).find((u) => u.name === ctx.user);
    if (!userEntry) throw new ConfigError(ctxWhere, `user "${ctx.user}" not found`);
    const uWhere = `${where} users["${ctx.user}"]`;
    const user = userEntry.user ?? {};
    if (user["client-certificate-data"]) {
      config.clientCertificate = decodeBase64(
        user["client-certificate-data"],
        `${uWhere} client-certificate-data`,
      );
    } else if (user["client-certificate"]) {
      const p = resolvePath(user["client-certificate"], options.basePath);
      config.clientCertificate = await readFileAt(await rt(), p, `${uWhere} client-certificate`);
    }
    if (user["client-key-data"]) {
      config.clientKey = decodeBase64(user["client-key-data"], `${uWhere} client-key-data`);
    } else if (user["client-key"]) {
      const p = resolvePath(user["client-key"], options.basePath);
      config.clientKey = await readFileAt(await rt(), p, `${uWhere} client-key`);
    }
    if (Boolean(config.clientCertificate) !== Boolean(config.clientKey)) {
      throw new ConfigError(uWhere, "a client certificate needs both the certificate and the key");
    }
    if (user.token) {
      config.token = user.token;
    } else if (user.tokenFile) {
      const p = resolvePath(user.tokenFile, options.basePath);
      const provider = fileTokenProvider(await rt(), p, 60_000, clock);
      await provider().catch((err: unknown) => {
        throw new ConfigError(`${uWhere} tokenFile`, (err as Error)?.message ?? String(err), {
          cause: err,
        });
      });
      config.tokenProvider = provider;
    } else if (user.exec) {
      config.tokenProvider = execTokenProvider(
        await rt(),
        user.exec,
        `${uWhere} exec`,
        clock,
        cluster,
      );
    } else if (user["auth-provider"]) {
      const cfg = user["auth-provider"].config ?? {};
      const token = cfg["id-token"] ?? cfg["access-token"];
      if (!token) {
        throw new ConfigError(
          uWhere,
          `auth-provider "${user["auth-provider"].name ?? "?"}" is not supported; use an exec plugin`,
        );
      }
      config.token = token;
    }
    if (user.username !== undefined && user.password !== undefined) {
      config.username = String(user.username);
      config.password = String(user.password);
    }
  }
  if (runtime) config.runtime = runtime;
  return protectConfig(config);
}

/**
 * Options of {@link loadKubeconfigFile} and {@link fromEnvironment}.
 *
 * @example
 * ```ts
 * import { fromEnvironment, type LoadOptions } from "kubeloop/kubeconfig";
 * const opts: LoadOptions = { context: "prod" };
 * const config = await fromEnvironment(opts);
 * ```
 */
export type LoadOptions = Omit<KubeconfigOptions, "basePath">;

function dirname(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/**
 * Read a kubeconfig file (relative paths inside resolve against its folder).
 *
 * @example
 * ```ts
 * import { loadKubeconfigFile } from "kubeloop/kubeconfig";
 * const config = await loadKubeconfigFile("/home/me/.kube/config", { context: "prod" });
 * ```
 */
export async function loadKubeconfigFile(
  path: string,
  options: LoadOptions = {},
): Promise<ClusterConfig> {
  const runtime = await runtimeOf(options.runtime);
  const text = await readFileAt(runtime, path, "kubeconfig");
  const kc = await parseKubeconfig(text, `kubeconfig ${path}`);
  return fromKubeconfig(kc, { ...options, runtime, basePath: dirname(path) });
}

/**
 * The usual lookup: the files in `KUBECONFIG` (merged, first wins), else
 * `~/.kube/config`, else the in-cluster configuration.
 *
 * @example
 * ```ts
 * import { fromEnvironment } from "kubeloop/kubeconfig";
 * import { KubeClient } from "kubeloop";
 * const client = new KubeClient(await fromEnvironment());
 * ```
 */
export async function fromEnvironment(options: LoadOptions = {}): Promise<ClusterConfig> {
  const runtime = await runtimeOf(options.runtime);
  const env = runtime.env("KUBECONFIG");
  if (env) {
    const sep = env.includes(";") ? ";" : ":";
    const paths = env.split(sep).filter((p) => p.trim() !== "");
    const docs: { kc: Kubeconfig; path: string }[] = [];
    for (const p of paths) {
      let text: string;
      try {
        text = await runtime.readTextFile(p);
      } catch {
        continue; // kubectl ignores missing files in KUBECONFIG
      }
      docs.push({ kc: await parseKubeconfig(text, `kubeconfig ${p}`), path: p });
    }
    if (docs.length === 1) {
      return fromKubeconfig(docs[0]!.kc, { ...options, runtime, basePath: dirname(docs[0]!.path) });
    }
    if (docs.length > 1)
      return fromKubeconfig(mergeKubeconfigs(docs.map((d) => d.kc)), { ...options, runtime });
  }
  const home = runtime.homeDir();
  if (home) {
    const path = `${home.replace(/[\\/]+$/, "")}/.kube/config`;
    let text: string | undefined;
    try {
      text = await runtime.readTextFile(path);
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      return fromKubeconfig(await parseKubeconfig(text, `kubeconfig ${path}`), {
        ...options,
        runtime,
        basePath: dirname(path),
      });
    }
  }
  return inCluster({ runtime, clock: options.clock });
}

/**
 * Merge kubeconfigs as kubectl does: the first occurrence of each name (and of `current-context`) wins.
 *
 * @example
 * ```ts
 * import { fromKubeconfig, mergeKubeconfigs, parseKubeconfig } from "kubeloop/kubeconfig";
 * declare const mainText: string;
 * declare const extraText: string;
 * const merged = mergeKubeconfigs([await parseKubeconfig(mainText), await parseKubeconfig(extraText)]);
 * const config = await fromKubeconfig(merged);
 * ```
 */
export function mergeKubeconfigs(docs: Kubeconfig[]): Kubeconfig {
  const out: Kubeconfig = { clusters: [], users: [], contexts: [] };
  for (const kc of docs) {
    if (!out["current-context"] && kc["current-context"])
      out["current-context"] = kc["current-context"];
    for (const field of ["clusters", "users", "contexts"] as const) {
      const target = out[field] as { name: string }[];
      for (const entry of (kc[field] ?? []) as { name: string }[]) {
        if (!target.some((e) => e.name === entry.name)) target.push(entry);
      }
    }
  }
  return out;
}
