import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTokenService } from "./tokens";

const SECRET = "a-test-secret-that-is-at-least-32-chars";
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A token signed with `secret` over any header and claims, as an attacker could build one. */
function handMade(header: unknown, claims: unknown, secret = SECRET): string {
  const body = `${b64(header)}.${b64(claims)}`;
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}

const now = () => Math.floor(Date.now() / 1000);
const goodClaims = () => ({ sub: "7", role: "driver", sid: 3, iss: "convoy", iat: now(), exp: now() + 60, jti: "x" });

describe("createTokenService", () => {
  it("verifies what it signed, with the session id and both times", () => {
    const tokens = createTokenService(SECRET);
    const { token, expiresAt } = tokens.sign({ id: 7, role: "driver" }, 3);
    const check = tokens.verify(token);
    expect(check).toMatchObject({ ok: true, claims: { userId: 7, role: "driver", sessionId: 3, expiresAt } });
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(900_000);
  });

  it("never signs past the session's end", () => {
    const notAfter = Date.now() + 30_000;
    const { expiresAt } = createTokenService(SECRET).sign({ id: 7, role: "driver" }, 3, 900, notAfter);
    expect(expiresAt).toBeLessThanOrEqual(notAfter);
  });

  it("refuses another secret, a changed payload, alg none and a foreign issuer", () => {
    const tokens = createTokenService(SECRET);
    expect(tokens.verify(handMade({ alg: "HS256" }, goodClaims(), "another-secret-another-secret-00000"))).toEqual({ ok: false, reason: "invalid" });
    const [header, , signature] = tokens.sign({ id: 7, role: "driver" }, 3).token.split(".");
    expect(tokens.verify(`${header}.${b64({ ...goodClaims(), role: "dispatcher" })}.${signature}`)).toEqual({ ok: false, reason: "invalid" });
    expect(tokens.verify(`${b64({ alg: "none" })}.${b64(goodClaims())}.`)).toEqual({ ok: false, reason: "invalid" });
    expect(tokens.verify(handMade({ alg: "HS512" }, goodClaims()))).toEqual({ ok: false, reason: "invalid" });
    expect(tokens.verify(handMade({ alg: "HS256" }, { ...goodClaims(), iss: "elsewhere" }))).toEqual({ ok: false, reason: "invalid" });
    expect(tokens.verify(handMade({ alg: "HS256" }, { ...goodClaims(), sid: "3" }))).toEqual({ ok: false, reason: "invalid" });
    expect(tokens.verify("not.a.token")).toEqual({ ok: false, reason: "invalid" });
  });

  it("says expired for an expired token, also once it was cached as valid", async () => {
    const tokens = createTokenService(SECRET);
    expect(tokens.verify(handMade({ alg: "HS256" }, { ...goodClaims(), exp: now() - 1 }))).toEqual({ ok: false, reason: "expired" });
    const { token } = tokens.sign({ id: 7, role: "driver" }, 3, 1);
    expect(tokens.verify(token).ok).toBe(true);
    const expiry = (tokens.verify(token) as { claims: { expiresAt: number } }).claims.expiresAt;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiry - Date.now()) + 10));
    expect(tokens.verify(token)).toEqual({ ok: false, reason: "expired" });
  });
});
