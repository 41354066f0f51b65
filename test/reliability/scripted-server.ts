// A scripted HTTP/1.1 server over raw TCP (node:net, which Node, Deno and Bun all
// provide), for the hostile-server suite: each test decides byte by byte what a
// request gets, including answers no HTTP library would send (headers that never
// end, a Content-Length that lies, a body cut mid-JSON). Not a test file.
import { createServer, type Server, type Socket } from "node:net";

/** One request as the server read it. */
export interface ScriptedRequest {
  method: string;
  /** Path and query, as sent. */
  target: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  socket: Socket;
}

/** What a test does with a request: write an answer (or nothing) to `req.socket`. */
export type Script = (req: ScriptedRequest, index: number) => void;

/** A listening scripted server. */
export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request received, in order. */
  requests: ScriptedRequest[];
  /** Destroy every connection and stop listening. */
  close(): Promise<void>;
}

const HEAD_END = "\r\n\r\n";

/** Listen on 127.0.0.1 and a free port; `script` answers each request. */
export async function scriptedServer(script: Script): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffer = "";
    let skipBody = 0;
    socket.on("data", (chunk: Uint8Array) => {
      buffer += new TextDecoder("latin1").decode(chunk);
      for (;;) {
        if (skipBody > 0) {
          const n = Math.min(skipBody, buffer.length);
          buffer = buffer.slice(n);
          skipBody -= n;
          if (skipBody > 0) return;
        }
        const end = buffer.indexOf(HEAD_END);
        if (end < 0) return;
        const head = buffer.slice(0, end).split("\r\n");
        buffer = buffer.slice(end + HEAD_END.length);
        const [method = "", target = ""] = (head[0] ?? "").split(" ");
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const i = line.indexOf(":");
          if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        skipBody = Number(headers["content-length"] ?? 0) || 0;
        const req: ScriptedRequest = { method, target, headers, socket };
        requests.push(req);
        script(req, requests.length - 1);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Write a whole response: status line, headers (Content-Length added unless given), body. */
export function respond(
  socket: Socket,
  status: number,
  headers: Record<string, string>,
  body: string | Uint8Array = "",
): void {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const all: Record<string, string> = { "Content-Length": String(bytes.byteLength), ...headers };
  let head = `HTTP/1.1 ${status} ${status === 200 ? "OK" : "Status"}\r\n`;
  for (const [k, v] of Object.entries(all)) head += `${k}: ${v}\r\n`;
  socket.write(`${head}\r\n`);
  if (bytes.byteLength > 0) socket.write(bytes);
}

/** A `Status` body, as the API server sends with an error. */
export function statusBody(
  code: number,
  reason: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `${reason} (scripted)`,
    reason,
    code,
    ...extra,
  });
}

/** An empty ConfigMap list, the answer of a healthy server. */
export const EMPTY_LIST: string = JSON.stringify({
  kind: "ConfigMapList",
  apiVersion: "v1",
  metadata: { resourceVersion: "7" },
  items: [],
});
