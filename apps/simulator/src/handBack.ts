import WebSocket from "ws";
import { createConvoyClient } from "@convoy/client";
import type { SimulatorEnv } from "./env";

/** Most trips one driver can hold at once is one or two; this bounds the loop if cancels keep failing. */
const MAX_TRIPS = 5;

/**
 * Cancels every active trip of a driver the simulator no longer drives, with `reason`, so
 * none is left moving nowhere. Drivers cannot cancel trips, so this signs in as the
 * dispatcher (`SIM_DISPATCHER_EMAIL`), over HTTP only: it opens no socket, so the simulator
 * never shows as a dispatcher online. It signs out again at the end. Returns the ids of the
 * trips it cancelled; throws when it could not sign in or ask.
 */
export async function cancelTripsOf(env: SimulatorEnv, driverId: number, reason: string): Promise<number[]> {
  const anonymous = createConvoyClient({ url: env.CONVOY_API_URL, WebSocket });
  const { token } = await anonymous.api.auth.login.mutate({ email: env.SIM_DISPATCHER_EMAIL, password: env.SIM_DISPATCHER_PASSWORD });
  await anonymous.close();
  const desk = createConvoyClient({ url: env.CONVOY_API_URL, token, WebSocket });
  const cancelled: number[] = [];
  const tried = new Set<number>();
  try {
    for (let round = 0; round < MAX_TRIPS; round++) {
      const { currentTrip } = await desk.api.drivers.byId.query({ driverId });
      if (!currentTrip || tried.has(currentTrip.id)) break;
      tried.add(currentTrip.id);
      // A trip that ended meanwhile is refused with CONFLICT: the next round looks again.
      const done = await desk.api.trips.cancel.mutate({ tripId: currentTrip.id, reason }).then(
        () => true,
        () => false,
      );
      if (done) cancelled.push(currentTrip.id);
    }
  } finally {
    await desk.api.auth.logout.mutate().catch(() => undefined);
    await desk.close();
  }
  return cancelled;
}
