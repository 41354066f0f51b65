/**
 * Raw baseline: paged list (limit 500) + watch with `fetch`, `JSON.parse`
 * into a `Map`. No validation, no handlers: the practical limit.
 */
import { readLines, runClient } from "../harness.ts";

interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion: string };
}

await runClient("raw", async (h) => {
  const map = new Map<string, Obj>();
  const base = `${h.cfg.url}/api/v1/pods`;
  let cont: string | undefined;
  let rv = "";
  do {
    const q = cont
      ? `limit=500&continue=${encodeURIComponent(cont)}`
      : "limit=500&resourceVersion=0";
    const res = await fetch(`${base}?${q}`);
    const list = JSON.parse(await res.text()) as {
      metadata: { resourceVersion: string; continue?: string };
      items: Obj[];
    };
    for (const o of list.items) {
      map.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
      h.added();
    }
    cont = list.metadata.continue || undefined;
    rv = list.metadata.resourceVersion;
  } while (cont);
  const ac = new AbortController();
  if (h.cfg.events > 0) {
    const res = await fetch(`${base}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`, {
      signal: ac.signal,
    });
    void readLines(res.body!, (line) => {
      const ev = JSON.parse(line) as { type: string; object: Obj };
      const o = ev.object;
      if (ev.type === "DELETED") map.delete(`${o.metadata.namespace}/${o.metadata.name}`);
      else map.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
      h.event();
    }).catch(() => {});
  }
  return { size: () => map.size, stop: () => ac.abort() };
});
