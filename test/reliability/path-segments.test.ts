// Property-based test of path segments (issue 17): for ANY string used as a name or a
// namespace, the request kubeloop sends names exactly the object asked for (after the
// URL parsing that fetch and the server do), or no request is sent at all and the call
// throws PathSegmentError. And a value is refused exactly when client-go's rule (plus
// "not empty" for an object's name and namespace) says so: nothing good is refused.
//
// Replay a failure with FC_SEED / FC_PATH; FC_RUNS_FACTOR=50 for a longer search
// (docs/reliability.md).
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { KubeClient } from "../../src/client/client.ts";
import { PathSegmentError, pathSegmentProblems } from "../../src/client/path.ts";
import { ConfigMaps } from "../../src/resources/core.ts";
import { fcParams } from "./support.ts";

const RUNS = 1000;
let totalRuns = 0;
after(() => console.log(`# path segments: ${totalRuns} generated cases checked`));

/** Any string: full Unicode (lone surrogates too), and strings built from the dangerous characters. */
const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength: 6,
  }),
  fc.string({
    unit: fc.constantFrom(
      ".",
      "..",
      "/",
      "\\",
      "%",
      "2",
      "e",
      "E",
      "f",
      "F",
      "%2e",
      "%2F",
      "?",
      "#",
      ";",
      " ",
      "\t",
      "a",
    ),
    maxLength: 8,
  }),
  fc.constantFrom(
    ".",
    "..",
    "",
    "%2e",
    "%2e%2e",
    ".%2E",
    "a/..",
    "../..",
    "..\\",
    "\\..",
    "..;",
    "...",
    " .",
  ),
);

/** Sends nothing over the network: records the URL as fetch would parse it, answers with `body`. */
function recordingClient(body: unknown): { client: KubeClient; urls: URL[] } {
  const urls: URL[] = [];
  const f = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // the same parsing the runtime's fetch applies (it folds "." and ".." segments)
    urls.push(new URL(new Request(input, init).url));
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  };
  return {
    client: new KubeClient({
      server: "https://k8s.example",
      fetch: f as typeof fetch,
      rateLimit: false,
    }),
    urls,
  };
}

/** The decoded path segments of a URL, or undefined if one does not decode. */
function segments(url: URL): string[] | undefined {
  try {
    return url.pathname.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

const refused = (v: string): boolean => v === "" || pathSegmentProblems(v).length > 0;

type Verb = (client: KubeClient, name: string, namespace: string) => Promise<unknown>;
const verbs: Record<string, { call: Verb; subresource?: string }> = {
  get: { call: (c, name, namespace) => c.get(ConfigMaps, name, { namespace }) },
  delete: { call: (c, name, namespace) => c.delete(ConfigMaps, name, { namespace }) },
  replace: {
    call: (c, name, namespace) => c.replace(ConfigMaps, { metadata: { name } }, { namespace }),
  },
  patch: {
    call: (c, name, namespace) =>
      c.patch(ConfigMaps, name, { data: {} }, { type: "merge", namespace }),
  },
  "patch status": {
    subresource: "status",
    call: (c, name, namespace) =>
      c.patch(ConfigMaps, name, {}, { type: "merge", namespace, subresource: "status" }),
  },
};

describe("property: a request names exactly the object asked for, or none is sent", () => {
  for (const [verb, { call, subresource }] of Object.entries(verbs)) {
    it(`${verb}: any name and namespace`, async () => {
      await fc.assert(
        fc.asyncProperty(anyString, anyString, async (name, namespace) => {
          totalRuns++;
          const ok = {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "x", namespace: "y" },
          };
          const { client, urls } = recordingClient(ok);
          let error: unknown;
          try {
            await call(client, name, namespace);
          } catch (err) {
            error = err;
          }
          if (refused(name) || refused(namespace)) {
            assert.ok(
              error instanceof PathSegmentError,
              `expected PathSegmentError, got ${String(error)}`,
            );
            const expected = [refused(name) && "name", refused(namespace) && "namespace"];
            assert.ok(expected.includes(error.argument), `argument ${error.argument}`);
            assert.equal(urls.length, 0, "a refused call sent a request");
            return;
          }
          assert.equal(error, undefined, `a good name was refused: ${String(error)}`);
          assert.equal(urls.length, 1);
          const url = urls[0]!;
          assert.equal(url.origin, "https://k8s.example");
          assert.equal(url.hash, "");
          assert.equal(url.search, "");
          assert.deepEqual(segments(url), [
            "api",
            "v1",
            "namespaces",
            namespace,
            "configmaps",
            name,
            ...(subresource ? [subresource] : []),
          ]);
        }),
        fcParams(RUNS),
      );
    });
  }

  it('list: any namespace lists exactly that namespace, all of them for "", or sends nothing', async () => {
    await fc.assert(
      fc.asyncProperty(anyString, async (namespace) => {
        totalRuns++;
        const { client, urls } = recordingClient({
          kind: "ConfigMapList",
          metadata: {},
          items: [],
        });
        let error: unknown;
        try {
          await client.list(ConfigMaps, { namespace, labelSelector: "a=b" });
        } catch (err) {
          error = err;
        }
        if (pathSegmentProblems(namespace).length > 0) {
          assert.ok(error instanceof PathSegmentError && error.argument === "namespace");
          assert.equal(urls.length, 0);
          return;
        }
        assert.equal(error, undefined);
        const want =
          namespace === ""
            ? ["api", "v1", "configmaps"]
            : ["api", "v1", "namespaces", namespace, "configmaps"];
        assert.deepEqual(segments(urls[0]!), want);
        assert.equal(urls[0]!.searchParams.get("labelSelector"), "a=b");
      }),
      fcParams(RUNS),
    );
  });
});
