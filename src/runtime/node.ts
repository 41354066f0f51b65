/**
 * Node.js runtime: every request goes over `node:http`/`node:https`, wrapped
 * into a web `Response` (a streaming body, or one handed over whole when the
 * caller asks with `WHOLE_BODY`); `node:fs` and `node:child_process`
 * for files and exec plugins. Also used by Bun and Deno for file access or as
 * a fallback.
 *
 * Why not the global `fetch` (undici) when no custom TLS is needed: on Node
 * 20 it costs more CPU per byte than `node:http` (its HTTP parser runs as
 * WebAssembly, its body goes through web streams chunk by chunk); in an
 * `npm run bench` A/B an informer's initial list of 10k Pods took 371 ms of
 * CPU over `node:http` and 525 ms over the global `fetch`. One transport for
 * `http:` and `https:` also means one behaviour (no redirects followed, no
 * compression asked for).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import * as http from "node:http";
import type * as https from "node:https";
import { homedir } from "node:os";
import process from "node:process";
import type { Readable } from "node:stream";
import type * as zlib from "node:zlib";
import { BoundedBytes } from "../util/bytes.ts";
import {
  type ExecOptions,
  type ExecResult,
  type Runtime,
  type TlsOptions,
  WHOLE_BODY,
  type WholeBody,
} from "./types.ts";

// Loaded when first needed (each costs 1-3 ms of a client's first request otherwise): TLS for the first
// https: request, zlib for the first compressed body, child_process for the first exec plugin.
let httpsModule: Promise<typeof https> | undefined;
let zlibModule: Promise<typeof zlib> | undefined;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/**
 * The decoder for a `Content-Encoding` that `fetch` would undo (`gzip`,
 * `deflate`, `br`), or undefined for an identity body. kubeloop asks for no
 * compression, but a server may send it anyway, or a user may ask for it with
 * an `Accept-Encoding` header; the body is then decoded as `fetch` does, so
 * the client's size limit counts decoded bytes.
 */
async function decoderFor(
  encoding: string | undefined,
): Promise<zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined> {
  const name = encoding?.trim().toLowerCase();
  if (name !== "gzip" && name !== "x-gzip" && name !== "deflate" && name !== "br") return undefined;
  const z = await (zlibModule ??= import("node:zlib"));
  if (name === "br") return z.createBrotliDecompress();
  const lenient = { finishFlush: z.constants.Z_SYNC_FLUSH }; // a cut body ends, as fetch's does
  return name === "deflate" ? z.createInflate(lenient) : z.createGunzip(lenient);
}

/** Where a response body goes: a web stream's controller, or a whole-body collector. */
interface BodySink {
  /** A chunk of the body. False: no more is wanted (the response is destroyed). */
  chunk(chunk: Uint8Array): boolean;
  /** The body ended. */
  end(): void;
  /** The body failed: a stream error, the connection closed before the end, the abort reason. */
  fail(err: unknown): void;
}

/**
 * Feed a response body (`source`: the response itself, or its decoder) into `sink`, until it
 * ends, fails, the connection closes before the end, or `signal` aborts. A failure or an abort
 * destroys the response (and the decoder), which frees its socket. Returns `stop`, which ends
 * the feed early and destroys the response (a cancelled stream).
 */
function feedBody(
  res: http.IncomingMessage,
  source: Readable,
  decoder: Readable | undefined,
  signal: AbortSignal | null | undefined,
  sink: BodySink,
): () => void {
  let finished = false;
  const finish = (): boolean => {
    if (finished) return false;
    finished = true;
    signal?.removeEventListener("abort", onAbort);
    return true;
  };
  const destroy = (): void => {
    res.destroy();
    decoder?.destroy();
  };
  const fail = (err: unknown): void => {
    if (!finish()) return;
    destroy();
    sink.fail(err);
  };
  const stop = (): void => {
    if (finish()) destroy();
  };
  const onAbort = (): void => fail(abortReason(signal!));
  if (signal?.aborted) {
    onAbort();
    return stop;
  }
  signal?.addEventListener("abort", onAbort, { once: true });
  source.on("data", (chunk: Uint8Array) => {
    if (finished) return;
    if (!sink.chunk(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) stop();
  });
  source.on("end", () => {
    if (finish()) sink.end();
  });
  source.on("error", fail);
  const closed = (): void => {
    if (!res.complete) fail(new Error("connection closed before the response ended"));
  };
  if (res.destroyed)
    closed(); // while the decoder loaded
  else res.on("close", closed);
  return stop;
}

/**
 * A response body read whole (see {@link WHOLE_BODY}): what a web stream and its reader would
 * give, without a promise per chunk.
 */
function readWhole(
  res: http.IncomingMessage,
  source: Readable,
  decoder: Readable | undefined,
  signal: AbortSignal | null | undefined,
  maxBytes: number,
  onHead: ((head: Uint8Array) => void) | undefined,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const collected = new BoundedBytes(maxBytes, onHead);
    feedBody(res, source, decoder, signal, {
      chunk: (chunk) => {
        if (collected.push(chunk)) return true;
        resolve(collected.result()); // over the limit: the rest is not read
        return false;
      },
      end: () => resolve(collected.result()),
      fail: reject,
    });
  });
}

