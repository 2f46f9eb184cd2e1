import type { Logger } from "pino";
import { TRPCError } from "@trpc/server";
import type { Database, SessionEndReason } from "@convoy/db";
import { SESSION_ENDED_CLOSE_CODE, type Authentication, type ClosableStream, type Session } from "../auth/sessionRegistry";
import type { Bus } from "../events/bus";
import { channels, type ApiKeysEndedMessage } from "../events/channels";
import { LruCache } from "../lib/lruCache";
import { TokenBucket } from "../lib/tokenBucket";
import type { ApiKeyGrant } from "./grant";
import {
  allKeysStand,
  createApiKey,
  parseApiKey,
  readKeyStates,
  revokeApiKey,
  secretMatches,
  writeLastUsed,
  type ApiKeyView,
  type StoredKeyState,
} from "./keyStore";
import type { CreateApiKeyInput } from "./schemas";

export interface ApiKeyOptions {
  /** Calls per second one key may keep up, on each instance. @default 20 */
  callsPerSecond?: number;
  /** Calls one key may make at once, on each instance. @default 40 */
  burst?: number;
  /**
   * Shortest time between two writes of a key's `lastUsedAt` by one instance, in ms: the
   * stamp is that precise, and a busy key costs MySQL one UPDATE per this period. @default 60_000
   */
  lastUsedWriteMs?: number;
  /**
   * How often the keys this instance holds are re-read from MySQL, in ms: the bound on how
   * late a revocation reaches this instance when the bus is down, and on a dispatcher
   * disabled or deleted in SQL. @default 1_000
   */
  recheckMs?: number;
  /** Verified keys held in memory (least recently used out). @default 10_000 */
  cacheSize?: number;
}

export interface ApiKeyRegistryDeps {
  db: Database;
  bus: Bus;
  logger: Logger;
}

const KEY_SESSION_ID = 0;

/**
 * Endings a key never comes back from. A key ended otherwise (its dispatcher disabled) is
 * not held ended: the next call reads MySQL again, so re-enabling the dispatcher restores it.
 */
const FINAL_ENDINGS: ReadonlySet<SessionEndReason> = new Set(["key_revoked", "expired"]);

/**
 * This process's view of API keys. MySQL's `api_keys` table is the truth; a key verified
 * once (its row read, its secret's hash compared) is held in memory by its exact string, so
 * a call made with it costs a map lookup, and its standing is shared by every call and
 * socket using it. A key that stops working (revoked, expired, its dispatcher disabled or
 * deleted) stops here directly on the instance that revoked it, on every other instance
 * through the bus, and, when the bus is down, by the re-read every `recheckMs`; each way
 * closes its sockets with `SESSION_ENDED_CLOSE_CODE` and the reason.
 */
export class ApiKeyRegistry {
  private readonly verified: LruCache<string, Session>;
  private readonly streams = new Map<number, { session: Session; open: Set<ClosableStream> }>();
  private readonly loading = new Map<string, Promise<Authentication>>();
  /** Endings heard for keys not held here, so a load racing one cannot hold the key as live. */
  private readonly recentlyEnded = new LruCache<number, SessionEndReason>(1_000);
  private readonly options: Required<ApiKeyOptions>;
  private timer: NodeJS.Timeout | null = null;
  private rechecking = false;
  private stopBus: (() => void) | null = null;
  private stopReconnect: (() => void) | null = null;

  constructor(
    private readonly deps: ApiKeyRegistryDeps,
    options: ApiKeyOptions = {},
  ) {
    this.options = {
      callsPerSecond: options.callsPerSecond ?? 20,
      burst: options.burst ?? 40,
      lastUsedWriteMs: options.lastUsedWriteMs ?? 60_000,
      recheckMs: options.recheckMs ?? 1_000,
      cacheSize: options.cacheSize ?? 10_000,
    };
    this.verified = new LruCache(this.options.cacheSize);
  }

  get settings(): Readonly<Required<ApiKeyOptions>> {
    return this.options;
  }

