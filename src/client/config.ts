/**
 * `ClusterConfig`: where the API server is and how to authenticate, plus the
 * in-cluster loader. Kubeconfig loading lives in `kubeconfig.ts` (its own
 * entry point, because it needs a YAML parser).
 *
 * @module
 */

import { inspectorHooks } from "../runtime/inspect.ts";
import type { Runtime } from "../runtime/types.ts";
import { type Clock, realClock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { ConfigError } from "./errors.ts";
import type { RateLimitOptions } from "./rate-limit.ts";

/**
 * How to reach and authenticate to an API server. Only `server` is required.
 * Certificates and keys are PEM text.
 *
 * `JSON.stringify` of a config made by {@link inCluster} or `fromKubeconfig`
 * redacts secrets; for your own objects use {@link redactConfig}.
 *
 * @example
 * ```ts
 * import { KubeClient, type ClusterConfig } from "kubeloop";
 * declare const caPem: string;
 * const config: ClusterConfig = { server: "https://127.0.0.1:6443", token: "...", caCertificate: caPem };
 * const client = new KubeClient(config);
 * ```
 */
export interface ClusterConfig {
  /** API server URL, e.g. `https://10.0.0.1:6443` (may include a path prefix). */
  server: string;
  /** Static bearer token. */
  token?: string | undefined;
  /** Called before each request for a (possibly rotated) bearer token; should cache. */
  tokenProvider?: (() => Promise<string> | string) | undefined;
  /** PEM client certificate (mTLS). */
  clientCertificate?: string | undefined;
  /** PEM client key (mTLS). */
  clientKey?: string | undefined;
  /** Basic auth user. */
  username?: string | undefined;
  /** Basic auth password. */
  password?: string | undefined;
  /** PEM CA bundle to trust for the server. */
  caCertificate?: string | undefined;
  /** Skip TLS verification. Off by default; logs a warning when on. */
  insecureSkipTLSVerify?: boolean | undefined;
  /** Default namespace for single-object calls (`get`, `create`, ...). */
  namespace?: string | undefined;
  /** A custom `fetch` (takes precedence over the runtime transport). */
  fetch?: typeof fetch | undefined;
  /**
   * Deadline of each non-watch request in ms, response body included
   * (default {@link DEFAULT_REQUEST_TIMEOUT_MS}, 30 s; `0` turns it off). A
   * request that misses it rejects with `TimeoutError`. Watches have no such
   * deadline: they end on the server's `timeoutSeconds` or an idle timeout.
   * A call's own `timeoutMs` option overrides this one.
   */
  timeoutMs?: number | undefined;
  /**
   * Client-side rate limit, a token bucket shared by every request of the
   * client, watches included (default `DEFAULT_RATE_LIMIT`: 50 per
   * second, bursts of 100; `false` turns it off). See docs/reliability.md for
   * why this default.
   */
  rateLimit?: RateLimitOptions | false | undefined;
  /**
   * Largest accepted non-watch response body in bytes, counted after
   * decompression (default `DEFAULT_MAX_RESPONSE_BYTES`, 256 MiB; `0`
   * turns the limit off). A longer body rejects with `ResponseTooLargeError`.
   * Watch streams are bounded per line instead (`maxLineBytes`).
   */
  maxResponseBytes?: number | undefined;
  /** Logger (default: `defaultLogger`, warnings and errors to the console). Never receives secrets. */
  logger?: Logger | undefined;
  /** Runtime used for TLS transports (default: detected). */
  runtime?: Runtime | undefined;
  /**
   * Clock for the rate limit, request deadlines and watch idle timeouts
   * (default: real clock). With a `FakeClock`, requests beyond the rate
   * limit's burst (100) wait for that clock to move: pass `rateLimit: false`
   * in a test that sends more without advancing it.
   */
  clock?: Clock | undefined;
  /** Extra headers on every request (e.g. `Impersonate-User`). */
  headers?: Record<string, string> | undefined;
  /**
   * The `User-Agent` of every request (default {@link DEFAULT_USER_AGENT}).
   * The API server names a write's field manager after its first segment
   * when the call gives no `fieldManager`, so a controller's own name here
   * shows up in `managedFields` and audit logs.
   */
  userAgent?: string | undefined;
}

/**
 * The `User-Agent` kubeloop sends unless {@link ClusterConfig.userAgent} (or a
 * `User-Agent` in {@link ClusterConfig.headers}) says otherwise. Without one,
 * writes made with no `fieldManager` are recorded as manager `"unknown"`.
 *
 * @example
 * ```ts
 * import { DEFAULT_USER_AGENT, KubeClient } from "kubeloop";
 * const client = new KubeClient({ server: "https://k8s.example", userAgent: `my-operator (${DEFAULT_USER_AGENT})` });
 * ```
 */
export const DEFAULT_USER_AGENT: string = "kubeloop";

/**
 * The default deadline of a non-watch request: 30 s (`ClusterConfig.timeoutMs`).
 *
 * @example
 * ```ts
 * import { DEFAULT_REQUEST_TIMEOUT_MS, KubeClient } from "kubeloop";
 * // a client for slow, unpaged lists: twice the default
 * const client = new KubeClient({ server: "https://127.0.0.1:6443", timeoutMs: 2 * DEFAULT_REQUEST_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_REQUEST_TIMEOUT_MS: number = 30_000;

const SECRET_FIELDS = ["token", "password", "clientKey", "clientCertificate"] as const;

/**
 * A copy of `config` safe to log: secrets replaced by `"<redacted>"`,
 * functions replaced by `"<function>"`.
 *
 * @example
 * ```ts
 * import { redactConfig } from "kubeloop";
 * console.log(redactConfig({ server: "https://k8s", token: "secret" }));
 * // { server: "https://k8s", token: "<redacted>" }
 * ```
 */
export function redactConfig(config: ClusterConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    if ((SECRET_FIELDS as readonly string[]).includes(k)) out[k] = "<redacted>";
    else if (typeof v === "function") out[k] = "<function>";
    else if (k === "logger" || k === "runtime" || k === "clock") out[k] = `<${k}>`;
    else if (k === "headers") {
      const h: Record<string, string> = {};
      for (const name of Object.keys(v as object)) h[name] = "<redacted>";
      out[k] = h;
    } else out[k] = v;
  }
  return out;
}

