/**
 * The fleet scenario's messages, shaped and sized as Convoy sends them (tRPC's JSON-RPC
 * envelope around a report, its answer, a dispatcher frame entry, a rider frame), for the
 * socket floor to move without Convoy.
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

/** The answer to a report. */
export function reportAnswer(callId: number): string {
  return JSON.stringify({ id: callId, result: { type: "data", data: { accepted: 1, rejected: [] } } });
}

/** One fleet frame holding these drivers' new positions, in a subscription envelope. */
export function fleetFrame(driverIds: readonly number[], now: number): string {
  const drivers = driverIds.map((id) => ({ id, name: `Driver ${id}`, availability: "available", online: true, position: position(id, now) }));
  return JSON.stringify({ id: 1, result: { type: "data", data: { kind: "frame", at: now, drivers } } });
}

/** A rider's trip frame after their driver moved. */
export function riderFrame(driverId: number, now: number): string {
  const data = { kind: "position", at: now, tripId: driverId, status: "en_route_pickup", position: position(driverId, now), etaSeconds: 240, etaMeters: 1800 };
  return JSON.stringify({ id: 1, result: { type: "data", data } });
}
