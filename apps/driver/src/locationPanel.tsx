import type { TripView } from "@convoy/api";
import { tripWords } from "@convoy/api/schemas";
import { geolocationMessage } from "@convoy/ui";
import { SIMULATED_SPEED_MPS, tripTarget, useDriverLive, type SharingState } from "./driverLive";

function sharingText(sharing: SharingState, simulate: boolean, trip: TripView | null): string {
  if (simulate) return "Simulating movement: your position comes from the demo drive, not the phone.";
  switch (sharing.kind) {
    case "off":
      return "Location sharing is off while you are offline.";
    case "waiting":
      return "Finding your position…";
    case "on":
      return `Sharing your location with dispatch${trip && tripWords(trip.kind).sharedWith ? ` and ${tripWords(trip.kind).sharedWith}` : ""}.`;
    case "problem":
      return `${geolocationMessage(sharing.problem)} Dispatch cannot see you on the map until it is on.`;
  }
}

/** Whether the phone's location is being shared, and the demo "Simulate movement" switch. */
export function LocationPanel() {
  const { sharing, simulate, setSimulate, activeTrip, retrySharing } = useDriverLive();
  const problem = !simulate && sharing.kind === "problem";
  const target = tripTarget(activeTrip);
  return (
    <section className="convoy-card driver-location" aria-label="Location">
      <p
        className={problem ? "convoy-notice driver-location__status" : "driver-location__status"}
        data-sharing={simulate ? "simulated" : sharing.kind}
      >
        {sharingText(sharing, simulate, activeTrip)}
      </p>
      {problem && sharing.problem !== "unsupported" && (
        <button type="button" className="convoy-button convoy-button--small" onClick={retrySharing}>
          Try again
        </button>
      )}
      <label className="driver-location__simulate">
        <input type="checkbox" checked={simulate} onChange={(event) => setSimulate(event.target.checked)} />
        <span>
          Simulate movement
          <span className="convoy-muted driver-location__hint">
            {simulate && !target
              ? " Waiting for a trip: then it drives you to the pickup, then the dropoff."
              : ` For demos: drives you along the streets toward the ${target?.kind ?? "pickup, then the dropoff"} at ${Math.round(SIMULATED_SPEED_MPS * 3.6)} km/h.`}
          </span>
        </span>
      </label>
    </section>
  );
}
