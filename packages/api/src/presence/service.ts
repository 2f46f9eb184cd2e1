import { randomUUID } from "node:crypto";
import type { Database, UserRole } from "@convoy/db";
import type { Logger } from "pino";
import type { Bus } from "../events/bus";
import { channels } from "../events/channels";
import { BoundedQueue } from "../events/queue";
import { PresenceDirectory } from "./directory";
import { LastSeenWriter } from "./lastSeen";
import { LocalSockets, type LocalTransition } from "./localSockets";
import { isPresenceRole, type PresenceChange, type PresenceEntry, type PresenceEvent, type PresenceHeartbeat, type PresenceMessage } from "./types";

export interface PresenceOptions {
  /** How long after a user's last socket closes they still count as online, in ms. @default 30_000 */
  graceMs?: number;
  /** Least time between two `last_seen_at` writes per connected driver, in ms. @default 30_000 */
  lastSeenIntervalMs?: number;
  /** How often this instance announces everyone it counts as online, in ms. @default 5_000 */
  heartbeatMs?: number;
  /** How long another instance may stay silent before its users count as offline, in ms. @default 15_000 */
  heartbeatTtlMs?: number;
  /** Changes a slow `presence.events` subscriber may fall behind before it is cut off (it then reconnects to a fresh snapshot). @default 10_000 */
  subscriberBufferLimit?: number;
}

/**
 * Who is online. The server reports every authenticated socket opening and closing. This
 * instance's own users go straight into its directory (it needs no bus to know its own
 * sockets) and onto the bus; other instances' users come from the bus.
 *
 * During a bus outage nothing changes for users whose sockets stay open: each instance
 * keeps counting its own, and keeps every other instance's users as last heard, since
 * silence it could not have heard proves nothing. Only once its bus connection is back
 * does an instance start timing silences again, so an instance that died meanwhile has
 * its users dropped one `heartbeatTtlMs` after the bus returns, and a user who left
 * another instance meanwhile goes offline with that instance's next heartbeat.
 */
export class PresenceService {
  /** Names this process in presence messages. */
  readonly instanceId = randomUUID();
  private readonly local: LocalSockets;
  private readonly directory = new PresenceDirectory();
  private readonly lastSeen: LastSeenWriter;
  private readonly listeners = new Set<(change: PresenceChange) => void>();
  private readonly streams = new Set<BoundedQueue<PresenceChange>>();
  private readonly subscriberBufferLimit: number;
  private stopBus: (() => void) | null = null;
  private stopHeartbeatBus: (() => void) | null = null;
  private stopConnectionWatch: (() => void)[] = [];
  /** True while this process's bus connection is down. */
  private busDown = false;
  /** When the bus connection last came back, epoch ms; silences are timed from here at the earliest. */
  private listeningSince = 0;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly heartbeatMs: number;
  private readonly heartbeatTtlMs: number;

  constructor(
    private readonly bus: Bus,
    db: Database,
    logger: Logger,
    options: PresenceOptions = {},
  ) {
    this.local = new LocalSockets(options.graceMs ?? 30_000, (transition) => this.onLocalTransition(transition));
    this.lastSeen = new LastSeenWriter(db, logger, () => this.local.connected().flatMap((user) => (user.role === "driver" ? [user.userId] : [])), {
      intervalMs: options.lastSeenIntervalMs,
    });
    this.subscriberBufferLimit = options.subscriberBufferLimit ?? 10_000;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.heartbeatTtlMs = options.heartbeatTtlMs ?? 15_000;
  }

