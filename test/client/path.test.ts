// Path segments (issue 17): names, namespaces and subresources that are "." or ".." or
// contain "/" or "%" are refused before any request is sent, on every verb, with a
// PathSegmentError that names the argument. A counting fetch proves nothing was sent.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InformerFactory } from "../../src/cache/factory.ts";
import { createInformer } from "../../src/cache/informer.ts";
import { KubeClient, resourcePath } from "../../src/client/client.ts";
import { checkPathSegment, PathSegmentError, pathSegmentProblems } from "../../src/client/path.ts";
import { Deployments } from "../../src/resources/apps.ts";
import { ConfigMaps, Namespaces } from "../../src/resources/core.ts";
import type { KubernetesObject } from "../../src/resources/meta.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";

/** A client whose fetch only counts: any request it sees is a failure of these tests. */
function countingClient(): { client: KubeClient; urls: string[] } {
  const urls: string[] = [];
  const f = async (input: RequestInfo | URL): Promise<Response> => {
    urls.push(String(input instanceof Request ? input.url : input));
    return new Response(JSON.stringify({ kind: "Status", status: "Success" }), {
      headers: { "content-type": "application/json" },
    });
  };
  const client = new KubeClient({ server: "https://k8s.example", fetch: f as typeof fetch });
  return { client, urls };
}

const BAD = [".", "..", "a/b", "../victim", "a%b", "%2e%2e", "%2F", "/", "x\uD800"];

type Call = (client: KubeClient, bad: string) => Promise<unknown>;

/** Every verb, with the bad value as the name, the namespace or the subresource. */
const calls: { what: string; argument: string; call: Call }[] = [
  { what: "get name", argument: "name", call: (c, b) => c.get(ConfigMaps, b) },
  {
    what: "get namespace",
    argument: "namespace",
    call: (c, b) => c.get(ConfigMaps, "a", { namespace: b }),
  },
  {
    what: "delete name",
    argument: "name",
    call: (c, b) => c.delete(ConfigMaps, b, { namespace: "victim" }),
  },
  {
    what: "delete namespace",
    argument: "namespace",
    call: (c, b) => c.delete(ConfigMaps, "a", { namespace: b }),
  },
  { what: "delete cluster-scoped name", argument: "name", call: (c, b) => c.delete(Namespaces, b) },
  {
    what: "replace name",
    argument: "name",
    call: (c, b) => c.replace(ConfigMaps, { metadata: { name: b, namespace: "victim" } }),
  },
  {
    what: "replace object namespace",
    argument: "namespace",
    call: (c, b) => c.replace(ConfigMaps, { metadata: { name: "a", namespace: b } }),
  },
  {
    what: "replaceStatus name",
    argument: "name",
    call: (c, b) => c.replaceStatus(Deployments, { metadata: { name: b, namespace: "victim" } }),
  },
  {
    what: "patch name",
    argument: "name",
    call: (c, b) => c.patch(ConfigMaps, b, { data: {} }, { type: "merge", namespace: "victim" }),
  },
  {
    what: "patch namespace (from the patch body)",
    argument: "namespace",
    call: (c, b) => c.patch(ConfigMaps, "a", { metadata: { namespace: b } }, { type: "merge" }),
  },
  {
    what: "patch subresource",
    argument: "subresource",
    call: (c, b) =>
      c.patch(
        ConfigMaps,
        "a",
        {},
        { type: "merge", namespace: "victim", subresource: b as "status" },
      ),
  },
  {
    what: "create namespace (option)",
    argument: "namespace",
    call: (c, b) => c.create(ConfigMaps, { metadata: { name: "a" } }, { namespace: b }),
  },
  {
    what: "create namespace (object)",
    argument: "namespace",
    call: (c, b) => c.create(ConfigMaps, { metadata: { name: "a", namespace: b } }),
  },
  {
    what: "list namespace",
    argument: "namespace",
    call: (c, b) => c.list(ConfigMaps, { namespace: b }),
  },
  {
    what: "listAll namespace",
    argument: "namespace",
    call: (c, b) => c.listAll(ConfigMaps, { namespace: b }),
  },
  {
    what: "watch namespace",
    argument: "namespace",
    call: async (c, b) => {
      for await (const _ of c.watch(ConfigMaps, { namespace: b })) break;
    },
  },
];

