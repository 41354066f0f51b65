/**
 * Small HTTP helpers for readiness probes and `/version`: a `fetch` for a
 * {@link ClusterConfig} without a whole client.
 *
 * @module
 */
import type { ClusterConfig } from "../client/config.ts";
import type { Runtime } from "../runtime/types.ts";

/**
 * A `fetch` that talks to `config.server` with its TLS settings and
 * credentials (bearer token, token provider, basic auth, extra headers).
 *
 * @example
 * ```ts
 * import { loadRuntime, type ClusterConfig } from "kubeloop";
 * import { configFetch } from "./http.ts";
 * declare const config: ClusterConfig;
 * const f = configFetch(config, await loadRuntime());
 * const res = await f("/version");
 * ```
 */
export function configFetch(
  config: ClusterConfig,
  runtime: Runtime,
): (path: string, init?: RequestInit) => Promise<Response> {
  const base =
    config.fetch ??
    runtime.createFetch({
      ca: config.caCertificate,
      cert: config.clientCertificate,
      key: config.clientKey,
      insecureSkipTLSVerify: config.insecureSkipTLSVerify,
    });
  return async (path, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(config.headers ?? {})) headers.set(k, v);
    const token = config.token ?? (await config.tokenProvider?.());
    if (token) headers.set("authorization", `Bearer ${token}`);
    else if (config.username !== undefined && config.password !== undefined) {
      headers.set("authorization", `Basic ${btoa(`${config.username}:${config.password}`)}`);
    }
    const url = `${config.server.replace(/\/+$/, "")}${path}`;
    return base(url, { ...init, headers });
  };
}

/**
 * GET `path` and return the body as text when the status is 200, else
 * `undefined`. Network errors and timeouts also give `undefined` (for probes).
 *
 * @example
 * ```ts
 * import { probeText } from "./http.ts";
 * const ok = (await probeText(fetch, "http://127.0.0.1:2379/health", 2_000))?.includes('"true"');
 * ```
 */
export async function probeText(
  f: (url: string, init?: RequestInit) => Promise<Response>,
  url: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const res = await f(url, { signal: ac.signal });
    const text = await res.text();
    return res.status === 200 ? text : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
