/**
 * The one interface kubeloop needs from a JavaScript runtime: a `fetch` that
 * honours a custom CA / client certificate, file reads, environment variables
 * and (where possible) spawning a process for exec credential plugins.
 *
 * @module
 */

/**
 * TLS settings a transport must honour. Certificates and keys are PEM text.
 *
 * @example
 * ```ts
 * import { loadRuntime, type TlsOptions } from "kubeloop";
 * declare const caPem: string, certPem: string, keyPem: string;
 * const tls: TlsOptions = { ca: caPem, cert: certPem, key: keyPem };
 * const f = (await loadRuntime()).createFetch(tls);
 * ```
 */
export interface TlsOptions {
  /** PEM CA bundle to trust instead of the system roots. */
  ca?: string | undefined;
  /** PEM client certificate (mTLS). */
  cert?: string | undefined;
  /** PEM client key (mTLS). */
  key?: string | undefined;
  /** Skip server certificate verification. Dangerous: only for tests. */
  insecureSkipTLSVerify?: boolean | undefined;
}

/**
 * Result of {@link Runtime.exec}.
 *
 * @example
 * ```ts
 * import { loadRuntime, type ExecResult } from "kubeloop";
 * const rt = await loadRuntime();
 * if (rt.exec) {
 *   const result: ExecResult = await rt.exec("kubectl", ["version", "--client"]);
 *   if (result.code !== 0) console.error(result.stderr);
 * }
 * ```
 */
export interface ExecResult {
  /** The process's exit code (0 on success). */
  code: number;
  /** Everything the process wrote to standard output, decoded as UTF-8. */
  stdout: string;
  /** Everything the process wrote to standard error, decoded as UTF-8. */
  stderr: string;
}

/**
 * Options of {@link Runtime.exec}.
 *
 * @example
 * ```ts
 * import { loadRuntime, type ExecOptions } from "kubeloop";
 * const rt = await loadRuntime();
 * const options: ExecOptions = { env: { KUBERNETES_EXEC_INFO: "{}" }, signal: AbortSignal.timeout(10_000) };
 * const result = await rt.exec?.("aws-iam-authenticator", ["token", "-i", "my-cluster"], options);
 * ```
 */
export interface ExecOptions {
  /** Extra environment variables, added to the current environment. */
  env?: Record<string, string> | undefined;
  /** Kills the process when aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * Names of the runtimes kubeloop detects.
 *
 * @example
 * ```ts
 * import { detectRuntime, type RuntimeName } from "kubeloop";
 * const name: RuntimeName = detectRuntime();
 * const canSpawn = name === "node" || name === "deno" || name === "bun";
 * ```
 */
export type RuntimeName = "node" | "deno" | "bun" | "workerd" | "web";

/**
 * A fetch option and a response property, both under this symbol, for bodies read whole (every
 * response but a watch's): a request whose `init` carries `[WHOLE_BODY]: true` may get a
 * `Response` whose `body` is null and whose `[WHOLE_BODY]` reads the body at once, with no web
 * stream between the socket and the bytes (the Node transport does this for 2xx answers). Any
 * other `fetch` ignores the option, and readers fall back to `body`.
 *
 * @example
 * ```ts
 * import { WHOLE_BODY, type WholeBody } from "./types.ts";
 * declare const transport: typeof fetch;
 * const res = await transport("http://127.0.0.1:8080/api", { [WHOLE_BODY]: true } as RequestInit);
 * const whole = (res as Response & { [WHOLE_BODY]?: WholeBody })[WHOLE_BODY];
 * const { bytes } = whole ? await whole(1 << 20) : { bytes: new Uint8Array(await res.arrayBuffer()) };
 * ```
 */
export const WHOLE_BODY: unique symbol = Symbol.for("kubeloop.wholeBody");

/**
 * Reads a whole body: at most `maxBytes` (then `truncated`, and the rest is not read), calling
 * `onHead` with the first chunk. Rejects as a body stream would (abort reason, network error).
 *
 * @example
 * ```ts
 * import type { WholeBody } from "./types.ts";
 * declare const whole: WholeBody;
 * const { bytes, truncated } = await whole(1 << 20, (head) => console.log(head.byteLength));
 * ```
 */
export type WholeBody = (
  maxBytes: number,
  onHead?: (head: Uint8Array) => void,
) => Promise<{ bytes: Uint8Array; truncated: boolean }>;

/**
 * What kubeloop needs from the runtime it runs on.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * const runtime = await loadRuntime();
 * const fetchWithCa = runtime.createFetch({ ca: "-----BEGIN CERTIFICATE-----..." });
 * ```
 */
export interface Runtime {
  /** Which runtime this is. */
  readonly name: RuntimeName;
  /** A `fetch` that uses `tls`. Throws {@link TransportUnsupportedError} where that is impossible. */
  createFetch(tls: TlsOptions): typeof fetch;
  /** Read a UTF-8 file. */
  readTextFile(path: string): Promise<string>;
  /** An environment variable, or `undefined`. */
  env(name: string): string | undefined;
  /** The user's home directory, if known. */
  homeDir(): string | undefined;
  /** Run a process and collect its output (absent where processes cannot be spawned). */
  exec?(command: string, args: string[], options?: ExecOptions): Promise<ExecResult>;
}

/**
 * The runtime cannot do what was asked (a custom CA on workerd, file reads in
 * a browser, ...). The message says what to do instead.
 *
 * @example
 * ```ts
 * import { loadRuntime, TransportUnsupportedError } from "kubeloop";
 * declare const caPem: string;
 * const rt = await loadRuntime();
 * try {
 *   rt.createFetch({ ca: caPem });
 * } catch (err) {
 *   if (err instanceof TransportUnsupportedError) console.error(err.runtime, err.message);
 * }
 * ```
 */
export class TransportUnsupportedError extends Error {
  /** Always `"TransportUnsupportedError"`. */
  override readonly name = "TransportUnsupportedError";
  /** The runtime that refused. */
  readonly runtime: RuntimeName;
  /**
   * Create the error.
   *
   * @param runtime the runtime that refused.
   * @param message what was refused and what to do instead.
   */
  constructor(runtime: RuntimeName, message: string) {
    super(message);
    this.runtime = runtime;
  }
}

/**
 * Does `tls` need anything beyond the platform's default trust store?
 *
 * @example
 * ```ts
 * import { needsCustomTls } from "./types.ts";
 * needsCustomTls({}); // false
 * needsCustomTls({ ca: "-----BEGIN CERTIFICATE-----..." }); // true
 * ```
 */
export function needsCustomTls(tls: TlsOptions): boolean {
  return Boolean(tls.ca || tls.cert || tls.key || tls.insecureSkipTLSVerify);
}
