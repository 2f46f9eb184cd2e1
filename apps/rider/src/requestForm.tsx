import { useId, useMemo, useState, type SyntheticEvent } from "react";
import { estimateFareCents, requestTripInputSchema, rideVehicleClasses, type RideVehicleClass } from "@convoy/api/schemas";
import type { TripView } from "@convoy/api";
import {
  AddressSearch,
  ConvoyMap,
  errorMessage,
  formatMoney,
  formatShortDistance,
  haversineKm,
  locateOnce,
  trpc,
  vehicleLabel,
  type LatLng,
  type MapMarker,
} from "@convoy/ui";

/** Downtown Chicago, the demo city, where the map opens when the rider's position is unknown. */
const DEFAULT_CENTER: LatLng = { lat: 41.8781, lng: -87.6298 };

type End = "pickup" | "dropoff";

interface PlaceDraft {
  address: string;
  point: LatLng | null;
  /** Whether `address` was written by the app (pin text), so a new pin may replace it. */
  addressIsAuto: boolean;
}

const EMPTY: PlaceDraft = { address: "", point: null, addressIsAuto: true };

/** What each class means to a rider choosing one. */
const CLASS_HINTS: Record<RideVehicleClass, string> = {
  car: "Up to 4 people",
  suv: "Up to 6, more luggage",
  van: "Up to 8, or bulky items",
};

const pinText = (point: LatLng) => `Pin at ${point.lat.toFixed(5)}, ${point.lng.toFixed(5)}`;

export interface RequestFormProps {
  /** Pre-fills the form, e.g. to try a ride again after nobody was found. */
  initial?: Pick<TripView, "pickup" | "dropoff" | "vehicleClass"> | null;
  onRequested: (trip: TripView) => void;
}

type FieldErrors = Partial<Record<End, string>>;

/**
 * Where from and where to: tap the map to drop the pickup, then the dropoff (or use the
 * device's position for the pickup), adjust the address text, choose the vehicle class (only
 * drivers of that class are offered the ride), see the fare estimate, request.
 */
