import { randomUUID } from "node:crypto";
import { DEMO_CITY } from "@convoy/db";
import type { ConvoyClient } from "@convoy/client";
import type { Account, CallProcedure, CallsCellResult, CallsCellRun, CallTransport, ErrorCounts } from "../protocol";
import { Histogram } from "../stats";
import { connect, countError, forEachLimited } from "./clients";

let url = "";
let offerId = 0;
let driverId = 0;
/** One dispatcher's client per transport: HTTP (keep-alive) and the tRPC WebSocket. */
let clients: Record<CallTransport, ConvoyClient> | null = null;

/**
 * Connects the dispatcher over both transports and creates the offer whose thread
 * `chat.send` writes to (with the driver as its recipient).
 */
export async function prepareCalls(args: { url: string; dispatcher: Account; driver: Account }): Promise<null> {
  url = args.url;
  driverId = args.driver.id;
  // One request per HTTP call, sent at once: a batch's dispatch timer would leave the server
  // idle between calls, and on loopback its next write would pay to wake the sleeping client.
  clients = { http: connect(url, args.dispatcher.token, "http", false), socket: connect(url, args.dispatcher.token, "socket") };
  const offer = await clients.http.api.offers.create.mutate({
    driverIds: [driverId],
    pickup: { address: "1 Pickup St", lat: DEMO_CITY.lat + 0.01, lng: DEMO_CITY.lng },
    dropoff: { address: "2 Dropoff Ave", lat: DEMO_CITY.lat - 0.01, lng: DEMO_CITY.lng },
    weightKg: 500,
    dimensions: { lengthCm: 100, widthCm: 100, heightCm: 100 },
    rateCents: 50_000,
    notes: "benchmark calls",
    expiresInSeconds: 3_600,
  });
  offerId = offer.id;
  // Open the socket before anything is measured.
  await clients.socket.api.auth.me.query();
  return null;
}

function callOnce(procedure: CallProcedure, transport: CallTransport): Promise<unknown> {
  if (!clients) throw new Error("calls.prepare first");
  const { api } = clients[transport];
  switch (procedure) {
    case "healthz":
      return fetch(`${url}/healthz`).then((response) => response.json());
    case "auth.me":
      return api.auth.me.query();
    case "drivers.list":
      return api.drivers.list.query({ limit: 20 });
    case "chat.send":
      return api.chat.send.mutate({ offerId, driverId, body: "benchmark message", clientMessageId: randomUUID() });
  }
}

/** `count` calls of one procedure over one transport, `concurrency` at a time. */
export async function runCallsCell(run: CallsCellRun): Promise<CallsCellResult> {
  const latency = new Histogram(0.01);
  const errors: ErrorCounts = {};
  const started = performance.now();
  await forEachLimited(Array.from({ length: run.count }), run.concurrency, async () => {
    const callStarted = performance.now();
    try {
      await callOnce(run.procedure, run.transport);
      latency.record(performance.now() - callStarted);
    } catch (error) {
      countError(errors, error);
    }
  });
  return { calls: run.count, wallMs: performance.now() - started, latency: latency.toJSON(), errors };
}
