/**
 * `npm run quiet-watch -- --kubeconfig FILE [--minutes 12] [--busy 8] [--timeout MIN-MAX]`
 *
 * Watches an empty namespace of its own with an informer on default options
 * (or the watch timeout range given, in seconds) for a while and reports what
 * a quiet watch on that server does: watches, bookmarks (with their offset
 * from the watch's start), stalls, errors and relists. With `--busy N`,
 * ConfigMaps in a second namespace change every 5 s for the first N minutes
 * (a real server sends bookmarks only while the type is busy), then stop.
 * A healthy run has `stalls 0`. The namespaces are removed at the end.
 */
import { parseArgs } from "node:util";
import { fromEnvironment, loadKubeconfigFile } from "../src/client/kubeconfig.ts";
import {
  ConfigMaps,
  createInformer,
  isNotFound,
  KubeClient,
  type LogFields,
  type Logger,
  Namespaces,
} from "../src/mod.ts";
import { rawRequester } from "./fixtures/record.ts";

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    context: { type: "string" },
    minutes: { type: "string", default: "12" },
    timeout: { type: "string" },
    busy: { type: "string", default: "0" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(
    "usage: npm run quiet-watch -- [--kubeconfig FILE] [--context NAME] [--minutes 12] [--busy MINUTES] [--timeout MIN-MAX]",
  );
  process.exit(0);
}

const config = values.kubeconfig
  ? await loadKubeconfigFile(values.kubeconfig, { context: values.context })
  : await fromEnvironment({ context: values.context });
const client = new KubeClient({ ...config, timeoutMs: 30_000 });
const ms = Number(values.minutes) * 60_000;
const range = values.timeout?.split("-").map(Number) as [number, number] | undefined;
const suffix = Math.random().toString(36).slice(2, 8);
const ns = `kubeloop-quiet-${suffix}`;
const busyNs = `kubeloop-busy-${suffix}`;
await client.create(Namespaces, { metadata: { name: ns } });
await client.create(Namespaces, { metadata: { name: busyNs } });
const busyUntil = Date.now() + Number(values.busy) * 60_000;
let writes = 0;
const busy = setInterval(() => {
  if (Date.now() > busyUntil) return;
  const name = `tick-${writes++ % 20}`;
  void client
    .delete(ConfigMaps, name, { namespace: busyNs })
    .catch(() => undefined)
    .then(() => client.create(ConfigMaps, { metadata: { name, namespace: busyNs } }))
    .catch(() => undefined);
}, 5_000);

const t0 = Date.now();
const at = (): string => `${((Date.now() - t0) / 1000).toFixed(1).padStart(7)}s`;
let watchStart = 0;
let bookmarksSeen = 0;
const logger: Logger = {
  debug(msg: string, fields?: LogFields) {
    if (msg !== "watching") return;
    watchStart = Date.now();
    console.log(
      `${at()} watch (timeoutSeconds ${fields?.timeoutSeconds}, idle deadline ${Number(fields?.idleMs) / 1000} s)`,
    );
  },
  info(msg: string) {
    console.log(`${at()} INFO ${msg}`);
  },
  warn(msg: string, fields?: LogFields) {
    console.log(`${at()} WARN ${msg} ${JSON.stringify(fields)}`);
  },
  error(msg: string, fields?: LogFields) {
    console.log(`${at()} ERROR ${msg} ${JSON.stringify(fields)}`);
  },
};
const informer = createInformer(client, ConfigMaps, {
  namespace: ns,
  logger,
  ...(range ? { watchTimeoutSeconds: { min: range[0], max: range[1] } } : {}),
});
const ac = new AbortController();
const done = informer.run(ac.signal);
const poll = setInterval(() => {
  const b = informer.stats().bookmarks;
  if (b > bookmarksSeen) {
    bookmarksSeen = b;
    const offset = (Date.now() - watchStart) / 1000;
    console.log(`${at()} bookmark ${b} (${offset.toFixed(1)} s after the watch started)`);
  }
}, 100);
await new Promise((r) => setTimeout(r, ms));
clearInterval(poll);
clearInterval(busy);
ac.abort();
await done;
const s = informer.stats();
console.log(
  `quiet watch on ${ns} for ${values.minutes} min (type busy for the first ${values.busy}): ${s.watches} watches, ${s.bookmarks} bookmarks, ` +
    `${s.stalls} stalls, ${s.errors} errors, ${s.lists} lists (${s.relists} relists)`,
);
const raw = await rawRequester(config);
for (const name of [ns, busyNs]) {
  await raw.request("DELETE", `/api/v1/namespaces/${name}/configmaps`);
  try {
    await client.delete(Namespaces, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  // a lone API server has no namespace controller: drop the finalizer (a no-op elsewhere)
  const left = await client.get(Namespaces, name).catch(() => undefined);
  if (left) {
    await raw.request("PUT", `/api/v1/namespaces/${name}/finalize`, {
      ...left,
      spec: { finalizers: [] },
    });
  }
}
process.exit(s.stalls === 0 ? 0 : 1);
