import type { Availability } from "@convoy/db";
import type { Bus } from "../events/bus";
import { channels, type AvailabilityMessage } from "../events/channels";

/**
 * Tells every instance's fleet view that a driver's availability changed. Call after the
 * change committed, from the domain function that made it, so every caller of that path
 * tells the fleet: `acceptOffer` and `acceptCounter` (busy), `announceReleased` (available),
 * and the driver's own choice (`setAvailability` in `drivers/availability.ts`).
 */
export function publishAvailability(bus: Bus, driverId: number, availability: Availability): void {
  const message: AvailabilityMessage = { driverId, availability };
  bus.publish(channels.availability, message);
}
