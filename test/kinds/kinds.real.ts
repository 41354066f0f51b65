// Every generated kind a lone API server can hold, on the real server of this run: created,
// read, listed and watched through its generated ResourceType (the client validates each
// object with the generated schema, and validate() is asked again here). Kinds the server
// only answers (reviews, Binding) are created and their responses validated; list-only kinds
// are listed. Which kinds: those of the server's discovery that kubeloop generates at the same
// version; a served kind without a sample here fails the test.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rawRequester } from "../../scripts/fixtures/record.ts";
import type { KubeClient } from "../../src/client/client.ts";
import { allBuiltinResources } from "../../src/resources/builtin.ts";
import type { KubernetesObject } from "../../src/resources/meta.ts";
import type { ResourceType } from "../../src/resources/resource.ts";
import { validate } from "../../src/resources/validate.ts";
import { realClient, realConfig, removeNamespace, suffix, testNamespace } from "../real/support.ts";
import { answers, labels, podSpec, samples } from "./samples.ts";

/** Kinds only listed (the server makes them) and kinds handled by their own test below. */
const LIST_ONLY = new Set(["v1 ComponentStatus"]);
const OWN_TEST = new Set(["v1 Binding"]);

const key = (t: ResourceType): string => `${t.apiVersion} ${t.kind}`;

describe("every generated kind a lone API server serves, through its generated type", () => {
  let client: KubeClient;
  let ns: { name: string; remove(): Promise<void> };
  let served: ResourceType[] = [];
  const n = `kl-kinds-${suffix()}`;
  const cleanup: (() => Promise<unknown>)[] = [];

  before(async () => {
    client = await realClient();
    ns = await testNamespace(client, "kinds");
    const raw = await rawRequester(await realConfig("admin"));
    const groups = (await raw.request("GET", "/apis")).body as {
      groups: { versions: { groupVersion: string }[] }[];
    };
    const gvs = ["v1", ...groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
    const kinds = new Set<string>();
    for (const gv of gvs) {
      const list = (await raw.request("GET", gv === "v1" ? "/api/v1" : `/apis/${gv}`)).body as {
        resources: { name: string; kind: string }[];
      };
      for (const r of list.resources) if (!r.name.includes("/")) kinds.add(`${gv} ${r.kind}`);
    }
    served = allBuiltinResources.filter((t) => kinds.has(key(t)));
  });

  /** Delete an object; with no controllers running, also drop finalizers (pv-protection, ...). */
  async function remove(t: ResourceType, name: string, namespace: string | undefined) {
    if (t.kind === "Namespace") return removeNamespace(name);
    await client.delete(t, name, { namespace }).catch(() => undefined);
    const left = await client.get(t, name, { namespace }).catch(() => undefined);
    if (left?.metadata.finalizers?.length) {
      await client.patch(t, name, { metadata: { finalizers: null } }, { type: "merge", namespace });
    }
  }

  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    await ns?.remove();
  });

  it("has a sample for every served kind (so none is left out)", () => {
    assert.ok(served.length >= 40, `only ${served.length} generated kinds served`);
    const known = new Set([
      ...Object.keys(samples(n, "default")),
      ...Object.keys(answers(n, "default")),
      ...LIST_ONLY,
      ...OWN_TEST,
    ]);
    const missing = served.map(key).filter((k) => !known.has(k));
    assert.deepEqual(missing, [], "served kinds without a sample");
  });

  it("creates, gets, lists and watches one object of each storable kind", async () => {
    const all = samples(n, ns.name);
    const done: string[] = [];
    for (const type of served) {
      const sample = all[key(type)];
      if (!sample) continue;
      const { name: fixed, ...body } = sample as { name?: string };
      const t = type as ResourceType<KubernetesObject>;
      const name =
        fixed ??
        (type.kind === "Namespace"
          ? n
          : `${n}-${type.group.split(".")[0] || "core"}-${type.kind.toLowerCase()}`.slice(0, 63));
      const namespace = type.namespaced ? ns.name : undefined;
      const before = await client.list(t, { namespace, limit: 1 });
      cleanup.push(() => remove(t, name, namespace));
      const created = await client.create(t, {
        apiVersion: type.apiVersion,
        kind: type.kind,
        metadata: { name, namespace, labels },
        ...body,
      } as KubernetesObject);
      const got = await client.get(t, name, { namespace });
      const listed = await client.list(t, { namespace, fieldSelector: `metadata.name=${name}` });
      assert.equal(listed.items.length, 1, key(type));
      let watched: KubernetesObject | undefined;
      for await (const ev of client.watch(t, {
        namespace,
        resourceVersion: before.metadata.resourceVersion,
        fieldSelector: `metadata.name=${name}`,
        timeoutSeconds: 5,
      })) {
        if (ev.type === "ADDED") {
          watched = ev.object as KubernetesObject;
          break;
        }
      }
      assert.ok(watched, `${key(type)}: no ADDED event`);
      for (const [what, obj] of [
        ["create", created],
        ["get", got],
        ["list", listed.items[0]],
        ["watch", watched],
      ] as const) {
        const r = validate(t.schema, obj);
        assert.ok(
          r.success,
          `${key(type)} ${what}: ${!r.success ? JSON.stringify(r.error.issues.slice(0, 3)) : ""}`,
        );
      }
      done.push(key(type));
    }
    assert.ok(done.length >= 35, `${done.length} kinds done`);
  });

  it("creates each kind the server only answers, and validates the answer", async () => {
    const all = answers(n, ns.name);
    for (const type of served) {
      const body = all[key(type)];
      if (!body) continue;
      const t = type as ResourceType<KubernetesObject>;
      const namespace = type.namespaced ? ns.name : undefined;
      const answer = await client.create(t, {
        apiVersion: type.apiVersion,
        kind: type.kind,
        metadata: { namespace },
        ...body,
      } as KubernetesObject);
      assert.ok(validate(t.schema, answer).success, key(type));
      assert.ok((answer as { status?: unknown }).status !== undefined, `${key(type)} has a status`);
    }
  });

  it("lists the kinds the server makes itself (ComponentStatus)", async () => {
    for (const type of served.filter((t) => LIST_ONLY.has(key(t)))) {
      const list = await client.list(type);
      for (const item of list.items) assert.ok(validate(type.schema, item).success, key(type));
    }
  });

  it("binds a pod to a node with a Binding (the pods/binding subresource's kind)", async () => {
    const Bindings = served.find((t) => key(t) === "v1 Binding");
    const Pods = allBuiltinResources.find((t) => key(t) === "v1 Pod")!;
    assert.ok(Bindings);
    const pod = `${n}-bound`;
    await client.create(Pods, {
      metadata: { name: pod, namespace: ns.name },
      spec: podSpec,
    } as KubernetesObject);
    cleanup.push(() => remove(Pods, pod, ns.name));
    // A real server answers a Binding with a Status, not the Binding: send it raw, and check the
    // body against the generated Binding schema.
    const binding = {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: pod, namespace: ns.name },
      target: { apiVersion: "v1", kind: "Node", name: `${n}-node` },
    };
    assert.ok(validate(Bindings.schema, binding).success);
    const raw = await rawRequester(await realConfig("admin"));
    const res = await raw.request("POST", `/api/v1/namespaces/${ns.name}/bindings`, binding);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const bound = (await client.get(Pods, pod, { namespace: ns.name })) as {
      spec?: { nodeName?: string };
    };
    assert.equal(bound.spec?.nodeName, `${n}-node`);
  });
});
