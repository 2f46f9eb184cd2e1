import type { ApiServices } from "../services";

/** What the trips domain needs: the database, the event pump, the bus (availability), and the trip service's settings. */
export type TripDeps = Pick<ApiServices, "db" | "pump" | "bus" | "trips">;