/**
 * Make `config` redact itself in `JSON.stringify`, `String()` and the Node /
 * Deno inspectors (non-enumerable hooks; a spread copy loses them). Returns
 * the same object.
 *
 * @example
 * ```ts
 * import { protectConfig } from "kubeloop";
 * const config = protectConfig({ server: "https://k8s", token: "secret" });
 * JSON.stringify(config); // '{"server":"https://k8s","token":"<redacted>"}'
 * String(config); // "ClusterConfig(https://k8s)"
 * ```
 */
export function protectConfig<C extends ClusterConfig>(config: C): C {
  const redacted = (): Record<string, unknown> => redactConfig(config);
  const hooks: PropertyDescriptorMap = {
    toJSON: { value: redacted, enumerable: false, configurable: true },
    toString: {
      value: () => `ClusterConfig(${config.server})`,
      enumerable: false,
      configurable: true,
    },
    ...inspectorHooks(redacted),
  };
  Object.defineProperties(config, hooks);
  return config;
}

/**
 * Options of {@link inCluster}.
 *
 * @example
 * ```ts
 * import { inCluster, type InClusterOptions } from "kubeloop";
 * const opts: InClusterOptions = { serviceAccountDir: "/var/run/secrets/kubernetes.io/serviceaccount", tokenRefreshMs: 30_000 };
 * const config = await inCluster(opts);
 * ```
 */
