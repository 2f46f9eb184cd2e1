import type { Logger } from "pino";
import { eq, sessions, type Database, type SessionEndReason, type SQL } from "@convoy/db";
import type { ApiKeyGrant } from "../apiKeys/grant";
import type { Bus } from "../events/bus";
import { channels, type SessionsEndedMessage } from "../events/channels";
import { BatchedLookup, type BatchedLookupStats } from "../lib/batchedLookup";
import { LruCache } from "../lib/lruCache";
import {
  allSessionsStand,
  readSessionStates,
  revokeSessions,
  rotateRefreshToken,
  type RefreshOutcome,
  type StoredSessionState,
} from "./sessionStore";
import type { AccessClaims, TokenService } from "./tokens";

/** Something the server can close when its session ends: a WebSocket, an event stream. */
export interface ClosableStream {
  close: (code?: number, reason?: string) => void;
}

/**
 * WebSocket close code for "your session ended" (logged out, revoked, user disabled or
 * deleted, session expired). The close reason is the `SessionEndReason`. Clients must not
 * reconnect with the same session.
 */
export const SESSION_ENDED_CLOSE_CODE = 4001;
/**
 * WebSocket close code for "this access token expired": the session stands, so the client
 * refreshes and reconnects. A client that refreshes in time never sees it: the server asks
 * it to reconnect (tRPC's `reconnect` notice) shortly before.
 */
export const TOKEN_EXPIRED_CLOSE_CODE = 4002;

/** One session's standing in this process, shared by every request and stream of it. */
export interface SessionState extends StoredSessionState {
  sessionId: number;
}

/**
 * Who is calling: a verified access token and its session's live state, or an API key
 * acting as its dispatcher (then `apiKey` is set, `sessionId` is 0 and `expiresAt` is the
 * key's expiry, Infinity for none).
 */
export interface Session extends AccessClaims {
  state: SessionState;
  /** What the API key the call was made with may do; absent for access tokens. */
  apiKey?: ApiKeyGrant;
}

export type Authentication =
  { ok: true; session: Session } | { ok: false; reason: "missing" | "expired" | "invalid" } | { ok: false; reason: "ended"; ended: SessionEndReason };

/** Every this many re-checks, held sessions are read in full, refreshing names and phones. */
const PROFILE_REFRESH_TICKS = 30;

export interface SessionRegistryOptions {
  /** Sessions whose standing is held in memory. @default 10_000 */
  cacheSize?: number;
  /**
   * How often every session this process holds is re-read from MySQL, in ms: the bound on
   * how late an ending reaches this instance when the bus is down, and on a user disabled or
   * deleted in SQL directly. @default 1_000
   */
  recheckMs?: number;
  /** Ids per re-check query. @default 1_000 */
  recheckChunk?: number;
  /** A session's absolute lifetime from login, in seconds; refreshing does not extend it. @default 2_592_000 (30 days) */
  sessionTtlSeconds?: number;
  /**
   * How long after a rotation the previous refresh token is refused without ending the
   * session (two tabs refreshing at once), in ms. @default 10_000
   */
  refreshRaceGraceMs?: number;
}

export interface SessionRegistryDeps {
  db: Database;
  bus: Bus;
  tokens: TokenService;
  logger: Logger;
}

/**
 * This process's view of sessions. MySQL's `sessions` table is the truth; this holds the
 * standing of sessions in use here (bounded, least recently used first out) so a call costs
 * no query for its identity, and the streams open for each session.
 *
 * An ending reaches every instance three ways: directly on the instance that ended it, on
 * the bus at once, and by the periodic re-check of every held session against MySQL (which
 * also notices disabled and deleted users and covers bus outages). All three close the
 * session's streams with `SESSION_ENDED_CLOSE_CODE`.
 */
export class SessionRegistry {
  private readonly cache: LruCache<number, SessionState>;
  private readonly streams = new Map<number, { state: SessionState; open: Set<ClosableStream> }>();
  private readonly loading = new Map<number, Promise<SessionState>>();
  /** Sessions not held here, read together (a restart's reconnecting sockets all miss at once). */
  private readonly reads: BatchedLookup<number, StoredSessionState | "missing">;
  private readonly options: Required<SessionRegistryOptions>;
  private timer: NodeJS.Timeout | null = null;
  private rechecking = false;
  private recheckTicks = 0;
  private stopBus: (() => void) | null = null;
  private stopReconnect: (() => void) | null = null;

