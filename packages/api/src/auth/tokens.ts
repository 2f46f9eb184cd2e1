import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { userRoles, type UserRole } from "@convoy/db";

/** Who is calling, as proven by a token. `expiresAt` is epoch milliseconds. */
export interface Session {
  userId: number;
  role: UserRole;
  expiresAt: number;
  /** The token's unique id, so a logout can name the sessions it ends. */
  tokenId: string;
}

export type TokenCheck = { ok: true; session: Session } | { ok: false; reason: "expired" | "invalid" };

export interface TokenService {
  sign: (user: { id: number; role: UserRole }, ttlSeconds?: number) => Promise<{ token: string; expiresAt: number }>;
  verify: (token: string) => Promise<TokenCheck>;
}

const ISSUER = "convoy";

/**
 * HS256 JWTs signed with `secret`.
 * @param defaultTtlSeconds token lifetime. @default 43_200 (12 h)
 */
export function createTokenService(secret: string, defaultTtlSeconds = 43_200): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    async sign(user, ttlSeconds = defaultTtlSeconds) {
      const expiresAtSeconds = Math.floor(Date.now() / 1000) + ttlSeconds;
      const token = await new SignJWT({ role: user.role })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(String(user.id))
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setJti(crypto.randomUUID())
        .setExpirationTime(expiresAtSeconds)
        .sign(key);
      return { token, expiresAt: expiresAtSeconds * 1000 };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ["HS256"] });
        const role = userRoles.find((r) => r === payload.role);
        const userId = Number(payload.sub);
        if (!role || !Number.isSafeInteger(userId) || userId <= 0 || !payload.exp || !payload.jti) {
          return { ok: false, reason: "invalid" };
        }
        return { ok: true, session: { userId, role, expiresAt: payload.exp * 1000, tokenId: payload.jti } };
      } catch (error) {
        return { ok: false, reason: error instanceof joseErrors.JWTExpired ? "expired" : "invalid" };
      }
    },
  };
}
