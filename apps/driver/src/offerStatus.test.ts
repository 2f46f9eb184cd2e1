import { describe, expect, it } from "vitest";
import { driverOfferState, headlineRateCents } from "./offerStatus";

const recipient = (status: "sent" | "countered" | "accepted" | "lost", counterRateCents: number | null = null) =>
  ({ status, counterRateCents }) as Parameters<typeof driverOfferState>[1];

describe("an offer's headline rate", () => {
  it("is the agreed rate once the driver won, e.g. their counter", () => {
    const offer = { status: "accepted" as const, rateCents: 18_000, agreedRateCents: 22_000 };
    const state = driverOfferState(offer, recipient("accepted"));
    expect(state.key).toBe("won");
    expect(headlineRateCents(offer, state)).toBe(22_000);
  });

  it("is the offered rate while the offer is open, countered or not, and when it went elsewhere", () => {
    const open = { status: "open" as const, rateCents: 18_000, agreedRateCents: null };
    expect(headlineRateCents(open, driverOfferState(open, recipient("sent")))).toBe(18_000);
    expect(headlineRateCents(open, driverOfferState(open, recipient("countered", 22_000)))).toBe(18_000);
    const lost = { status: "accepted" as const, rateCents: 18_000, agreedRateCents: 20_000 };
    expect(headlineRateCents(lost, driverOfferState(lost, recipient("lost")))).toBe(18_000);
  });
});
