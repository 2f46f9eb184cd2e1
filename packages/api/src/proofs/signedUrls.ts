import { createHmac, timingSafeEqual } from "node:crypto";
import { PROOF_FILES_PATH } from "./schemas";

/** A signed link to one proof file and when it stops working. */
export interface SignedFileUrl {
  /** Path and query, relative to the server's origin: `/proofs/files/7?expires=…&signature=…`. */
  url: string;
  /** ISO time after which the link is refused. */
  expiresAt: string;
}

/**
 * Short-lived links to proof files that need no token, so an `<img>` can load them. A link
 * names the file and its expiry (Unix seconds) and carries an HMAC-SHA256 over both, keyed
 * by a key derived from the server's JWT secret, so every instance accepts every other's
 * links and no client can make or stretch one. Whoever holds a link may load the file until
 * it expires: links are handed out only after the trip's access check, and live minutes.
 */
export class ProofUrlSigner {
  private readonly key: Buffer;

  /**
   * @param secret the server's JWT secret; the signing key is an HMAC of it, so the
   *   token key itself never signs a URL.
   * @param ttlSeconds how long a link works. @default 300
   */
  constructor(
    secret: string,
    readonly ttlSeconds = 300,
  ) {
    this.key = createHmac("sha256", secret).update("convoy proof file urls v1").digest();
  }

  private mac(fileId: number, expires: number): Buffer {
    return createHmac("sha256", this.key).update(`proof-file:${fileId}:${expires}`).digest();
  }

  /** A link to `fileId` that works for `ttlSeconds` from `now` (ms). */
  sign(fileId: number, now = Date.now()): SignedFileUrl {
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    const signature = this.mac(fileId, expires).toString("base64url");
    return { url: `${PROOF_FILES_PATH}${fileId}?expires=${expires}&signature=${signature}`, expiresAt: new Date(expires * 1000).toISOString() };
  }

  /**
   * Checks a link's parts as the request carries them: the file id from the path, and the
   * `expires` and `signature` query values. Returns the file id, or why the link is refused.
   */
  verify(
    fileIdText: string,
    expiresText: string | null,
    signatureText: string | null,
    now = Date.now(),
  ): { ok: true; fileId: number } | { ok: false; reason: "malformed" | "expired" | "bad_signature" } {
    if (!/^[1-9]\d{0,15}$/.test(fileIdText) || !expiresText || !/^\d{1,12}$/.test(expiresText) || !signatureText) {
      return { ok: false, reason: "malformed" };
    }
    const fileId = Number(fileIdText);
    const expires = Number(expiresText);
    const given = Buffer.from(signatureText, "base64url");
    const expected = this.mac(fileId, expires);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad_signature" };
    if (expires * 1000 <= now) return { ok: false, reason: "expired" };
    return { ok: true, fileId };
  }
}
