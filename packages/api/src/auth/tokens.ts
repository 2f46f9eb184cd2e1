import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { userRoles, type UserRole } from "@convoy/db";
import { LruCache } from "../lib/lruCache";

/**
 * What a verified access token says. Times are epoch milliseconds. The token only proves
 * who signed in and when it stops being accepted; whether its session still stands is the
 * `SessionRegistry`'s question.
 */
export interface AccessClaims {
  userId: number;
  role: UserRole;
  /** The `sessions` row this token belongs to. */
  sessionId: number;
  expiresAt: number;
  /** When it was signed, epoch ms. */
  issuedAt: number;
  /** The token's own id (`jti`). */
  tokenId: string;
}

export type TokenCheck = { ok: true; claims: AccessClaims } | { ok: false; reason: "expired" | "invalid" };

export interface TokenService {
  /**
   * Signs an access token for `user` in session `sessionId`, living `ttlSeconds` (default:
   * the service's access lifetime) but never past `notAfter` (epoch ms) when given.
   */
  sign: (user: { id: number; role: UserRole }, sessionId: number, ttlSeconds?: number, notAfter?: number) => { token: string; expiresAt: number };
  verify: (token: string) => TokenCheck;
  /**
   * A new refresh token for session `sessionId`: the session id, 32 random bytes and a MAC
   * over both. The MAC lets the server tell a spent token it issued (reuse: end the session)
   * from a made-up one naming someone's session (refused, nothing ended).
   */
  mintRefresh: (sessionId: number) => string;
  /** The session a refresh token was minted for, or null when the server did not mint it. */
  refreshSessionOf: (refreshToken: string) => number | null;
}

export interface TokenServiceOptions {
  /** Access token lifetime, in seconds. @default 900 (15 min) */
  accessTtlSeconds?: number;
  /** Verified tokens remembered, so a repeated token costs one map lookup. @default 10_000 */
  cacheSize?: number;
}

const ISSUER = "convoy";
const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
/** Longest token accepted before any parsing, in characters. */
const MAX_TOKEN_LENGTH = 2_048;

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

/**
 * HS256 JWTs signed and checked with node:crypto's HMAC (WebCrypto's async verify cost more
 * than the rest of a call). Verification checks the header's `alg` is HS256, compares the
 * signature in constant time, then `iss`, `exp` and the claims' shapes. A verified token is
 * cached by its exact string until it expires; a cached entry is only ever a token whose
 * signature was checked.
 */
export function createTokenService(secret: string, options: TokenServiceOptions = {}): TokenService {
  const defaultTtlSeconds = options.accessTtlSeconds ?? 900;
  const verified = new LruCache<string, AccessClaims>(options.cacheSize ?? 10_000);
  const mac = (input: string) => createHmac("sha256", secret).update(input).digest();
  // Its own key, so no refresh token's MAC is ever an access token's signature.
  const refreshKey = createHmac("sha256", secret).update("convoy refresh tokens").digest();
  const refreshMac = (input: string) => createHmac("sha256", refreshKey).update(input).digest();

  function check(token: string): TokenCheck {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "invalid" };
    const parts = token.split(".");
    if (parts.length !== 3) return { ok: false, reason: "invalid" };
    const [header, payload, signature] = parts as [string, string, string];
    const expected = mac(`${header}.${payload}`);
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "invalid" };
    let head: unknown;
    let claims: unknown;
    try {
      head = JSON.parse(Buffer.from(header, "base64url").toString());
      claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    } catch {
      return { ok: false, reason: "invalid" };
    }
    if (!isRecord(head) || head.alg !== "HS256" || !isRecord(claims) || claims.iss !== ISSUER) {
      return { ok: false, reason: "invalid" };
    }
    const role = userRoles.find((r) => r === claims.role);
    const userId = Number(claims.sub);
    const { exp, iat, sid, jti } = claims;
    if (
      !role ||
      !Number.isSafeInteger(userId) ||
      userId <= 0 ||
      typeof exp !== "number" ||
      typeof iat !== "number" ||
      !Number.isSafeInteger(sid) ||
      typeof jti !== "string"
    ) {
      return { ok: false, reason: "invalid" };
    }
    return { ok: true, claims: { userId, role, sessionId: sid as number, expiresAt: exp * 1000, issuedAt: iat * 1000, tokenId: jti } };
  }

  return {
    sign(user, sessionId, ttlSeconds = defaultTtlSeconds, notAfter = Infinity) {
      const issuedAt = Math.floor(Date.now() / 1000);
      const exp = Math.min(issuedAt + ttlSeconds, Math.floor(notAfter / 1000));
      const payload = base64url(
        JSON.stringify({ role: user.role, sid: sessionId, sub: String(user.id), iss: ISSUER, iat: issuedAt, jti: randomUUID(), exp }),
      );
      const signature = mac(`${HEADER}.${payload}`).toString("base64url");
      return { token: `${HEADER}.${payload}.${signature}`, expiresAt: exp * 1000 };
    },
    verify(token) {
      const now = Date.now();
      const cached = verified.get(token);
      if (cached) return cached.expiresAt > now ? { ok: true, claims: cached } : { ok: false, reason: "expired" };
      const result = check(token);
      if (!result.ok) return result;
      if (result.claims.expiresAt <= now) return { ok: false, reason: "expired" };
      verified.set(token, result.claims);
      return result;
    },
    mintRefresh(sessionId) {
      const body = `${sessionId}.${randomBytes(32).toString("base64url")}`;
      return `${body}.${refreshMac(body).toString("base64url")}`;
    },
    refreshSessionOf(refreshToken) {
      if (refreshToken.length > MAX_TOKEN_LENGTH) return null;
      const parts = refreshToken.split(".");
      if (parts.length !== 3) return null;
      const [id, nonce, signature] = parts as [string, string, string];
      if (!/^[1-9][0-9]{0,15}$/.test(id)) return null;
      const expected = refreshMac(`${id}.${nonce}`);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      const sessionId = Number(id);
      return Number.isSafeInteger(sessionId) ? sessionId : null;
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
