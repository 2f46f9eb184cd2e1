import { AppShell, idSegment, NotificationsToggle, trpc, UnreadBadge, useHashRoute } from "@convoy/ui";
import { DriverHome } from "./driverHome";
import { DriverLiveProvider } from "./driverLive";
import { useDriverNotifications } from "./notifications";
import { OfferChatScreen } from "./offerChatScreen";
import { OfferScreen } from "./offerScreen";

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

/** Routes: #/ (home and inbox), #/offers/:offerId, #/offers/:offerId/chat. */
export function DriverApp({ title }: { title: string }) {
  const { segments } = useHashRoute();
  useDriverNotifications();
  const offerId = segments[0] === "offers" ? idSegment(segments[1]) : null;

  let screen;
  if (offerId === null) screen = <DriverHome />;
  else if (segments[2] === "chat") screen = <OfferChatScreen offerId={offerId} />;
  else screen = <OfferScreen key={offerId} offerId={offerId} />;

  return (
    <DriverLiveProvider>
      <AppShell title={title} nav={<Nav />}>
        {screen}
      </AppShell>
    </DriverLiveProvider>
  );
}
