/**
 * The words the three apps share for what dispatch deals in, so a dispatcher, a driver and a
 * rider name the same thing the same way:
 *
 * - an **offer** is what drivers are sent and answer (a load or a ride): "Offer #12";
 * - a **load** is the freight an offer carries (weight, dimensions), never a number of its own;
 * - a **trip** is what an offer becomes once a driver has it: "Trip #7";
 * - **pickup** and **dropoff** are a trip's two places, drawn as P and D on every map.
 */

/** How an offer is referred to on its own, e.g. in a heading: "Offer #12". */
export function offerRef(offerId: number): string {
  return `Offer #${offerId}`;
}

/** How a trip is referred to on its own, e.g. in a heading: "Trip #7". */
export function tripRef(tripId: number): string {
  return `Trip #${tripId}`;
}

export type PlaceKind = "pickup" | "dropoff";

/** A trip's places: the letter on the map marker and the word in legends and labels. */
export const PLACE_WORDS: Record<PlaceKind, { letter: string; name: string }> = {
  pickup: { letter: "P", name: "Pickup" },
  dropoff: { letter: "D", name: "Dropoff" },
};

/** What an offer carries, as a word for headings and lists: "Load" or "Ride". */
export function offerKindLabel(kind: "load" | "ride"): string {
  return kind === "ride" ? "Ride" : "Load";
}
