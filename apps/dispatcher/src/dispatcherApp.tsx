import { AppShell, idSegment, NotificationsToggle, trpc, UnreadBadge, useHashRoute } from "@convoy/ui";
import { ApiKeysPage } from "./apiKeysPage";
import { DriversPage } from "./driversPage";
import { LiveDesk, parseLiveDeskRoute, type LiveDeskRoute } from "./liveDesk";
import { useDispatcherNotifications } from "./notifications";
import { OffersPage } from "./offersPage";
import { PresenceProvider } from "./presence";

/** Routes: #/drivers (the default), #/offers, #/offers/:offerId, #/offers/:offerId/drivers/:driverId, #/keys. */
function parseRoute(segments: string[]) {
  if (segments[0] === "keys") return { page: "keys" as const, offerId: null, driverId: null };
  if (segments[0] !== "offers") return { page: "drivers" as const, offerId: null, driverId: null };
  const offerId = idSegment(segments[1]);
  const driverId = offerId !== null && segments[2] === "drivers" ? idSegment(segments[3]) : null;
  return { page: "offers" as const, offerId, driverId };
}

function Nav({ page }: { page: "drivers" | "offers" | "keys" | LiveDeskRoute["page"] }) {
  const unread = trpc.chat.unreadCount.useQuery();
  return (
    <nav className="convoy-nav" aria-label="Sections">
      <a className="convoy-nav__tab" href="#/drivers" aria-current={page === "drivers" ? "page" : undefined}>
        Drivers
      </a>
      <a className="convoy-nav__tab" href="#/offers" aria-current={page === "offers" ? "page" : undefined}>
        Offers
        <UnreadBadge count={unread.data?.unread ?? 0} />
      </a>
      <a className="convoy-nav__tab" href="#/fleet" aria-current={page === "fleet" ? "page" : undefined}>
        Fleet
      </a>
      <a className="convoy-nav__tab" href="#/trips" aria-current={page === "trips" ? "page" : undefined}>
        Trips
      </a>
      <a className="convoy-nav__tab" href="#/places" aria-current={page === "places" ? "page" : undefined}>
        Places
      </a>
      <a className="convoy-nav__tab" href="#/keys" aria-current={page === "keys" ? "page" : undefined}>
        API keys
      </a>
      <NotificationsToggle />
    </nav>
  );
}

/** The signed-in dispatcher app: drivers table, offers desk, fleet map, trips and places, with live toasts. */
export function DispatcherApp({ title }: { title: string }) {
  const { segments, navigate } = useHashRoute();
  const route = parseRoute(segments);
  const liveDesk = parseLiveDeskRoute(segments);
  useDispatcherNotifications();

  return (
    <PresenceProvider>
      <AppShell title={title} nav={<Nav page={liveDesk?.page ?? route.page} />} wide fill={liveDesk?.page === "fleet" || liveDesk?.page === "places"}>
        {liveDesk ? (
          <LiveDesk route={liveDesk} navigate={navigate} />
        ) : route.page === "keys" ? (
          <ApiKeysPage />
        ) : route.page === "drivers" ? (
          <DriversPage onOfferCreated={(offerId) => navigate(`/offers/${offerId}`)} />
        ) : (
          <OffersPage offerId={route.offerId} driverId={route.driverId} navigate={navigate} />
        )}
      </AppShell>
    </PresenceProvider>
  );
}
