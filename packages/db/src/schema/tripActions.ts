import { char, index, mysqlEnum, mysqlTable, uniqueIndex } from "drizzle-orm/mysql-core";
import { createdAt, idRef, primaryId } from "./columns";
import { tripStatuses, trips } from "./trips";
import { users } from "./users";

/**
 * The status moves a driver made with an idempotency key (a UUID the phone makes once per
 * tap), so a move queued offline and sent again after a lost answer is made once:
 * (driver, key) is unique, and a repeat finds the first move here instead of moving again.
 */
export const tripStatusActions = mysqlTable(
  "trip_status_actions",
  {
    id: primaryId(),
    driverId: idRef("driver_id")
      .notNull()
      .references(() => users.id),
    idempotencyKey: char("idempotency_key", { length: 36 }).notNull(),
    tripId: idRef("trip_id")
      .notNull()
      .references(() => trips.id),
    /** The status the driver asked for. */
    status: mysqlEnum("status", tripStatuses).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("trip_status_actions_driver_key_unique").on(t.driverId, t.idempotencyKey), index("trip_status_actions_trip_idx").on(t.tripId)],
);
