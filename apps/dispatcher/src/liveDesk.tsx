import { idSegment } from "@convoy/ui";
import { FleetPage } from "./fleetPage";
import { PlacesPage } from "./placesPage";
import { TripsPage } from "./tripsPage";

/** The live-operations pages: #/fleet, #/places, #/trips and #/trips/:tripId. */
export type LiveDeskRoute = { page: "fleet" } | { page: "places" } | { page: "trips"; tripId: number | null };

/** The live-desk route the hash names, or null for the app's other pages. */
export function parseLiveDeskRoute(segments: string[]): LiveDeskRoute | null {
  if (segments[0] === "fleet") return { page: "fleet" };
  if (segments[0] === "places") return { page: "places" };
  if (segments[0] === "trips") return { page: "trips", tripId: idSegment(segments[1]) };
  return null;
}

export function LiveDesk({ route, navigate }: { route: LiveDeskRoute; navigate: (route: string) => void }) {
  if (route.page === "fleet") return <FleetPage />;
  if (route.page === "places") return <PlacesPage />;
  return <TripsPage tripId={route.tripId} navigate={navigate} />;
}
