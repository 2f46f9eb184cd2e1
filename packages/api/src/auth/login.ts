import { type Database, eq, users, verifyPassword } from "@convoy/db";
import type { TokenService } from "./tokens";

/** A valid scrypt hash of a random password, so unknown emails cost the same time as known ones. */
const DUMMY_HASH =
  "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$9uQbT6h7M6p5iXz1p3x2mJ9kq3dQk4w1+4b0F3R0m2eJ6Jc1sO7n1g1JdQ2u1n6b8Z6c0ZqkQ3n2m9p0o1r2sA==";

export type PublicUser = Pick<typeof users.$inferSelect, "id" | "role" | "name" | "email" | "phone">;

export function toPublicUser(user: typeof users.$inferSelect): PublicUser {
  return { id: user.id, role: user.role, name: user.name, email: user.email, phone: user.phone };
}

/** Checks the password and returns a signed token, or null for a wrong email or password alike. */
export async function login(
  db: Database,
  tokens: TokenService,
  credentials: { email: string; password: string },
): Promise<{ token: string; expiresAt: number; user: PublicUser } | null> {
  const [user] = await db.select().from(users).where(eq(users.email, credentials.email)).limit(1);
  const matches = await verifyPassword(credentials.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !matches) return null;
  const { token, expiresAt } = await tokens.sign({ id: user.id, role: user.role });
  return { token, expiresAt, user: toPublicUser(user) };
}
