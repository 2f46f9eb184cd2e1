import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGeocoder, GeocoderUnavailableError, type GeocoderOptions } from "@convoy/api/server";
import { useTestServer, type LoggedInClient } from "./support/harness";
import { startGeocoderStandIn, type GeocoderStandIn } from "./support/geocoderStandIn";
import { failure } from "./support/offerFixtures";

const TIMEOUT_MS = 300;
let standIn: GeocoderStandIn;
// The server reads its options when it starts, after the stand-in below has its URL.
const geocoder: GeocoderOptions = { url: "http://unset.invalid/search", timeoutMs: TIMEOUT_MS };
beforeAll(async () => {
  standIn = await startGeocoderStandIn();
  geocoder.url = `${standIn.url}/search`;
});
const t = useTestServer({ geocoder, rateLimits: { geocodePoints: 8, geocodeWindowSeconds: 60 } });
afterAll(() => standIn.close());

let dispatcher: LoggedInClient;
let rider: LoggedInClient;
let driver: LoggedInClient;
beforeAll(async () => {
  [dispatcher, rider, driver] = await Promise.all([t.as("dispatcher"), t.as("rider"), t.as("driver")]);
});
beforeEach(() => standIn.setMode("up"));

describe("geocode.search against a Nominatim-compatible GEOCODER_URL", () => {
  it("says it is configured, and fills an address and its coordinates from Nominatim's jsonv2 answer", async () => {
    expect(await rider.api.geocode.status.query()).toEqual({ configured: true });
    const { results } = await dispatcher.api.geocode.search.query({ query: "Union Station" });
    expect(results).toEqual([{ label: "Union Station, 225, South Canal Street, Chicago, 60606, United States", lat: 41.8787, lng: -87.6403 }]);
    const asked = standIn.searches.at(-1)!;
    expect(asked.path).toBe("/search");
    expect(asked.params.get("format")).toBe("jsonv2");
    expect(asked.params.get("q")).toBe("Union Station");
  });

  it("passes the result count on, biases to a point when given one, and caches an answer", async () => {
    const { results } = await rider.api.geocode.search.query({ query: "union", limit: 1, near: { lat: 41.88, lng: -87.63 } });
    expect(results.map((result) => result.label.split(",")[0])).toEqual(["Union Station"]);
    const asked = standIn.searches.at(-1)!;
    expect(asked.params.get("limit")).toBe("1");
    expect(asked.params.get("viewbox")).toBe("-88.2300,42.3300,-87.0300,41.4300");

    const before = standIn.searches.length;
    const again = await rider.api.geocode.search.query({ query: "UNION", limit: 1, near: { lat: 41.8801, lng: -87.6299 } });
    expect(again.results).toEqual(results);
    expect(standIn.searches.length).toBe(before);
  });

  it("refuses queries too short or too long and result counts over 10, naming the limit, before asking the geocoder", async () => {
    const before = standIn.searches.length;
    expect(await failure(dispatcher.api.geocode.search.query({ query: " ab " }))).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("at least 3 characters"),
    });
    expect(await failure(dispatcher.api.geocode.search.query({ query: "x".repeat(201) }))).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("at most 200 characters"),
    });
    expect(await failure(dispatcher.api.geocode.search.query({ query: "Navy Pier", limit: 11 }))).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("at most 10"),
    });
    expect(standIn.searches.length).toBe(before);
  });

  it("is for signed-in people only", async () => {
    expect((await failure(t.anonymous().api.geocode.search.query({ query: "Navy Pier" }))).code).toBe("UNAUTHORIZED");
  });

  it("answers GATEWAY_TIMEOUT or BAD_GATEWAY with a sentence, at once, when the geocoder is slow, down, failing or not a geocoder", async () => {
    standIn.setMode("slow");
    const startedAt = Date.now();
    expect(await failure(dispatcher.api.geocode.search.query({ query: "Navy Pier slow" }))).toMatchObject({
      code: "GATEWAY_TIMEOUT",
      message: "Address search did not answer within 0.3 s; try again or pick the place on the map",
    });
    // One timeout, not one per client retry.
    expect(Date.now() - startedAt).toBeLessThan(1_500);

    standIn.setMode("down");
    expect(await failure(dispatcher.api.geocode.search.query({ query: "Navy Pier down" }))).toMatchObject({
      code: "BAD_GATEWAY",
      message: "Address search is unreachable right now; pick the place on the map",
    });
    standIn.setMode("error");
    expect(await failure(dispatcher.api.geocode.search.query({ query: "Navy Pier error" }))).toMatchObject({
      code: "BAD_GATEWAY",
      message: "Address search failed (HTTP 503); pick the place on the map",
    });
    standIn.setMode("garbage");
    expect(await failure(dispatcher.api.geocode.search.query({ query: "Navy Pier garbage" }))).toMatchObject({
      code: "BAD_GATEWAY",
      message: expect.stringContaining("format Convoy does not read"),
    });

    // A failure is not remembered: the same search works once the geocoder is back.
    standIn.setMode("up");
    const { results } = await dispatcher.api.geocode.search.query({ query: "Navy Pier slow" });
    expect(results).toEqual([]);
    const found = await dispatcher.api.geocode.search.query({ query: "Navy Pier" });
    expect(found.results[0]).toMatchObject({ lat: 41.8917, lng: -87.6086 });
  });

  it("spends a per-user budget of searches: past it TOO_MANY_REQUESTS, while another user still searches", async () => {
    const budget = 8;
    const outcomes = await Promise.allSettled(
      Array.from({ length: budget + 2 }, (_, i) => driver.api.geocode.search.query({ query: `Navy Pier ${i}` })),
    );
    expect(outcomes.filter((outcome) => outcome.status === "rejected")).toHaveLength(2);
    expect(await failure(driver.api.geocode.search.query({ query: "Navy Pier again" }))).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/^Too many address searches; try again in \d+ s$/),
    });
    const other = await t.as("rider", 2);
    expect((await other.api.geocode.search.query({ query: "Union Park" })).results).toHaveLength(1);
  });
});

