import { useId, useState, type ReactNode, type SyntheticEvent } from "react";
import { createOfferInputSchema, OFFER_EXPIRY_SECONDS } from "@convoy/api/schemas";
import {
  AddressSearch,
  ConvoyMap,
  errorMessage,
  formatDistance,
  formatMoney,
  haversineKm,
  Modal,
  newIdempotencyKey,
  offerRef,
  parseDollars,
  PLACE_WORDS,
  toLatLng,
  trpc,
  useToast,
  vehicleLabel,
  type LatLng,
  type MapMarker,
} from "@convoy/ui";
import type { Driver } from "./driversPage";

interface OfferForm {
  pickupAddress: string;
  pickupLat: string;
  pickupLng: string;
  dropoffAddress: string;
  dropoffLat: string;
  dropoffLng: string;
  weightKg: string;
  lengthCm: string;
  widthCm: string;
  heightCm: string;
  rate: string;
  expiresInMinutes: string;
  notes: string;
}

type FieldName = keyof OfferForm;
type FieldErrors = Partial<Record<FieldName | "form", string>>;

/** Where each schema path shows its message. */
const FIELD_OF_PATH: Record<string, FieldName> = {
  "pickup.address": "pickupAddress",
  "pickup.lat": "pickupLat",
  "pickup.lng": "pickupLng",
  "dropoff.address": "dropoffAddress",
  "dropoff.lat": "dropoffLat",
  "dropoff.lng": "dropoffLng",
  weightKg: "weightKg",
  "dimensions.lengthCm": "lengthCm",
  "dimensions.widthCm": "widthCm",
  "dimensions.heightCm": "heightCm",
  rateCents: "rate",
  expiresInSeconds: "expiresInMinutes",
  notes: "notes",
};

/** A typed number, or undefined for an empty field (so the schema says it is missing). */
const numberOrUndefined = (text: string) => (text.trim() === "" ? undefined : Number(text));

/**
 * The schema's message, worded for a form field: "weightKg must be positive" reads
 * "Must be positive" under the "Weight (kg)" field. A missing or non-numeric entry is
 * reported as such instead of zod's type message.
 */
function fieldMessage(issue: { code: string; message: string; path: PropertyKey[] }, field: FieldName): string {
  if (issue.code === "invalid_type") {
    if (field === "rate") return "Enter an amount in dollars, e.g. 450 or 450.50";
    return field.endsWith("Address") ? "Required" : "Enter a number";
  }
  const stripped = issue.message.replace(/^[A-Za-z]+ (must|is)\b/, "$1");
  if (stripped === "is required") return "Required";
  return stripped.charAt(0).toUpperCase() + stripped.slice(1);
}

export interface MakeOfferModalProps {
  drivers: Driver[];
  /** The pickup the drivers page measured distances from, to start the form with. */
  pickupPoint: LatLng | null;
  onClose: () => void;
  onCreated: (offerId: number) => void;
}

/**
 * The offer form: pickup and dropoff, load, rate in dollars (sent as cents) and how long
 * drivers have to answer. Checked with the same `createOfferInputSchema` the server uses,
 * so the form and the API cannot disagree about what is valid.
 */
