import type { DriverStatus, RouterOutputs, TripView } from "@convoy/api";
import type { ReportedPoint } from "@convoy/ui";

export type OfferListItem = RouterOutputs["offers"]["list"]["items"][number];

/** What the driver last saw online, shown when the app opens with no network. */
export interface SavedView {
  /** Epoch ms. */
  savedAt: number;
  activeTrip: TripView | null;
  /** The inbox's offers, newest first. */
  offers: OfferListItem[];
}

/**
 * Something the driver did that the server has not confirmed yet. `key` is the action's
 * idempotency key (the trip move's `idempotencyKey`, the message's `clientMessageId`), made
 * once when the driver acts, so sending it again after a lost answer does it once.
 */
export type QueuedAction =
  | {
      kind: "trip_status";
      key: string;
      queuedAt: number;
      tripId: number;
      status: DriverStatus;
      /** The driver's reason for moving away from the place, when the server asked for one. */
      overrideReason?: string | undefined;
      /** The step's button words, for the list of what is waiting. */
      label: string;
    }
  | { kind: "chat"; key: string; queuedAt: number; offerId: number; body: string };

/** An action the server refused for good (the trip was cancelled meanwhile, say), with its words. */
export interface FailedAction {
  action: QueuedAction;
  message: string;
}

/** The signed-in driver whose data this is; no token, only what the offline screen shows. */
export interface OfflineUser {
  id: number;
  name: string;
  email: string;
}

export interface OfflineRecord {
  user: OfflineUser;
  saved: SavedView | null;
  /** Oldest first; sent in this order. */
  queue: QueuedAction[];
  /** Position fixes taken while offline, oldest first, sent in batches with their own times. */
  points: ReportedPoint[];
  failed: FailedAction[];
}

/**
 * Most fixes kept while offline: 10 minutes at one a second, which is also as old as the
 * server accepts a point (`MAX_POINT_AGE_MS`); older ones go first. @default 600
 */
export const MAX_QUEUED_POINTS = 600;
/** Most actions the queue holds; the driver is told to reconnect before more. @default 100 */
export const MAX_QUEUED_ACTIONS = 100;

/** The storage this needs: `localStorage` in the app, a map in tests. */
export type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** The one localStorage key: the data of one driver at a time, the one last signed in. */
export const STORAGE_KEY = "convoy.driver.offline";

function isRecord(value: unknown): value is OfflineRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Partial<OfflineRecord>;
  return typeof record.user?.id === "number" && Array.isArray(record.queue) && Array.isArray(record.points) && Array.isArray(record.failed);
}

/**
 * The driver app's own memory of what the driver last saw and what they did while offline,
 * in `localStorage` for the driver signed in (one at a time: signing in as another driver
 * replaces it, signing out removes it). It never holds a token: the session stays in memory
 * and in the HttpOnly refresh cookie. Listeners hear every change.
 */
export class OfflineStore {
  private record: OfflineRecord | null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: KeyValueStorage) {
    this.record = this.load();
  }

  private load(): OfflineRecord | null {
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(STORAGE_KEY) ?? "null");
      return isRecord(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }

  private write(next: OfflineRecord | null): void {
    this.record = next;
    try {
      if (next) this.storage.setItem(STORAGE_KEY, JSON.stringify(next));
      else this.storage.removeItem(STORAGE_KEY);
    } catch {
      // Storage full or refused (private mode): the app keeps working from memory.
    }
    for (const listener of this.listeners) listener();
  }

  private update(change: (record: OfflineRecord) => OfflineRecord): void {
    if (this.record) this.write(change(this.record));
  }

  /** The current record (a new object after every change), or null when nobody's data is kept. */
  get snapshot(): OfflineRecord | null {
    return this.record;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Makes `user` the owner: another driver's data (and queue) is dropped, the same driver's kept. */
  claim(user: OfflineUser): void {
    const current = this.record;
    if (current?.user.id === user.id) {
      if (current.user.name !== user.name || current.user.email !== user.email) this.write({ ...current, user });
      return;
    }
    this.write({ user, saved: null, queue: [], points: [], failed: [] });
  }

  /** Forgets everything: on sign-out, so nothing of the session stays on the device. */
  clear(): void {
    if (this.record) this.write(null);
  }

  save(saved: SavedView): void {
    this.update((record) => ({ ...record, saved }));
  }

  /** Queues `action`; false when the queue is full. */
  enqueue(action: QueuedAction): boolean {
    const record = this.record;
    if (!record || record.queue.length >= MAX_QUEUED_ACTIONS) return false;
    if (record.queue.some((queued) => queued.key === action.key)) return true;
    this.write({ ...record, queue: [...record.queue, action] });
    return true;
  }

  /** Keeps a fix taken offline, dropping the oldest beyond `MAX_QUEUED_POINTS`. */
  addPoint(point: ReportedPoint): void {
    this.update((record) => ({ ...record, points: [...record.points, point].slice(-MAX_QUEUED_POINTS) }));
  }

  /** The server has the first `count` points. */
  dropPoints(count: number): void {
    this.update((record) => ({ ...record, points: record.points.slice(count) }));
  }

  /** The server has done the action. */
  done(key: string): void {
    this.update((record) => ({ ...record, queue: record.queue.filter((action) => action.key !== key) }));
  }

  /** The server refused the action for good: off the queue, onto the list the driver reads. */
  fail(key: string, message: string): void {
    this.update((record) => {
      const action = record.queue.find((queued) => queued.key === key);
      if (!action) return record;
      return { ...record, queue: record.queue.filter((queued) => queued.key !== key), failed: [...record.failed, { action, message }] };
    });
  }

  dismissFailure(key: string): void {
    this.update((record) => ({ ...record, failed: record.failed.filter((failed) => failed.action.key !== key) }));
  }
}

/**
 * The trip as the driver will see it once the queue is sent: its status moved on by the
 * queued moves for it, so the next step offered offline follows the last one queued.
 */
export function withQueuedMoves(trip: TripView, queue: readonly QueuedAction[]): TripView {
  let status: TripView["status"] = trip.status;
  for (const action of queue) if (action.kind === "trip_status" && action.tripId === trip.id) status = action.status;
  return status === trip.status ? trip : { ...trip, status };
}