  start(): void {
    this.stopBus = this.bus.subscribe(channels.presence, (message) => {
      if (message.instanceId === this.instanceId) return;
      const change = this.directory.apply(message);
      if (change) this.emit([change]);
    });
    this.stopHeartbeatBus = this.bus.subscribe(channels.presenceHeartbeat, (message) => {
      if (message.instanceId === this.instanceId) return;
      this.emit(this.directory.applyHeartbeat(message));
    });
    this.stopConnectionWatch = [
      this.bus.onDisconnect(() => (this.busDown = true)),
      this.bus.onReconnect(() => {
        this.busDown = false;
        this.listeningSince = Date.now();
        // Others learn at once who came and went here while they could not hear it.
        this.sendHeartbeat();
      }),
    ];
    this.heartbeatTimer = setInterval(() => {
      this.sendHeartbeat();
      if (!this.busDown) this.emit(this.directory.expireSilentInstances(Date.now(), this.heartbeatTtlMs, this.listeningSince));
    }, this.heartbeatMs);
    this.heartbeatTimer.unref();
    this.sendHeartbeat();
    this.lastSeen.start();
  }

  private sendHeartbeat(): void {
    const heartbeat: PresenceHeartbeat = { instanceId: this.instanceId, at: Date.now(), online: this.local.online() };
    this.bus.publish(channels.presenceHeartbeat, heartbeat);
  }

  private emit(changes: PresenceChange[]): void {
    for (const change of changes) for (const listener of this.listeners) listener(change);
  }

  /** Forgets local sockets (telling other instances), and writes final `last_seen_at`s. */
  async stop(): Promise<void> {
    const everyone = this.local.clear();
    for (const user of everyone) if (user.role === "driver") this.lastSeen.wentOffline(user.userId, user.lastSeenAt);
    await this.lastSeen.stop();
    // Without this, other instances would show these users online until they reconnect.
    const now = Date.now();
    for (const user of everyone) this.announce({ userId: user.userId, role: user.role, online: false, at: now, lastSeenAt: user.lastSeenAt });
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    for (const stop of this.stopConnectionWatch.splice(0)) stop();
    this.stopHeartbeatBus?.();
    this.stopHeartbeatBus = null;
    this.stopBus?.();
    this.stopBus = null;
    this.listeners.clear();
    for (const queue of this.streams) queue.end();
  }

  /** An authenticated socket opened. Riders are not tracked. */
  socketOpened(userId: number, role: UserRole): void {
    if (isPresenceRole(role)) this.local.opened(userId, role);
  }

  /** A socket reported by `socketOpened` closed. */
  socketClosed(userId: number, role: UserRole): void {
    if (isPresenceRole(role)) this.local.closed(userId);
  }

  isOnline(userId: number): boolean {
    return this.directory.isOnline(userId);
  }

  /** Everyone online now. */
  online(): PresenceEntry[] {
    return this.directory.list();
  }

  /** Calls `listener` on every change in overall presence; returns an unsubscribe function. */
  onChange(listener: (change: PresenceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A snapshot of who is online, then every change, until `signal` aborts. */
  async *events(signal?: AbortSignal): AsyncGenerator<PresenceEvent> {
    const queue = new BoundedQueue<PresenceChange>(this.subscriberBufferLimit);
    const unsubscribe = this.onChange((change) => queue.push(change));
    this.streams.add(queue);
    try {
      yield { kind: "snapshot", at: Date.now(), online: this.online() };
      for await (const change of queue.drain(signal)) yield { kind: "change", ...change };
    } finally {
      unsubscribe();
      this.streams.delete(queue);
    }
  }

  private onLocalTransition(transition: LocalTransition): void {
    if (transition.role === "driver") {
      if (transition.online) this.lastSeen.seen(transition.userId, transition.at);
      else this.lastSeen.wentOffline(transition.userId, transition.lastSeenAt ?? transition.at);
    }
    this.announce(transition);
  }

  /** Applies a change of this instance's own users here, then tells the other instances. */
  private announce(change: PresenceChange): void {
    const message: PresenceMessage = {
      instanceId: this.instanceId,
      userId: change.userId,
      role: change.role,
      online: change.online,
      at: change.at,
    };
    if (!change.online && change.lastSeenAt !== undefined) message.lastSeenAt = change.lastSeenAt;
    const overall = this.directory.apply(message);
    if (overall) this.emit([overall]);
    this.bus.publish(channels.presence, message);
  }
}
