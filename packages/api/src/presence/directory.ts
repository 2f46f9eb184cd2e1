import type { PresenceChange, PresenceEntry, PresenceHeartbeat, PresenceMessage, PresenceRole } from "./types";

interface OnlineUser {
  role: PresenceRole;
  since: number;
  /** Instances that hold a socket for the user (or are inside its grace period). */
  instances: Set<string>;
}

/**
 * Who is online across every instance, built from the presence messages on the bus. A
 * user is online while any instance reports them online; only the first instance coming
 * and the last one going change their presence.
 */
export class PresenceDirectory {
  private readonly users = new Map<number, OnlineUser>();
  /** When each instance's last heartbeat arrived, epoch ms by this process's clock. */
  private readonly lastHeartbeat = new Map<string, number>();

  /** Applies one instance's report; returns the change in overall presence, if any. */
  apply(message: PresenceMessage): PresenceChange | null {
    const user = this.users.get(message.userId);
    if (message.online) {
      if (user) {
        user.instances.add(message.instanceId);
        return null;
      }
      this.users.set(message.userId, { role: message.role, since: message.at, instances: new Set([message.instanceId]) });
      return { userId: message.userId, role: message.role, online: true, at: message.at };
    }
    if (!user?.instances.delete(message.instanceId) || user.instances.size > 0) return null;
    this.users.delete(message.userId);
    const change: PresenceChange = { userId: message.userId, role: user.role, online: false, at: message.at };
    if (message.lastSeenAt !== undefined) change.lastSeenAt = message.lastSeenAt;
    return change;
  }

  /**
   * Applies an instance's full list: users it no longer lists lose that instance, users it
   * lists gain it. Returns the resulting changes in overall presence. Silence is measured
   * from `receivedAt` (this clock), so clock skew between hosts cannot expire anyone.
   */
  applyHeartbeat(heartbeat: PresenceHeartbeat, receivedAt = Date.now()): PresenceChange[] {
    this.lastHeartbeat.set(heartbeat.instanceId, receivedAt);
    const listed = new Set(heartbeat.online.map((user) => user.userId));
    const changes: PresenceChange[] = [];
    for (const [userId, user] of [...this.users]) {
      if (user.instances.has(heartbeat.instanceId) && !listed.has(userId)) {
        const change = this.apply({ instanceId: heartbeat.instanceId, userId, role: user.role, online: false, at: heartbeat.at });
        if (change) changes.push(change);
      }
    }
    for (const user of heartbeat.online) {
      const change = this.apply({ instanceId: heartbeat.instanceId, ...user, online: true, at: heartbeat.at });
      if (change) changes.push(change);
    }
    return changes;
  }

  /**
   * Drops the users of every instance silent for longer than `ttlMs`: it died without saying
   * so. Silence counts from `listeningSince` at the earliest (when this process's own bus
   * connection last came back): an instance that could not be heard is not silent.
   */
  expireSilentInstances(now: number, ttlMs: number, listeningSince = 0): PresenceChange[] {
    const changes: PresenceChange[] = [];
    for (const [instanceId, at] of [...this.lastHeartbeat]) {
      if (now - Math.max(at, listeningSince) <= ttlMs) continue;
      this.lastHeartbeat.delete(instanceId);
      for (const [userId, user] of [...this.users]) {
        if (!user.instances.has(instanceId)) continue;
        const change = this.apply({ instanceId, userId, role: user.role, online: false, at: now });
        if (change) changes.push(change);
      }
    }
    return changes;
  }

  isOnline(userId: number): boolean {
    return this.users.has(userId);
  }

  list(): PresenceEntry[] {
    return [...this.users].map(([userId, user]) => ({ userId, role: user.role, since: user.since }));
  }
}