export interface InClusterOptions {
  /** Runtime for file reads and env (default: detected). */
  runtime?: Runtime | undefined;
  /** Service-account directory (default `/var/run/secrets/kubernetes.io/serviceaccount`). */
  serviceAccountDir?: string | undefined;
  /** Re-read the token file at most this often, in ms (default 60 000, as client-go). */
  tokenRefreshMs?: number | undefined;
  /** Clock for the token refresh (default: real clock). */
  clock?: Clock | undefined;
}

/**
 * The default service-account directory mounted into pods.
 *
 * @example
 * ```ts
 * import { fileTokenProvider, loadRuntime, SERVICE_ACCOUNT_DIR } from "kubeloop";
 * const provider = fileTokenProvider(await loadRuntime(), `${SERVICE_ACCOUNT_DIR}/token`);
 * ```
 */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * A token provider that re-reads a token file at most every `refreshMs`
 * (bound service-account tokens rotate). A failed re-read keeps the last token.
 *
 * @example
 * ```ts
 * import { fileTokenProvider, loadRuntime } from "kubeloop";
 * const provider = fileTokenProvider(await loadRuntime(), "/var/run/secrets/token");
 * ```
 */
export function fileTokenProvider(
  runtime: Runtime,
  path: string,
  refreshMs = 60_000,
  clock: Clock = realClock,
): () => Promise<string> {
  let token: string | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<string> | undefined;
  return async (): Promise<string> => {
    if (token !== undefined && clock.now() - readAt < refreshMs) return token;
    inflight ??= (async (): Promise<string> => {
      try {
        const text = (await runtime.readTextFile(path)).trim();
        if (!text) throw new ConfigError(path, "token file is empty");
        token = text;
        readAt = clock.now();
        return token;
      } catch (err) {
        if (token !== undefined) return token;
        if (err instanceof ConfigError) throw err;
        throw new ConfigError(
          path,
          `cannot read token file: ${(err as Error)?.message ?? String(err)}`,
          {
            cause: err,
          },
        );
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };
}

async function runtimeOf(runtime: Runtime | undefined): Promise<Runtime> {
  if (runtime) return runtime;
  const { loadRuntime } = await import("../runtime/mod.ts");
  return loadRuntime();
}

/**
 * Configuration for a client running in a pod: `KUBERNETES_SERVICE_HOST` /
 * `KUBERNETES_SERVICE_PORT`, and the service-account token (re-read as it
 * rotates), CA and namespace files.
 *
 * @example
 * ```ts
 * import { inCluster, KubeClient } from "kubeloop";
 * const client = new KubeClient(await inCluster());
 * ```
 */
export async function inCluster(options: InClusterOptions = {}): Promise<ClusterConfig> {
  const runtime = await runtimeOf(options.runtime);
  const host = runtime.env("KUBERNETES_SERVICE_HOST");
  const port = runtime.env("KUBERNETES_SERVICE_PORT");
  if (!host || !port) {
    throw new ConfigError(
      "in-cluster",
      "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not running in a pod",
    );
  }
  const dir = (options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR).replace(/\/+$/, "");
  const tokenProvider = fileTokenProvider(
    runtime,
    `${dir}/token`,
    options.tokenRefreshMs ?? 60_000,
    options.clock ?? realClock,
  );
  await tokenProvider(); // fail early if the token is missing
  let caCertificate: string;
  try {
    caCertificate = await runtime.readTextFile(`${dir}/ca.crt`);
  } catch (err) {
    throw new ConfigError(
      `${dir}/ca.crt`,
      `cannot read the cluster CA: ${(err as Error)?.message}`,
      { cause: err },
    );
  }
  let namespace: string | undefined;
  try {
    namespace = (await runtime.readTextFile(`${dir}/namespace`)).trim() || undefined;
  } catch {
    namespace = undefined;
  }
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return protectConfig({
    server: `https://${hostPart}:${port}`,
    tokenProvider,
    caCertificate,
    namespace: namespace ?? "default",
    runtime,
  });
}
