import { mysqlTable, varchar, mysqlEnum, int, double, index } from "drizzle-orm/mysql-core";
import { primaryId, createdAt, idRef, utcTime, coordinate } from "./columns";

export const userRoles = ["dispatcher", "driver", "rider"] as const;
export type UserRole = (typeof userRoles)[number];

export const users = mysqlTable("users", {
  id: primaryId(),
  role: mysqlEnum("role", userRoles).notNull(),
  name: varchar("name", { length: 120 }).notNull(),
  email: varchar("email", { length: 255 }).notNull().unique("users_email_unique"),
  phone: varchar("phone", { length: 32 }).notNull(),
  passwordHash: varchar("password_hash", { length: 255 }).notNull(),
  /** Set when the account is switched off: its sessions end and it can no longer sign in. */
  disabledAt: utcTime("disabled_at"),
  createdAt: createdAt(),
});

export const vehicleTypes = ["car", "suv", "van", "box_truck", "flatbed", "reefer"] as const;
export type VehicleType = (typeof vehicleTypes)[number];

export const availabilities = ["offline", "available", "busy"] as const;
export type Availability = (typeof availabilities)[number];

export const drivers = mysqlTable(
  "drivers",
  {
    userId: idRef("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    vehicleType: mysqlEnum("vehicle_type", vehicleTypes).notNull(),
    vehicleLengthCm: int("vehicle_length_cm").notNull(),
    vehicleWidthCm: int("vehicle_width_cm").notNull(),
    vehicleHeightCm: int("vehicle_height_cm").notNull(),
    payloadKg: int("payload_kg").notNull(),
    availability: mysqlEnum("availability", availabilities).notNull().default("offline"),
    lat: coordinate("lat"),
    lng: coordinate("lng"),
    positionAt: utcTime("position_at"),
    lastSeenAt: utcTime("last_seen_at"),
    ratingSum: double("rating_sum").notNull().default(0),
    ratingCount: int("rating_count").notNull().default(0),
  },
  (t) => [
    // Bounding-box search for nearest available drivers: equality on availability, range on lat.
    index("drivers_availability_lat_lng_idx").on(t.availability, t.lat, t.lng),
  ],
);
