import { useEffect } from "react";
import { AppShell, idSegment, NotificationsToggle, trpc, UnreadBadge, useHashRoute } from "@convoy/ui";
import { DriverHome } from "./driverHome";
import { DriverLiveProvider, useDriverLive } from "./driverLive";
import { useDriverNotifications } from "./notifications";
import { OfferChatScreen } from "./offerChatScreen";
import { INBOX_SIZE } from "./offerInbox";
import { OfferScreen } from "./offerScreen";
import { useOfflineRecord, useOfflineStore, useOnline, useQueueSender } from "./offline/offlineContext";
import { OfflineHome, QueueStatus } from "./offline/offlineScreens";

/** Unread messages over every offer, beside the way back to the inbox. */
function Nav() {
  const unread = trpc.chat.unreadCount.useQuery();
  return (
    <nav className="convoy-nav" aria-label="Sections">
      <a className="convoy-nav__tab" href="#/">
        Offers
        <UnreadBadge count={unread.data?.unread ?? 0} />
      </a>
      <NotificationsToggle />
    </nav>
  );
}

/** Keeps the trip and the inbox as the server last sent them, for when the app opens offline. */
function useSaveForOffline(): void {
  const store = useOfflineStore();
  const owner = useOfflineRecord()?.user.id;
  const { activeTrip, tripLoaded } = useDriverLive();
  const offers = trpc.offers.list.useQuery({ limit: INBOX_SIZE });
  useEffect(() => {
    if (owner === undefined || !tripLoaded || !offers.data) return;
    store.save({ savedAt: Date.now(), activeTrip, offers: offers.data.items });
  }, [store, owner, activeTrip, tripLoaded, offers.data]);
}

/** The screens; with no network, what the driver last saw and what they can queue instead. */
function Screens() {
  const { segments } = useHashRoute();
  const online = useOnline();
  const record = useOfflineRecord();
  useSaveForOffline();
  useQueueSender();
  if (!online && record) return <OfflineHome record={record} />;

  const offerId = segments[0] === "offers" ? idSegment(segments[1]) : null;
  let screen;
  if (offerId === null) screen = <DriverHome />;
  else if (segments[2] === "chat") screen = <OfferChatScreen offerId={offerId} />;
  else screen = <OfferScreen key={offerId} offerId={offerId} />;
  return (
    <>
      <QueueStatus />
      {screen}
    </>
  );
}

/** Routes: #/ (home and inbox), #/offers/:offerId, #/offers/:offerId/chat. */
export function DriverApp({ title }: { title: string }) {
  useDriverNotifications();
  return (
    <DriverLiveProvider>
      <AppShell title={title} nav={<Nav />}>
        <Screens />
      </AppShell>
    </DriverLiveProvider>
  );
}
