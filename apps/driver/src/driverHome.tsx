import { errorMessage, formatPayload, trpc, useSignedInUser, useToast, vehicleLabel } from "@convoy/ui";
import { OfferInbox } from "./offerInbox";
import { SoundToggle } from "./sound";
import { TripDesk } from "./tripDesk";

/**
 * The driver's first screen, most urgent first so it fits a phone: who they are and whether
 * they take offers (one card), the trip or incoming rides, then the offers, newest on top.
 */
export function DriverHome() {
  const user = useSignedInUser();
  const toast = useToast();
  const utils = trpc.useUtils();
  const details = trpc.drivers.byId.useQuery({ driverId: user.id });
  const setAvailability = trpc.drivers.setAvailability.useMutation({
    onSuccess: ({ availability }) => {
      utils.drivers.byId.setData({ driverId: user.id }, (previous) => previous && { ...previous, availability });
      toast(availability === "available" ? "You are available for offers" : "You are offline", { tone: "success" });
    },
  });

  const availability = details.data?.availability;
  const isAvailable = availability === "available";
  const label = availability === "busy" ? "Busy: on a trip" : isAvailable ? "Available for offers" : "Offline";

  return (
    <>
      <section className="convoy-card driver-status" aria-label="You and your availability">
        <div className="driver-status__who">
          <h1>{user.name}</h1>
          {details.data && (
            <p className="convoy-muted">
              {vehicleLabel(details.data.vehicleType)} · {formatPayload(details.data.payloadKg)} payload
            </p>
          )}
        </div>
        <button
          type="button"
          role="switch"
          className="convoy-switch driver-status__switch"
          aria-checked={isAvailable}
          disabled={!details.data || setAvailability.isPending}
          onClick={() => setAvailability.mutate({ availability: isAvailable ? "offline" : "available" })}
        >
          <span>{details.data ? label : "Loading…"}</span>
          <span className="convoy-switch__track" aria-hidden="true" />
        </button>
      </section>
      {details.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(details.error)}
        </p>
      )}
      {setAvailability.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(setAvailability.error)}
        </p>
      )}
      <TripDesk />
      <OfferInbox />
      <SoundToggle />
    </>
  );
}
