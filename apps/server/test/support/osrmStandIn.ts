import type { IncomingMessage, ServerResponse } from "node:http";
import { startStandInServer } from "./standInServer";
import type { Point } from "./tripFixtures";

/** How the stand-in behaves: answers, answers too late to be used, or drops every connection. */
export type StandInMode = "up" | "slow" | "down";

/** One route the stand-in was asked for. */
export interface RouteAsk {
  from: Point;
  to: Point;
}

export interface OsrmStandIn {
  /** Base URL to pass as `routingUrl`, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Every `route` request read (not in `down` mode), oldest first. */
  asks: RouteAsk[];
  /** Calls that reached the stand-in in any mode: requests read, and connections `down` dropped. */
  readonly hits: number;
  setMode: (mode: StandInMode) => void;
  /**
   * Makes routes starting within `radiusKm` of `near` take `factor` times as long (a river
   * between them and anywhere), so tests can make a nearer driver slower.
   */
  slowFrom: (near: Point, radiusKm: number, factor: number) => void;
  /** The line and figures the stand-in answers for this pair, as a route request would get them. */
  routeFor: (from: Point, to: Point) => StandInRoute;
  close: () => Promise<void>;
}

export interface StandInRoute {
  /** Metres. */
  distance: number;
  /** Seconds. */
  duration: number;
  /** [lng, lat] pairs, GeoJSON order. */
  coordinates: [number, number][];
}

/** The stand-in's road speed: 10 m/s (36 km/h). */
const SPEED_MPS = 10;
const KM_PER_DEGREE_LAT = 111.32;

function kmBetween(a: Point, b: Point): number {
  const north = (b.lat - a.lat) * KM_PER_DEGREE_LAT;
  const east = (b.lng - a.lng) * KM_PER_DEGREE_LAT * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(north, east);
}

/**
 * A small HTTP server speaking OSRM's `route` service
 * (`GET /route/v1/driving/{lon},{lat};{lon},{lat}?overview=full&geometries=geojson`): the
 * road from A to B is an L, north-south first and then east-west, driven at 10 m/s, so a
 * test knows exactly what line and duration a real answer carries and that they differ from
 * any straight-line estimate. `slow` holds every answer for 5 s; `down` resets every connection.
 */
export async function startOsrmStandIn(): Promise<OsrmStandIn> {
  let mode: StandInMode = "up";
  const asks: RouteAsk[] = [];
  const slowZones: { near: Point; radiusKm: number; factor: number }[] = [];
  let hits = 0;

  const routeFor = (from: Point, to: Point): StandInRoute => {
    const corner = { lat: to.lat, lng: from.lng };
    const distance = Math.round((kmBetween(from, corner) + kmBetween(corner, to)) * 1_000);
    const factor = slowZones.find((zone) => kmBetween(zone.near, from) <= zone.radiusKm)?.factor ?? 1;
    return {
      distance,
      duration: (distance / SPEED_MPS) * factor,
      coordinates: [
        [from.lng, from.lat],
        [corner.lng, corner.lat],
        [to.lng, to.lat],
      ],
    };
  };

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/route\/v1\/driving\/(-?[\d.]+),(-?[\d.]+);(-?[\d.]+),(-?[\d.]+)\?(.*)$/.exec(request.url ?? "");
    const query = new URLSearchParams(match?.[5] ?? "");
    if (!match || query.get("overview") !== "full" || query.get("geometries") !== "geojson") {
      response.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ code: "InvalidUrl", message: "bad request" }));
      return;
    }
    const [fromLng, fromLat, toLng, toLat] = match.slice(1, 5).map(Number) as [number, number, number, number];
    const from = { lat: fromLat, lng: fromLng };
    const to = { lat: toLat, lng: toLng };
    asks.push({ from, to });
    const route = routeFor(from, to);
    const body = JSON.stringify({
      code: "Ok",
      routes: [
        {
          distance: route.distance,
          duration: route.duration,
          weight: route.duration,
          geometry: { type: "LineString", coordinates: route.coordinates },
        },
      ],
      waypoints: [],
    });
    const send = () => response.writeHead(200, { "content-type": "application/json" }).end(body);
    if (mode === "slow") server.later(send);
    else send();
  };

  const server = await startStandInServer(
    (request, response) => {
      hits++;
      answer(request, response);
    },
    () => mode === "down",
    () => hits++,
  );
  return {
    url: server.url,
    asks,
    get hits() {
      return hits;
    },
    setMode: (next) => (mode = next),
    slowFrom: (near, radiusKm, factor) => void slowZones.push({ near, radiusKm, factor }),
    routeFor,
    close: server.close,
  };
}
