import { useEffect, useId, useState, type SyntheticEvent } from "react";
import type { TripView } from "@convoy/api";
import { tripWords } from "@convoy/api/schemas";
import { formatTime, newIdempotencyKey, UnreachableCard, useNow, useSession, useToast } from "@convoy/ui";
import "./offline.css";
import { NEXT_STATUS } from "../activeTrip";
import { InboxItem } from "../offerInbox";
import { useOfflineRecord, useOfflineStore } from "./offlineContext";
import { MAX_QUEUED_ACTIONS, withQueuedMoves, type OfflineRecord, type QueuedAction } from "./offlineStore";

/** Longest chat message (the server's limit). */
const MAX_MESSAGE_LENGTH = 2_000;

function describe(action: QueuedAction): string {
  switch (action.kind) {
    case "trip_status":
      return `${action.label} (trip #${action.tripId})`;
    case "chat":
      return `Message to dispatch: “${action.body.length > 60 ? `${action.body.slice(0, 59)}…` : action.body}”`;
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * What the phone holds for the server: "N actions waiting to send" with the list, the
 * position fixes kept offline, and any action the server refused since (with its words,
 * until dismissed). Nothing when all is sent.
 */
export function QueueStatus() {
  const record = useOfflineRecord();
  const store = useOfflineStore();
  if (!record || record.queue.length + record.points.length + record.failed.length === 0) return null;
  const { queue, points, failed } = record;
  return (
    <section className="convoy-card driver-queue" aria-label="Waiting to send" data-queued={queue.length} data-points={points.length}>
      {queue.length + points.length > 0 && (
        <p className="driver-queue__summary" role="status">
          {queue.length > 0 ? `${plural(queue.length, "action", "actions")} waiting to send` : "Nothing else waiting to send"}
          {points.length > 0 && ` · ${plural(points.length, "position point", "position points")} kept`}
        </p>
      )}
      {queue.length > 0 && (
        <ol className="driver-queue__list">
          {queue.map((action) => (
            <li key={action.key} data-kind={action.kind}>
              {describe(action)} <span className="convoy-muted">· {formatTime(new Date(action.queuedAt).toISOString())}</span>
            </li>
          ))}
        </ol>
      )}
      {failed.length > 0 && (
        <ul className="driver-queue__list driver-queue__list--failed">
          {failed.map(({ action, message }) => (
            <li key={action.key} className="convoy-error" data-kind={action.kind}>
              Not done: {describe(action)}. {message}{" "}
              <button type="button" className="convoy-button convoy-button--small" onClick={() => store.dismissFailure(action.key)}>
                Dismiss
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * The screen with no network: what the driver last saw (trip and offers) and what they can
 * still do, each kept to send once back (the next trip step, a message to dispatch).
 */
export function OfflineHome({ record }: { record: OfflineRecord }) {
  const now = useNow();
  const { saved } = record;
  const trip = saved?.activeTrip ? withQueuedMoves(saved.activeTrip, record.queue) : null;
  const offers = (saved?.offers ?? []).filter((offer) => offer.kind === "load");
  return (
    <>
      <p className="convoy-notice driver-offline-notice" role="status" data-offline="true">
        Offline.{" "}
        {saved
          ? `Showing what you last saw at ${formatTime(new Date(saved.savedAt).toISOString())}; what you do here is sent when you are back online.`
          : "Nothing was saved on this phone yet; what you do is sent when you are back online."}
      </p>
      <QueueStatus />
      {trip ? <SavedTrip trip={trip} /> : <p className="convoy-muted">You had no trip under way.</p>}
      {saved && (
        <section className="driver-inbox" aria-label="Offers">
          <h2>Offers</h2>
          {offers.length === 0 && <p className="convoy-muted">No offers when you were last online.</p>}
          <ul className="driver-offer-list">
            {offers.map((offer) => (
              <InboxItem key={offer.id} offer={offer} now={now} offline />
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

/** The trip as last seen, moved on by the queued steps, with its next step and a message to dispatch. */
function SavedTrip({ trip }: { trip: TripView }) {
  const store = useOfflineStore();
  const toast = useToast();
  const words = tripWords(trip.kind);
  const next = NEXT_STATUS[trip.status];
  const target = trip.status === "assigned" || trip.status === "en_route" ? trip.pickup : trip.dropoff;

  function queue(action: QueuedAction) {
    if (!store.enqueue(action)) toast(`At most ${MAX_QUEUED_ACTIONS} actions wait to be sent; get a connection first`, { tone: "error" });
  }

  return (
    <section className="convoy-card driver-trip" aria-labelledby="driver-trip-title" data-trip-id={trip.id} data-status={trip.status}>
      <p className="convoy-muted driver-trip__kind">
        {words.title(trip.id)} · {words.status[trip.status]}
      </p>
      <h2 id="driver-trip-title">{words.driverPhase[trip.status] ?? words.status[trip.status]}</h2>
      <p className="driver-trip__target">{target.address}</p>
      {next && (
        <button
          type="button"
          className="convoy-button convoy-button--primary driver-next-step"
          data-next-status={next}
          onClick={() =>
            queue({
              kind: "trip_status",
              key: newIdempotencyKey(),
              queuedAt: Date.now(),
              tripId: trip.id,
              status: next,
              label: words.driverAction[next],
            })
          }
        >
          {words.driverAction[next]}
        </button>
      )}
      {trip.kind === "load" && trip.offerId !== null && <OfflineMessage offerId={trip.offerId} onQueue={queue} />}
    </section>
  );
}

/** A message to the trip's dispatcher, kept to send once back (its key made now, so it is sent once). */
function OfflineMessage({ offerId, onQueue }: { offerId: number; onQueue: (action: QueuedAction) => void }) {
  const id = useId();
  const [body, setBody] = useState("");

  function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = body.trim();
    if (!text) return;
    onQueue({ kind: "chat", key: newIdempotencyKey(), queuedAt: Date.now(), offerId, body: text });
    setBody("");
  }

  return (
    <form className="driver-offline-message" onSubmit={submit}>
      <label className="convoy-field" htmlFor={`${id}-body`}>
        <span>Message to dispatch</span>
        <textarea id={`${id}-body`} rows={2} maxLength={MAX_MESSAGE_LENGTH} value={body} onChange={(event) => setBody(event.target.value)} />
      </label>
      <button type="submit" className="convoy-button" disabled={!body.trim()}>
        Send when back online
      </button>
    </form>
  );
}

/**
 * While on a trip with no network and no session (the app was opened offline), the phone's
 * fixes are kept to send later with their own times, so dispatch gets the route driven.
 */
function useOfflineFixes(onTrip: boolean): void {
  const store = useOfflineStore();
  useEffect(() => {
    if (!onTrip || !("geolocation" in navigator)) return;
    const watch = navigator.geolocation.watchPosition(
      ({ coords, timestamp }) => {
        const known = (value: number | null) => (value === null || Number.isNaN(value) || value < 0 ? null : value);
        store.addPoint({
          lat: coords.latitude,
          lng: coords.longitude,
          recordedAt: Math.round(timestamp),
          accuracyM: known(coords.accuracy),
          headingDeg: known(coords.heading),
          speedMps: known(coords.speed),
        });
      },
      // A fix that fails is not kept; the watch goes on.
      () => undefined,
      { enableHighAccuracy: true, maximumAge: 5_000, timeout: 30_000 },
    );
    return () => navigator.geolocation.clearWatch(watch);
  }, [onTrip, store]);
}

/**
 * The app opened while the server could not be reached (no network): the saved screen of
 * the driver last signed in on this phone, until the session is restored. Coming back
 * online tries at once rather than at the next periodic retry. With nothing saved, the
 * usual "could not be reached" card.
 */
export function OfflineApp({ title }: { title: string }) {
  const record = useOfflineRecord();
  const { signOut, retryRestore } = useSession();
  useOfflineFixes(Boolean(record?.saved?.activeTrip));
  useEffect(() => {
    window.addEventListener("online", retryRestore);
    return () => window.removeEventListener("online", retryRestore);
  }, [retryRestore]);

  if (!record) return <UnreachableCard title={title} />;
  const waiting = record.queue.length + record.points.length;
  return (
    <div className="convoy-shell">
      <header className="convoy-header">
        <div className="convoy-header__group">
          <span className="convoy-header__title">{title}</span>
          <span className="convoy-badge convoy-badge--offline" data-status="offline" role="status" aria-label="Connection: Offline">
            <span className="convoy-badge__dot" aria-hidden="true" />
            <span className="convoy-badge__label">Offline</span>
          </span>
        </div>
        <div className="convoy-header__group convoy-header__account">
          <span className="convoy-header__user" title={record.user.email}>
            {record.user.name}
          </span>
          <button
            className="convoy-button convoy-button--quiet"
            type="button"
            onClick={() => {
              if (waiting === 0 || window.confirm(`Signing out drops ${plural(waiting, "thing", "things")} not sent yet. Sign out?`)) signOut();
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main className="convoy-main">
        <OfflineHome record={record} />
      </main>
    </div>
  );
}