  constructor(
    private readonly deps: SessionRegistryDeps,
    options: SessionRegistryOptions = {},
  ) {
    this.options = {
      cacheSize: options.cacheSize ?? 10_000,
      recheckMs: options.recheckMs ?? 1_000,
      recheckChunk: options.recheckChunk ?? 1_000,
      sessionTtlSeconds: options.sessionTtlSeconds ?? 2_592_000,
      refreshRaceGraceMs: options.refreshRaceGraceMs ?? 10_000,
    };
    this.cache = new LruCache(this.options.cacheSize);
    this.reads = new BatchedLookup((ids) => readSessionStates(deps.db, ids), this.options.recheckChunk);
  }

  get sessionTtlSeconds(): number {
    return this.options.sessionTtlSeconds;
  }

  get refreshRaceGraceMs(): number {
    return this.options.refreshRaceGraceMs;
  }

  /** Listens on the bus and starts the periodic re-check. */
  start(): void {
    this.stopBus = this.deps.bus.subscribe(channels.sessionsEnded, (ended) => {
      if (!Array.isArray(ended.sessionIds)) return;
      for (const id of ended.sessionIds) if (Number.isSafeInteger(id)) this.endLocally(id, ended.reason);
    });
    // What was published while the bus was away is gone: re-read everything now.
    this.stopReconnect = this.deps.bus.onReconnect(() => void this.recheck());
    this.timer = setInterval(() => void this.recheck(), this.options.recheckMs);
    this.timer.unref();
  }

  /** Reads of sessions not held here: queries (`lookups`) and the sessions asked for in them (`keys`). */
  readStats(): BatchedLookupStats {
    return this.reads.stats();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.stopBus?.();
    this.stopReconnect?.();
  }

  /**
   * Checks an access token and its session. A token seen before costs a map lookup; a
   * session not held here costs one primary-key query, shared by concurrent callers.
   */
  async authenticate(token: string | null | undefined): Promise<Authentication> {
    if (!token) return { ok: false, reason: "missing" };
    const check = this.deps.tokens.verify(token);
    if (!check.ok) return check;
    const { claims } = check;
    const state = this.cache.get(claims.sessionId) ?? (await this.load(claims.sessionId));
    if (state.ended) return { ok: false, reason: "ended", ended: state.ended };
    if (state.userId !== claims.userId) return { ok: false, reason: "invalid" };
    const ended = this.endReason(state);
    if (ended) return { ok: false, reason: "ended", ended };
    return { ok: true, session: { ...claims, role: state.role, state } };
  }

  /** Why `state` no longer stands, or null. */
  endReason(state: SessionState, now = Date.now()): SessionEndReason | null {
    return state.ended ?? (state.expiresAt <= now ? "expired" : null);
  }

  /** Whether `session` may still act: its access token unexpired and its session standing. */
  isLive(session: Session, now = Date.now()): boolean {
    return session.expiresAt > now && this.endReason(session.state, now) === null;
  }

  /** Ties `stream` to its session: an ending closes it. Returns the function that unties it. */
  addStream(session: Session, stream: ClosableStream): () => void {
    const id = session.sessionId;
    let entry = this.streams.get(id);
    if (!entry) this.streams.set(id, (entry = { state: session.state, open: new Set() }));
    entry.open.add(stream);
    return () => {
      const current = this.streams.get(id);
      if (!current) return;
      current.open.delete(stream);
      if (current.open.size === 0) this.streams.delete(id);
    };
  }

  /** Streams open for `userId`'s sessions on this instance. */
  streamCount(userId: number): number {
    let count = 0;
    for (const entry of this.streams.values()) if (entry.state.userId === userId) count += entry.open.size;
    return count;
  }

  /**
   * Closes every stream of `userId` on this instance without ending a session (1012: clients
   * reconnect and resume); returns how many.
   */
  closeStreamsOf(userId: number, reason: string): number {
    let count = 0;
    for (const entry of [...this.streams.values()]) {
      if (entry.state.userId !== userId) continue;
      for (const stream of [...entry.open]) stream.close(1012, reason);
      count += entry.open.size;
    }
    return count;
  }

