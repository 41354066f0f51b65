/**
 * Deno runtime: `Deno.createHttpClient({ caCerts, cert, key })` for custom
 * TLS, `Deno.readTextFile`, `Deno.env` and `Deno.Command`.
 * `insecureSkipTLSVerify` is not possible with a Deno HTTP client: it falls
 * back to the `node:https` transport (Deno's Node compatibility).
 *
 * @module
 */
import { needsCustomTls, type Runtime, type TlsOptions } from "./types.ts";

interface DenoLike {
  createHttpClient(options: { caCerts?: string[]; cert?: string; key?: string }): unknown;
  readTextFile(path: string): Promise<string>;
  env: { get(name: string): string | undefined };
  Command: new (
    cmd: string,
    options: {
      args: string[];
      env?: Record<string, string>;
      stdout: "piped";
      stderr: "piped";
      signal?: AbortSignal;
    },
  ) => { output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }> };
}

function deno(): DenoLike {
  return (globalThis as unknown as { Deno: DenoLike }).Deno;
}

/**
 * A `fetch` for Deno using an HTTP client with the given CA and client certificate.
 * Not exported from the package: on Deno, {@link Runtime.createFetch} of the
 * runtime that `loadRuntime()` returns uses it.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * declare const caPem: string;
 * const rt = await loadRuntime(); // denoRuntime on Deno
 * const f = rt.createFetch({ ca: caPem });
 * const res = await f("https://127.0.0.1:6443/version");
 * ```
 */
export function denoFetch(tls: TlsOptions): typeof fetch {
  const options: { caCerts?: string[]; cert?: string; key?: string } = {};
  if (tls.ca) options.caCerts = [tls.ca];
  if (tls.cert) options.cert = tls.cert;
  if (tls.key) options.key = tls.key;
  const client = deno().createHttpClient(options);
  const f = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
    globalThis.fetch(input, { ...(init ?? {}), client } as RequestInit);
  return f as typeof fetch;
}

let insecureFetch: Promise<(tls: TlsOptions) => typeof fetch> | undefined;

/**
 * The Deno {@link Runtime}. Not exported from the package: `loadRuntime()`
 * returns it when running on Deno.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * declare const caPem: string;
 * const rt = await loadRuntime();
 * if (rt.name === "deno") {
 *   const f = rt.createFetch({ ca: caPem });
 * }
 * ```
 */
export const denoRuntime: Runtime = {
  name: "deno",
  createFetch(tls: TlsOptions): typeof fetch {
    if (!needsCustomTls(tls)) return (input, init) => globalThis.fetch(input, init);
    if (tls.insecureSkipTLSVerify) {
      insecureFetch ??= import("./node.ts").then((m) => m.nodeHttpsFetch);
      let f: Promise<typeof fetch> | undefined;
      const lazy = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
        f ??= insecureFetch!.then((make) => make(tls));
        return (await f)(input, init);
      };
      return lazy as typeof fetch;
    }
    return denoFetch(tls);
  },
  readTextFile: (path: string): Promise<string> => deno().readTextFile(path),
  env: (name: string): string | undefined => {
    try {
      return deno().env.get(name);
    } catch {
      return undefined; // no --allow-env
    }
  },
  homeDir(): string | undefined {
    return this.env("HOME") ?? this.env("USERPROFILE");
  },
  async exec(command, args, options = {}) {
    const cmd = new (deno().Command)(command, {
      args,
      ...(options.env ? { env: options.env } : {}),
      stdout: "piped",
      stderr: "piped",
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const out = await cmd.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  },
};

export default denoRuntime;
