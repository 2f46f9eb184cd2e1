import type { EventStream, UserRole } from "@convoy/db";

/**
 * Who may see an event. A row is visible to the named dispatcher, driver and rider,
 * and to every dispatcher when `allDispatchers` is set.
 */
export interface EventAudience {
  dispatcherId?: number | null;
  driverId?: number | null;
  riderId?: number | null;
  allDispatchers?: boolean;
}

export interface NewEvent extends EventAudience {
  stream: EventStream;
  type: string;
  offerId?: number | null;
  tripId?: number | null;
  payload: Record<string, unknown>;
}

/** An event as stored and as delivered. `createdAt` is an ISO string so it crosses JSON unchanged. */
export interface StoredEvent {
  id: number;
  stream: EventStream;
  type: string;
  offerId: number | null;
  tripId: number | null;
  dispatcherId: number | null;
  driverId: number | null;
  riderId: number | null;
  allDispatchers: boolean;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface Viewer {
  userId: number;
  role: UserRole;
}

/** The in-memory twin of the SQL audience filter in `eventLog.readEvents`. */
export function isVisibleTo(event: StoredEvent, viewer: Viewer): boolean {
  switch (viewer.role) {
    case "dispatcher":
      return event.dispatcherId === viewer.userId || event.allDispatchers;
    case "driver":
      return event.driverId === viewer.userId;
    case "rider":
      return event.riderId === viewer.userId;
  }
}
