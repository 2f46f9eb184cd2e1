import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createConvoyClient, createPositionReporter, type ConvoyClient, type PositionReporter } from "@convoy/client";
import type { FleetFrame } from "@convoy/api";
import { demoLogin, type DemoLogin } from "@convoy/db";
import { createTestDatabase } from "./support/harness";
import { loadInput } from "./support/fixtures";
import { failure } from "./support/offerFixtures";
import { spawnServer, type ServerProcess } from "./support/process";
import { parsePrometheus, sampleValue, scrape, type Sample } from "./support/prometheus";
import { collect, collectFrom } from "./support/subscriptions";
import { eventually, pointTrail } from "./support/tracking";

const METRICS_TOKEN = randomBytes(24).toString("hex");

let server: ServerProcess;
let dropDatabase: () => Promise<void>;
const clients: ConvoyClient[] = [];
const reporters: PositionReporter[] = [];

beforeAll(async () => {
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  // The server creates, migrates and seeds its database, as in production.
  server = await spawnServer({ DATABASE_URL: database.url, METRICS_TOKEN });
}, 60_000);

afterAll(async () => {
  for (const reporter of reporters) reporter.close();
  await Promise.allSettled(clients.map((client) => client.close()));
  server.child.kill("SIGTERM");
  await server.exited;
  await dropDatabase();
});

/** Logs in over HTTP, then makes a client whose calls all go over its WebSocket. */
async function signIn({ email, password }: DemoLogin): Promise<{ client: ConvoyClient; token: string; userId: number }> {
  const anonymous = createConvoyClient({ url: server.url, WebSocket });
  clients.push(anonymous);
  const { token, user } = await anonymous.api.auth.login.mutate({ email, password });
  const client = createConvoyClient({ url: server.url, token, WebSocket, socketFor: "all" });
  clients.push(client);
  return { client, token, userId: user.id };
}

/** Scrapes until `check` holds on the samples, then returns them. */
function scrapeUntil(check: (samples: Sample[]) => boolean, what: string): Promise<Sample[]> {
  return eventually(
    async () => {
      const samples = await scrape(server.url, METRICS_TOKEN);
      return check(samples) ? samples : undefined;
    },
    15_000,
    what,
  );
}

