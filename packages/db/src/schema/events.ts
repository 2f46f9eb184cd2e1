import { mysqlTable, bigint, varchar, mysqlEnum, boolean, index } from "drizzle-orm/mysql-core";
import { createdAt, idRef, jsonText } from "./columns";

export const eventStreams = ["offers", "chat", "trips"] as const;
export type EventStream = (typeof eventStreams)[number];

/**
 * The durable log that subscriptions replay from. `id` is NOT auto-increment: it is taken
 * from `event_sequence` under a row lock held until commit, so ids become visible in id
 * order and `id > lastEventId` can never skip a row that committed late.
 *
 * Audience columns say who may see a row: the offer's dispatcher, one driver, one rider,
 * or every dispatcher (trip events).
 */
export const events = mysqlTable(
  "events",
  {
    id: bigint("id", { mode: "number", unsigned: true }).primaryKey(),
    stream: mysqlEnum("stream", eventStreams).notNull(),
    type: varchar("type", { length: 40 }).notNull(),
    offerId: idRef("offer_id"),
    tripId: idRef("trip_id"),
    dispatcherId: idRef("dispatcher_id"),
    driverId: idRef("driver_id"),
    riderId: idRef("rider_id"),
    allDispatchers: boolean("all_dispatchers").notNull().default(false),
    payload: jsonText<Record<string, unknown>>("payload").notNull(),
    /**
     * Set when this row's payload is the same as an earlier row's (an offer to 500 drivers
     * is 500 identical `offer.received` payloads): `payload` is then `{}` and readers take
     * the payload of row `payload_of`. Rows are never updated, so the reference never goes
     * stale; see `appendEvents` and `readEvents` in @convoy/api.
     */
    payloadOf: idRef("payload_of"),
    createdAt: createdAt(),
  },
  (t) => [
    index("events_dispatcher_idx").on(t.stream, t.dispatcherId, t.id),
    index("events_driver_idx").on(t.stream, t.driverId, t.id),
    index("events_rider_idx").on(t.stream, t.riderId, t.id),
    index("events_all_dispatchers_idx").on(t.stream, t.allDispatchers, t.id),
  ],
);

/** Single-row counter; see `events`. */
export const eventSequence = mysqlTable("event_sequence", {
  id: bigint("id", { mode: "number", unsigned: true }).primaryKey(),
  lastId: bigint("last_id", { mode: "number", unsigned: true }).notNull(),
});
