import type { IncomingMessage, ServerResponse } from "node:http";
import { startStandInServer } from "./standInServer";

/**
 * How the stand-in behaves: answers, holds every answer for 5 s (past any test timeout),
 * resets every connection, answers 503, or answers with something that is not a geocoder's.
 */
export type GeocoderStandInMode = "up" | "slow" | "down" | "error" | "garbage";

/** One place the stand-in knows, found by any query that is a substring of its name. */
export interface StandInPlace {
  name: string;
  street: string;
  housenumber: string;
  city: string;
  postcode: string;
  country: string;
  lat: number;
  lng: number;
}

export interface GeocoderSearch {
  /** `/search` (Nominatim) or `/api` (Photon). */
  path: string;
  params: URLSearchParams;
}

export interface GeocoderStandIn {
  /** Base URL; append `/search` for Nominatim or `/api` for Photon. */
  url: string;
  /** Every search read (not in `down` mode), oldest first. */
  searches: GeocoderSearch[];
  setMode: (mode: GeocoderStandInMode) => void;
  close: () => Promise<void>;
}

/** What the stand-in knows: three places in Chicago. */
export const STAND_IN_PLACES: StandInPlace[] = [
  {
    name: "Union Station",
    street: "South Canal Street",
    housenumber: "225",
    city: "Chicago",
    postcode: "60606",
    country: "United States",
    lat: 41.8787,
    lng: -87.6403,
  },
  {
    name: "Union Park",
    street: "North Ashland Avenue",
    housenumber: "1501",
    city: "Chicago",
    postcode: "60607",
    country: "United States",
    lat: 41.8846,
    lng: -87.6666,
  },
  {
    name: "Navy Pier",
    street: "East Grand Avenue",
    housenumber: "600",
    city: "Chicago",
    postcode: "60611",
    country: "United States",
    lat: 41.8917,
    lng: -87.6086,
  },
];

/** Nominatim's `jsonv2` list: coordinates as strings, the whole address in `display_name`. */
function nominatimBody(found: StandInPlace[]): unknown {
  return found.map((place, index) => ({
    place_id: 1000 + index,
    licence: "Data © OpenStreetMap contributors, ODbL 1.0",
    osm_type: "way",
    osm_id: 5000 + index,
    lat: String(place.lat),
    lon: String(place.lng),
    category: "amenity",
    type: "place",
    place_rank: 30,
    importance: 0.5,
    addresstype: "amenity",
    name: place.name,
    display_name: `${place.name}, ${place.housenumber}, ${place.street}, ${place.city}, ${place.postcode}, ${place.country}`,
    boundingbox: [String(place.lat - 0.001), String(place.lat + 0.001), String(place.lng - 0.001), String(place.lng + 0.001)],
  }));
}

/** Photon's GeoJSON: `[lon, lat]` points and the address in parts. */
function photonBody(found: StandInPlace[]): unknown {
  return {
    type: "FeatureCollection",
    features: found.map((place) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [place.lng, place.lat] },
      properties: {
        osm_type: "W",
        name: place.name,
        housenumber: place.housenumber,
        street: place.street,
        city: place.city,
        postcode: place.postcode,
        country: place.country,
        type: "house",
      },
    })),
  };
}

/**
 * A small HTTP server speaking the two geocoders' search APIs: Nominatim's
 * `GET /search?q=…&format=jsonv2&limit=…` (refused without `format=jsonv2`, as Nominatim
 * answers HTML then) and Photon's `GET /api?q=…&limit=…`, over `STAND_IN_PLACES`.
 */
export async function startGeocoderStandIn(): Promise<GeocoderStandIn> {
  let mode: GeocoderStandInMode = "up";
  const searches: GeocoderSearch[] = [];

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://stand-in");
    searches.push({ path: url.pathname, params: url.searchParams });
    const json = (status: number, body: unknown) => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (mode === "error") return json(503, { error: "overloaded" });
    if (mode === "garbage") return response.writeHead(200, { "content-type": "text/html" }).end("<html>not a geocoder</html>");
    const query = (url.searchParams.get("q") ?? "").toLowerCase();
    const limit = Number(url.searchParams.get("limit") ?? "10");
    const found = STAND_IN_PLACES.filter((place) => place.name.toLowerCase().includes(query)).slice(0, limit);
    let send: () => void;
    if (url.pathname === "/search") {
      if (url.searchParams.get("format") !== "jsonv2") return json(400, { error: "format must be jsonv2 in this stand-in" });
      send = () => json(200, nominatimBody(found));
    } else if (url.pathname === "/api") {
      send = () => json(200, photonBody(found));
    } else return json(404, { error: "not found" });
    if (mode === "slow") server.later(send);
    else send();
  };

  const server = await startStandInServer(answer, () => mode === "down");
  return {
    url: server.url,
    searches,
    setMode: (next) => (mode = next),
    close: server.close,
  };
}
