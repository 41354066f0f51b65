/**
 * A work queue with delayed adds: `addAfter(item, ms)` keeps items on a
 * binary min-heap ordered by deadline and runs a single timer, on the injected
 * clock, for the earliest deadline.
 *
 * @module
 */
import type { Timer } from "../util/clock.ts";
import { WorkQueue, type WorkQueueOptions } from "./workqueue.ts";

interface Waiting<K> {
  readonly item: K;
  at: number;
  readonly seq: number;
  index: number;
}

function before<K>(a: Waiting<K>, b: Waiting<K>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * A {@link WorkQueue} whose items can be added after a delay.
 *
 * Waiting items live on a binary min-heap keyed by deadline (ties in the
 * order they were added); one clock timer is armed for the earliest deadline.
 * Adding an item that is already waiting keeps the earlier of the two
 * deadlines. Shutting down cancels the timer and forgets waiting items.
 *
 * @example
 * ```ts
 * import { DelayingQueue, FakeClock } from "kubeloop";
 * const clock = new FakeClock();
 * const queue = new DelayingQueue<string>({ clock });
 * queue.addAfter("default/web", 1000);
 * queue.length; // 0
 * await clock.advance(1000);
 * queue.length; // 1
 * queue.shutDown();
 * ```
 */
export class DelayingQueue<K extends NonNullable<unknown> = string> extends WorkQueue<K> {
  readonly #heap: Waiting<K>[] = [];
  readonly #waiting = new Map<K, Waiting<K>>();
  #seq = 0;
  #timer: Timer | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  /** Create an empty delaying queue; `options` are those of {@link WorkQueue}. */
  constructor(options: WorkQueueOptions = {}) {
    super(options);
  }

  /** Number of items waiting for their delay to pass. */
  get waiting(): number {
    return this.#heap.length;
  }

  /**
   * Add `item` once `ms` milliseconds have passed on the clock (immediately if
   * `ms <= 0`). If the item is already waiting, the earlier deadline wins.
   * Ignored once the queue is shutting down.
   */
  addAfter(item: K, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(item);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.#waiting.get(item);
    if (existing !== undefined) {
      if (at >= existing.at) return;
      existing.at = at;
      this.#siftUp(existing.index);
    } else {
      const entry: Waiting<K> = { item, at, seq: this.#seq++, index: this.#heap.length };
      this.#heap.push(entry);
      this.#waiting.set(item, entry);
      this.#siftUp(entry.index);
    }
    this.#arm();
  }

  /**
   * Shut the queue down (see {@link WorkQueue.shutDown}), also cancelling the
   * delay timer and discarding every item still waiting for its delay.
   */
  override shutDown(): void {
    if (this.shuttingDown) return;
    super.shutDown();
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#heap.length = 0;
    this.#waiting.clear();
  }

  /** Make sure one timer is armed for the earliest deadline. */
  #arm(): void {
    const top = this.#heap[0];
    if (top === undefined) {
      this.#timer?.cancel();
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      return;
    }
    if (this.#timer !== undefined && this.#timerAt <= top.at) return;
    this.#timer?.cancel();
    this.#timerAt = top.at;
    this.#timer = this.clock.setTimer(() => this.#fire(), top.at - this.clock.now());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || top.at > now) break;
      this.#pop();
      this.#waiting.delete(top.item);
      this.add(top.item);
    }
    this.#arm();
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    last.index = 0;
    this.#siftDown(0);
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const entry = heap[i]!;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!before(entry, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = parentIndex;
    }
    heap[i] = entry;
    entry.index = i;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const entry = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      if (r < n && before(heap[r]!, heap[l]!)) child = r;
      const c = heap[child]!;
      if (!before(c, entry)) break;
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = entry;
    entry.index = i;
  }
}
