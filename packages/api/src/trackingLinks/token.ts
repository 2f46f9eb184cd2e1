import { createHash, randomBytes } from "node:crypto";

/** Random bytes in a link token: 256 bits, so a token cannot be guessed. */
const TOKEN_BYTES = 32;

/** A new link token: 32 random bytes, base64url (43 characters, safe in a URL's hash). */
export function newLinkToken(): string {
  return randomBytes(TOKEN_BYTES).toString("base64url");
}

/**
 * The SHA-256 (hex) under which a token is stored and looked up. A link is found by an
 * indexed equality on the hash, never by comparing the secret itself, so the time an answer
 * takes says nothing about how close a guess was.
 */
export function hashLinkToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
