import type { Bus } from "../events/bus";
import type { CommitDeps } from "../events/commit";

/**
 * What the offers domain needs: the database and the event pump with its commit hooks
 * (`CommitDeps`), and the bus, on which a driver winning an offer is announced busy.
 */
export interface OfferDeps extends CommitDeps {
  bus: Bus;
}
