import type { Availability } from "@convoy/db";
import { channels, type Bus } from "../events/bus";
import type { LivePosition } from "./latestPositions";

/** On `channels.positions`: a driver's newest point from one report. */
export interface PositionMessage {
  driverId: number;
  position: LivePosition;
}

/** On `channels.availability`: a driver's availability after a committed change. */
export interface AvailabilityMessage {
  driverId: number;
  availability: Availability;
}

/**
 * Tells every instance's fleet view that a driver's availability changed. Call after the
 * change committed: `drivers.setAvailability` does, and so should anything else that
 * changes `drivers.availability` (a trip making its driver busy).
 */
export function publishAvailability(bus: Bus, driverId: number, availability: Availability): void {
  const message: AvailabilityMessage = { driverId, availability };
  bus.publish(channels.availability, message);
}
