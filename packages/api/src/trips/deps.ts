import type { Bus } from "../events/bus";
import type { CommitDeps } from "../events/commit";
import type { ArrivalGuardContext } from "./arrivalGuard";
import type { DispatchContext } from "./dispatch";

/**
 * What the trips domain needs: the database and the event pump with its commit hooks
 * (`CommitDeps`), the bus (on which a freed driver is announced available), and ride
 * dispatch's settings and live positions, and what the arrival guard reads (the running
 * `TripService`).
 */
export interface TripDeps extends CommitDeps {
  bus: Bus;
  trips: { dispatch: DispatchContext; guard: ArrivalGuardContext };
}
