import type { Availability } from "@convoy/db";
import type { Bus } from "../events/bus";
import { channels, type AvailabilityMessage } from "../events/channels";

/**
 * Tells every instance's fleet view that a driver's availability changed. Call after the
 * change committed: `drivers.setAvailability` does, and so should anything else that
 * changes `drivers.availability` (a trip making its driver busy).
 */
export function publishAvailability(bus: Bus, driverId: number, availability: Availability): void {
  const message: AvailabilityMessage = { driverId, availability };
  bus.publish(channels.availability, message);
}
