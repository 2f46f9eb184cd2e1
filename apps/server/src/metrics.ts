import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ApiServices, Bus, CallTransport, ServiceObservers } from "@convoy/api/server";
import { poolUse, type DbHandle } from "@convoy/db";
import { CountedHistogram } from "./countedHistogram";

/** What `/metrics` reads at scrape time; every figure is a plain field or a size, read, never pushed. */
export interface MetricSources {
  services: ApiServices;
  database: DbHandle;
  bus: Bus;
  /** Open sockets by kind. */
  openSockets: () => { trpc: number; position: number };
  /** Position-socket messages refused for a driver's message rate. */
  positionMessagesRefused: () => number;
  /** HTTP and WebSocket call budgets' refusals, and sockets closed for their budget. */
  callBudgets: () => { httpBatches: number; httpCalls: number; wsFrames: number; wsClosed: number };
  /** tRPC sockets closed with 1013 for a reader too far behind. */
  socketsShed: () => number;
  /** Socket calls and subscriptions served without tRPC's adapter (`DirectSocketCalls`). */
  directSocketCalls: () => number;
  draining: () => boolean;
}

/** Call durations, in seconds: a call answered from memory takes well under a millisecond. */
const CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Event-writing transactions, start to commit, in seconds. */
const EVENT_WRITE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels<T extends string> = Partial<Record<T, string | number>>;

