import { formatMoney, messagePreview, trpc, useOfferEvents, useToast, useUnseenMessages } from "@convoy/ui";

/**
 * Toasts for what needs the dispatcher's attention: counters, drivers accepting, offers
 * expiring, and messages in a thread that is not on screen.
 */
export function useDispatcherNotifications(): void {
  const toast = useToast();
  const utils = trpc.useUtils();

  const driverName = async (offerId: number, driverId: number): Promise<string> => {
    try {
      const offer = await utils.offers.byId.fetch({ offerId });
      return offer.recipients.find((recipient) => recipient.driverId === driverId)?.driverName ?? `Driver ${driverId}`;
    } catch {
      return `Driver ${driverId}`;
    }
  };

  useOfferEvents((event) => {
    switch (event.type) {
      case "offer.countered":
        void driverName(event.offerId, event.driverId).then((name) =>
          toast(`${name} countered offer #${event.offerId} at ${formatMoney(event.counterRateCents)}`),
        );
        break;
      case "offer.rejected":
        void driverName(event.offerId, event.driverId).then((name) => toast(`${name} rejected offer #${event.offerId}`));
        break;
      case "offer.accepted":
        // An accepted counter was this dispatcher's own click, which toasts already.
        if (event.via === "driver") {
          toast(`${event.driverName} accepted offer #${event.offerId} at ${formatMoney(event.agreedRateCents)}`, { tone: "success" });
        }
        break;
      case "offer.expired":
        toast(`Offer #${event.offerId} expired`);
        break;
      default:
        break;
    }
  });

  useUnseenMessages((event) => {
    void driverName(event.offerId, event.driverId).then((name) => toast(`${name} (offer #${event.offerId}): ${messagePreview(event.message.body)}`));
  });
}
