/**
 * How many calls one client may make, checked in the server before tRPC parses a call and
 * before any MySQL work. A "client" is one tRPC WebSocket, or over HTTP one bearer token
 * (the remote address when a request carries none). Every call counts: queries,
 * subscriptions, subscription stops and frames that are not calls at all.
 */
export interface CallBudgetSettings {
  /**
   * Calls a client may keep up per second: the refill of its bucket. A dispatcher's screen
   * makes a few calls a second; a flood makes hundreds. @default 50
   */
  callsPerSecond?: number;
  /**
   * Calls a client may make at once: the size of its bucket. Covers an app opening its
   * subscriptions and loading its lists at connect, or a socket resending every pending
   * subscription in one frame when it reconnects. Kept well below what would queue up on
   * the MySQL pool in front of other clients' calls. @default 100
   */
  burst?: number;
  /**
   * Refusals within `refusalWindowMs` after which a WebSocket is closed with 1008 (policy
   * violation): a client that keeps sending past its budget. @default 50
   */
  refusalsBeforeClose?: number;
  /** The window `refusalsBeforeClose` is counted in, in ms. @default 10_000 */
  refusalWindowMs?: number;
  /**
   * Most calls one HTTP batch may carry; a bigger batch is refused whole with BAD_REQUEST
   * before any of its calls runs. `@convoy/client` batches at most 20. @default 20
   */
  maxBatchCalls?: number;
}

export type CallBudgets = Required<CallBudgetSettings>;

export const DEFAULT_CALL_BUDGETS: CallBudgets = {
  callsPerSecond: 50,
  burst: 100,
  refusalsBeforeClose: 50,
  refusalWindowMs: 10_000,
  maxBatchCalls: 20,
};

/** The settings with every default filled in. */
export function resolveCallBudgets(settings: CallBudgetSettings = {}): CallBudgets {
  return {
    callsPerSecond: settings.callsPerSecond ?? DEFAULT_CALL_BUDGETS.callsPerSecond,
    burst: settings.burst ?? DEFAULT_CALL_BUDGETS.burst,
    refusalsBeforeClose: settings.refusalsBeforeClose ?? DEFAULT_CALL_BUDGETS.refusalsBeforeClose,
    refusalWindowMs: settings.refusalWindowMs ?? DEFAULT_CALL_BUDGETS.refusalWindowMs,
    maxBatchCalls: settings.maxBatchCalls ?? DEFAULT_CALL_BUDGETS.maxBatchCalls,
  };
}

/** The sentence a refused call carries, naming the budget so a developer knows what to change. */
export function overBudgetMessage(budgets: CallBudgets, retryInMs: number, who: string): string {
  const seconds = Math.max(1, Math.ceil(retryInMs / 1000));
  return `Too many calls from ${who}: at most ${budgets.callsPerSecond} a second (${budgets.burst} at once); try again in ${seconds} s`;
}
