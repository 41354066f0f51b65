/**
 * Measure, in real time, what an informer does against a hostile API server
 * (docs/reliability.md, "Hostile servers"). The tests prove the same on a fake
 * clock; this script shows the wall-clock numbers: requests per second, and how
 * long `stop` takes to end the informer.
 *
 *   node --import tsx scripts/hostile.ts [--scenario retry-after|silent] [--form seconds|date|details]
 *                                        [--seconds 10] [--json]
 *
 * retry-after: every request gets a 429 asking to wait 34 days (`Retry-After: 3000000`,
 *              an HTTP date 34 days ahead, or `details.retryAfterSeconds`).
 * silent:      the server accepts the connection and never answers (run it for 35 s or more
 *              to see the 30 s request deadline fire and the retry).
 * sync:        not hostile: the benchmark API server (scripts/bench/server.ts) with --pods pods
 *              (default 50 000), and informers syncing from it in turns with the default rate
 *              limit and with `rateLimit: false` (--rounds, default 5): sync time and how many
 *              requests had to wait for a token.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createInformer } from "../src/cache/mod.ts";
import { KubeClient } from "../src/client/mod.ts";
import { ConfigMaps, Pods } from "../src/resources/mod.ts";
import { type Clock, realClock } from "../src/util/clock.ts";

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "retry-after" },
    form: { type: "string", default: "seconds" },
    seconds: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
    pods: { type: "string", default: "50000" },
    rounds: { type: "string", default: "5" },
  },
});

if (values.scenario === "sync") {
  await syncScenario(Number(values.pods), Number(values.rounds));
  process.exit(0);
}

/** Sync informers from the benchmark server, with and without the default rate limit, in turns. */
async function syncScenario(pods: number, rounds: number): Promise<void> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/bench/server.ts", String(pods), "0"],
    {
      cwd: new URL("..", import.meta.url).pathname,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) =>
      resolve((JSON.parse(d.toString().split("\n")[0]!) as { port: number }).port),
    );
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const rows: { limit: string; syncMs: number; waits: number; requests: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const limited of [true, false]) {
      await fetch(`${url}/bench/reset`, { method: "POST" });
      let waits = 0;
      let requests = 0;
      // the client's clock: the rate limiter sleeps on it, request deadlines are timers
      const clock: Clock = {
        now: () => realClock.now(),
        setTimer: (fn, ms) => realClock.setTimer(fn, ms),
        sleep: (ms, signal) => {
          waits++;
          return realClock.sleep(ms, signal);
        },
      };
      const f = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
        requests++;
        return globalThis.fetch(input, init);
      };
      const client = new KubeClient({
        server: url,
        clock,
        fetch: f as typeof fetch,
        ...(limited ? {} : { rateLimit: false as const }),
      });
      const informer = createInformer(client, Pods, {});
      const ac = new AbortController();
      const t = performance.now();
      const done = informer.run(ac.signal);
      await informer.waitForSync();
      const syncMs = performance.now() - t;
      ac.abort();
      await done;
      rows.push({ limit: limited ? "50/s, burst 100" : "off", syncMs, waits, requests });
      (globalThis as { gc?: () => void }).gc?.();
    }
  }
  child.kill("SIGTERM");
  const median = (xs: number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = ["50/s, burst 100", "off"].map((limit) => {
    const mine = rows.filter((r) => r.limit === limit);
    return {
      limit,
      medianSyncMs: Math.round(median(mine.map((r) => r.syncMs))),
      syncMs: mine.map((r) => Math.round(r.syncMs)),
      requestsPerSync: mine[0]!.requests,
      limiterWaits: mine.reduce((n, r) => n + r.waits, 0),
    };
  });
  if (values.json) console.log(JSON.stringify({ pods, rounds, summary }));
  else console.log({ pods, rounds, summary });
}
const seconds = Number(values.seconds);
const longWait = 3_000_000; // seconds, about 34.7 days

function answer(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  if (values.scenario === "silent") return; // never answer
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const details: Record<string, unknown> = {};
  if (values.form === "seconds") headers["Retry-After"] = String(longWait);
  else if (values.form === "date")
    headers["Retry-After"] = new Date(Date.now() + longWait * 1000).toUTCString();
  else details.retryAfterSeconds = longWait;
  res.writeHead(429, headers);
  res.end(
    JSON.stringify({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "TooManyRequests",
      code: 429,
      message: "too many requests",
      details,
    }),
  );
}

const arrivals: number[] = [];
const server = createServer((req, res) => {
  arrivals.push(performance.now());
  answer(req, res);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const errors: string[] = [];
let firstErrorAt: number | undefined;
const client = new KubeClient({ server: url });
const informer = createInformer(client, ConfigMaps, {
  namespace: "default",
  onError: (err) => {
    firstErrorAt ??= performance.now();
    if (errors.length < 3)
      errors.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  },
});
const ac = new AbortController();
const t0 = performance.now();
const done = informer.run(ac.signal);
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const stopAt = performance.now();
ac.abort();
await done;
const stopMs = performance.now() - stopAt;
server.closeAllConnections();
server.close();

const perSecond = new Array<number>(seconds).fill(0);
for (const t of arrivals) {
  const s = Math.floor((t - t0) / 1000);
  if (s >= 0 && s < seconds) perSecond[s] = (perSecond[s] ?? 0) + 1;
}
const result = {
  scenario: values.scenario,
  form: values.scenario === "retry-after" ? values.form : undefined,
  seconds,
  requests: arrivals.length,
  requestsPerSecond: Number((arrivals.length / seconds).toFixed(2)),
  maxInOneSecond: Math.max(...perSecond),
  arrivalsMs: arrivals.slice(0, 10).map((t) => Math.round(t - t0)),
  firstErrorMs: firstErrorAt === undefined ? undefined : Math.round(firstErrorAt - t0),
  stopMs: Number(stopMs.toFixed(2)),
  lastError: String(informer.lastError()),
  errors,
};
if (values.json) console.log(JSON.stringify(result));
else console.log(result);
