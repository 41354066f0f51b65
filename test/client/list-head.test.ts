// The continue token read from the head of a list response: a hint for pipelined paging, so anything that
// does not look like a list head yields nothing (the parsed page decides).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { continueFromListHead } from "../../src/client/list-head.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("continueFromListHead", () => {
  it("reads metadata.continue from the text before the items", () => {
    const head =
      '{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ","remainingItemCount":3},"items":[{"metadata":{"name":"a","ann';
    assert.equal(continueFromListHead(bytes(head)), "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ");
  });

  it("yields nothing for a last page, a cut head, or a head that is not a list's", () => {
    const none = [
      '{"kind":"PodList","metadata":{"resourceVersion":"7"},"items":[',
      '{"kind":"PodList","metadata":{"resourceVersion":"7","contin',
      '{"kind":"PodList","metadata":{"continue":""},"items":[',
      '{"kind":"PodList","metadata":{"continue":42},"items":[',
      '{"kind":"PodList","metadata":"x","items":[',
      '[{"metadata":{"continue":"x"}},"items":[',
      '{"kind":"PodList","metadata":{"continue":"a"} trailing,"items":[',
      "",
    ];
    for (const head of none) assert.equal(continueFromListHead(bytes(head)), undefined, head);
  });

  it("does not take an items key inside a string, and looks at most 16 KiB", () => {
    const escaped = '{"metadata":{"continue":"a\\",\\"items\\":[","selfLink":"x"},"items":[';
    assert.equal(continueFromListHead(bytes(escaped)), 'a","items":[');
    const far = `{"metadata":{"selfLink":"${"x".repeat(20_000)}","continue":"c"},"items":[`;
    assert.equal(continueFromListHead(bytes(far)), undefined);
  });
});