describe("the geocoder client with a Photon-compatible URL", () => {
  it("asks Photon's /api with a lat/lon bias and reads its GeoJSON into address lines", async () => {
    const photon = createGeocoder({ url: `${standIn.url}/api`, timeoutMs: TIMEOUT_MS });
    expect(photon.kind).toBe("photon");
    const results = await photon.search("union", 5, { lat: 41.88, lng: -87.63 });
    expect(results).toEqual([
      { label: "Union Station, 225 South Canal Street, 60606 Chicago, United States", lat: 41.8787, lng: -87.6403 },
      { label: "Union Park, 1501 North Ashland Avenue, 60607 Chicago, United States", lat: 41.8846, lng: -87.6666 },
    ]);
    const asked = standIn.searches.at(-1)!;
    expect(asked.path).toBe("/api");
    expect(asked.params.get("lat")).toBe("41.88");
    expect(asked.params.get("lon")).toBe("-87.63");
    expect(asked.params.get("format")).toBeNull();
  });

  it("takes GEOCODER_KIND over the guess from the path, and rejects with the reason when the service is down", async () => {
    const explicit = createGeocoder({ url: `${standIn.url}/search`, kind: "nominatim", timeoutMs: TIMEOUT_MS });
    expect(explicit.kind).toBe("nominatim");
    standIn.setMode("down");
    const photon = createGeocoder({ url: `${standIn.url}/api`, kind: "photon", timeoutMs: TIMEOUT_MS });
    await expect(photon.search("Navy Pier", 3)).rejects.toMatchObject({ reason: "unreachable" });
    await expect(photon.search("Navy Pier", 3)).rejects.toBeInstanceOf(GeocoderUnavailableError);
  });
});
