import { ConvoyMap, formatDistance, formatEtaWithSource, trpc, type LatLng, type MapLine } from "@convoy/ui";

interface Place extends LatLng {
  address: string;
}

/**
 * Pickup and dropoff on a small map with the road between them when the server has a
 * routing engine (its km and driving time below), else a dashed straight line and an
 * estimated time. Without tiles (offline, or no tile server) the markers and line still
 * draw on a plain background.
 */
export function RouteMap({ offerId, pickup, dropoff, distanceKm }: { offerId: number; pickup: Place; dropoff: Place; distanceKm: number }) {
  const route = trpc.routes.offer.useQuery({ offerId }, { staleTime: Number.POSITIVE_INFINITY, retry: false });
  const points = [
    { lat: pickup.lat, lng: pickup.lng },
    { lat: dropoff.lat, lng: dropoff.lng },
  ];
  const road = route.data?.source === "route" ? route.data : null;
  const line: MapLine = road ? { id: "route", points: road.line, tone: "road" } : { id: "route", points, tone: "route" };
  return (
    <figure className="driver-route" data-route-source={route.data?.source ?? "estimate"}>
      <ConvoyMap
        label={`Route from ${pickup.address} to ${dropoff.address}`}
        className="driver-route__map"
        center={points[0]!}
        markers={[
          { id: "pickup", position: points[0]!, tone: "pickup", label: "P", title: `Pickup: ${pickup.address}` },
          { id: "dropoff", position: points[1]!, tone: "dropoff", label: "D", title: `Dropoff: ${dropoff.address}` },
        ]}
        lines={[line]}
        fit={{ key: `${offerId}-${road ? "road" : "line"}`, points: road ? road.line : points }}
      />
      <figcaption className="convoy-muted">
        {road
          ? `${formatDistance(road.distanceKm)} by road · ${formatEtaWithSource(road.durationSeconds, "route")}`
          : `${formatDistance(distanceKm)} in a straight line${route.data ? ` · ${formatEtaWithSource(route.data.durationSeconds, "estimate")}` : ""}`}
      </figcaption>
    </figure>
  );
}