  /** Listens on the bus for ended keys and starts the periodic re-check. */
  start(): void {
    this.stopBus = this.deps.bus.subscribe(channels.apiKeysEnded, (ended) => {
      if (!Array.isArray(ended.keyIds)) return;
      for (const id of ended.keyIds) if (Number.isSafeInteger(id)) this.endLocally(id, ended.reason);
    });
    this.stopReconnect = this.deps.bus.onReconnect(() => void this.recheck());
    this.timer = setInterval(() => void this.recheck(), this.options.recheckMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.stopBus?.();
    this.stopReconnect?.();
  }

  /** Whether `token` is shaped like an API key rather than an access token. */
  static isApiKey(token: string): boolean {
    return token.startsWith("cvk_");
  }

  /**
   * Checks an API key. A key held here costs a map lookup; another costs one primary-key
   * query (shared by concurrent callers) and a hash. A key whose secret does not match is
   * "invalid", like one that does not exist; only the holder of the real key learns that
   * it was revoked.
   */
  async authenticate(key: string): Promise<Authentication> {
    const held = this.verified.get(key);
    if (held) return this.standing(held);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(key).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** The id of `key` when it was verified here before (a map lookup, no query), else null. */
  verifiedKeyId(key: string): number | null {
    return this.verified.peek(key)?.apiKey?.keyId ?? null;
  }

  /**
   * Spends one call of the key's budget, or throws TOO_MANY_REQUESTS; and now and then
   * (`lastUsedWriteMs`) records the use in MySQL without making the call wait for it.
   */
  spend(grant: ApiKeyGrant, now = Date.now()): void {
    if (!grant.bucket.take(now)) {
      const seconds = Math.max(1, Math.ceil(grant.bucket.msUntilNext() / 1000));
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `Too many calls with this API key: at most ${this.options.callsPerSecond} a second (${this.options.burst} at once); try again in ${seconds} s`,
      });
    }
    if (now - grant.usedWrittenAt < this.options.lastUsedWriteMs) return;
    grant.usedWrittenAt = now;
    writeLastUsed(this.deps.db, grant.keyId, now).catch((error: unknown) => {
      // The next use tries again.
      grant.usedWrittenAt = 0;
      this.deps.logger.warn({ err: error, keyId: grant.keyId }, "could not record an API key's last use");
    });
  }

  /** Ties `stream` to the key `session` was made with: its ending closes it. Returns the function that unties it. */
  addStream(session: Session, stream: ClosableStream): () => void {
    const id = session.apiKey!.keyId;
    let entry = this.streams.get(id);
    if (!entry) this.streams.set(id, (entry = { session, open: new Set() }));
    entry.open.add(stream);
    return () => {
      const current = this.streams.get(id);
      if (!current) return;
      current.open.delete(stream);
      if (current.open.size === 0) this.streams.delete(id);
    };
  }

  /** Makes a key for dispatcher `userId` (see `createApiKey`) and records it in the log. */
  async create(userId: number, input: CreateApiKeyInput): Promise<ApiKeyView & { key: string }> {
    const created = await createApiKey(this.deps.db, userId, input);
    this.deps.logger.info({ keyId: created.id, userId, scopes: created.scopes, expiresAt: created.expiresAt }, "API key created");
    return created;
  }

  /**
   * Revokes dispatcher `userId`'s key `keyId` in MySQL, then here and on every instance
   * through the bus, closing its sockets; records it in the log. Revoking a revoked key
   * changes nothing.
   */
  async revoke(userId: number, keyId: number): Promise<ApiKeyView> {
    const { key, revokedNow } = await revokeApiKey(this.deps.db, userId, keyId);
    if (revokedNow) {
      this.deps.logger.info({ keyId, userId }, "API key revoked");
      this.endLocally(keyId, "key_revoked");
      const message: ApiKeysEndedMessage = { keyIds: [keyId], reason: "key_revoked" };
      this.deps.bus.publish(channels.apiKeysEnded, message);
    }
    return key;
  }

  private standing(session: Session): Authentication {
    const { state } = session;
    const ended = state.ended ?? (state.expiresAt <= Date.now() ? "expired" : null);
    return ended ? { ok: false, reason: "ended", ended } : { ok: true, session };
  }

