import { hashPassword, users, drivers, type Database, type UserRole } from "@convoy/db";
import type { LoggedInClient, TestServer } from "./harness";

const extraPasswordHash = hashPassword("extra-pass-123");

/** Adds users beyond the seed (a second dispatcher, many drivers); password `extra-pass-123`. */
export async function createExtraUsers(
  db: Database,
  role: UserRole,
  count: number,
  prefix = `${role}-extra`,
): Promise<{ id: number; email: string }[]> {
  const passwordHash = await extraPasswordHash;
  const created: { id: number; email: string }[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${prefix}-${i}-${Math.random().toString(36).slice(2, 8)}@convoy.test`;
    const [result] = await db.insert(users).values({ role, name: `${prefix} ${i}`, email, phone: "+1 312 555 0000", passwordHash });
    if (role === "driver") {
      await db.insert(drivers).values({
        userId: result.insertId,
        vehicleType: "van",
        vehicleLengthCm: 340,
        vehicleWidthCm: 170,
        vehicleHeightCm: 180,
        payloadKg: 1_400,
        availability: "available",
        lat: 41.88,
        lng: -87.63,
      });
    }
    created.push({ id: result.insertId, email });
  }
  return created;
}

export function loginExtra(t: TestServer, email: string): Promise<LoggedInClient> {
  return t.login(email, "extra-pass-123");
}

export { loadInput } from "./offerFixtures";
