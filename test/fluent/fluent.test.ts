// kubeloop/fluent: kubernetes-fluent-client model classes as kubeloop resource types.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GenericKind, kind, RegisterKind } from "kubernetes-fluent-client";
import { type FluentModel, FluentModelError, fromFluentModel } from "../../src/fluent/mod.ts";
import {
  ConfigMaps,
  createInformer,
  EndpointsResource,
  KubeClient,
  Namespaces,
  Pods,
  type ResourceType,
  validate,
} from "../../src/mod.ts";
import { FakeApiServer } from "../../src/testing/mod.ts";

class Widget extends GenericKind {
  spec?: { size: number };
}
RegisterKind(Widget, { group: "example.com", version: "v1", kind: "Widget", plural: "widgets" });

class Gadget extends GenericKind {}

describe("fromFluentModel", () => {
  it("maps built-in kind.* classes to kubeloop's built-in types", () => {
    const pairs: [FluentModel, ResourceType][] = [
      [kind.Pod, Pods],
      [kind.ConfigMap, ConfigMaps],
      [kind.Namespace, Namespaces],
      [kind.Endpoints, EndpointsResource],
    ];
    for (const [model, builtin] of pairs) {
      const t = fromFluentModel(model);
      assert.equal(t.apiVersion, builtin.apiVersion);
      assert.equal(t.kind, builtin.kind);
      assert.equal(t.plural, builtin.plural);
      assert.equal(t.namespaced, builtin.namespaced);
      assert.equal(t.schema, builtin.schema);
    }
    assert.equal(fromFluentModel(kind.Deployment).apiVersion, "apps/v1");
  });

  it("uses fluent-client's GVK for kinds kubeloop does not ship", () => {
    const t = fromFluentModel(kind.ClusterRole, { namespaced: false });
    assert.equal(t.apiVersion, "rbac.authorization.k8s.io/v1");
    assert.equal(t.plural, "clusterroles");
    assert.equal(t.namespaced, false);
  });

  it("maps a RegisterKind'ed CRD class with a loose, metadata-validating schema", () => {
    const Widgets = fromFluentModel(Widget);
    assert.equal(Widgets.apiVersion, "example.com/v1");
    assert.equal(Widgets.plural, "widgets");
    assert.equal(Widgets.namespaced, true);
    const ok = validate(Widgets.schema, {
      metadata: { name: "w", namespace: "default" },
      spec: { size: 3 },
      extra: true,
    });
    assert.equal(ok.success, true);
    assert.deepEqual(ok.data?.spec, { size: 3 });
    assert.equal(validate(Widgets.schema, { metadata: { name: 42 } }).success, false);
    assert.equal(validate(Widgets.schema, { spec: {} }).success, false);
  });

  it("needs a GVK for an unregistered class", () => {
    assert.throws(() => fromFluentModel(Gadget), FluentModelError);
    const t = fromFluentModel(Gadget, {
      gvk: { group: "example.com", version: "v1alpha1", kind: "Gadget" },
    });
    assert.equal(t.apiVersion, "example.com/v1alpha1");
    assert.equal(t.plural, "gadgets");
  });

  describe("watching a fluent CRD type with a kubeloop informer", () => {
    const server = new FakeApiServer();
    after(() => server.close());

    it("lists, validates and follows changes", async () => {
      const Widgets = fromFluentModel(Widget);
      server.register(Widgets);
      server.create(Widgets, { metadata: { name: "a", namespace: "default" }, spec: { size: 1 } });
      const client = new KubeClient({ server: "http://fake", fetch: server.fetch });
      const informer = createInformer(client, Widgets);
      const stop = new AbortController();
      const running = informer.run(stop.signal);
      try {
        assert.equal(await informer.waitForSync(AbortSignal.timeout(5000)), true);
        assert.equal(informer.store.get("default/a")?.spec?.size, 1);
        const updated = new Promise<number | undefined>((resolve) =>
          informer.addEventHandler({ onUpdate: (_old, obj) => resolve(obj.spec?.size) }),
        );
        const a = server.get(Widgets, "a", "default")!;
        server.update(Widgets, { ...a, spec: { size: 2 } });
        assert.equal(await updated, 2);
      } finally {
        stop.abort();
        await running;
      }
    });
  });
});
