import {
  createDb,
  DEMO_CITY,
  dropDatabase,
  ensureDatabase,
  hashPassword,
  inArray,
  like,
  locations,
  migrate,
  sql,
  users,
  drivers,
  type DbHandle,
  type UserRole,
} from "@convoy/db";

/** The one password every benchmark account shares; hashed once per run. */
export const BENCH_PASSWORD = "bench-password-123";

export interface BenchUser {
  id: number;
  role: UserRole;
  email: string;
}

export interface BenchDatabase {
  url: string;
  name: string;
  handle: DbHandle;
  /** Rows in `locations` now. */
  countLocations: () => Promise<number>;
  /** The newest `locations.recorded_at` of these drivers, epoch ms (0 if none). */
  latestRecordedAt: (driverIds: readonly number[]) => Promise<number>;
  /** Each driver's last position as stored in `drivers` (written by the server as they move). */
  driverPositions: (driverIds: readonly number[]) => Promise<Map<number, { lat: number; lng: number }>>;
  /** Closes the pool and drops the database. */
  drop: () => Promise<void>;
}

/** Creates and migrates a fresh database `convoy_bench_<timestamp>` next to the one in `baseUrl`. */
export async function createBenchDatabase(baseUrl: string): Promise<BenchDatabase> {
  const url = new URL(baseUrl);
  const name = `convoy_bench_${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}_${process.pid}`;
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  const handle = createDb(url.toString(), { connectionLimit: 4 });
  try {
    await migrate(handle.db);
  } catch (error) {
    await handle.close();
    await dropDatabase(url.toString());
    throw error;
  }
  return {
    url: url.toString(),
    name,
    handle,
    async countLocations() {
      const [row] = await handle.db.select({ n: sql<number | string>`COUNT(*)` }).from(locations);
      return Number(row?.n ?? 0);
    },
    async latestRecordedAt(driverIds) {
      const [row] = await handle.db
        .select({ latest: sql<Date | null>`MAX(${locations.recordedAt})` })
        .from(locations)
        .where(inArray(locations.driverId, [...driverIds]));
      const latest = row?.latest;
      if (!latest) return 0;
      // Drizzle hands back the raw value for an aggregate: a Date or "YYYY-MM-DD hh:mm:ss.fff" (UTC).
      return latest instanceof Date ? latest.getTime() : Date.parse(`${String(latest).replace(" ", "T")}Z`);
    },
    async driverPositions(driverIds) {
      const positions = new Map<number, { lat: number; lng: number }>();
      for (let start = 0; start < driverIds.length; start += 1_000) {
        const rows = await handle.db
          .select({ id: drivers.userId, lat: drivers.lat, lng: drivers.lng })
          .from(drivers)
          .where(inArray(drivers.userId, driverIds.slice(start, start + 1_000)));
        for (const row of rows) if (row.lat !== null && row.lng !== null) positions.set(row.id, { lat: row.lat, lng: row.lng });
      }
      return positions;
    },
    async drop() {
      await handle.close();
      await dropDatabase(url.toString());
    },
  };
}

/** Where the `index`-th benchmark driver starts: around the demo city, about 20 km across. */
function startPosition(index: number): { lat: number; lng: number } {
  const angle = index * 2.399963;
  const radiusKm = 0.5 + (index % 97) * 0.1;
  return {
    lat: DEMO_CITY.lat + (radiusKm / 111.32) * Math.cos(angle),
    lng: DEMO_CITY.lng + (radiusKm / 82.7) * Math.sin(angle),
  };
}

/**
 * Inserts `counts` accounts straight into MySQL, all with one password hash computed once
 * (the server still checks it with scrypt at each login), drivers available with a vehicle
 * and a last position. Returns them in insertion order per role.
 */
export async function createBenchUsers(handle: DbHandle, counts: Record<UserRole, number>): Promise<Record<UserRole, BenchUser[]>> {
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const chunk = 1_000;
  for (const role of ["dispatcher", "driver", "rider"] as const) {
    for (let start = 0; start < counts[role]; start += chunk) {
      const size = Math.min(chunk, counts[role] - start);
      await handle.db.insert(users).values(
        Array.from({ length: size }, (_, i) => ({
          role,
          name: `Bench ${role} ${start + i + 1}`,
          email: `bench-${role}-${start + i + 1}@convoy.test`,
          phone: `+1 312 555 ${String(start + i).padStart(5, "0")}`,
          passwordHash,
        })),
      );
    }
  }
  const rows = await handle.db
    .select({ id: users.id, role: users.role, email: users.email })
    .from(users)
    .where(like(users.email, "bench-%"))
    .orderBy(users.id);
  const byRole: Record<UserRole, BenchUser[]> = { dispatcher: [], driver: [], rider: [] };
  for (const row of rows) byRole[row.role].push(row);

  const driverRows = byRole.driver.map((user, index) => ({
    userId: user.id,
    vehicleType: "van" as const,
    vehicleLengthCm: 340,
    vehicleWidthCm: 170,
    vehicleHeightCm: 180,
    payloadKg: 1_400,
    availability: "available" as const,
    ...startPosition(index),
    positionAt: new Date(),
  }));
  for (let start = 0; start < driverRows.length; start += chunk) {
    await handle.db.insert(drivers).values(driverRows.slice(start, start + chunk));
  }
  return byRole;
}
