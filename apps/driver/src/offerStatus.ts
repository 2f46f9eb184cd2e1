import { formatMoney } from "@convoy/ui";
import type { RouterOutputs } from "@convoy/api";

export type DriverOffer = RouterOutputs["offers"]["byId"];
type Recipient = DriverOffer["recipients"][number];

/** Where an offer stands for this driver, as one word (for styling and tests) and a label. */
export interface DriverOfferState {
  key: "new" | "viewed" | "countered" | "won" | "lost" | "withdrawn" | "expired" | "rejected";
  label: string;
  /** Whether the driver can still answer. */
  open: boolean;
}

/** The driver's view of an offer: their own recipient row decides, then the offer's status. */
export function driverOfferState(offer: Pick<DriverOffer, "status" | "agreedRateCents">, me: Recipient | null | undefined): DriverOfferState {
  switch (me?.status) {
    case "accepted":
      return { key: "won", label: offer.agreedRateCents === null ? "Won" : `Won at ${formatMoney(offer.agreedRateCents)}`, open: false };
    case "lost":
      return { key: "lost", label: "Lost", open: false };
    case "withdrawn":
      return { key: "withdrawn", label: "Withdrawn", open: false };
    case "rejected":
      return { key: "rejected", label: "Rejected", open: false };
    default:
      break;
  }
  if (offer.status === "expired") return { key: "expired", label: "Expired", open: false };
  if (offer.status !== "open") return { key: "withdrawn", label: "Withdrawn", open: false };
  if (me?.status === "countered") {
    return { key: "countered", label: me.counterRateCents === null ? "Countered" : `Countered ${formatMoney(me.counterRateCents)}`, open: true };
  }
  return me?.status === "viewed" ? { key: "viewed", label: "Viewed", open: true } : { key: "new", label: "New", open: true };
}

/** What the outcome banner says once an offer is decided for this driver. */
export function outcomeMessage(state: DriverOfferState, offer: Pick<DriverOffer, "agreedRateCents">): string | null {
  switch (state.key) {
    case "won":
      return offer.agreedRateCents === null ? "You won this load" : `You won this load at ${formatMoney(offer.agreedRateCents)}`;
    case "lost":
      return "Lost: the load went to another driver";
    case "withdrawn":
      return "Withdrawn by the dispatcher";
    case "expired":
      return "Expired before it was taken";
    case "rejected":
      return "You rejected this offer";
    default:
      return null;
  }
}

/**
 * The rate an offer's headline shows: what the driver won it at once it is theirs (their
 * counter, when the dispatcher took it), else what the dispatcher offers.
 */
export function headlineRateCents(offer: Pick<DriverOffer, "rateCents" | "agreedRateCents">, state: DriverOfferState): number {
  return state.key === "won" && offer.agreedRateCents !== null ? offer.agreedRateCents : offer.rateCents;
}
