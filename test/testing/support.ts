// Shared helpers for the fake API server tests: run each suite in-process and over HTTP.
import { FakeApiServer, type FakeApiServerOptions } from "../../src/testing/mod.ts";

export type Mode = "in-process" | "http";
export const MODES: Mode[] = ["in-process", "http"];

export interface Harness {
  server: FakeApiServer;
  mode: Mode;
  base: string;
  call(path: string, init?: RequestInit): Promise<Response>;
  json(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }>;
  send(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: any }>;
  watch(path: string, init?: RequestInit): Promise<LineReader>;
  close(): Promise<void>;
}

export async function harness(mode: Mode, options: FakeApiServerOptions = {}): Promise<Harness> {
  const server = new FakeApiServer(options);
  let base = "http://fake.local";
  let closeListener = async (): Promise<void> => {};
  if (mode === "http") {
    const l = await server.listen();
    base = l.url;
    closeListener = () => l.close();
  }
  const readers: LineReader[] = [];
  const call = (path: string, init?: RequestInit): Promise<Response> =>
    mode === "http" ? fetch(base + path, init) : server.fetch(base + path, init);
  const h: Harness = {
    server,
    mode,
    base,
    call,
    async json(path, init) {
      const res = await call(path, init);
      const text = await res.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep text
      }
      return { status: res.status, body, headers: res.headers };
    },
    async send(method, path, body, contentType = "application/json") {
      const res = await call(path, {
        method,
        headers: { "Content-Type": contentType },
        body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: any = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep text
      }
      return { status: res.status, body: parsed };
    },
    async watch(path, init) {
      const res = await call(path, init);
      const r = new LineReader(res);
      readers.push(r);
      return r;
    },
    async close() {
      for (const r of readers) await r.close();
      await server.close();
      await closeListener();
    },
  };
  return h;
}

/** Reads newline-delimited JSON from a response, with bounded waits. */
export class LineReader {
  readonly response: Response;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buf = "";
  #done = false;
  /** Text left over after the stream ended without a newline. */
  tail = "";
  error: unknown;

  constructor(response: Response) {
    this.response = response;
    this.#reader = response.body!.getReader();
  }

  get done(): boolean {
    return this.#done;
  }

  #inflight: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;

  /** Read one chunk, waiting at most `ms`; "timeout" leaves the read in flight for next time. */
  async #readChunk(ms: number): Promise<"timeout" | "ok"> {
    this.#inflight ??= this.#reader.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const res = await Promise.race([
        this.#inflight,
        new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), ms);
        }),
      ]);
      if (res === "timeout") return "timeout";
      this.#inflight = undefined;
      if (res.done) this.#done = true;
      else this.#buf += this.#decoder.decode(res.value, { stream: true });
      return "ok";
    } catch (e) {
      this.#inflight = undefined;
      this.error = e;
      this.#done = true;
      return "ok";
    } finally {
      clearTimeout(timer);
    }
  }

  /** Next parsed line, or undefined when the stream ended. Rejects after `ms` without a line. */
  async next(ms = 2000): Promise<any | undefined> {
    for (;;) {
      const nl = this.#buf.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        if (line.trim() === "") continue;
        return JSON.parse(line);
      }
      if (this.#done) {
        this.tail = this.#buf;
        return undefined;
      }
      if ((await this.#readChunk(ms)) === "timeout")
        throw new Error(`no watch line within ${ms} ms`);
    }
  }

  /** The next `n` events. */
  async take(n: number, ms = 2000): Promise<any[]> {
    const out: any[] = [];
    for (let i = 0; i < n; i++) {
      const ev = await this.next(ms);
      if (ev === undefined) throw new Error(`stream ended after ${i} of ${n} events`);
      out.push(ev);
    }
    return out;
  }

  /** Whether no complete line arrives within `ms` (real time; use small values). */
  async silentFor(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.#buf.includes("\n") && !this.#done) {
      const left = deadline - Date.now();
      if (left <= 0) return true;
      if ((await this.#readChunk(left)) === "timeout") return true;
    }
    return false;
  }

  /** Wait until the stream ends (bounded); returns the events read meanwhile. */
  async rest(ms = 2000): Promise<any[]> {
    const out: any[] = [];
    for (;;) {
      const ev = await this.next(ms);
      if (ev === undefined) return out;
      out.push(ev);
    }
  }

  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#reader.cancel().catch(() => {});
  }
}

/** Poll `cond` every 5 ms, at most `tries` times. */
export async function waitFor(cond: () => boolean, what = "condition", tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function cm(name: string, namespace = "default", extra: Record<string, unknown> = {}): any {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, ...extra };
}
