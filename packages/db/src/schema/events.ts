import { mysqlTable, int, varchar, mysqlEnum, boolean, index } from "drizzle-orm/mysql-core";
import { createdAt, idRef, jsonText, primaryId } from "./columns";

export const eventStreams = ["offers", "chat", "trips", "places"] as const;
export type EventStream = (typeof eventStreams)[number];

/**
 * The durable log that subscriptions replay from. `id` is AUTO_INCREMENT, so writers take
 * ids without waiting for each other, and ids become visible out of order: a row may
 * commit after a higher one, and a rolled-back or failed INSERT leaves its ids unused for
 * good. Readers therefore never trust `id > lastEventId` above the pump's watermark, the id
 * below which every id is known to be committed or never to be (see `EventPump` in
 * @convoy/api). One INSERT writes a transaction's rows with consecutive ids.
 *
 * Audience columns say who may see a row: the offer's dispatcher, one driver, one rider,
 * or every dispatcher (trip events).
 */
export const events = mysqlTable(
  "events",
  {
    id: primaryId(),
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
     * Set when this row's payload is the same as an earlier row's of the same INSERT (an
     * offer to 500 drivers is 500 identical `offer.received` payloads): `payload` is then
     * `{}` and readers take the payload of row `id - payload_back`. Relative because a
     * writer learns its ids only from the INSERT itself; exact because one INSERT's ids are
     * consecutive. Rows are never updated, so the reference never goes stale; see
     * `appendEvents` and `readEvents` in @convoy/api.
     */
    payloadBack: int("payload_back", { unsigned: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index("events_dispatcher_idx").on(t.stream, t.dispatcherId, t.id),
    index("events_driver_idx").on(t.stream, t.driverId, t.id),
    index("events_rider_idx").on(t.stream, t.riderId, t.id),
    index("events_all_dispatchers_idx").on(t.stream, t.allDispatchers, t.id),
  ],
);
