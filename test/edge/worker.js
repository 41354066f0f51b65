// A Cloudflare worker that imports the built kubeloop bundle. The test bundles
// it with esbuild (workerd conditions) and runs it in workerd through Miniflare.
import * as kubeloop from "../../dist/edge/mod.js";

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const target = url.searchParams.get("target");
    const result = { runtime: navigator.userAgent, exports: Object.keys(kubeloop).length };
    // Backoff and the fake clock work inside workerd.
    const clock = new kubeloop.FakeClock();
    const backoff = new kubeloop.Backoff({ clock, jitter: 0 });
    result.delays = [backoff.next(), backoff.next(), backoff.next()];
    if (target) {
      // Read a newline-delimited JSON stream from a server on 127.0.0.1 and validate each object.
      const res = await fetch(target);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      const names = [];
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line);
          const parsed = kubeloop.ConfigMaps.schema.safeParse(ev.object);
          names.push(parsed.success ? `${ev.type}:${kubeloop.objectKey(parsed.data)}` : "invalid");
        }
      }
      result.events = names;
    }
    return Response.json(result);
  },
};
