import { mysqlTable, bigint, double, uniqueIndex } from "drizzle-orm/mysql-core";
import { idRef, utcTime, coordinate } from "./columns";
import { drivers } from "./users";
import { trips } from "./trips";

/**
 * Breadcrumbs: append-only, written in multi-row batches, read by (driver, time).
 * (driver, recorded_at) is unique so a batch retried after an ambiguous failure, or a point
 * a phone sends twice, is stored once: the writer inserts with ON DUPLICATE KEY as a no-op.
 */
export const locations = mysqlTable(
  "locations",
  {
    id: bigint("id", { mode: "number", unsigned: true }).autoincrement().primaryKey(),
    driverId: idRef("driver_id")
      .notNull()
      .references(() => drivers.userId),
    tripId: idRef("trip_id").references(() => trips.id),
    lat: coordinate("lat").notNull(),
    lng: coordinate("lng").notNull(),
    accuracyM: double("accuracy_m"),
    headingDeg: double("heading_deg"),
    speedMps: double("speed_mps"),
    recordedAt: utcTime("recorded_at").notNull(),
  },
  (t) => [uniqueIndex("locations_driver_recorded_unique").on(t.driverId, t.recordedAt)],
);
