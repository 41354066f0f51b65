/**
 * Runtime for workerd (Cloudflare Workers) and browsers: the global `fetch`
 * only. There is no way to trust a custom CA or present a client certificate
 * here: use a publicly trusted endpoint (or a proxy in front of the API
 * server) and pass a bearer token, or pass your own `fetch` in `ClusterConfig`
 * (e.g. one bound to a workerd mTLS certificate binding).
 *
 * @module
 */
import {
  needsCustomTls,
  type Runtime,
  type RuntimeName,
  type TlsOptions,
  TransportUnsupportedError,
} from "./types.ts";

/**
 * A {@link Runtime} for web-standard environments. Not exported from the
 * package: `loadRuntime()` returns it on workerd and in browsers.
 *
 * @example
 * ```ts
 * import { loadRuntime } from "kubeloop";
 * const rt = await loadRuntime();
 * if (rt.name === "workerd" || rt.name === "web") {
 *   const f = rt.createFetch({}); // globalThis.fetch
 * }
 * ```
 */
export function webRuntime(name: RuntimeName = "web"): Runtime {
  return {
    name,
    createFetch(tls: TlsOptions): typeof fetch {
      if (needsCustomTls(tls)) {
        throw new TransportUnsupportedError(
          name,
          `${name}: a custom CA, client certificate or insecureSkipTLSVerify cannot be used with the platform fetch; ` +
            "use a publicly trusted API endpoint (or a proxy) with a bearer token, or pass `fetch` in ClusterConfig " +
            "(on workerd: the fetch of an mTLS certificate binding)",
        );
      }
      return (input, init) => globalThis.fetch(input, init);
    },
    readTextFile(path: string): Promise<string> {
      return Promise.reject(
        new TransportUnsupportedError(
          name,
          `${name}: cannot read files (${path}); pass the configuration explicitly`,
        ),
      );
    },
    env(): string | undefined {
      return undefined;
    },
    homeDir(): string | undefined {
      return undefined;
    },
  };
}