describe("path segments are checked before any request", () => {
  it("the three destructive calls of issue 17 send nothing and say why", async () => {
    const { client, urls } = countingClient();
    // was: DELETE /api/v1/namespaces/victim/configmaps/ (a delete-collection)
    await assert.rejects(
      client.delete(ConfigMaps, ".", { namespace: "victim" }),
      (err: unknown) => {
        assert.ok(err instanceof PathSegmentError);
        assert.equal(err.argument, "name");
        assert.equal(err.value, ".");
        assert.deepEqual(err.problems, ["may not be '.'"]);
        assert.match(err.message, /invalid name "\.": may not be '\.' \(no request was sent\)/);
        return true;
      },
    );
    // was: DELETE /api/v1/namespaces/victim/ (the namespace itself)
    await assert.rejects(
      client.delete(ConfigMaps, "..", { namespace: "victim" }),
      (err: unknown) => {
        assert.ok(err instanceof PathSegmentError);
        assert.equal(err.argument, "name");
        assert.deepEqual(err.problems, ["may not be '..'"]);
        return true;
      },
    );
    // was: GET /api/v1/configmaps (the whole cluster)
    await assert.rejects(client.list(ConfigMaps, { namespace: ".." }), (err: unknown) => {
      assert.ok(err instanceof PathSegmentError);
      assert.equal(err.argument, "namespace");
      assert.match(err.message, /^ConfigMap: invalid namespace "\.\.": may not be '\.\.'/);
      return true;
    });
    assert.deepEqual(urls, []);
  });

  for (const { what, argument, call } of calls) {
    it(`${what}: refuses ${BAD.length} bad values, sends nothing`, async () => {
      const { client, urls } = countingClient();
      for (const bad of BAD) {
        await assert.rejects(
          call(client, bad),
          (err: unknown) =>
            err instanceof PathSegmentError &&
            err instanceof TypeError &&
            err.argument === argument &&
            err.value === bad &&
            err.problems.length > 0,
          `${what} with ${JSON.stringify(bad)}`,
        );
      }
      assert.deepEqual(urls, [], `${what} sent requests`);
      // and a good value goes through, to one request naming it
      await call(client, "ok-1").catch(() => {});
      assert.equal(urls.length, 1, `${what} with a good value`);
    });
  }

  it("refuses an empty name, and an explicit empty namespace for one object", async () => {
    const { client, urls } = countingClient();
    await assert.rejects(client.get(ConfigMaps, ""), /invalid name "": may not be empty/);
    await assert.rejects(client.delete(ConfigMaps, "a", { namespace: "" }), (err: unknown) => {
      return err instanceof PathSegmentError && err.argument === "namespace";
    });
    await assert.rejects(client.patch(ConfigMaps, "", {}, { type: "merge" }), PathSegmentError);
    assert.deepEqual(urls, []);
    // an empty namespace on a list is "all namespaces", as in client-go
    await client.list(ConfigMaps, { namespace: "" }).catch(() => {}); // the counting fetch answers a Status
    assert.equal(new URL(urls[0]!).pathname, "/api/v1/configmaps");
    // an object's empty metadata.namespace means "not set": the client's default
    await client.create(ConfigMaps, { metadata: { name: "a", namespace: "" } }).catch(() => {});
    assert.equal(new URL(urls[1]!).pathname, "/api/v1/namespaces/default/configmaps");
  });

  it("refuses a resource type whose plural, group or version is not a path segment", () => {
    const evil = { ...ConfigMaps, plural: ".." } as typeof ConfigMaps;
    assert.throws(
      () => resourcePath(evil, { namespace: "a" }),
      (err: unknown) => {
        return err instanceof PathSegmentError && err.argument === "resource";
      },
    );
    const evilGroup = { ...Deployments, group: "apps/../.." } as typeof Deployments;
    assert.throws(() => resourcePath(evilGroup, {}), PathSegmentError);
    assert.throws(
      () => resourcePath(ConfigMaps, { namespace: "a", subresource: "status" }),
      PathSegmentError,
    );
  });

  it("the informer refuses a bad namespace option when created", () => {
    const { client, urls } = countingClient();
    for (const bad of [".", "..", "a/b", "a%b"]) {
      assert.throws(
        () => createInformer(client, ConfigMaps, { namespace: bad }),
        (err: unknown) => {
          return (
            err instanceof PathSegmentError && err.argument === "namespace" && err.value === bad
          );
        },
      );
      assert.throws(
        () => new InformerFactory(client).informer(ConfigMaps, { namespace: bad }),
        PathSegmentError,
      );
    }
    // "" and undefined are all namespaces
    createInformer(client, ConfigMaps, { namespace: "" });
    createInformer(client, ConfigMaps, {});
    assert.deepEqual(urls, []);
  });

  it("words problems as client-go's IsValidPathSegmentName does", () => {
    assert.deepEqual(pathSegmentProblems("web-0"), []);
    assert.deepEqual(pathSegmentProblems(""), []);
    assert.deepEqual(pathSegmentProblems("."), ["may not be '.'"]);
    assert.deepEqual(pathSegmentProblems(".."), ["may not be '..'"]);
    assert.deepEqual(pathSegmentProblems("..."), []);
    assert.deepEqual(pathSegmentProblems("a/%"), ["may not contain '/'", "may not contain '%'"]);
    assert.deepEqual(pathSegmentProblems("\uDC00x"), ["may not contain a lone surrogate"]);
    assert.deepEqual(pathSegmentProblems("😀"), []);
    assert.throws(
      () => checkPathSegment(undefined, "name", { required: true }),
      /may not be empty/,
    );
    assert.throws(() => checkPathSegment(42, "name"), /must be a string, got number/);
    checkPathSegment(undefined, "namespace");
  });
});

