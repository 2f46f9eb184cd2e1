import type { Unsubscribable } from "@trpc/server/observable";

/** Collects what a subscription yields, with a way to wait for a condition. */
export interface Collected<T> {
  items: T[];
  errors: unknown[];
  started: Promise<void>;
  /** Resolves when `predicate(items)` holds; rejects after `timeoutMs`. */
  until: (predicate: (items: T[]) => boolean, timeoutMs?: number) => Promise<T[]>;
  stop: () => void;
}

type Subscribe<T> = (handlers: { onStarted: () => void; onData: (value: T) => void; onError: (error: unknown) => void }) => Unsubscribable;

/** Starts a subscription and records every item and error. */
export function collect<T>(subscribe: Subscribe<T>): Collected<T> {
  const items: T[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const notify = () => waiters.forEach((check) => check());
  const subscription = subscribe({
    onStarted: () => markStarted(),
    onData: (value) => {
      items.push(value);
      notify();
    },
    onError: (error) => {
      errors.push(error);
      notify();
    },
  });
  return {
    items,
    errors,
    started,
    stop: () => subscription.unsubscribe(),
    until(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(items)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(items);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`condition not met in ${timeoutMs} ms; got ${items.length} items, errors: ${errors.map(String).join(", ")}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/**
 * A tRPC client subscription method, e.g. `client.api.chat.events.subscribe`. It has two
 * overloads (callbacks → `Unsubscribable`, none → an async iterator); TypeScript infers from
 * the last, so the item type is read from the iterator's and the method is called with callbacks.
 */
type SubscribeMethod<I, T> = (input: I) => AsyncIterable<T>;

type SubscribeWithCallbacks<I, T> = (
  input: I,
  handlers: { onStarted: () => void; onData: (value: T) => void; onError: (error: unknown) => void },
) => Unsubscribable;

/** `collect` with the item type inferred from the procedure: `collectFrom(api.chat.events.subscribe, input)`. */
export function collectFrom<I, T>(subscribe: SubscribeMethod<I, T>, input: I): Collected<T> {
  const withCallbacks = subscribe as unknown as SubscribeWithCallbacks<I, T>;
  return collect<T>((handlers) => withCallbacks(input, handlers));
}