/**
 * One server instance's Prometheus metrics, in a registry of its own (tests run several
 * servers in one process). Timings are observed as they happen, once per call or commit;
 * everything else is a counter the code bumps in place and this reads when scraped, so the
 * delivery paths never touch prom-client.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly callDuration: CountedHistogram<"procedure" | "type" | "transport">;
  private readonly callErrors: Counter<"code" | "transport">;
  private readonly eventWriteDuration: Histogram;
  /** Each call duration series by transport and procedure: a call finds its own without building a key. */
  private readonly callSeries: Record<CallTransport, Map<string, (seconds: number) => void>> = { http: new Map(), ws: new Map() };

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.callDuration = new CountedHistogram(
      {
        name: "convoy_call_duration_seconds",
        help: "Queries and mutations, from the procedure's middleware to its result, by procedure, type and transport (http, ws)",
        labelNames: ["procedure", "type", "transport"],
        registers: [this.registry],
      },
      CALL_BUCKETS,
    );
    this.callErrors = new Counter({
      name: "convoy_call_errors_total",
      help: "Calls answered with an error, by tRPC error code and transport",
      labelNames: ["code", "transport"],
      registers: [this.registry],
    });
    this.eventWriteDuration = new Histogram({
      name: "convoy_event_write_duration_seconds",
      help: "Transactions that wrote events, from their start to their commit (deadlock retries included)",
      buckets: EVENT_WRITE_BUCKETS,
      registers: [this.registry],
    });
  }

  /** For `createServices`: where calls and event writes report their durations. */
  readonly observers: ServiceObservers = {
    call: (procedure, type, transport, seconds) => {
      const byProcedure = this.callSeries[transport];
      let observe = byProcedure.get(procedure);
      if (!observe) byProcedure.set(procedure, (observe = this.callDuration.seriesOf({ procedure, type, transport })));
      observe(seconds);
    },
    eventWrite: (seconds) => this.eventWriteDuration.observe(seconds),
  };

  /** Counts a call answered with an error (tRPC's `onError`); `code` is one of tRPC's few codes. */
  callFailed(code: string, transport: CallTransport): void {
    this.callErrors.inc({ code, transport });
  }

  /** Registers the series read from the running server at scrape time. Call once. */
  watch(sources: MetricSources): void {
    const { services, database, bus } = sources;
    const { tracking, pump, trips, limits, calls, typing } = services;
    const registers = [this.registry];

    const gauge = <T extends string>(name: string, help: string, labelNames: readonly T[], read: () => [Labels<T>, number][]) =>
      new Gauge<T>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [labels, value] of read()) this.set(labels, value);
        },
      });
    const counter = <T extends string>(name: string, help: string, labelNames: readonly T[], read: () => [Labels<T>, number][]) =>
      new Counter<T>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [labels, value] of read()) this.inc(labels, value);
        },
      });
    const single = (value: number): [Labels<string>, number][] => [[{}, value]];

    gauge("convoy_open_sockets", "Open WebSockets by kind: trpc (calls and subscriptions) or position (drivers' reports)", ["kind"], () => {
      const open = sources.openSockets();
      return [
        [{ kind: "trpc" }, open.trpc],
        [{ kind: "position" }, open.position],
      ];
    });
    gauge("convoy_subscriptions", "Subscriptions open now, by procedure", ["procedure"], () =>
      Array.from(calls.openSubscriptions, ([procedure, open]): [Labels<"procedure">, number] => [{ procedure }, open]),
    );
    counter("convoy_sockets_shed_total", "tRPC sockets closed with 1013 because their reader fell too far behind (the client resumes)", [], () =>
      single(sources.socketsShed()),
    );

    counter("convoy_fleet_frames_total", "Fleet frames built (each goes to every tracking.onFleet stream)", [], () =>
      single(tracking.stats.fleet.frames),
    );
    counter(
      "convoy_fleet_deliveries_total",
      "Driver changes handed to tracking.onFleet streams: one frame of 40 drivers to 50 dispatchers counts 2,000",
      [],
      () => single(tracking.stats.fleet.deliveries),
    );
    counter("convoy_fleet_frames_conflated_total", "Fleet frames merged into one still waiting for a slow reader (nothing is lost)", [], () =>
      single(tracking.stats.fleet.conflated),
    );
    counter("convoy_trip_frames_total", "Frames sent on tracking.onTrip streams", [], () => single(trips.watchStats.frames));
    counter("convoy_trip_moves_conflated_total", "Driver moves folded into a tracking.onTrip position frame not yet sent", [], () =>
      single(trips.watchStats.movesConflated),
    );
    counter("convoy_event_deliveries_total", "Events handed to durable subscriptions (offers, chat, trips) by the event pump", [], () =>
      single(pump.stats.deliveries),
    );

    gauge("convoy_event_pump_watermark", "Highest event id this instance has dispatched", [], () => single(pump.stats.watermark));
    gauge("convoy_event_pump_lag_events", "Events known to be committed (from the bus or the log) but not yet dispatched here", [], () => {
      const { highestKnown, watermark } = pump.stats;
      return single(highestKnown - watermark);
    });
    counter("convoy_event_pump_catch_up_failures_total", "Reads of the event log by the pump that failed (MySQL away)", [], () =>
      single(pump.stats.catchUpFailures),
    );
    gauge("convoy_event_subscribers", "Durable subscriptions (offers, chat, trips, places) listening on this instance", [], () =>
      single(pump.stats.subscribers),
    );
    gauge("convoy_typing_listeners", "chat.events streams listening for typing notices on this instance", [], () => single(typing.listening));
    counter("convoy_events_published_total", "Events this instance committed and published", [], () => single(pump.stats.published));

    counter("convoy_position_reports_total", "Position reports with at least one accepted point", [], () => single(tracking.stats.reports));
    counter("convoy_position_points_total", "Reported points, accepted or rejected one by one", ["outcome"], () => {
      const { pointsAccepted, pointsRejected } = tracking.stats;
      return [
        [{ outcome: "accepted" }, pointsAccepted],
        [{ outcome: "rejected" }, pointsRejected],
      ];
    });
    gauge("convoy_location_writer_queue_rows", "Accepted points not yet written to locations", [], () => single(tracking.stats.pendingLocationRows));
    counter("convoy_location_rows_written_total", "Points written to locations", [], () => single(tracking.stats.writtenLocationRows));
    counter("convoy_location_rows_dropped_total", "Points MySQL refused for their content, dropped", [], () =>
      single(tracking.stats.droppedLocationRows),
    );
    counter("convoy_location_reports_refused_total", "Reports refused whole because the location queue was full (MySQL behind)", [], () =>
      single(tracking.stats.reportsRefused),
    );

    counter("convoy_rate_limit_refusals_total", "Calls and messages refused for a rate limit or call budget, by limit", ["limit"], () => {
      const budgets = sources.callBudgets();
      return [
        [{ limit: "mutation" }, limits.refused.mutation],
        [{ limit: "chat" }, limits.refused.chat],
        [{ limit: "login" }, limits.refused.login],
        [{ limit: "tracking_link" }, limits.refused.trackingLink],
        [{ limit: "tracking_link_open" }, limits.refused.trackingLinkOpen],
        [{ limit: "geocode" }, limits.refused.geocode],
        [{ limit: "position_messages" }, sources.positionMessagesRefused()],
        [{ limit: "http_calls" }, budgets.httpCalls],
        [{ limit: "http_batch_size" }, budgets.httpBatches],
        [{ limit: "ws_calls" }, budgets.wsFrames],
      ];
    });
    counter(
      "convoy_batched_lookups_total",
      "Queries that read what this instance does not hold (chat threads' owners, sessions), each for every key missed meanwhile",
      ["lookup"],
      () => [
        [{ lookup: "threads" }, services.chat.threads.stats().lookups],
        [{ lookup: "sessions" }, services.sessions.readStats().lookups],
      ],
    );
    counter(
      "convoy_ws_direct_calls_total",
      "tRPC socket calls and subscriptions (chat's send, typing, read marks and events; offers' events; fleet and trip tracking) served without tRPC's adapter",
      [],
      () => single(sources.directSocketCalls()),
    );
    counter("convoy_call_budget_socket_closes_total", "tRPC sockets closed with 1008 for calling past their budget", [], () =>
      single(sources.callBudgets().wsClosed),
    );

    gauge("convoy_mysql_pool_connections", "The serving pool's MySQL connections, by state: open (in use or idle) or free (idle)", ["state"], () => {
      const use = poolUse(database.pool);
      return [
        [{ state: "open" }, use.open],
        [{ state: "free" }, use.free],
      ];
    });
    gauge("convoy_mysql_pool_queued_requests", "Callers waiting for a pooled MySQL connection", [], () => single(poolUse(database.pool).queued));
    gauge("convoy_mysql_pool_max_connections", "Most connections the serving pool opens", [], () => single(poolUse(database.pool).limit));
    gauge("convoy_redis_connection_up", "1 while the bus's Redis connection is ready, by connection (absent without REDIS_URL)", ["connection"], () =>
      Object.entries(bus.connections()).map(([connection, up]): [Labels<"connection">, number] => [{ connection }, up ? 1 : 0]),
    );
    gauge("convoy_draining", "1 once SIGTERM started draining this instance", [], () => single(sources.draining() ? 1 : 0));
  }

  /**
   * Answers `GET /metrics`: 401 without `Authorization: Bearer <token>` when a token is set,
   * else the registry in Prometheus text format.
   */
  serve(request: IncomingMessage, response: ServerResponse, token: string | undefined): void {
    if (token !== undefined && !bearerMatches(request.headers.authorization, token)) {
      response.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="metrics"' });
      response.end("Send Authorization: Bearer <METRICS_TOKEN>\n");
      return;
    }
    this.registry.metrics().then(
      (text) => {
        response.writeHead(200, { "content-type": this.registry.contentType });
        response.end(text);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" });
        response.end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  }
}

/** Compares digests, so the time taken says nothing about how much of the token matched. */
function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith("Bearer ")) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(header.slice(7)), digest(token));
}