describe("the fake API server's router refuses them as kube-apiserver v1.20.2 does", () => {
  // Recorded from kube-apiserver v1.20.2 with curl --path-as-is:
  //   GET    /api/v1/namespaces/victim/configmaps/a%25b  -> 400 BadRequest `Name parameter invalid: "a%b": may not contain '%'`
  //   DELETE /api/v1/namespaces/victim/configmaps/a%25b  -> the same 400
  //   GET    /api/v1/namespaces/victim/configmaps/a%2Fb  -> 404 NotFound `the server could not find the requested resource`
  //   GET    /api/v1/namespaces/a%2Fb/configmaps/a       -> the same 404
  //   GET    /api/v1/namespaces/victim/configmaps/a%25b/status -> the same 404
  //   GET    /api/v1/namespaces/a%25b                    -> 400 `Name parameter invalid: "a%b": may not contain '%'`
  //   GET    /api/v1/namespaces/victim/configmaps/..     -> 400 `Name parameter invalid: "..": may not be '..'`
  //     (not reproducible through fetch or the fake's HTTP listener: WHATWG URL parsing folds ".." and "%2E%2E")
  async function answer(
    server: FakeApiServer,
    method: string,
    path: string,
  ): Promise<{ code: number; reason: unknown; message: unknown }> {
    const res = await server.fetch(new Request(`http://fake${path}`, { method }));
    const body = (await res.json()) as { reason?: unknown; message?: unknown };
    return { code: res.status, reason: body.reason, message: body.message };
  }

  it("400 for a name with %, 404 for a / in a name or namespace", async () => {
    const server = new FakeApiServer();
    try {
      server.create(ConfigMaps, {
        metadata: { name: "a", namespace: "default" },
      } as KubernetesObject);
      const invalid = {
        code: 400,
        reason: "BadRequest",
        message: `Name parameter invalid: "a%b": may not contain '%'`,
      };
      assert.deepEqual(
        await answer(server, "GET", "/api/v1/namespaces/default/configmaps/a%25b"),
        invalid,
      );
      assert.deepEqual(
        await answer(server, "DELETE", "/api/v1/namespaces/default/configmaps/a%25b"),
        invalid,
      );
      assert.deepEqual(await answer(server, "GET", "/api/v1/namespaces/a%25b"), invalid);
      const notFound = {
        code: 404,
        reason: "NotFound",
        message: "the server could not find the requested resource",
      };
      assert.deepEqual(
        await answer(server, "GET", "/api/v1/namespaces/default/configmaps/a%2Fb"),
        notFound,
      );
      assert.deepEqual(
        await answer(server, "GET", "/api/v1/namespaces/a%2Fb/configmaps/a"),
        notFound,
      );
      assert.deepEqual(
        await answer(server, "GET", "/api/v1/namespaces/default/configmaps/a%25b/status"),
        notFound,
      );
      // the object is still there, and good names still work
      assert.equal(
        (await answer(server, "GET", "/api/v1/namespaces/default/configmaps/a")).code,
        200,
      );
    } finally {
      await server.close();
    }
  });
});
