import { TRPCError } from "@trpc/server";
import type { Database } from "@convoy/db";
import type { Logger } from "pino";
import type { Bus } from "../events/bus";
import { channels } from "../events/channels";
import type { TrackingLinkSettings } from "./settings";
import { readStandingLinks } from "./store";

/** Why an open viewer was closed. */
export type LinkEndReason = "revoked" | "expired";

/** One open public viewer of a link, as its stream holds it. */
export interface LinkViewer {
  /** Aborted when the link is revoked or expires. */
  readonly signal: AbortSignal;
  /** Why the link ended, once it has; null while it stands. */
  readonly ended: LinkEndReason | null;
  /** Gives the viewer's place back; idempotent. */
  release: () => void;
}

interface ViewerEntry {
  controller: AbortController;
  address: string;
  ended: LinkEndReason | null;
}

interface HeldLink {
  expiresAt: number;
  /** Set once the link ended here; a viewer that opens after (its lookup raced the end) ends at once. */
  ended: LinkEndReason | null;
  timer: NodeJS.Timeout;
  viewers: Set<ViewerEntry>;
}

/** Longest a timer may wait in Node (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface TrackingLinkViewerDeps {
  db: Database;
  bus: Bus;
  logger: Logger;
}

/**
 * The public viewers open on this instance, by link and by remote address, with their caps.
 * A link's viewers are closed when it ends, by three routes like sessions (see
 * `SessionRegistry`): a revocation on this instance at once, one elsewhere through the bus
 * at once, and either, when the bus is down, by the re-read of every held link from MySQL
 * every `recheckMs`. Expiry needs no message: each held link has a timer at its `expiresAt`.
 */
export class TrackingLinkViewers {
  private readonly links = new Map<number, HeldLink>();
  private readonly perAddress = new Map<string, number>();
  private stopBus: (() => void) | null = null;
  private stopReconnect: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private rechecking = false;

  constructor(
    private readonly deps: TrackingLinkViewerDeps,
    private readonly settings: TrackingLinkSettings,
  ) {}

  /** Listens on the bus and starts the periodic re-check. */
  start(): void {
    this.stopBus = this.deps.bus.subscribe(channels.trackingLinksRevoked, (message) => {
      if (!Array.isArray(message.linkIds)) return;
      for (const id of message.linkIds) if (Number.isSafeInteger(id)) this.end(id, "revoked");
    });
    // What was published while the bus was away is gone: re-read at once.
    this.stopReconnect = this.deps.bus.onReconnect(() => void this.recheck());
    this.timer = setInterval(() => void this.recheck(), this.settings.recheckMs);
    this.timer.unref();
  }

  /** Stops listening; open viewers end with their sockets as the server shuts down. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.stopBus?.();
    this.stopReconnect?.();
    for (const link of this.links.values()) clearTimeout(link.timer);
  }

  /** Viewers open on this instance. */
  get size(): number {
    let open = 0;
    for (const link of this.links.values()) open += link.viewers.size;
    return open;
  }

  /**
   * Takes a viewer's place for `link` from `address`, or TOO_MANY_REQUESTS when the link or
   * the address has all its places taken on this instance.
   */
  open(link: { id: number; expiresAt: number }, address: string): LinkViewer {
    const held = this.links.get(link.id);
    if ((held?.viewers.size ?? 0) >= this.settings.maxViewersPerLink) {
      throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: "Too many people are watching this tracking link; try again later" });
    }
    if ((this.perAddress.get(address) ?? 0) >= this.settings.maxViewersPerAddress) {
      throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: "Too many tracking pages are open from your address; close one first" });
    }
    const entry: ViewerEntry = { controller: new AbortController(), address, ended: null };
    const current = held ?? this.hold(link.id, link.expiresAt);
    current.viewers.add(entry);
    if (current.ended) {
      entry.ended = current.ended;
      entry.controller.abort();
    }
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    let released = false;
    return {
      signal: entry.controller.signal,
      get ended() {
        return entry.ended;
      },
      release: () => {
        if (released) return;
        released = true;
        this.forget(link.id, entry);
      },
    };
  }

  /** Links revoked in MySQL: closes their viewers here, and on every other instance through the bus. */
  revoked(linkIds: readonly number[]): void {
    for (const id of linkIds) this.end(id, "revoked");
    this.deps.bus.publish(channels.trackingLinksRevoked, { linkIds: [...linkIds] });
  }

  private hold(id: number, expiresAt: number): HeldLink {
    const link: HeldLink = { expiresAt, ended: null, timer: this.expiryTimer(id, expiresAt), viewers: new Set() };
    this.links.set(id, link);
    return link;
  }

  private expiryTimer(id: number, expiresAt: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.end(id, "expired"), Math.min(Math.max(0, expiresAt - Date.now()), MAX_TIMER_MS));
    timer.unref();
    return timer;
  }

  private forget(id: number, entry: ViewerEntry): void {
    const link = this.links.get(id);
    if (link?.viewers.delete(entry) && link.viewers.size === 0) {
      clearTimeout(link.timer);
      this.links.delete(id);
    }
    const left = (this.perAddress.get(entry.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(entry.address, left);
    else this.perAddress.delete(entry.address);
  }

  /** Ends every viewer of link `id` here; each stream hears it through its signal and releases its place. */
  private end(id: number, reason: LinkEndReason): void {
    const link = this.links.get(id);
    if (!link) return;
    clearTimeout(link.timer);
    link.ended ??= reason;
    for (const entry of link.viewers) {
      entry.ended ??= reason;
      entry.controller.abort();
    }
  }

  /**
   * Re-reads every held link from MySQL: one revoked meanwhile (the bus was down, or it was
   * revoked in SQL directly) ends its viewers, and a moved expiry moves its timer.
   */
  private async recheck(): Promise<void> {
    if (this.rechecking || this.links.size === 0) return;
    this.rechecking = true;
    try {
      const standing = await readStandingLinks(this.deps.db, [...this.links.keys()]);
      for (const [id, link] of this.links) {
        if (link.ended) continue;
        const expiresAt = standing.get(id);
        if (expiresAt === undefined) this.end(id, "revoked");
        else if (expiresAt !== link.expiresAt) {
          clearTimeout(link.timer);
          link.expiresAt = expiresAt;
          link.timer = this.expiryTimer(id, expiresAt);
        }
      }
    } catch (error) {
      this.deps.logger.warn({ err: error }, "tracking link re-check failed; retrying on the next tick");
    } finally {
      this.rechecking = false;
    }
  }
}
