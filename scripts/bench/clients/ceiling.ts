/**
 * Server ceiling: the same requests as the raw baseline, but the client only
 * counts bytes and newlines (no decoding, no JSON.parse). Shows how fast the
 * bench server can feed a client on this machine.
 */
import { runClient } from "../harness.ts";

let bytes = 0;
await runClient(
  "ceiling",
  async (h) => {
    const base = `${h.cfg.url}/api/v1/pods`;
    let cont: string | undefined;
    let items = 0;
    do {
      const q = cont
        ? `limit=500&continue=${encodeURIComponent(cont)}`
        : "limit=500&resourceVersion=0";
      const res = await fetch(`${base}?${q}`);
      const buf = new Uint8Array(await res.arrayBuffer());
      bytes += buf.length;
      // Only the list head is looked at, to find the continue token.
      const head = new TextDecoder().decode(buf.subarray(0, 300));
      const m = /"continue":"([^"]*)"/.exec(head);
      cont = m?.[1];
      const rem = /"remainingItemCount":(\d+)/.exec(head);
      const total = h.cfg.pods;
      const now = rem ? total - Number(rem[1]) : total;
      for (; items < now; items++) h.added();
    } while (cont);
    const ac = new AbortController();
    if (h.cfg.events > 0) {
      const res = await fetch(`${base}?watch=true&resourceVersion=1000000`, { signal: ac.signal });
      void (async () => {
        const reader = res.body!.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          bytes += value.length;
          for (let i = value.indexOf(10); i >= 0; i = value.indexOf(10, i + 1)) h.event();
        }
      })().catch(() => {});
    }
    return { size: () => items, stop: () => ac.abort() };
  },
  () => ({ bytes }),
);
