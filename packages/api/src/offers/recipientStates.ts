import type { RecipientStatus } from "@convoy/db";

/**
 * What can happen to one driver's copy of an offer. `view`, `accept`, `reject` and
 * `counter` are the driver's own moves; `acceptCounter` is the dispatcher agreeing to
 * their counter; `lose` and `withdraw` happen to them when another driver wins or the
 * dispatcher cancels.
 */
export type RecipientAction = "view" | "accept" | "reject" | "counter" | "acceptCounter" | "lose" | "withdraw";

/** Recipients still in play: they can still answer, win, lose or be withdrawn. */
export const ACTIVE_RECIPIENT_STATUSES = ["sent", "viewed", "countered"] as const satisfies readonly RecipientStatus[];

/**
 * The allowed transitions, one row per current status. A missing entry is a refused move.
 * `view` never moves a driver backwards: viewing after countering keeps `countered`.
 * A counter may be revised (`countered` → `countered`) and withdrawn by rejecting.
 * Accepted, rejected, lost and withdrawn are final.
 */
export const RECIPIENT_TRANSITIONS: Readonly<Record<RecipientStatus, Partial<Record<RecipientAction, RecipientStatus>>>> = {
  sent: {
    view: "viewed",
    accept: "accepted",
    reject: "rejected",
    counter: "countered",
    lose: "lost",
    withdraw: "withdrawn",
  },
  viewed: {
    view: "viewed",
    accept: "accepted",
    reject: "rejected",
    counter: "countered",
    lose: "lost",
    withdraw: "withdrawn",
  },
  countered: {
    view: "countered",
    accept: "accepted",
    reject: "rejected",
    counter: "countered",
    acceptCounter: "accepted",
    lose: "lost",
    withdraw: "withdrawn",
  },
  accepted: {},
  rejected: {},
  lost: {},
  withdrawn: {},
};

export type TransitionResult = { ok: true; to: RecipientStatus } | { ok: false; reason: string };

/** Why a driver's own move is refused, from where they stand. */
const DRIVER_REASON: Record<RecipientStatus, string> = {
  sent: "you have not opened it yet",
  viewed: "you have not answered it yet",
  countered: "you have a counter offer on it",
  accepted: "you already accepted it",
  rejected: "you already rejected it",
  lost: "another driver won it",
  withdrawn: "the dispatcher withdrew it",
};

const VERB: Record<RecipientAction, string> = {
  view: "view",
  accept: "accept",
  reject: "reject",
  counter: "counter",
  acceptCounter: "accept a counter on",
  lose: "close",
  withdraw: "withdraw",
};

/** Looks `action` up in the table; a refusal carries a sentence saying why. */
export function transition(from: RecipientStatus, action: RecipientAction): TransitionResult {
  const to = RECIPIENT_TRANSITIONS[from][action];
  if (to) return { ok: true, to };
  if (action === "acceptCounter") {
    return { ok: false, reason: `This driver has no counter offer to accept (their response is: ${from})` };
  }
  return { ok: false, reason: `You cannot ${VERB[action]} this offer: ${DRIVER_REASON[from]}` };
}

/** True while the driver can still answer or be chosen. */
export function isActiveRecipient(status: RecipientStatus): boolean {
  return (ACTIVE_RECIPIENT_STATUSES as readonly RecipientStatus[]).includes(status);
}
