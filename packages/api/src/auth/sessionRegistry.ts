import type { Session } from "./tokens";

/** A socket the server can close, as far as auth cares. */
export interface ClosableSocket {
  close: (code?: number, reason?: string) => void;
}

/** WebSocket close code for "your session ended"; clients should not retry with the same token. */
export const SESSION_ENDED_CLOSE_CODE = 4001;

/**
 * This process's view of sessions: which authenticated sockets belong to which user, and
 * which token ids were logged out before they expired.
 */
export class SessionRegistry {
  private readonly socketsByUser = new Map<number, Set<ClosableSocket>>();
  private readonly revokedUntil = new Map<string, number>();

  addSocket(userId: number, socket: ClosableSocket): void {
    let set = this.socketsByUser.get(userId);
    if (!set) this.socketsByUser.set(userId, (set = new Set()));
    set.add(socket);
  }

  removeSocket(userId: number, socket: ClosableSocket): void {
    const set = this.socketsByUser.get(userId);
    if (!set) return;
    set.delete(socket);
    if (set.size === 0) this.socketsByUser.delete(userId);
  }

  socketCount(userId: number): number {
    return this.socketsByUser.get(userId)?.size ?? 0;
  }

  /** Closes every socket of `userId`; returns how many were open. */
  closeSocketsOf(userId: number, reason: string): number {
    const sockets = [...(this.socketsByUser.get(userId) ?? [])];
    for (const socket of sockets) socket.close(SESSION_ENDED_CLOSE_CODE, reason);
    return sockets.length;
  }

  /** Refuses `tokenId` until `expiresAt` (epoch ms), after which the token is dead anyway. */
  revoke(tokenId: string, expiresAt: number): void {
    this.revokedUntil.set(tokenId, expiresAt);
    const now = Date.now();
    for (const [id, until] of this.revokedUntil) if (until <= now) this.revokedUntil.delete(id);
  }

  isRevoked(tokenId: string, now = Date.now()): boolean {
    const until = this.revokedUntil.get(tokenId);
    return until !== undefined && until > now;
  }

  /**
   * Whether `session` may still act: not expired and not logged out. Checked on every
   * operation, because a socket outlives the token it opened with.
   */
  isLive(session: Session, now = Date.now()): boolean {
    return session.expiresAt > now && !this.isRevoked(session.tokenId, now);
  }
}
