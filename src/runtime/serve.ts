/**
 * Serve a web `(Request) => Response` handler over HTTP(S). The listener uses
 * `node:http` / `node:https`, which Node, Deno 2 and Bun all provide, so one
 * adapter covers every runtime that can listen on a socket (workerd cannot:
 * use the handler in-process there).
 *
 * @module
 */

/**
 * A web fetch handler.
 *
 * @example
 * ```ts
 * import type { FetchHandler } from "./serve.ts";
 * const handler: FetchHandler = (req) =>
 *   new URL(req.url).pathname === "/healthz" ? new Response("ok") : new Response("not found", { status: 404 });
 * ```
 */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * Options of {@link serve}.
 *
 * @example
 * ```ts
 * import { serve, type ServeOptions } from "./serve.ts";
 * declare const certPem: string, keyPem: string;
 * const options: ServeOptions = { port: 8443, hostname: "0.0.0.0", tls: { cert: certPem, key: keyPem } };
 * const handle = await serve(() => new Response("ok"), options);
 * ```
 */
export interface ServeOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number | undefined;
  /** Address to bind (default `127.0.0.1`). */
  hostname?: string | undefined;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string } | undefined;
}

/**
 * A running listener.
 *
 * @example
 * ```ts
 * import { serve, type ServeHandle } from "./serve.ts";
 * const handle: ServeHandle = await serve(() => new Response("ok"));
 * console.log(handle.url, handle.port, handle.hostname);
 * await handle.close();
 * ```
 */
export interface ServeHandle {
  /** Base URL, e.g. `http://127.0.0.1:34567`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** The bound address. */
  readonly hostname: string;
  /** Stop listening and drop every open connection (open responses are cancelled). */
  close(): Promise<void>;
}

/**
 * Start an HTTP(S) listener for `handler`. Request bodies are read fully
 * before the handler runs; response bodies are streamed chunk by chunk, with
 * backpressure, and cancelled when the client disconnects (the handler also
 * sees `request.signal` abort). Internal: not exported from the package
 * (`FakeApiServer.listen()` from `kubeloop/testing` is built on it), so the
 * example imports the module directly.
 *
 * @example
 * ```ts
 * import { serve } from "./serve.ts";
 * const handle = await serve(() => new Response("hello"), { port: 0 });
 * console.log(await (await fetch(handle.url)).text()); // "hello"
 * await handle.close();
 * ```
 */
export async function serve(
  handler: FetchHandler,
  options: ServeOptions = {},
): Promise<ServeHandle> {
  const { serveNode } = await import("./serve-node.ts");
  return serveNode(handler, options);
}
