/**
 * Bun runtime: the global `fetch` with Bun's `tls` option (CA passed
 * explicitly as PEM text, client certificate and key, `rejectUnauthorized`).
 * Files and processes go through Bun's `node:` compatibility.
 *
 * @module
 */
import { nodeExec, nodeReadTextFile } from "./node.ts";
import { needsCustomTls, type Runtime, type TlsOptions } from "./types.ts";

interface BunTls {
  ca?: string | string[];
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
}

/**
 * A `fetch` for Bun that passes `tls` on every request. Not exported from
 * the package: on Bun, {@link Runtime.createFetch} of the runtime that
 * `loadRuntime()` returns is this function.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * declare const caPem: string;
 * const rt = await loadRuntime(); // bunRuntime on Bun
 * const f = rt.createFetch({ ca: caPem });
 * const res = await f("https://127.0.0.1:6443/version");
 * ```
 */
export function bunFetch(tls: TlsOptions): typeof fetch {
  const bunTls: BunTls = {};
  // Bun only honours `ca` when it is set together with the request (not via an agent).
  if (tls.ca) bunTls.ca = [tls.ca];
  if (tls.cert) bunTls.cert = tls.cert;
  if (tls.key) bunTls.key = tls.key;
  if (tls.insecureSkipTLSVerify) bunTls.rejectUnauthorized = false;
  const f = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
    globalThis.fetch(input, { ...(init ?? {}), tls: bunTls } as RequestInit);
  return f as typeof fetch;
}

function env(name: string): string | undefined {
  const g = globalThis as unknown as { process?: { env?: Record<string, string | undefined> } };
  return g.process?.env?.[name];
}

/**
 * The Bun {@link Runtime}. Not exported from the package: `loadRuntime()`
 * returns it when running on Bun.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * declare const caPem: string;
 * const rt = await loadRuntime();
 * if (rt.name === "bun") {
 *   const f = rt.createFetch({ ca: caPem });
 * }
 * ```
 */
export const bunRuntime: Runtime = {
  name: "bun",
  createFetch(tls: TlsOptions): typeof fetch {
    if (!needsCustomTls(tls)) return (input, init) => globalThis.fetch(input, init);
    return bunFetch(tls);
  },
  readTextFile: nodeReadTextFile,
  env,
  homeDir: (): string | undefined => env("HOME") ?? env("USERPROFILE"),
  exec: nodeExec,
};

export default bunRuntime;
