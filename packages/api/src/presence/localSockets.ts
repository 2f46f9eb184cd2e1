import type { PresenceRole } from "./types";

/** A user's presence on this instance changed. */
export interface LocalTransition {
  userId: number;
  role: PresenceRole;
  online: boolean;
  /** Epoch ms. */
  at: number;
  /** Going offline: when the last socket closed, epoch ms (the grace ran after it). */
  lastSeenAt?: number;
}

interface LocalUser {
  role: PresenceRole;
  sockets: number;
  graceTimer: NodeJS.Timeout | null;
  /** When the last socket closed (epoch ms); meaningful while `sockets` is 0. */
  closedAt: number;
}

/**
 * Counts each user's authenticated sockets on this instance. A user comes online with their
 * first socket and goes offline `graceMs` after their last one closes; a socket that opens
 * within the grace cancels it, so a reconnect produces no offline/online pair.
 */
export class LocalSockets {
  private readonly users = new Map<number, LocalUser>();

  constructor(
    private readonly graceMs: number,
    private readonly onTransition: (transition: LocalTransition) => void,
  ) {}

  opened(userId: number, role: PresenceRole): void {
    let user = this.users.get(userId);
    if (!user) {
      user = { role, sockets: 0, graceTimer: null, closedAt: 0 };
      this.users.set(userId, user);
      this.onTransition({ userId, role, online: true, at: Date.now() });
    } else if (user.graceTimer) {
      clearTimeout(user.graceTimer);
      user.graceTimer = null;
    }
    user.sockets++;
  }

  closed(userId: number): void {
    const user = this.users.get(userId);
    if (!user || user.sockets === 0) return;
    user.sockets--;
    if (user.sockets > 0) return;
    user.closedAt = Date.now();
    user.graceTimer = setTimeout(() => {
      this.users.delete(userId);
      this.onTransition({ userId, role: user.role, online: false, at: Date.now(), lastSeenAt: user.closedAt });
    }, this.graceMs);
  }

  /** Users with at least one open socket here (not those only inside their grace). */
  connected(): { userId: number; role: PresenceRole }[] {
    const result: { userId: number; role: PresenceRole }[] = [];
    for (const [userId, user] of this.users) if (user.sockets > 0) result.push({ userId, role: user.role });
    return result;
  }

  /** Everyone this instance counts as online: connected, or inside their grace. */
  online(): { userId: number; role: PresenceRole }[] {
    return [...this.users].map(([userId, user]) => ({ userId, role: user.role }));
  }

  /**
   * Cancels every grace timer and forgets everyone; returns who was online here and when
   * they were last seen (now if still connected, else when their last socket closed).
   */
  clear(): { userId: number; role: PresenceRole; lastSeenAt: number }[] {
    const now = Date.now();
    const everyone = [...this.users].map(([userId, user]) => {
      if (user.graceTimer) clearTimeout(user.graceTimer);
      return { userId, role: user.role, lastSeenAt: user.sockets > 0 ? now : user.closedAt };
    });
    this.users.clear();
    return everyone;
  }
}