  /**
   * Ends the sessions matching `where` (see `sessionsOfUser`) for `reason`: in MySQL first,
   * so no instance and no restart can bring them back, then here and on the bus.
   * Returns the ids ended.
   */
  async end(where: SQL, reason: SessionEndReason): Promise<number[]> {
    const ids = await revokeSessions(this.deps.db, where, reason);
    if (ids.length === 0) return ids;
    for (const id of ids) this.endLocally(id, reason);
    const message: SessionsEndedMessage = { sessionIds: ids, reason };
    this.deps.bus.publish(channels.sessionsEnded, message);
    return ids;
  }

  /**
   * Rotates a refresh token (see `rotateRefreshToken`); a reused one, whichever earlier
   * token of the session it is, ends the session on every instance before the outcome is
   * returned.
   */
  async rotate(refreshToken: string): Promise<RefreshOutcome> {
    const outcome = await rotateRefreshToken(this.deps.db, this.deps.tokens, refreshToken, this.options.refreshRaceGraceMs);
    if (outcome.kind === "reused") {
      await this.end(eq(sessions.id, outcome.sessionId), "refresh_reused");
      this.deps.logger.warn({ sessionId: outcome.sessionId, userId: outcome.userId }, "a spent refresh token came back; session ended");
    }
    return outcome;
  }

  /** Marks session `id` ended here and closes its streams. Idempotent. */
  private endLocally(id: number, reason: SessionEndReason): void {
    const entry = this.streams.get(id);
    const cached = this.cache.peek(id);
    if (entry) entry.state.ended ??= reason;
    if (cached) cached.ended ??= reason;
    // A request may be loading it right now; it must not cache it as live afterwards.
    if (!entry && !cached) this.cache.set(id, endedState(id, reason));
    if (!entry) return;
    this.streams.delete(id);
    const closeReason = entry.state.ended ?? reason;
    const open = [...entry.open];
    // Let a logout's own answer leave before its socket closes.
    setTimeout(() => {
      for (const stream of open) stream.close(SESSION_ENDED_CLOSE_CODE, closeReason);
    }, 50).unref();
  }

  private load(id: number): Promise<SessionState> {
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.reads
        .get(id)
        .then((stored) => {
          // An ending that arrived while loading wins.
          const known = this.cache.peek(id) ?? this.streams.get(id)?.state;
          if (known) return known;
          const state: SessionState = !stored || stored === "missing" ? endedState(id, "user_deleted") : { sessionId: id, ...stored };
          this.cache.set(id, state);
          return state;
        })
        .finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  /** Keeps a standing session's name, email and phone as MySQL has them. */
  private refreshProfile(id: number, stored: StoredSessionState): void {
    for (const state of [this.cache.peek(id), this.streams.get(id)?.state]) if (state) state.user = stored.user;
  }

  /**
   * Asks MySQL whether the held, still standing sessions all still stand, a chunk at a time;
   * a chunk where one does not (rare) is read in full, which ends those sessions here with
   * their reason. Every `PROFILE_REFRESH_TICKS`th tick reads every chunk in full, keeping
   * names and phones current.
   */
  private async recheck(): Promise<void> {
    if (this.rechecking) return;
    this.rechecking = true;
    try {
      const now = Date.now();
      const ids = new Set<number>();
      for (const id of this.cache.keys()) {
        const state = this.cache.peek(id);
        if (state && !state.ended) ids.add(id);
      }
      for (const [id, entry] of this.streams) {
        const expired = this.endReason(entry.state, now);
        if (expired) this.endLocally(id, expired);
        else ids.add(id);
      }
      const all = [...ids];
      const fullRead = ++this.recheckTicks % PROFILE_REFRESH_TICKS === 0;
      for (let start = 0; start < all.length; start += this.options.recheckChunk) {
        const chunk = all.slice(start, start + this.options.recheckChunk);
        if (!fullRead && (await allSessionsStand(this.deps.db, chunk))) continue;
        const states = await readSessionStates(this.deps.db, chunk);
        for (const [id, stored] of states) {
          const reason = stored === "missing" ? "user_deleted" : stored.ended;
          if (reason) this.endLocally(id, reason);
          else if (stored !== "missing") this.refreshProfile(id, stored);
        }
      }
    } catch (error) {
      this.deps.logger.warn({ err: error }, "session re-check failed; retrying on the next tick");
    } finally {
      this.rechecking = false;
    }
  }
}

/** The standing of a session known only to have ended. */
function endedState(sessionId: number, reason: SessionEndReason): SessionState {
  return { sessionId, userId: 0, role: "rider", user: { id: 0, role: "rider", name: "", email: "", phone: "" }, expiresAt: 0, ended: reason };
}
