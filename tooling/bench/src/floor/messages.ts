/**
 * The fleet scenario's messages, shaped and sized as Convoy's tRPC messages (the JSON-RPC
 * envelope around a report, its answer, a dispatcher frame entry, a rider frame), for the
 * socket floors to move without Convoy.
 */

const position = (driverId: number, now: number) => ({
  lat: 52.52 + (driverId % 100) * 0.001,
  lng: 13.405 + (driverId % 77) * 0.001,
  accuracyM: 5,
  headingDeg: driverId % 360,
  speedMps: 12,
  recordedAt: now - 40,
  receivedAt: now - 35,
});

/** A driver's `tracking.report` call as @convoy/client writes it to the socket. */
export function reportMessage(callId: number, now: number): string {
  const point = { lat: 52.52, lng: 13.405, accuracyM: 5, headingDeg: 90, speedMps: 12, recordedAt: now };
  return JSON.stringify({ id: callId, method: "mutation", params: { input: { points: [point] }, path: "tracking.report" } });
}

/** What a dispatcher or rider socket sends to start its stream (the bare floor ignores it). */
export function subscribeMessage(path: "tracking.onFleet" | "tracking.onTrip", pair: number): string {
  return JSON.stringify({ id: 1, method: "subscription", params: { input: path === "tracking.onTrip" ? { tripId: pair } : undefined, path } });
}

/** The answer to a report. */
export function reportAnswer(callId: number): string {
  return JSON.stringify({ id: callId, result: { type: "data", data: { accepted: 1, rejected: [] } } });
}

/** One fleet frame holding these drivers' new positions. */
export function fleetFrameData(driverIds: readonly number[], now: number) {
  const drivers = driverIds.map((id) => ({ id, name: `Driver ${id}`, availability: "available", online: true, position: position(id, now) }));
  return { kind: "frame", at: now, drivers };
}

/** A rider's trip frame after their driver moved. */
export function riderFrameData(driverId: number, now: number) {
  return {
    kind: "position",
    at: now,
    tripId: driverId,
    status: "en_route_pickup",
    position: position(driverId, now),
    etaSeconds: 240,
    etaMeters: 1800,
  };
}

/** A fleet frame in a subscription envelope. */
export function fleetFrame(driverIds: readonly number[], now: number): string {
  return JSON.stringify({ id: 1, result: { type: "data", data: fleetFrameData(driverIds, now) } });
}

/** A rider frame in a subscription envelope. */
export function riderFrame(driverId: number, now: number): string {
  return JSON.stringify({ id: 1, result: { type: "data", data: riderFrameData(driverId, now) } });
}
