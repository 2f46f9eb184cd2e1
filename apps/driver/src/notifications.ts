import { formatMoney, messagePreview, useOfferEvents, useToast, useUnseenMessages } from "@convoy/ui";
import { beep } from "./sound";

/** Toasts (and the optional beep) for new offers, their outcomes, and messages not on screen. */
export function useDriverNotifications(): void {
  const toast = useToast();

  useOfferEvents((event) => {
    switch (event.type) {
      case "offer.received":
        beep();
        toast(
          `${event.offer.kind === "ride" ? "New ride request" : "New offer"}: ${event.offer.pickup.address} → ${event.offer.dropoff.address}, ${formatMoney(event.offer.rateCents)}`,
        );
        break;
      case "offer.won":
        toast(`You won offer #${event.offerId} at ${formatMoney(event.agreedRateCents)}`, { tone: "success" });
        break;
      case "offer.lost":
        toast(`Offer #${event.offerId} went to another driver`);
        break;
      case "offer.withdrawn":
        toast(`Offer #${event.offerId} was withdrawn by the dispatcher`);
        break;
      case "offer.expired":
        toast(`Offer #${event.offerId} expired`);
        break;
      default:
        break;
    }
  });

  useUnseenMessages((event) => {
    toast(`Dispatcher (offer #${event.offerId}): ${messagePreview(event.message.body)}`);
  });
}
