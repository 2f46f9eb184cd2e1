import { count, inArray } from "drizzle-orm";
import type { MySql2Database } from "drizzle-orm/mysql2";
import type * as schema from "./schema";
import { hashPassword } from "./password";
import { users, drivers, type VehicleType, type Availability } from "./schema";
import {
  DEMO_ACCOUNT_COUNTS,
  DEMO_CITY,
  DEMO_PASSWORDS,
  demoLogin,
  simulatedDriverLogin,
  simulatedDriverLogins,
  type DemoLogin,
} from "./demoAccounts";

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

/** One account to create, with its driver row when it is a driver. */
interface SeedAccount {
  login: DemoLogin;
  name: string;
  phone: string;
  driver?: { vehicleIndex: number; positionIndex: number; availability: Availability; ratingBonus: number };
}

const phone = (n: number) => `+1 312 555 ${String(n).padStart(4, "0")}`;

/** The people's demo accounts, as `demoLogins()` lists them (without the simulator's). */
function peopleAccounts(): SeedAccount[] {
  const accounts: SeedAccount[] = [{ login: demoLogin("dispatcher"), name: "Dana Dispatcher", phone: phone(1000) }];
  for (let i = 0; i < DEMO_ACCOUNT_COUNTS.driver; i++) {
    accounts.push({
      login: demoLogin("driver", i + 1),
      name: `${FIRST_NAMES[i] ?? "Driver"} ${String.fromCharCode(65 + i)}. (driver ${i + 1})`,
      phone: phone(1000 + i),
      driver: { vehicleIndex: i, positionIndex: i, availability: i % 5 === 4 ? "offline" : "available", ratingBonus: i % 3 },
    });
  }
  for (let i = 0; i < DEMO_ACCOUNT_COUNTS.rider; i++) {
    accounts.push({ login: demoLogin("rider", i + 1), name: `Rider ${i + 1}`, phone: phone(1100 + i) });
  }
  return accounts;
}

/**
 * The simulator's drivers: placed on the same spiral beyond the people's drivers, and
 * `offline` until the simulator drives them, so nothing is offered to a driver nobody runs.
 */
function simulatedAccounts(): SeedAccount[] {
  return simulatedDriverLogins().map((login, i) => ({
    login,
    name: `Sim ${i + 1} (simulated)`,
    phone: phone(1200 + i),
    driver: { vehicleIndex: i, positionIndex: DEMO_ACCOUNT_COUNTS.driver + i, availability: "offline", ratingBonus: i % 3 },
  }));
}

async function insertAccounts(db: MySql2Database<typeof schema>, accounts: SeedAccount[]): Promise<void> {
  const hashes = {
    dispatcher: await hashPassword(DEMO_PASSWORDS.dispatcher),
    driver: await hashPassword(DEMO_PASSWORDS.driver),
    rider: await hashPassword(DEMO_PASSWORDS.rider),
  };
  await db.transaction(async (tx) => {
    for (const account of accounts) {
      const { login } = account;
      const [inserted] = await tx.insert(users).values({
        role: login.role,
        name: account.name,
        email: login.email,
        phone: account.phone,
        passwordHash: hashes[login.role],
      });
      if (!account.driver) continue;
      const vehicle = VEHICLES[account.driver.vehicleIndex % VEHICLES.length]!;
      const position = demoPosition(account.driver.positionIndex);
      await tx.insert(drivers).values({
        userId: inserted.insertId,
        vehicleType: vehicle.type,
        vehicleLengthCm: vehicle.lengthCm,
        vehicleWidthCm: vehicle.widthCm,
        vehicleHeightCm: vehicle.heightCm,
        payloadKg: vehicle.payloadKg,
        availability: account.driver.availability,
        lat: position.lat,
        lng: position.lng,
        positionAt: new Date(),
        ratingSum: 4 * 5 + account.driver.ratingBonus,
        ratingCount: 5,
      });
    }
  });
}

/**
 * Creates the demo accounts (`demoLogins()`: 1 dispatcher, 20 drivers, 5 riders and the
 * simulator's 12 drivers) when the users table is empty. A database seeded before the
 * simulator had accounts of its own (it has the demo dispatcher but no sim1) gets the
 * simulator's drivers added, so `pnpm dev` keeps working on an existing database.
 * Returns whether it created anything. Safe to call at every start.
 */
export async function seed(db: MySql2Database<typeof schema>): Promise<boolean> {
  const [existing] = await db.select({ n: count() }).from(users);
  if ((existing?.n ?? 0) === 0) {
    await insertAccounts(db, [...peopleAccounts(), ...simulatedAccounts()]);
    return true;
  }
  const demoEmails = [demoLogin("dispatcher").email, simulatedDriverLogin(1).email];
  const found = await db.select({ email: users.email }).from(users).where(inArray(users.email, demoEmails));
  if (found.length !== 1 || found[0]?.email !== demoEmails[0]) return false;
  await insertAccounts(db, simulatedAccounts());
  return true;
}
