import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOsrmEngine } from "./engine";

const from = { lat: 41.88, lng: -87.63 };
const to = { lat: 41.89, lng: -87.62 };

let server: Server;
let url = "";
/** What the next request gets: an OSRM answer, a non-OSRM body, or no answer at all. */
let behaviour: "ok" | "noRoute" | "garbage" | "hang" = "ok";
let requests: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? "");
    const json = (status: number, body: unknown) => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (behaviour === "hang") return;
    if (behaviour === "garbage") return json(200, { hello: "world" });
    if (behaviour === "noRoute") return json(400, { code: "NoRoute", message: "Impossible route between points" });
    json(200, {
      code: "Ok",
      routes: [
        {
          distance: 1_834.4,
          duration: 245.6,
          geometry: {
            type: "LineString",
            coordinates: [
              [-87.63, 41.88],
              [-87.63, 41.89],
              [-87.62, 41.89],
            ],
          },
        },
      ],
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("createOsrmEngine", () => {
  it("asks OSRM's route service and reads distance, duration and the GeoJSON line", async () => {
    behaviour = "ok";
    requests = [];
    const engine = createOsrmEngine({ url, timeoutMs: 500 });
    expect(await engine.route(from, to)).toEqual({
      distanceKm: 1.834,
      durationSeconds: 246,
      line: [
        { lat: 41.88, lng: -87.63 },
        { lat: 41.89, lng: -87.63 },
        { lat: 41.89, lng: -87.62 },
      ],
    });
    expect(requests).toEqual(["/route/v1/driving/-87.63,41.88;-87.62,41.89?overview=full&geometries=geojson"]);
    // Cached: the same pair (to ~11 m) asks nothing more.
    await engine.route({ lat: 41.88001, lng: -87.63001 }, to);
    expect(requests).toHaveLength(1);
  });

  it("answers null for no route or a body that is not OSRM's, and only the latter pauses calls", async () => {
    requests = [];
    behaviour = "noRoute";
    const engine = createOsrmEngine({ url, timeoutMs: 500, backoffMs: 60_000 });
    expect(await engine.route(from, to)).toBeNull();
    behaviour = "garbage";
    expect(await engine.route(from, { lat: 41.9, lng: -87.6 })).toBeNull();
    behaviour = "ok";
    expect(await engine.route(from, { lat: 41.91, lng: -87.6 })).toBeNull();
    expect(requests).toHaveLength(2);
  });

  it("gives up after its timeout, reports why, and pauses instead of waiting again", async () => {
    requests = [];
    behaviour = "hang";
    const failures: string[] = [];
    const engine = createOsrmEngine({ url, timeoutMs: 200, backoffMs: 60_000, onFailure: (reason) => failures.push(reason) });
    const startedAt = Date.now();
    expect(await engine.route(from, to)).toBeNull();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(failures).toEqual(["no answer within 200 ms"]);
    const again = Date.now();
    expect(await engine.route(from, { lat: 41.95, lng: -87.6 })).toBeNull();
    expect(Date.now() - again).toBeLessThan(50);
    expect(requests).toHaveLength(1);
  });
});