export function MakeOfferModal({ drivers, pickupPoint, onClose, onCreated }: MakeOfferModalProps) {
  const toast = useToast();
  const utils = trpc.useUtils();
  const [form, setForm] = useState<OfferForm>({
    pickupAddress: "",
    pickupLat: pickupPoint ? String(pickupPoint.lat) : "",
    pickupLng: pickupPoint ? String(pickupPoint.lng) : "",
    dropoffAddress: "",
    dropoffLat: "",
    dropoffLng: "",
    weightKg: "",
    lengthCm: "",
    widthCm: "",
    heightCm: "",
    rate: "",
    expiresInMinutes: "60",
    notes: "",
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const create = trpc.offers.create.useMutation();
  // One key per version of the form: sending it again (after an error, or a retry after a
  // lost answer) cannot make a second offer, and a changed form is a new offer.
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);

  const set = (field: FieldName) => (value: string) => {
    setForm((previous) => ({ ...previous, [field]: value }));
    setErrors((previous) => ({ ...previous, [field]: undefined }));
    setIdempotencyKey(newIdempotencyKey());
  };

  const from = toLatLng(numberOrUndefined(form.pickupLat), numberOrUndefined(form.pickupLng));
  const to = toLatLng(numberOrUndefined(form.dropoffLat), numberOrUndefined(form.dropoffLng));
  const distanceKm = from && to ? haversineKm(from, to) : null;
  const rateCents = parseDollars(form.rate);
  const perMile = distanceKm && rateCents ? `${formatMoney(Math.round(rateCents / (distanceKm / 1.609344)))}/mi` : null;

  // Clicking the map fills in the coordinates of the pickup, then of the dropoff.
  const [picking, setPicking] = useState<"pickup" | "dropoff">(pickupPoint ? "dropoff" : "pickup");
  const pickOnMap = (point: LatLng) => {
    const round = (degrees: number) => String(Math.round(degrees * 1e6) / 1e6);
    set(picking === "pickup" ? "pickupLat" : "dropoffLat")(round(point.lat));
    set(picking === "pickup" ? "pickupLng" : "dropoffLng")(round(point.lng));
    if (picking === "pickup") setPicking("dropoff");
  };

  // An address search fills the address and its coordinates at once.
  const fillFromSearch = (end: "pickup" | "dropoff") => (result: { label: string; lat: number; lng: number }) => {
    set(`${end}Address`)(result.label);
    set(`${end}Lat`)(String(result.lat));
    set(`${end}Lng`)(String(result.lng));
    if (end === "pickup") setPicking("dropoff");
  };

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    const minutes = numberOrUndefined(form.expiresInMinutes);
    const parsed = createOfferInputSchema.safeParse({
      driverIds: drivers.map((driver) => driver.id),
      pickup: { address: form.pickupAddress, lat: numberOrUndefined(form.pickupLat), lng: numberOrUndefined(form.pickupLng) },
      dropoff: { address: form.dropoffAddress, lat: numberOrUndefined(form.dropoffLat), lng: numberOrUndefined(form.dropoffLng) },
      weightKg: numberOrUndefined(form.weightKg),
      dimensions: {
        lengthCm: numberOrUndefined(form.lengthCm),
        widthCm: numberOrUndefined(form.widthCm),
        heightCm: numberOrUndefined(form.heightCm),
      },
      rateCents: rateCents ?? undefined,
      notes: form.notes,
      expiresInSeconds: minutes === undefined ? undefined : Math.round(minutes * 60),
      idempotencyKey,
    });
    if (!parsed.success) {
      const next: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const field = FIELD_OF_PATH[issue.path.join(".")];
        if (field) next[field] ??= fieldMessage(issue, field);
        else next.form ??= issue.message;
      }
      setErrors(next);
      return;
    }
    try {
      const offer = await create.mutateAsync(parsed.data);
      void utils.offers.list.invalidate();
      toast(`${offerRef(offer.id)} sent to ${drivers.length === 1 ? "1 driver" : `${drivers.length} drivers`}`, { tone: "success" });
      onCreated(offer.id);
    } catch (error) {
      setErrors({ form: errorMessage(error) });
    }
  };

  const field = (name: FieldName, label: string, input: { inputMode?: "decimal" | "numeric"; placeholder?: string } = {}) => (
    <Field label={label} error={errors[name]}>
      {(props) => (
        <input
          {...props}
          name={name}
          inputMode={input.inputMode}
          placeholder={input.placeholder}
          value={form[name]}
          onChange={(event) => set(name)(event.target.value)}
        />
      )}
    </Field>
  );

  return (
    <Modal title="Make offer" onClose={onClose} className="dispatch-offer-modal">
      <form className="dispatch-offer-form" onSubmit={submit} noValidate>
        <fieldset>
          <legend>Pickup</legend>
          <AddressSearch label="Search the pickup address" near={from ?? pickupPoint} onPick={fillFromSearch("pickup")} />
          {field("pickupAddress", "Pickup address", { placeholder: "100 N State St, Chicago" })}
          <div className="dispatch-offer-form__pair">
            {field("pickupLat", "Pickup latitude", { inputMode: "decimal", placeholder: "41.8837" })}
            {field("pickupLng", "Pickup longitude", { inputMode: "decimal", placeholder: "-87.6278" })}
          </div>
        </fieldset>
        <fieldset>
          <legend>Dropoff</legend>
          <AddressSearch label="Search the dropoff address" near={to ?? from} onPick={fillFromSearch("dropoff")} />
          {field("dropoffAddress", "Dropoff address", { placeholder: "O'Hare Cargo Area, Chicago" })}
          <div className="dispatch-offer-form__pair">
            {field("dropoffLat", "Dropoff latitude", { inputMode: "decimal", placeholder: "41.9742" })}
            {field("dropoffLng", "Dropoff longitude", { inputMode: "decimal", placeholder: "-87.9073" })}
          </div>
        </fieldset>
        <OfferMap pickup={from} dropoff={to} drivers={drivers} picking={picking} onPickingChange={setPicking} onPick={pickOnMap} />
        <p className="dispatch-offer-form__distance">Distance: {distanceKm === null ? "enter both points" : formatDistance(distanceKm)}</p>
        <fieldset>
          <legend>Load</legend>
          <div className="dispatch-offer-form__quad">
            {field("weightKg", "Weight (kg)", { inputMode: "numeric" })}
            {field("lengthCm", "Length (cm)", { inputMode: "numeric" })}
            {field("widthCm", "Width (cm)", { inputMode: "numeric" })}
            {field("heightCm", "Height (cm)", { inputMode: "numeric" })}
          </div>
        </fieldset>
        <div className="dispatch-offer-form__pair">
          {field("rate", "Rate ($)", { inputMode: "decimal", placeholder: "450.00" })}
          {field("expiresInMinutes", "Expires in (minutes)", { inputMode: "decimal" })}
        </div>
        {perMile && <p className="convoy-muted">{perMile} over the straight-line distance</p>}
        <Field label="Notes" error={errors.notes}>
          {(props) => (
            <textarea {...props} name="notes" maxLength={2_000} value={form.notes} onChange={(event) => set("notes")(event.target.value)} />
          )}
        </Field>
        <div>
          <p className="dispatch-offer-form__label">To {drivers.length === 1 ? "1 driver" : `${drivers.length} drivers`}</p>
          <ul className="dispatch-offer-form__drivers" aria-label="Selected drivers">
            {drivers.map((driver) => (
              <li key={driver.id}>
                {driver.name} <span className="convoy-muted">· {vehicleLabel(driver.vehicleType)}</span>
              </li>
            ))}
          </ul>
        </div>
        {errors.form && (
          <p className="convoy-error" role="alert">
            {errors.form}
          </p>
        )}
        <p className="convoy-muted dispatch-offer-form__hint">Drivers have between {OFFER_EXPIRY_SECONDS.min} seconds and one day to answer.</p>
        <div className="dispatch-offer-form__actions">
          <button type="button" className="convoy-button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="convoy-button convoy-button--primary" disabled={create.isPending}>
            {create.isPending ? "Sending…" : "Send offer"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Where the map opens when there is nothing to show yet: the middle of the selected drivers. */
function openingCenter(drivers: Driver[], pickup: LatLng | null): LatLng {
  if (pickup) return pickup;
  const positions = drivers.flatMap((driver) => (driver.position ? [driver.position] : []));
  if (positions.length === 0) return { lat: 41.8781, lng: -87.6298 };
  const sum = positions.reduce((total, point) => ({ lat: total.lat + point.lat, lng: total.lng + point.lng }), { lat: 0, lng: 0 });
  return { lat: sum.lat / positions.length, lng: sum.lng / positions.length };
}

interface OfferMapProps {
  pickup: LatLng | null;
  dropoff: LatLng | null;
  drivers: Driver[];
  picking: "pickup" | "dropoff";
  onPickingChange: (next: "pickup" | "dropoff") => void;
  onPick: (point: LatLng) => void;
}

/** A small map that shows the two points and the selected drivers, and sets a point on click. */
function OfferMap({ pickup, dropoff, drivers, picking, onPickingChange, onPick }: OfferMapProps) {
  const [center] = useState(() => openingCenter(drivers, pickup));
  const markers: MapMarker[] = drivers.flatMap((driver) =>
    driver.position ? [{ id: `driver-${driver.id}`, position: driver.position, tone: driver.availability, title: driver.name }] : [],
  );
  if (pickup) markers.push({ id: "pickup", position: pickup, tone: "pickup", title: PLACE_WORDS.pickup.name });
  if (dropoff) markers.push({ id: "dropoff", position: dropoff, tone: "dropoff", title: PLACE_WORDS.dropoff.name });
  const fitPoints = [pickup, dropoff].filter((point): point is LatLng => point !== null);
  const fitKey = fitPoints.map((point) => `${point.lat},${point.lng}`).join(";");

  return (
    <div className="dispatch-offer-map">
      <div className="dispatch-offer-map__mode" role="group" aria-label="Map click sets">
        <span className="convoy-muted">Click the map to set the</span>
        {(["pickup", "dropoff"] as const).map((mode) => (
          <button key={mode} type="button" className="dispatch-filter" aria-pressed={picking === mode} onClick={() => onPickingChange(mode)}>
            {PLACE_WORDS[mode].name}
          </button>
        ))}
      </div>
      <ConvoyMap
        label="Offer map"
        className="dispatch-offer-map__canvas"
        center={center}
        zoom={11}
        markers={markers}
        lines={pickup && dropoff ? [{ id: "route", points: [pickup, dropoff], tone: "route" }] : []}
        fit={fitPoints.length === 2 ? { key: fitKey, points: fitPoints } : null}
        onMapClick={onPick}
      />
    </div>
  );
}

interface FieldControlProps {
  id: string;
  "aria-invalid": boolean;
  "aria-describedby": string | undefined;
}

/** A labelled control with its error message under it, wired up for screen readers. */
function Field({ label, error, children }: { label: string; error: string | undefined; children: (props: FieldControlProps) => ReactNode }) {
  const id = useId();
  return (
    <div className="convoy-field">
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": error !== undefined, "aria-describedby": error ? `${id}-error` : undefined })}
      {error && (
        <span id={`${id}-error`} className="convoy-field__error">
          {error}
        </span>
      )}
    </div>
  );
}
