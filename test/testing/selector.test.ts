import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  labelSelectorFromObject,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorParseError,
} from "../../src/util/selector.ts";

describe("label selectors", () => {
  it("parses every operator", () => {
    const sel = parseLabelSelector("a=1, b==2,c!=3,d in (x, y),e notin (z),f,!g,h>5,i<7");
    assert.deepEqual(
      sel.requirements.map((r) => [r.key, r.operator, [...r.values]]),
      [
        ["a", "=", ["1"]],
        ["b", "=", ["2"]],
        ["c", "!=", ["3"]],
        ["d", "in", ["x", "y"]],
        ["e", "notin", ["z"]],
        ["f", "exists", []],
        ["g", "!", []],
        ["h", "gt", ["5"]],
        ["i", "lt", ["7"]],
      ],
    );
    assert.equal(sel.toString(), "a=1,b=2,c!=3,d in (x,y),e notin (z),f,!g,h>5,i<7");
    assert.deepEqual(parseLabelSelector(sel.toString()).requirements, sel.requirements);
  });

  it("matches like the API server", () => {
    assert.equal(matchLabels("app=web", { app: "web" }), true);
    assert.equal(matchLabels("app=web", { app: "db" }), false);
    assert.equal(matchLabels("app=web", undefined), false);
    assert.equal(matchLabels("app!=web", {}), true, "!= matches a missing key");
    assert.equal(matchLabels("env notin (prod)", {}), true, "notin matches a missing key");
    assert.equal(matchLabels("env in (prod,dev)", { env: "dev" }), true);
    assert.equal(matchLabels("env in (prod,dev)", {}), false);
    assert.equal(matchLabels("canary", { canary: "" }), true);
    assert.equal(matchLabels("!canary", { canary: "" }), false);
    assert.equal(matchLabels("!canary", undefined), true);
    assert.equal(matchLabels("n>3", { n: "4" }), true);
    assert.equal(matchLabels("n<3", { n: "x" }), false);
    assert.equal(matchLabels("", { any: "thing" }), true);
    assert.equal(matchLabels("a=", { a: "" }), true, "empty value");
    assert.equal(matchLabels("example.com/tier=web", { "example.com/tier": "web" }), true);
  });

  it("throws SelectorParseError on bad input", () => {
    for (const bad of [
      "a in (b",
      "a in b",
      "=x",
      "a=b c",
      "a==",
      "a b",
      "-a=1",
      "a=-b-",
      "a>x",
      "a,,b",
      "a in (b,,c",
    ]) {
      if (bad === "a==") {
        // "a==" is a valid selector: key a, empty value
        assert.equal(parseLabelSelector(bad).requirements[0]?.values[0], "");
        continue;
      }
      assert.throws(() => parseLabelSelector(bad), SelectorParseError, bad);
    }
    try {
      parseLabelSelector("a in (b");
    } catch (e) {
      assert.ok(e instanceof SelectorParseError);
      assert.equal(e.selector, "a in (b");
    }
  });

  it("builds from a LabelSelector object", () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["a", "b"] },
        { key: "old", operator: "DoesNotExist" },
      ],
    });
    assert.equal(sel.toString(), "app=web,tier in (a,b),!old");
    assert.equal(sel.matches({ app: "web", tier: "b" }), true);
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Bogus" }] }),
      SelectorParseError,
    );
  });
});

describe("field selectors", () => {
  it("parses and matches metadata fields", () => {
    const obj = { metadata: { name: "web", namespace: "default" } };
    assert.equal(matchFields("metadata.name=web", obj), true);
    assert.equal(matchFields("metadata.name==web", obj), true);
    assert.equal(matchFields("metadata.name!=web", obj), false);
    assert.equal(matchFields("metadata.namespace=default,metadata.name=web", obj), true);
    assert.equal(matchFields("metadata.namespace!=kube-system", obj), true);
    assert.equal(matchFields("", obj), true);
    const sel = parseFieldSelector("metadata.name=a\\,b");
    assert.equal(sel.requirements[0]?.value, "a,b");
    assert.equal(sel.toString(), "metadata.name=a\\,b");
  });

  it("throws SelectorParseError on bad input", () => {
    for (const bad of ["metadata.name", "=x", "a=b=c", "a=b\\x"]) {
      assert.throws(() => parseFieldSelector(bad), SelectorParseError, bad);
    }
  });
});
