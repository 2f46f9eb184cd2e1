import { describe, expect, it } from "vitest";
import { recipientStatuses } from "@convoy/db";
import { isActiveRecipient, RECIPIENT_TRANSITIONS, transition, type RecipientAction } from "./recipientStates";

const actions: RecipientAction[] = ["view", "accept", "reject", "counter", "acceptCounter", "lose", "withdraw"];

describe("recipient state machine", () => {
  it("has no way out of a final state", () => {
    for (const status of ["accepted", "rejected", "lost", "withdrawn"] as const) {
      for (const action of actions) expect(transition(status, action).ok, `${status} → ${action}`).toBe(false);
      expect(isActiveRecipient(status)).toBe(false);
    }
  });

  it("lets every active recipient answer, lose or be withdrawn", () => {
    for (const status of ["sent", "viewed", "countered"] as const) {
      expect(isActiveRecipient(status)).toBe(true);
      expect(transition(status, "accept")).toEqual({ ok: true, to: "accepted" });
      expect(transition(status, "reject")).toEqual({ ok: true, to: "rejected" });
      expect(transition(status, "counter")).toEqual({ ok: true, to: "countered" });
      expect(transition(status, "lose")).toEqual({ ok: true, to: "lost" });
      expect(transition(status, "withdraw")).toEqual({ ok: true, to: "withdrawn" });
    }
  });

  it("never moves a driver backwards on view, and only a counter can be accepted as one", () => {
    expect(transition("sent", "view")).toEqual({ ok: true, to: "viewed" });
    expect(transition("viewed", "view")).toEqual({ ok: true, to: "viewed" });
    expect(transition("countered", "view")).toEqual({ ok: true, to: "countered" });
    expect(transition("countered", "acceptCounter")).toEqual({ ok: true, to: "accepted" });
    expect(transition("viewed", "acceptCounter")).toEqual({
      ok: false,
      reason: "This driver has no counter offer to accept (their response is: viewed)",
    });
  });

  it("says why a move is refused", () => {
    expect(transition("rejected", "accept")).toEqual({ ok: false, reason: "You cannot accept this offer: you already rejected it" });
    expect(transition("withdrawn", "counter")).toEqual({ ok: false, reason: "You cannot counter this offer: the dispatcher withdrew it" });
  });

  it("covers every recipient status", () => {
    expect(Object.keys(RECIPIENT_TRANSITIONS).sort()).toEqual([...recipientStatuses].sort());
  });
});
