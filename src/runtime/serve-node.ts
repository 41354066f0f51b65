/**
 * The `node:http` / `node:https` listener behind {@link serve}; works
 * unchanged on Node, Deno 2 and Bun.
 *
 * @module
 */
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import { concatBytes } from "../util/bytes.ts";
import type { FetchHandler, ServeHandle, ServeOptions } from "./serve.ts";

const SKIP_REQUEST_HEADERS = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
]);

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined || SKIP_REQUEST_HEADERS.has(k)) continue;
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else headers.set(k, v);
  }
  return headers;
}

async function readBody(req: http.IncomingMessage): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of req)
    chunks.push(typeof c === "string" ? new TextEncoder().encode(c) : (c as Uint8Array));
  return concatBytes(chunks);
}

/**
 * Serve `handler` with `node:http` (or `node:https` when `tls` is given).
 * Internal: not exported from the package; use {@link serve}.
 *
 * @example
 * ```ts
 * import { serveNode } from "./serve-node.ts";
 * const handle = await serveNode(() => new Response("ok"), {});
 * await handle.close();
 * ```
 */
export function serveNode(handler: FetchHandler, options: ServeOptions = {}): Promise<ServeHandle> {
  const hostname = options.hostname ?? "127.0.0.1";
  const scheme = options.tls ? "https" : "http";
  const sockets = new Set<Socket>();

  const listener = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const abort = new AbortController();
    let finished = false;
    res.on("close", () => {
      if (!finished) abort.abort(new DOMException("client disconnected", "AbortError"));
    });
    try {
      const method = req.method ?? "GET";
      const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req);
      const url = `${scheme}://${req.headers.host ?? hostname}${req.url ?? "/"}`;
      const request = new Request(url, {
        method,
        headers: toHeaders(req.headers),
        body: body && body.length > 0 ? (body as unknown as BodyInit) : null,
        signal: abort.signal,
      });
      let response: Response;
      try {
        response = await handler(request);
      } catch (e) {
        response = new Response(`internal error: ${e instanceof Error ? e.message : String(e)}`, {
          status: 500,
        });
      }
      res.statusCode = response.status;
      response.headers.forEach((v, k) => {
        res.setHeader(k, v);
      });
      if (!response.body || method === "HEAD") {
        finished = true;
        res.end();
        return;
      }
      res.flushHeaders();
      const reader = response.body.getReader();
      res.on("close", () => {
        if (!finished) reader.cancel().catch(() => {});
      });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (res.destroyed) {
          reader.cancel().catch(() => {});
          return;
        }
        if (!res.write(value)) {
          await new Promise<void>((resolve) => {
            const go = (): void => {
              res.off("drain", go);
              res.off("close", go);
              resolve();
            };
            res.on("drain", go);
            res.on("close", go);
          });
        }
      }
      finished = true;
      res.end();
    } catch {
      // The body stream errored (or the client went away): reset the connection.
      finished = true;
      res.destroy();
    }
  };

  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
        void listener(req, res);
      })
    : http.createServer((req, res) => {
        void listener(req, res);
      });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("secureConnection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  return new Promise<ServeHandle>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, hostname, () => {
      server.off("error", reject);
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : (options.port ?? 0);
      const host = hostname.includes(":") ? `[${hostname}]` : hostname;
      let closed: Promise<void> | undefined;
      resolve({
        url: `${scheme}://${host}:${port}`,
        port,
        hostname,
        close(): Promise<void> {
          closed ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
            sockets.clear();
          });
          return closed;
        },
      });
    });
  });
}
