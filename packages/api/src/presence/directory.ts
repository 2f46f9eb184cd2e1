import type { PresenceChange, PresenceEntry, PresenceMessage, PresenceRole } from "./types";

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
    return { userId: message.userId, role: user.role, online: false, at: message.at };
  }

  isOnline(userId: number): boolean {
    return this.users.has(userId);
  }

  list(): PresenceEntry[] {
    return [...this.users].map(([userId, user]) => ({ userId, role: user.role, since: user.since }));
  }
}