  private async load(key: string): Promise<Authentication> {
    const parsed = parseApiKey(key);
    if (!parsed) return { ok: false, reason: "invalid" };
    const stored = (await readKeyStates(this.deps.db, [parsed.id])).get(parsed.id);
    if (!stored || !secretMatches(parsed.secret, stored.secretHash) || stored.role !== "dispatcher") return { ok: false, reason: "invalid" };
    const session = this.sessionOf(parsed.id, stored);
    // An ending heard while the row was read wins over what the row said.
    const endedMeanwhile = this.recentlyEnded.peek(parsed.id);
    if (endedMeanwhile) session.state.ended ??= endedMeanwhile;
    const { ended } = session.state;
    if (!ended || FINAL_ENDINGS.has(ended)) this.verified.set(key, session);
    return this.standing(session);
  }

  /** The one `Session` every call made with the key shares: it acts as its dispatcher. */
  private sessionOf(keyId: number, stored: StoredKeyState): Session {
    const grant: ApiKeyGrant = {
      keyId,
      scopes: new Set(stored.scopes),
      bucket: new TokenBucket(this.options.burst, this.options.callsPerSecond),
      usedWrittenAt: 0,
    };
    return {
      userId: stored.userId,
      role: stored.role,
      sessionId: KEY_SESSION_ID,
      expiresAt: stored.expiresAt,
      issuedAt: stored.createdAt,
      tokenId: `api-key:${keyId}`,
      state: {
        sessionId: KEY_SESSION_ID,
        userId: stored.userId,
        role: stored.role,
        user: stored.user,
        expiresAt: stored.expiresAt,
        ended: stored.ended,
      },
      apiKey: grant,
    };
  }

  /** Marks key `id` ended here and closes its sockets. Idempotent. */
  private endLocally(id: number, reason: SessionEndReason): void {
    let held = false;
    for (const key of [...this.verified.keys()]) {
      const session = this.verified.peek(key);
      if (session?.apiKey?.keyId !== id) continue;
      session.state.ended ??= reason;
      held = true;
      if (!FINAL_ENDINGS.has(reason)) this.verified.delete(key);
    }
    const entry = this.streams.get(id);
    if (entry) {
      entry.session.state.ended ??= reason;
      held = true;
    }
    if (!held && FINAL_ENDINGS.has(reason)) this.recentlyEnded.set(id, reason);
    if (!entry) return;
    this.streams.delete(id);
    const closeReason = entry.session.state.ended ?? reason;
    for (const stream of [...entry.open]) stream.close(SESSION_ENDED_CLOSE_CODE, closeReason);
  }

  private *heldSessions(): Generator<Session> {
    for (const key of this.verified.keys()) {
      const session = this.verified.peek(key);
      if (session) yield session;
    }
    for (const entry of this.streams.values()) yield entry.session;
  }

  /**
   * Asks MySQL whether the held, still working keys all still stand; when one does not
   * (rare), reads them in full, which ends those here with their reason.
   */
  private async recheck(): Promise<void> {
    if (this.rechecking) return;
    this.rechecking = true;
    try {
      const now = Date.now();
      const ids = new Set<number>();
      for (const session of this.heldSessions()) {
        const id = session.apiKey!.keyId;
        if (session.state.ended) continue;
        if (session.state.expiresAt <= now) this.endLocally(id, "expired");
        else ids.add(id);
      }
      const all = [...ids];
      for (let start = 0; start < all.length; start += 1_000) {
        const chunk = all.slice(start, start + 1_000);
        if (await allKeysStand(this.deps.db, chunk)) continue;
        const states = await readKeyStates(this.deps.db, chunk);
        for (const id of chunk) {
          const stored = states.get(id);
          const reason = stored ? stored.ended : "user_deleted";
          if (reason) this.endLocally(id, reason);
        }
      }
    } catch (error) {
      this.deps.logger.warn({ err: error }, "API key re-check failed; retrying on the next tick");
    } finally {
      this.rechecking = false;
    }
  }
}