/** Methods whose request can be sent twice with the effect of once (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** A connection reset by the peer (`ECONNRESET`, also "socket hang up") or a write to a closed one. */
function isReset(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE";
}

/** What `node:http` needs of a fetch call. */
interface PlainRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
  signal: AbortSignal | null | undefined;
}

const encoder = new TextEncoder();

/**
 * A fetch call's URL, method, headers and body. The common call (a URL string, headers, a
 * string body or none: every call of the client) is read directly; anything else goes through
 * a `Request`, which costs a copy of the headers and a signal that follows the caller's.
 */
async function plainRequest(
  input: RequestInfo | URL,
  init: RequestInit | undefined,
): Promise<PlainRequest> {
  const body = init?.body;
  if (
    (typeof input === "string" || input instanceof URL) &&
    (body == null || typeof body === "string")
  ) {
    const headers: Record<string, string> = {};
    const given = init?.headers;
    (given instanceof Headers ? given : new Headers(given)).forEach((v, k) => {
      headers[k] = v;
    });
    const method = (init?.method ?? "GET").toUpperCase();
    if (body != null && (method === "GET" || method === "HEAD")) {
      throw new TypeError(`fetch failed: a ${method} request cannot have a body`);
    }
    if (typeof body === "string" && headers["content-type"] === undefined) {
      headers["content-type"] = "text/plain;charset=UTF-8";
    }
    return {
      url: new URL(input),
      method,
      headers,
      body: typeof body === "string" ? encoder.encode(body) : undefined,
      signal: init?.signal,
    };
  }
  const req = new Request(input, init);
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return {
    url: new URL(req.url),
    method: req.method,
    headers,
    body: req.body ? new Uint8Array(await req.arrayBuffer()) : undefined,
    signal: init?.signal ?? req.signal,
  };
}

/**
 * A `fetch` implemented on `node:http`/`node:https` with the given TLS
 * settings (none: plain `http:` and the system CAs). The response body
 * streams; a compressed body is decoded as `fetch` does; redirects are not
 * followed (a 3xx is returned as it is, as with `redirect: "manual"`). Not
 * exported from the package: on Node, {@link Runtime.createFetch} of the
 * runtime that `loadRuntime()` returns is this.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * declare const caPem: string;
 * const rt = await loadRuntime(); // nodeRuntime on Node
 * const f = rt.createFetch({ ca: caPem });
 * const res = await f("https://127.0.0.1:6443/version");
 * ```
 */
