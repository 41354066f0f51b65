/**
 * Serve a web `(Request) => Response` handler over HTTP(S). The listener uses
 * `node:http` / `node:https`, which Node, Deno 2 and Bun all provide, so one
 * adapter covers every runtime that can listen on a socket (workerd cannot:
 * use the handler in-process there).
 *
 * @module
 */

/** A web fetch handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number | undefined;
  /** Address to bind (default `127.0.0.1`). */
  hostname?: string | undefined;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string } | undefined;
}

/** A running listener. */
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
 * sees `request.signal` abort).
 *
 * @example
 * ```ts
 * import { serve } from "kubeloop/runtime/serve";
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
