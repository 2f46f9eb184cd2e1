import type { LatLng } from "../geo";
import { trpc } from "../trpc";
import type { MapLine } from "./convoyMap";

/**
 * A trip's pickup → dropoff line for its map: the road from the routing engine
 * (`routes.trip`) when it gave one, else the dashed straight line of an estimate, drawn at
 * once and replaced when the road arrives. Fetched once per trip.
 */
export function usePlannedTripLine(trip: { id: number; pickup: LatLng; dropoff: LatLng }): MapLine {
  const planned = trpc.routes.trip.useQuery({ tripId: trip.id }, { staleTime: Number.POSITIVE_INFINITY, retry: false });
  return planned.data?.source === "route"
    ? { id: "route", tone: "road", points: planned.data.line }
    : { id: "route", tone: "route", points: [trip.pickup, trip.dropoff] };
}
