import type { ApiServices } from "../services";

/** What the offers domain needs: the database, and the pump that publishes committed events. */
export type OfferDeps = Pick<ApiServices, "db" | "pump">;
