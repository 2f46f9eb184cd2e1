import { formatDistance } from "@convoy/ui";

interface Place {
  address: string;
  lat: number;
  lng: number;
}

const WIDTH = 320;
const HEIGHT = 150;
const PAD = 26;

/**
 * Pickup and dropoff drawn to scale in a small box (equirectangular, which is true enough
 * over a city), with the straight line between them. No tiles: it works offline.
 */
export function RouteSketch({ pickup, dropoff, distanceKm }: { pickup: Place; dropoff: Place; distanceKm: number }) {
  const cosLat = Math.cos((((pickup.lat + dropoff.lat) / 2) * Math.PI) / 180);
  const ax = pickup.lng * cosLat;
  const bx = dropoff.lng * cosLat;
  const ay = -pickup.lat;
  const by = -dropoff.lat;
  const spanX = Math.max(Math.abs(bx - ax), 1e-6);
  const spanY = Math.max(Math.abs(by - ay), 1e-6);
  const scale = Math.min((WIDTH - 2 * PAD) / spanX, (HEIGHT - 2 * PAD) / spanY);
  const centre = { x: (ax + bx) / 2, y: (ay + by) / 2 };
  const project = (x: number, y: number) => ({ x: WIDTH / 2 + (x - centre.x) * scale, y: HEIGHT / 2 + (y - centre.y) * scale });
  const a = project(ax, ay);
  const b = project(bx, by);

  return (
    <figure className="driver-route">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Route from ${pickup.address} to ${dropoff.address}`}>
        <defs>
          <pattern id="driver-route-grid" width="20" height="20" patternUnits="userSpaceOnUse">
            <path d="M 20 0 L 0 0 0 20" fill="none" stroke="currentColor" strokeOpacity="0.08" />
          </pattern>
        </defs>
        <rect width={WIDTH} height={HEIGHT} fill="url(#driver-route-grid)" />
        <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} className="driver-route__line" />
        <circle cx={a.x} cy={a.y} r="9" className="driver-route__pickup" />
        <text x={a.x} y={a.y + 4} textAnchor="middle" className="driver-route__mark">
          P
        </text>
        <circle cx={b.x} cy={b.y} r="9" className="driver-route__dropoff" />
        <text x={b.x} y={b.y + 4} textAnchor="middle" className="driver-route__mark">
          D
        </text>
      </svg>
      <figcaption className="convoy-muted">{formatDistance(distanceKm)} in a straight line</figcaption>
    </figure>
  );
}
