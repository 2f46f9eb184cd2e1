import { ChatWindow, errorMessage, trpc, useSignedInUser } from "@convoy/ui";

/** The driver's chat with the dispatcher about one offer, filling the phone screen. */
export function OfferChatScreen({ offerId }: { offerId: number }) {
  const me = useSignedInUser();
  const offer = trpc.offers.byId.useQuery({ offerId });
  const dispatcherName = offer.data?.dispatcher.name ?? "Dispatcher";

  return (
    <div className="driver-chat">
      <div className="driver-chat__head">
        <a className="driver-back" href={`#/offers/${offerId}`}>
          ← Offer #{offerId}
        </a>
        <h1>{dispatcherName}</h1>
      </div>
      {offer.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(offer.error)}
        </p>
      )}
      <ChatWindow thread={{ offerId, driverId: me.id }} me={{ id: me.id, role: "driver" }} peerName={dispatcherName} />
    </div>
  );
}