export function RequestForm({ initial = null, onRequested }: RequestFormProps) {
  const id = useId();
  const [places, setPlaces] = useState<Record<End, PlaceDraft>>(() => ({
    pickup: initial ? { address: initial.pickup.address, point: initial.pickup, addressIsAuto: false } : EMPTY,
    dropoff: initial ? { address: initial.dropoff.address, point: initial.dropoff, addressIsAuto: false } : EMPTY,
  }));
  const [vehicleClass, setVehicleClass] = useState<RideVehicleClass>(initial?.vehicleClass ?? "car");
  const [picking, setPicking] = useState<End>(initial ? "dropoff" : "pickup");
  const [locating, setLocating] = useState(false);
  const [locationNote, setLocationNote] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [view, setView] = useState<{ key: string; points: LatLng[] } | null>(() =>
    initial ? { key: "initial", points: [initial.pickup, initial.dropoff] } : null,
  );
  const utils = trpc.useUtils();
  const request = trpc.trips.request.useMutation({
    onSuccess: (trip) => {
      utils.trips.byId.setData({ tripId: trip.id }, trip);
      void utils.trips.list.invalidate();
      onRequested(trip);
    },
  });

  const setPoint = (end: End, point: LatLng, address?: string) => {
    setPlaces((previous) => {
      const current = previous[end];
      const keepAddress = !current.addressIsAuto && current.address.trim() !== "";
      return {
        ...previous,
        [end]: keepAddress ? { ...current, point } : { point, address: address ?? pinText(point), addressIsAuto: true },
      };
    });
    setFieldErrors((previous) => ({ ...previous, [end]: undefined }));
  };

  // A found address sets both the text and the pin, and shows it.
  const pickFound = (end: End) => (result: { label: string; lat: number; lng: number }) => {
    const point = { lat: result.lat, lng: result.lng };
    setPlaces((previous) => ({ ...previous, [end]: { address: result.label, point, addressIsAuto: false } }));
    setFieldErrors((previous) => ({ ...previous, [end]: undefined }));
    const other = places[end === "pickup" ? "dropoff" : "pickup"].point;
    setView({ key: `found-${end}-${point.lat}-${point.lng}`, points: other ? [point, other] : [point] });
    if (end === "pickup" && !places.dropoff.point) setPicking("dropoff");
  };

  const onMapClick = (point: LatLng) => {
    setPoint(picking, point);
    if (picking === "pickup" && !places.dropoff.point) setPicking("dropoff");
  };

  const locateMe = async () => {
    setLocating(true);
    setLocationNote(null);
    try {
      const here = await locateOnce();
      setPoint("pickup", here, "My current location");
      setView({ key: `me-${here.lat}-${here.lng}`, points: [here] });
      if (!places.dropoff.point) setPicking("dropoff");
    } catch (error) {
      setLocationNote(`${errorMessage(error)} Tap the map to set your pickup instead.`);
      setPicking("pickup");
    } finally {
      setLocating(false);
    }
  };

  const { pickup, dropoff } = places;
  const quote = useMemo(
    () =>
      pickup.point && dropoff.point ? { km: haversineKm(pickup.point, dropoff.point), cents: estimateFareCents(pickup.point, dropoff.point) } : null,
    [pickup.point, dropoff.point],
  );

  const markers: MapMarker[] = [];
  if (pickup.point) markers.push({ id: "pickup", position: pickup.point, tone: "pickup", title: `Pickup: ${pickup.address}` });
  if (dropoff.point) markers.push({ id: "dropoff", position: dropoff.point, tone: "dropoff", title: `Dropoff: ${dropoff.address}` });
  const lines = pickup.point && dropoff.point ? [{ id: "route", tone: "route" as const, points: [pickup.point, dropoff.point] }] : [];

  function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const missing: FieldErrors = {};
    if (!pickup.point) missing.pickup = "Tap the map (or use your location) to set the pickup";
    if (!dropoff.point) missing.dropoff = "Tap the map to set the dropoff";
    if (!pickup.point || !dropoff.point) {
      setFieldErrors(missing);
      return;
    }
    const parsed = requestTripInputSchema.safeParse({
      pickup: { address: pickup.address, ...pickup.point },
      dropoff: { address: dropoff.address, ...dropoff.point },
      vehicleClass,
    });
    if (!parsed.success) {
      const errors: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const end = issue.path[0];
        if ((end === "pickup" || end === "dropoff") && !errors[end]) errors[end] = issue.message;
      }
      setFieldErrors(errors);
      return;
    }
    setFieldErrors({});
    request.mutate(parsed.data);
  }

  return (
    <form className="rider-request" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="rider-request__title">
        Request a ride
      </h2>
      <div className="rider-pick" role="group" aria-label="What a tap on the map sets">
        <span className="convoy-muted">Tap the map to set:</span>
        {(["pickup", "dropoff"] as const).map((end) => (
          <button
            key={end}
            type="button"
            className={`rider-pick__option rider-pick__option--${end}`}
            aria-pressed={picking === end}
            onClick={() => setPicking(end)}
          >
            {end === "pickup" ? "Pickup (A)" : "Dropoff (B)"}
          </button>
        ))}
      </div>
      <ConvoyMap
        label="Map: tap to set the pickup and dropoff"
        className="rider-map"
        center={initial?.pickup ?? DEFAULT_CENTER}
        zoom={14}
        markers={markers}
        lines={lines}
        fit={view}
        onMapClick={onMapClick}
      />
      <button type="button" className="convoy-button" onClick={() => void locateMe()} disabled={locating}>
        {locating ? "Finding you…" : "Use my current location as pickup"}
      </button>
      {locationNote && <p className="convoy-notice">{locationNote}</p>}
      {(["pickup", "dropoff"] as const).map((end) => {
        const place = places[end];
        const error = fieldErrors[end];
        return (
          <div key={end} className="rider-request__end">
            <AddressSearch
              label={end === "pickup" ? "Search the pickup address" : "Search the dropoff address"}
              near={place.point ?? pickup.point ?? initial?.pickup ?? DEFAULT_CENTER}
              onPick={pickFound(end)}
            />
            <label className="convoy-field" htmlFor={`${id}-${end}`}>
              <span>{end === "pickup" ? "Pickup address" : "Dropoff address"}</span>
              <input
                id={`${id}-${end}`}
                name={end}
                autoComplete="street-address"
                maxLength={255}
                placeholder={place.point ? "" : end === "pickup" ? "Tap the map first" : "Then tap where you're going"}
                value={place.address}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${id}-${end}-error` : undefined}
                onChange={(event) =>
                  setPlaces((previous) => ({ ...previous, [end]: { ...previous[end], address: event.target.value, addressIsAuto: false } }))
                }
              />
              {error && (
                <span id={`${id}-${end}-error`} className="convoy-field__error">
                  {error}
                </span>
              )}
            </label>
          </div>
        );
      })}
      <fieldset className="rider-class">
        <legend>Vehicle</legend>
        {rideVehicleClasses.map((option) => (
          <label key={option} className="rider-class__option">
            <input type="radio" name="vehicleClass" value={option} checked={vehicleClass === option} onChange={() => setVehicleClass(option)} />
            <span className="rider-class__name">{vehicleLabel(option)}</span>
            <span className="convoy-muted rider-class__hint">{CLASS_HINTS[option]}</span>
          </label>
        ))}
      </fieldset>
      {quote && (
        <p className="rider-quote" aria-live="polite">
          <span>{formatShortDistance(quote.km)} straight line</span>
          <strong>About {formatMoney(quote.cents)}</strong>
        </p>
      )}
      {request.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(request.error)}
        </p>
      )}
      <button type="submit" className="convoy-button convoy-button--primary rider-request__submit" disabled={request.isPending}>
        {request.isPending ? "Requesting…" : "Request ride"}
      </button>
    </form>
  );
}
