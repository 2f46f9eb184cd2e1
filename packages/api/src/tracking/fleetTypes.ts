import type { Availability } from "@convoy/db";
import type { LivePosition } from "./latestPositions";

/** One driver as the dispatcher's fleet map shows it. */
export interface FleetDriver {
  id: number;
  name: string;
  availability: Availability;
  /** Has an authenticated socket, or had one within the presence grace period. */
  online: boolean;
  /** Newest known position; null if the driver never reported one. */
  position: LivePosition | null;
}

/**
 * What `tracking.onFleet` yields: first a `snapshot` of every driver, then `frame`s that
 * carry only the drivers that changed since the previous frame. `at` is the server clock
 * (epoch ms) when the frame was built.
 */
export interface FleetFrame {
  kind: "snapshot" | "frame";
  at: number;
  drivers: FleetDriver[];
}