export function nodeHttpsFetch(tls: TlsOptions): typeof fetch {
  const agentOptions: https.AgentOptions = { keepAlive: true };
  if (tls.ca) agentOptions.ca = tls.ca;
  if (tls.cert) agentOptions.cert = tls.cert;
  if (tls.key) agentOptions.key = tls.key;
  if (tls.insecureSkipTLSVerify) agentOptions.rejectUnauthorized = false;
  let httpsTransport: Promise<{ mod: typeof https; agent: https.Agent }> | undefined;
  const httpTransport = { mod: http, agent: new http.Agent({ keepAlive: true }) };

  const doFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = await plainRequest(input, init);
    const signal = req.signal;
    if (signal?.aborted) throw abortReason(signal);
    const { url, body, headers } = req;
    const wantWhole = (init as { [WHOLE_BODY]?: boolean } | undefined)?.[WHOLE_BODY] === true;
    if (body) headers["content-length"] = String(body.byteLength);
    const { mod, agent } =
      url.protocol === "https:"
        ? await (httpsTransport ??= (httpsModule ??= import("node:https")).then((m) => ({
            mod: m,
            agent: new m.Agent(agentOptions),
          })))
        : httpTransport;
    const attempt = (mayRetry: boolean): Promise<Response> =>
      new Promise<Response>((resolve, reject) => {
        let settled = false;
        const nreq = mod.request(url, { method: req.method, headers, agent }, (res) => {
          const encoding = res.headers["content-encoding"];
          if (encoding === undefined || encoding === "identity") {
            respond(res, undefined);
            return;
          }
          // an error before the body is taken (while a decoder loads) ends up in the stream's `close`
          res.on("error", () => {});
          decoderFor(encoding).then(
            (decoder) => respond(res, decoder),
            (err: unknown) => {
              settled = true;
              res.destroy();
              reject(new TypeError(`fetch failed: ${String(err)}`, { cause: err }));
            },
          );
        });
        const respond = (
          res: http.IncomingMessage,
          decoder: zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined,
        ): void => {
          const source: Readable = decoder ? res.pipe(decoder) : res;
          if (decoder) res.on("error", (err) => decoder.destroy(err));
          const status = res.statusCode ?? 0;
          const resHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined) continue;
            if (Array.isArray(v)) for (const item of v) resHeaders.append(k, item);
            else resHeaders.set(k, String(v));
          }
          const noBody = status === 204 || status === 304 || req.method === "HEAD";
          if (wantWhole && !noBody && status >= 200 && status < 300) {
            // read whole by the caller: no web stream between the socket and the bytes
            const response = new Response(null, {
              status,
              statusText: res.statusMessage ?? "",
              headers: resHeaders,
            });
            const whole: WholeBody = (maxBytes, onHead) =>
              readWhole(res, source, decoder, signal, maxBytes, onHead);
            Object.defineProperty(response, WHOLE_BODY, { value: whole });
            settled = true;
            resolve(response);
            return;
          }
          let stop: (() => void) | undefined;
          const stream = noBody
            ? null
            : new ReadableStream<Uint8Array>({
                start(controller) {
                  stop = feedBody(res, source, decoder, signal, {
                    chunk: (chunk) => {
                      controller.enqueue(chunk);
                      if ((controller.desiredSize ?? 1) <= 0) source.pause();
                      return true;
                    },
                    end: () => controller.close(),
                    fail: (err) => controller.error(err),
                  });
                },
                pull() {
                  source.resume();
                },
                cancel() {
                  stop?.();
                },
              });
          if (noBody) res.resume();
          settled = true;
          resolve(
            new Response(stream, {
              status,
              statusText: res.statusMessage ?? "",
              headers: resHeaders,
            }),
          );
        };
        const onReqAbort = (): void => {
          if (!settled) {
            settled = true;
            reject(abortReason(signal!));
          }
          nreq.destroy();
        };
        signal?.addEventListener("abort", onReqAbort, { once: true });
        nreq.on("close", () => signal?.removeEventListener("abort", onReqAbort));
        nreq.on("error", (err) => {
          if (settled) return;
          settled = true;
          // A kept-alive socket the server closed while this request went out on it: the request
          // was never read. Sent again once on a new socket if repeating it is harmless (what Go's
          // transport does too), instead of failing a write for an idle timeout.
          if (mayRetry && nreq.reusedSocket && IDEMPOTENT.has(req.method) && isReset(err)) {
            signal?.removeEventListener("abort", onReqAbort);
            resolve(attempt(false));
            return;
          }
          reject(new TypeError(`fetch failed: ${err.message}`, { cause: err }));
        });
        if (body) nreq.end(body);
        else nreq.end();
      });
    return attempt(true);
  };
  return doFetch as typeof fetch;
}

/**
 * Read a UTF-8 file with `node:fs`.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * // Not exported from the package: on Node, `readTextFile` of the loaded runtime is this function.
 * const rt = await loadRuntime();
 * const token = await rt.readTextFile("/var/run/secrets/kubernetes.io/serviceaccount/token");
 * ```
 */
export function nodeReadTextFile(path: string): Promise<string> {
  return readFile(path, "utf8");
}

/**
 * Run a process with `node:child_process` and collect its output.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * // Not exported from the package: on Node, `exec` of the loaded runtime is this function.
 * const rt = await loadRuntime();
 * const { code, stdout } = (await rt.exec?.("kubectl", ["version", "--client"])) ?? { code: -1, stdout: "" };
 * ```
 */
export function nodeExec(
  command: string,
  args: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  return import("node:child_process").then(
    ({ execFile }) =>
      new Promise((resolve, reject) => {
        execFile(
          command,
          args,
          {
            env: { ...process.env, ...(options.env ?? {}) },
            maxBuffer: 16 * 1024 * 1024,
            ...(options.signal ? { signal: options.signal } : {}),
          },
          (err, stdout, stderr) => {
            if (err && typeof (err as { code?: unknown }).code !== "number") {
              reject(err);
              return;
            }
            const code = err ? ((err as { code?: number }).code ?? 1) : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
          },
        );
      }),
  );
}

/**
 * The Node.js {@link Runtime}. Not exported from the package:
 * `loadRuntime()` returns it when running on Node.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * const rt = await loadRuntime();
 * const text = await rt.readTextFile("/etc/hostname");
 * ```
 */
export const nodeRuntime: Runtime = {
  name: "node",
  createFetch(tls: TlsOptions): typeof fetch {
    return nodeHttpsFetch(tls);
  },
  readTextFile: nodeReadTextFile,
  env: (name: string): string | undefined => process.env[name],
  homeDir: (): string | undefined => process.env.HOME ?? process.env.USERPROFILE ?? homedir(),
  exec: nodeExec,
};

export default nodeRuntime;
