import { errorCode, errorMessage, type Session } from "@convoy/ui";
import type { OfflineStore, QueuedAction } from "./offlineStore";

/** Most points one `tracking.report` carries (the server's `MAX_POINTS_PER_REPORT`). */
const POINTS_PER_REPORT = 50;

/**
 * Codes after which the same call may succeed later: no answer at all (null), a server or
 * database that is away, a rate limit, or a session being refreshed (the app signs out
 * itself if it ends). Any other refusal is final for that action.
 */
const WAIT_CODES = new Set<string | null>([null, "SERVICE_UNAVAILABLE", "TOO_MANY_REQUESTS", "UNAUTHORIZED"]);

/** The session's plain tRPC client. */
type Api = Session["transport"]["api"];

/** Why sending stopped: everything was sent, or the server cannot take more now. */
export type SendOutcome = "sent" | "wait";

function send(api: Api, action: QueuedAction): Promise<unknown> {
  switch (action.kind) {
    case "trip_status":
      return api.trips.updateStatus.mutate({
        tripId: action.tripId,
        status: action.status,
        overrideReason: action.overrideReason,
        idempotencyKey: action.key,
      });
    case "chat":
      return api.chat.send.mutate({ offerId: action.offerId, body: action.body, clientMessageId: action.key });
  }
}

/**
 * Sends what `store` holds, oldest first: the position fixes (in batches, each with the time
 * it was taken, so the trip guards judge a queued arrival by where the driver had got to),
 * then each action with its idempotency key, so an action whose answer was lost and is sent
 * again is done once. An action the server refuses for good moves to the failed list with
 * the server's words; a failure that may pass (no network, server away) stops here with the
 * rest still queued. Points the server refuses (too old, say) are dropped with the batch:
 * they cannot become acceptable later.
 */
export async function sendQueue(store: OfflineStore, api: Api): Promise<SendOutcome> {
  for (;;) {
    const batch = store.snapshot?.points.slice(0, POINTS_PER_REPORT) ?? [];
    if (batch.length === 0) break;
    try {
      await api.tracking.report.mutate({ points: batch });
    } catch (error) {
      if (WAIT_CODES.has(errorCode(error))) return "wait";
    }
    store.dropPoints(batch.length);
  }
  for (;;) {
    const action = store.snapshot?.queue[0];
    if (!action) return "sent";
    try {
      await send(api, action);
      store.done(action.key);
    } catch (error) {
      if (WAIT_CODES.has(errorCode(error))) return "wait";
      store.fail(action.key, errorMessage(error));
    }
  }
}
