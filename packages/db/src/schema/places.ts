import { boolean, index, int, mysqlTable, primaryKey, varchar } from "drizzle-orm/mysql-core";
import { createdAt, idRef, jsonText, primaryId, utcTime } from "./columns";
import { drivers, users } from "./users";

/** A point in WGS84 degrees, as a place's geometry stores it. */
export interface GeoPoint {
  lat: number;
  lng: number;
}

/**
 * A place's area: a circle (centre and radius in metres) or a simple polygon (its vertices
 * in order, the ring closing by itself). Checked on the way in by @convoy/api (`placeGeometrySchema`).
 */
export type PlaceGeometry = { kind: "circle"; center: GeoPoint; radiusM: number } | { kind: "polygon"; vertices: GeoPoint[] };

/**
 * Saved places (customer sites, depots), shared by every dispatcher: drivers entering,
 * leaving and dwelling in one produce `places` events, and a trip's pickup or dropoff may
 * be guarded by one instead of a radius. `version` counts edits, so a stale edit is refused.
 */
export const places = mysqlTable(
  "places",
  {
    id: primaryId(),
    name: varchar("name", { length: 80 }).notNull(),
    geometry: jsonText<PlaceGeometry>("geometry").notNull(),
    /** Seconds inside after which a driver is said to dwell; NULL: the server's default. */
    dwellSeconds: int("dwell_seconds"),
    createdBy: idRef("created_by").references(() => users.id, { onDelete: "set null" }),
    version: int("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: utcTime("updated_at").notNull(),
  },
  (t) => [index("places_name_idx").on(t.name)],
);

/**
 * Which drivers are inside which place now: a row is inserted when a driver enters and
 * deleted when they leave. The conditional write is what makes each transition one event
 * when two instances see the same driver, and it is what an instance reads when a driver's
 * reports start arriving there (after a restart or a moved socket).
 */
export const placeVisits = mysqlTable(
  "place_visits",
  {
    driverId: idRef("driver_id")
      .notNull()
      .references(() => drivers.userId, { onDelete: "cascade" }),
    placeId: idRef("place_id")
      .notNull()
      .references(() => places.id, { onDelete: "cascade" }),
    /** The time of the first point inside (the driver's clock, as reported). */
    enteredAt: utcTime("entered_at").notNull(),
    /** Set once the visit produced its `place.dwelled` event. */
    dwelled: boolean("dwelled").notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.driverId, t.placeId], name: "place_visits_pk" }), index("place_visits_place_idx").on(t.placeId)],
);
