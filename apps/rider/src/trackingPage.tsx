import { useState } from "react";
import type { PublicTrackingFrame } from "@convoy/api";
import {
  ConnectionBadge,
  ConvoyMap,
  errorCode,
  errorMessage,
  formatEtaWithSource,
  formatTime,
  trpc,
  tripStatusLabel,
  type MapMarker,
} from "@convoy/ui";

/** Where the page stands: following, or over and why. */
type PageState =
  | { kind: "loading" }
  | { kind: "live"; frame: PublicTrackingFrame }
  | { kind: "ended"; frame: PublicTrackingFrame }
  | { kind: "refused"; message: string };

const ENDED_MESSAGES: Record<NonNullable<PublicTrackingFrame["ended"]>, string> = {
  revoked: "This tracking link was turned off by the person who shared it.",
  expired: "This tracking link has expired.",
};

/**
 * The page a tracking link opens, with no sign-in: the driver on a map, the trip's status and
 * the ETA, from `trackingLinks.watch`. It says plainly when the link no longer works (revoked,
 * expired, or never valid) and when the trip is over.
 */
export function TrackingPage({ token }: { token: string }) {
  const [state, setState] = useState<PageState>({ kind: "loading" });
  const [lastPosition, setLastPosition] = useState<PublicTrackingFrame["position"]>(null);

  trpc.trackingLinks.watch.useSubscription(
    { token },
    {
      onData: (frame) => {
        if (frame.position) setLastPosition(frame.position);
        setState({ kind: frame.kind === "ended" ? "ended" : "live", frame });
      },
      onError: (error) => {
        setState({
          kind: "refused",
          message:
            errorCode(error) === "NOT_FOUND"
              ? "This tracking link does not work: it has expired, was turned off, or is mistyped."
              : errorMessage(error),
        });
      },
    },
  );

  return (
    <div className="convoy-shell">
      <header className="convoy-header">
        <div className="convoy-header__group">
          <span className="convoy-header__title">Convoy live tracking</span>
          <ConnectionBadge />
        </div>
      </header>
      <main className="convoy-main rider-track">
        <TrackingBody state={state} lastPosition={lastPosition} />
      </main>
    </div>
  );
}

function TrackingBody({ state, lastPosition }: { state: PageState; lastPosition: PublicTrackingFrame["position"] }) {
  if (state.kind === "loading") return <p className="convoy-muted">Opening the tracking link…</p>;
  if (state.kind === "refused") {
    return (
      <section className="convoy-card rider-track__over" data-track-state="refused" role="alert">
        <h1>Tracking unavailable</h1>
        <p>{state.message}</p>
      </section>
    );
  }
  const { frame } = state;
  if (state.kind === "ended") {
    return (
      <section className="convoy-card rider-track__over" data-track-state="ended" data-ended={frame.ended ?? ""} role="alert">
        <h1>Tracking ended</h1>
        <p>{ENDED_MESSAGES[frame.ended ?? "expired"]}</p>
      </section>
    );
  }
  const over = frame.status === "completed" || frame.status === "cancelled";
  const driver = frame.driverFirstName ?? "The driver";
  return (
    <div className="rider-track__live" data-track-state={over ? "over" : "live"} data-status={frame.status}>
      <section className="convoy-card" aria-live="polite">
        <h1 className="rider-track__status">{tripStatusLabel(frame.status, frame.tripKind)}</h1>
        {!over && <Eta frame={frame} driver={driver} />}
        {over && (
          <p className="convoy-muted">
            {frame.status === "completed"
              ? `This ${frame.tripKind === "load" ? "load was delivered" : "trip is complete"}.`
              : `This ${frame.tripKind === "load" ? "load" : "trip"} was cancelled.`}
          </p>
        )}
        {!over && <p className="convoy-muted">Link works until {formatTime(new Date(frame.expiresAt).toISOString())}.</p>}
      </section>
      {!over && <DriverMap position={frame.position ?? lastPosition} driver={driver} />}
    </div>
  );
}

function Eta({ frame, driver }: { frame: PublicTrackingFrame; driver: string }) {
  if (frame.etaSeconds === null || frame.etaSource === null) return <p className="rider-eta rider-eta--unknown">Waiting for {driver}'s position…</p>;
  const where = frame.target === "dropoff" ? "to the destination" : "to the pickup";
  return (
    <p className="rider-eta" data-eta-seconds={frame.etaSeconds}>
      {driver}: <strong>{formatEtaWithSource(frame.etaSeconds, frame.etaSource)}</strong> {where}
    </p>
  );
}

function DriverMap({ position, driver }: { position: PublicTrackingFrame["position"]; driver: string }) {
  if (!position) return null;
  const at = { lat: position.lat, lng: position.lng };
  const markers: MapMarker[] = [{ id: "driver", position: at, tone: "driver", title: driver, animate: true }];
  return (
    <div className="rider-track__map" data-driver-lat={position.lat} data-driver-lng={position.lng}>
      <ConvoyMap label="Driver's position" className="rider-map" center={at} zoom={14} markers={markers} fit={{ key: "driver", points: [at] }} />
    </div>
  );
}
