import { ConvoyMap, formatDistance, type LatLng } from "@convoy/ui";

interface Place extends LatLng {
  address: string;
}

/**
 * Pickup and dropoff on a small map with the straight line between them. Without tiles
 * (offline, or no tile server) the markers and line still draw on a plain background.
 */
export function RouteMap({ offerId, pickup, dropoff, distanceKm }: { offerId: number; pickup: Place; dropoff: Place; distanceKm: number }) {
  const points = [
    { lat: pickup.lat, lng: pickup.lng },
    { lat: dropoff.lat, lng: dropoff.lng },
  ];
  return (
    <figure className="driver-route">
      <ConvoyMap
        label={`Route from ${pickup.address} to ${dropoff.address}`}
        className="driver-route__map"
        center={points[0]!}
        markers={[
          { id: "pickup", position: points[0]!, tone: "pickup", label: "P", title: `Pickup: ${pickup.address}` },
          { id: "dropoff", position: points[1]!, tone: "dropoff", label: "D", title: `Dropoff: ${dropoff.address}` },
        ]}
        lines={[{ id: "route", points, tone: "route" }]}
        fit={{ key: String(offerId), points }}
      />
      <figcaption className="convoy-muted">{formatDistance(distanceKm)} in a straight line</figcaption>
    </figure>
  );
}
