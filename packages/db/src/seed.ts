import { count } from "drizzle-orm";
import type { MySql2Database } from "drizzle-orm/mysql2";
import type * as schema from "./schema";
import { hashPassword } from "./password";
import { users, drivers, type VehicleType, type Availability } from "./schema";
import { DEMO_CITY, DEMO_PASSWORDS, demoLogins } from "./demoAccounts";

const VEHICLES: { type: VehicleType; lengthCm: number; widthCm: number; heightCm: number; payloadKg: number }[] = [
  { type: "car", lengthCm: 180, widthCm: 140, heightCm: 80, payloadKg: 400 },
  { type: "suv", lengthCm: 200, widthCm: 150, heightCm: 100, payloadKg: 600 },
  { type: "van", lengthCm: 340, widthCm: 170, heightCm: 180, payloadKg: 1_400 },
  { type: "box_truck", lengthCm: 730, widthCm: 245, heightCm: 250, payloadKg: 4_500 },
  { type: "flatbed", lengthCm: 1_440, widthCm: 255, heightCm: 0, payloadKg: 21_000 },
  { type: "reefer", lengthCm: 1_600, widthCm: 250, heightCm: 260, payloadKg: 19_000 },
];

const FIRST_NAMES = [
  "Ava",
  "Ben",
  "Carla",
  "Dev",
  "Elena",
  "Femi",
  "Gus",
  "Hana",
  "Ivan",
  "Jo",
  "Kai",
  "Lena",
  "Marco",
  "Nia",
  "Omar",
  "Pia",
  "Quinn",
  "Rosa",
  "Sam",
  "Tariq",
];

/** Deterministic positions: a spiral around the city centre, so every run looks the same. */
function demoPosition(index: number): { lat: number; lng: number } {
  const angle = index * 2.399963; // golden angle spreads points evenly
  const radiusKm = 1.5 + (index % 10) * 1.1;
  const lat = DEMO_CITY.lat + (radiusKm / 111.32) * Math.cos(angle);
  const lng = DEMO_CITY.lng + (radiusKm / (111.32 * Math.cos((DEMO_CITY.lat * Math.PI) / 180))) * Math.sin(angle);
  return { lat: Number(lat.toFixed(6)), lng: Number(lng.toFixed(6)) };
}

/**
 * Creates 1 dispatcher, 20 drivers and 5 riders when the users table is empty.
 * Returns whether it seeded. Safe to call at every start.
 */
export async function seed(db: MySql2Database<typeof schema>): Promise<boolean> {
  const [existing] = await db.select({ n: count() }).from(users);
  if ((existing?.n ?? 0) > 0) return false;

  const hashes = {
    dispatcher: await hashPassword(DEMO_PASSWORDS.dispatcher),
    driver: await hashPassword(DEMO_PASSWORDS.driver),
    rider: await hashPassword(DEMO_PASSWORDS.rider),
  };

  await db.transaction(async (tx) => {
    for (const login of demoLogins()) {
      const index = Number(/\d+/.exec(login.email)?.[0] ?? "1") - 1;
      const name =
        login.role === "dispatcher"
          ? "Dana Dispatcher"
          : login.role === "driver"
            ? `${FIRST_NAMES[index] ?? "Driver"} ${String.fromCharCode(65 + index)}. (driver ${index + 1})`
            : `Rider ${index + 1}`;
      const [inserted] = await tx.insert(users).values({
        role: login.role,
        name,
        email: login.email,
        phone: `+1 312 555 ${String(1000 + index + (login.role === "rider" ? 100 : 0)).padStart(4, "0")}`,
        passwordHash: hashes[login.role],
      });
      if (login.role !== "driver") continue;
      const vehicle = VEHICLES[index % VEHICLES.length]!;
      const position = demoPosition(index);
      const availability: Availability = index % 5 === 4 ? "offline" : "available";
      await tx.insert(drivers).values({
        userId: inserted.insertId,
        vehicleType: vehicle.type,
        vehicleLengthCm: vehicle.lengthCm,
        vehicleWidthCm: vehicle.widthCm,
        vehicleHeightCm: vehicle.heightCm,
        payloadKg: vehicle.payloadKg,
        availability,
        lat: position.lat,
        lng: position.lng,
        positionAt: new Date(),
        ratingSum: 4 * 5 + (index % 3),
        ratingCount: 5,
      });
    }
  });
  return true;
}
