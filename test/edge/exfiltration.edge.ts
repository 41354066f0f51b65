// The cluster token never leaves for a host a caller chooses: examples/worker is
// run in workerd with the API server and token as bindings, and every request a
// caller can make names an "attacker" server. The attacker must see nothing, and
// no response may carry the token. Node only (Miniflare); needs `npm run build`.
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Miniflare } from "miniflare";
import { ConfigMaps } from "../../src/resources/core.ts";
import { FakeApiServer, type Listener } from "../../src/testing/mod.ts";
import { bundleWorker } from "./bundle.ts";

const root = new URL("../..", import.meta.url).pathname;
const TOKEN = "kubeloop-test-token-7f3a9c";

describe("examples/worker: the token never goes to a caller's host", () => {
  let mf: Miniflare;
  let api: FakeApiServer;
  let apiListener: Listener;
  let attacker: Server;
  let attackerUrl: string;
  const stolen: { url: string; headers: IncomingHttpHeaders }[] = [];

  before(async () => {
    api = new FakeApiServer({ token: TOKEN });
    api.create(ConfigMaps, { metadata: { name: "a", namespace: "default" } });
    apiListener = await api.listen();
    attacker = createServer((req, res) => {
      stolen.push({ url: req.url ?? "", headers: req.headers });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ kind: "ConfigMapList", metadata: { resourceVersion: "1" }, items: [] }),
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    mf = new Miniflare({
      modules: true,
      script: await bundleWorker(`${root}examples/worker/worker.ts`),
      compatibilityDate: "2026-04-01",
      ...workerOptions(),
      bindings: {
        ...(workerOptions().bindings as object),
        KUBE_SERVER: apiListener.url,
        KUBE_TOKEN: TOKEN,
      },
    });
  });

  after(async () => {
    await mf?.dispose();
    await apiListener?.close();
    await api?.close();
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
  });

  it("no request a caller can make sends anything to another host", async () => {
    const target = encodeURIComponent(attackerUrl);
    const attempts: [
      string,
      { method?: string; body?: string; headers?: Record<string, string> }?,
    ][] = [
      [`http://localhost/?server=${target}&ms=300`],
      [`http://localhost/status?server=${target}`],
      [`http://localhost/?apiServer=${target}&url=${target}&host=${target}`],
      [`${attackerUrl}/`, {}],
      ["http://localhost/", { method: "POST", body: JSON.stringify({ server: attackerUrl }) }],
      [
        "http://localhost/",
        { headers: { "x-kube-server": attackerUrl, host: new URL(attackerUrl).host } },
      ],
    ];
    for (const [url, init] of attempts) {
      const res = await mf.dispatchFetch(url, init);
      const body = await res.text();
      assert.ok(!body.includes(TOKEN), `the response to ${url} carries the token`);
    }
    // let the controller run (the first request woke it), then look at who was contacted
    await waitFor(async () => {
      const status = (await (await mf.dispatchFetch("http://localhost/")).json()) as {
        runs?: number;
      };
      return (status.runs ?? 0) >= 1;
    });
    assert.ok(
      api.requests.some((r) => r.verb === "list" || r.verb === "watch"),
      "the controller ran against the API server of its binding",
    );
    assert.deepEqual(
      stolen.map((s) => `${s.url} authorization=${s.headers.authorization ?? "-"}`),
      [],
      "the attacker's server was contacted",
    );
  });
});

/** Miniflare options the example needs besides its script and the cluster bindings. */
function workerOptions(): Record<string, unknown> {
  return {
    durableObjects: { CONTROLLER: "MirrorController" },
    bindings: { ALARM_INTERVAL_MS: "3600000", SETTLE_MS: "200" },
  };
}

/** Poll `cond` (real I/O in workerd) a bounded number of times. */
async function waitFor(cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("condition not met in 10 s");
}
