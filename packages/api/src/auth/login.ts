import { eq, users, verifyPassword, type Database, type UserRole } from "@convoy/db";
import type { SessionRegistry } from "./sessionRegistry";
import { createSession } from "./sessionStore";
import type { TokenService } from "./tokens";

/** A valid scrypt hash of a random password, so unknown emails cost the same time as known ones. */
const DUMMY_HASH =
  "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$9uQbT6h7M6p5iXz1p3x2mJ9kq3dQk4w1+4b0F3R0m2eJ6Jc1sO7n1g1JdQ2u1n6b8Z6c0ZqkQ3n2m9p0o1r2sA==";

export type PublicUser = Pick<typeof users.$inferSelect, "id" | "role" | "name" | "email" | "phone">;

export function toPublicUser(user: PublicUser): PublicUser {
  return { id: user.id, role: user.role, name: user.name, email: user.email, phone: user.phone };
}

/** What login and refresh hand back. Times are epoch milliseconds. */
export interface SignedIn {
  /** The access token, sent as `Authorization: Bearer` or `connectionParams.token`. */
  token: string;
  /** When `token` stops being accepted (at most 15 minutes by default). */
  expiresAt: number;
  /** The next refresh token; absent when it was put in a cookie instead. */
  refreshToken?: string;
  /** The session's absolute end: no refresh goes past it. */
  sessionExpiresAt: number;
  user: PublicUser;
}

export interface LoginDeps {
  db: Database;
  tokens: TokenService;
  sessions: SessionRegistry;
}

/**
 * Checks the password and opens a session, or returns null for a wrong email or password
 * alike. A disabled account is refused only after its password matched, so the refusal
 * tells nothing to someone guessing.
 */
export async function login(
  deps: LoginDeps,
  credentials: { email: string; password: string },
): Promise<{ signedIn: SignedIn; refreshToken: string } | "disabled" | null> {
  const [user] = await deps.db.select().from(users).where(eq(users.email, credentials.email)).limit(1);
  const matches = await verifyPassword(credentials.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !matches) return null;
  if (user.disabledAt) return "disabled";
  const session = await createSession(deps.db, deps.tokens, user.id, deps.sessions.sessionTtlSeconds);
  return {
    signedIn: issueAccess(deps.tokens, user, session.sessionId, session.expiresAt),
    refreshToken: session.refreshToken,
  };
}

/** Signs an access token for `user` that never outlives its session. */
export function issueAccess(tokens: TokenService, user: PublicUser & { role: UserRole }, sessionId: number, sessionExpiresAt: number): SignedIn {
  const { token, expiresAt } = tokens.sign(user, sessionId, undefined, sessionExpiresAt);
  return { token, expiresAt, sessionExpiresAt, user: toPublicUser(user) };
}
