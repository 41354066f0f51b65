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
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createInformer } from "../src/cache/mod.ts";
import { KubeClient } from "../src/client/mod.ts";
import { ConfigMaps } from "../src/resources/mod.ts";

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "retry-after" },
    form: { type: "string", default: "seconds" },
    seconds: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
  },
});
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
