import { errorMessage, formatPayload, trpc, useSignedInUser, useToast, vehicleLabel } from "@convoy/ui";
import { OfferInbox } from "./offerInbox";
import { SoundToggle } from "./sound";
import { TripDesk } from "./tripDesk";

/** The driver's first screen: who they are, whether they take offers right now, and the inbox. */
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
      <section className="convoy-card">
        <p className="convoy-muted">Signed in as</p>
        <h1>{user.name}</h1>
        {details.data && (
          <p className="convoy-muted">
            {vehicleLabel(details.data.vehicleType)} · {formatPayload(details.data.payloadKg)} payload
          </p>
        )}
      </section>
      {details.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(details.error)}
        </p>
      )}
      <button
        type="button"
        role="switch"
        className="convoy-switch"
        aria-checked={isAvailable}
        disabled={!details.data || setAvailability.isPending}
        onClick={() => setAvailability.mutate({ availability: isAvailable ? "offline" : "available" })}
      >
        <span>{details.data ? label : "Loading…"}</span>
        <span className="convoy-switch__track" aria-hidden="true" />
      </button>
      {setAvailability.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(setAvailability.error)}
        </p>
      )}
      <TripDesk />
      <SoundToggle />
      <OfferInbox />
    </>
  );
}