describe("/metrics", () => {
  it("refuses a scrape without the METRICS_TOKEN bearer token", async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get("content-type")).toContain("text/plain");
    const samples = parsePrometheus(await right.text());
    // Node's own process metrics come along.
    expect(sampleValue(samples, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(sampleValue(samples, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
  });

  it("reports sockets, subscriptions, deliveries, writes, refusals and call latency from a running server", async () => {
    const dispatcher = await signIn(demoLogin("dispatcher"));
    const driver = await signIn(demoLogin("driver", 1));

    const fleet = collect<FleetFrame>((handlers) => dispatcher.client.api.tracking.onFleet.subscribe(undefined, handlers));
    const offerEvents = collectFrom(dispatcher.client.api.offers.events.subscribe, {});
    await Promise.all([fleet.started, offerEvents.started]);

    // Twenty points over the drivers' own socket, in one report.
    const reporter = createPositionReporter({ url: server.url, token: driver.token, WebSocket });
    reporters.push(reporter);
    reporter.report(pointTrail(20, Date.now()));
    await reporter.flush();
    await fleet.until((frames) => frames.some((frame) => frame.kind === "frame" && frame.drivers.some((change) => change.id === driver.userId)));

    // A call over the socket that writes events, delivered to the dispatcher's stream.
    await dispatcher.client.api.offers.create.mutate(loadInput([driver.userId]));
    await offerEvents.until((items) => items.length > 0);

    // A wrong password, then a login limit (10 per email per minute) run out.
    const stranger = createConvoyClient({ url: server.url, WebSocket });
    clients.push(stranger);
    const email = `nobody-${randomBytes(3).toString("hex")}@convoy.test`;
    const codes: (string | undefined)[] = [];
    for (let attempt = 0; attempt < 11; attempt++)
      codes.push((await failure(stranger.api.auth.login.mutate({ email, password: "wrong-password" }))).code);
    expect(codes.at(0)).toBe("UNAUTHORIZED");
    expect(codes.at(-1)).toBe("TOO_MANY_REQUESTS");

    const samples = await scrapeUntil(
      (found) => (sampleValue(found, "convoy_location_rows_written_total") ?? 0) >= 20,
      "the 20 points written to locations",
    );
    const value = (name: string, labels?: Record<string, string>) => sampleValue(samples, name, labels);

    // The dispatcher's; the driver's client opens its socket only when it needs it, and has not.
    expect(value("convoy_open_sockets", { kind: "trpc" })).toBe(1);
    expect(value("convoy_open_sockets", { kind: "position" })).toBe(1);
    expect(value("convoy_subscriptions", { procedure: "tracking.onFleet" })).toBe(1);
    expect(value("convoy_subscriptions", { procedure: "offers.events" })).toBe(1);

    expect(value("convoy_position_reports_total")).toBe(1);
    expect(value("convoy_position_points_total", { outcome: "accepted" })).toBe(20);
    expect(value("convoy_position_points_total", { outcome: "rejected" })).toBe(0);
    expect(value("convoy_location_writer_queue_rows")).toBe(0);
    expect(value("convoy_location_rows_dropped_total")).toBe(0);
    expect(value("convoy_location_reports_refused_total")).toBe(0);
    const frames = value("convoy_fleet_frames_total")!;
    expect(frames).toBeGreaterThanOrEqual(1);
    // One subscriber: each frame carried at least one driver change to it.
    expect(value("convoy_fleet_deliveries_total")).toBeGreaterThanOrEqual(frames);
    expect(fleet.items.filter((frame) => frame.kind === "frame").length).toBeLessThanOrEqual(frames);
    expect(value("convoy_fleet_frames_conflated_total")).toBe(0);

    const published = value("convoy_events_published_total")!;
    expect(published).toBeGreaterThanOrEqual(1);
    expect(value("convoy_event_pump_watermark")).toBeGreaterThanOrEqual(published);
    expect(value("convoy_event_pump_lag_events")).toBe(0);
    expect(value("convoy_event_deliveries_total")).toBeGreaterThanOrEqual(offerEvents.items.length);
    expect(value("convoy_event_write_duration_seconds_count")).toBe(1);
    expect(value("convoy_event_write_duration_seconds_sum")).toBeGreaterThan(0);

    expect(value("convoy_call_duration_seconds_count", { procedure: "offers.create", transport: "ws" })).toBe(1);
    expect(value("convoy_call_duration_seconds_count", { procedure: "auth.login", transport: "http" })).toBe(2 + 11);
    expect(value("convoy_call_duration_seconds_bucket", { procedure: "auth.login", transport: "http", le: "+Inf" })).toBe(13);
    expect(value("convoy_call_errors_total", { code: "UNAUTHORIZED", transport: "http" })).toBe(10);
    expect(value("convoy_call_errors_total", { code: "TOO_MANY_REQUESTS", transport: "http" })).toBe(1);
    expect(value("convoy_rate_limit_refusals_total", { limit: "login" })).toBe(1);
    expect(value("convoy_rate_limit_refusals_total", { limit: "mutation" })).toBe(0);

    expect(value("convoy_mysql_pool_connections", { state: "open" })).toBeGreaterThanOrEqual(1);
    expect(value("convoy_mysql_pool_max_connections")).toBe(20);
    expect(value("convoy_mysql_pool_queued_requests")).toBe(0);
    expect(value("convoy_draining")).toBe(0);

    // A subscription that ends is no longer counted.
    fleet.stop();
    await scrapeUntil((found) => sampleValue(found, "convoy_subscriptions", { procedure: "tracking.onFleet" }) === 0, "the fleet stream to be gone");
  });
});
