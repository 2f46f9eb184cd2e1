import { z } from "zod";
import type { LatLng } from "../lib/geo";
import { LruCache } from "../lib/lruCache";

/** One answer of an address search: a line to show (and store as the address) and its point. */
export interface GeocodeResult {
  label: string;
  lat: number;
  lng: number;
}

/** The response formats understood: Nominatim's `jsonv2` and Photon's GeoJSON. */
export type GeocoderKind = "nominatim" | "photon";

export interface GeocoderOptions {
  /**
   * The search endpoint, e.g. `https://nominatim.example.org/search` (Nominatim) or
   * `https://photon.example.org/api` (Photon); `q` and `limit` are added to it.
   */
  url: string;
  /** Which API `url` speaks; null guesses from the path (`…/api` is Photon) and reads either answer. @default null */
  kind?: GeocoderKind | null;
  /** Longest wait for one answer, in ms. @default 3_000 */
  timeoutMs?: number;
  /** Searches remembered, least recently used out. @default 1_000 */
  cacheSize?: number;
  /** How long a remembered answer is reused, in ms. @default 600_000 */
  cacheTtlMs?: number;
}

/** Why a search got no answer; the message is for the person searching. */
export class GeocoderUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: "timeout" | "unreachable" | "bad_response",
  ) {
    super(message);
  }
}

export interface Geocoder {
  /** The API asked: `GeocoderOptions.kind`, or the guess from the URL. */
  readonly kind: GeocoderKind;
  /** Up to `limit` answers, best first; rejects with `GeocoderUnavailableError` when the service fails. */
  search: (query: string, limit: number, near?: LatLng) => Promise<GeocodeResult[]>;
}

/** Largest answer body read, bytes; a geocoder's ten results are a few KB. */
const MAX_RESPONSE_BYTES = 1_048_576;
const MAX_LABEL_LENGTH = 255;
const UNREADABLE = "Address search answered in a format Convoy does not read (Nominatim jsonv2 or Photon GeoJSON); pick the place on the map";

const coordinate = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

const nominatimResponse = z.array(
  z.object({
    lat: coordinate,
    lon: coordinate,
    display_name: z.string(),
  }),
);

const photonResponse = z.object({
  type: z.literal("FeatureCollection"),
  features: z.array(
    z.object({
      geometry: z.object({ type: z.literal("Point"), coordinates: z.tuple([z.number(), z.number()]).rest(z.number()) }),
      properties: z.record(z.string(), z.unknown()).default({}),
    }),
  ),
});

/** Photon names a place in parts; this joins them the way a postal address reads. */
function photonLabel(properties: Record<string, unknown>): string {
  const text = (key: string) => {
    const value = properties[key];
    return typeof value === "string" ? value.trim() : "";
  };
  const street = [text("housenumber"), text("street")].filter(Boolean).join(" ");
  const town = [text("postcode"), text("city") || text("town") || text("village")].filter(Boolean).join(" ");
  const parts = [text("name"), street, town, text("state"), text("country")].filter(Boolean);
  return parts.filter((part, index) => parts.indexOf(part) === index).join(", ");
}

const inRange = (result: GeocodeResult) =>
  Number.isFinite(result.lat) && Number.isFinite(result.lng) && Math.abs(result.lat) <= 90 && Math.abs(result.lng) <= 180 && result.label !== "";

/** Reads an answer in either format, whatever was asked: a Photon-style server behind a `/search` path still works. */
export function parseGeocoderResponse(body: unknown): { kind: GeocoderKind; results: GeocodeResult[] } | null {
  const nominatim = nominatimResponse.safeParse(body);
  if (nominatim.success) {
    return { kind: "nominatim", results: nominatim.data.map((place) => ({ label: place.display_name, lat: place.lat, lng: place.lon })) };
  }
  const photon = photonResponse.safeParse(body);
  if (photon.success) {
    return {
      kind: "photon",
      results: photon.data.features.map(({ geometry, properties }) => ({
        label: photonLabel(properties),
        lat: geometry.coordinates[1],
        lng: geometry.coordinates[0],
      })),
    };
  }
  return null;
}

/** The request URL for `kind`: Nominatim wants `format=jsonv2`; Photon takes `lat`/`lon` as a bias. */
function requestUrl(base: string, kind: GeocoderKind, query: string, limit: number, near: LatLng | undefined): string {
  const url = new URL(base);
  url.searchParams.set("q", query);
  url.searchParams.set("limit", String(limit));
  if (kind === "nominatim") {
    url.searchParams.set("format", "jsonv2");
    if (near) {
      // A box of about ±50 km to prefer, not to bound.
      const box = [near.lng - 0.6, near.lat + 0.45, near.lng + 0.6, near.lat - 0.45].map((value) => value.toFixed(4));
      url.searchParams.set("viewbox", box.join(","));
    }
  } else if (near) {
    url.searchParams.set("lat", String(near.lat));
    url.searchParams.set("lon", String(near.lng));
  }
  return url.toString();
}

async function readBody(response: Response): Promise<unknown> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_RESPONSE_BYTES) throw new GeocoderUnavailableError("Address search answered with too much data", "bad_response");
  const bytes = await response.arrayBuffer();
  if (bytes.byteLength > MAX_RESPONSE_BYTES) throw new GeocoderUnavailableError("Address search answered with too much data", "bad_response");
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw new GeocoderUnavailableError(UNREADABLE, "bad_response");
  }
}

/**
 * A client for a Nominatim- or Photon-compatible search API: one GET per search with a
 * timeout, answers remembered for `cacheTtlMs` (by kind, lower-cased query, limit and the
 * rounded bias point), and one request in flight per key. Failures are not remembered.
 */
export function createGeocoder(options: GeocoderOptions): Geocoder {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const cacheTtlMs = options.cacheTtlMs ?? 600_000;
  const cache = new LruCache<string, { results: GeocodeResult[]; at: number }>(options.cacheSize ?? 1_000);
  const inFlight = new Map<string, Promise<GeocodeResult[]>>();
  const kind: GeocoderKind = options.kind ?? (/\/api\/?$/.test(new URL(options.url).pathname) ? "photon" : "nominatim");

  async function ask(query: string, limit: number, near: LatLng | undefined): Promise<GeocodeResult[]> {
    let response: Response;
    try {
      response = await fetch(requestUrl(options.url, kind, query, limit, near), {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: "application/json", "user-agent": "Convoy dispatch (address search)" },
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      if (timedOut)
        throw new GeocoderUnavailableError(
          `Address search did not answer within ${timeoutMs / 1_000} s; try again or pick the place on the map`,
          "timeout",
        );
      throw new GeocoderUnavailableError("Address search is unreachable right now; pick the place on the map", "unreachable");
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new GeocoderUnavailableError(`Address search failed (HTTP ${response.status}); pick the place on the map`, "unreachable");
    }
    const parsed = parseGeocoderResponse(await readBody(response));
    if (!parsed) throw new GeocoderUnavailableError(UNREADABLE, "bad_response");
    return parsed.results
      .filter(inRange)
      .slice(0, limit)
      .map((result) => ({ ...result, label: result.label.slice(0, MAX_LABEL_LENGTH) }));
  }

  return {
    kind,
    search(query, limit, near) {
      // About a kilometre: searches from nearby share an answer, and the bias is no finer.
      const bias = near && { lat: Math.round(near.lat * 100) / 100, lng: Math.round(near.lng * 100) / 100 };
      const key = [kind, query.toLowerCase(), limit, bias ? `${bias.lat},${bias.lng}` : ""].join("|");
      const cached = cache.get(key);
      if (cached && Date.now() - cached.at < cacheTtlMs) return Promise.resolve(cached.results);
      const pending = inFlight.get(key);
      if (pending) return pending;
      const call = ask(query, limit, bias)
        .then((results) => {
          cache.set(key, { results, at: Date.now() });
          return results;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, call);
      return call;
    },
  };
}
