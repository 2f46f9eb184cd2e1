import { formatCents } from "@convoy/api/schemas";
import type { RouterOutputs } from "@convoy/api";

type Driver = RouterOutputs["drivers"]["list"][number];
export type VehicleType = Driver["vehicleType"];
export type Availability = Driver["availability"];

const VEHICLE_LABELS: Record<VehicleType, string> = {
  car: "Car",
  suv: "SUV",
  van: "Van",
  box_truck: "Box truck",
  flatbed: "Flatbed",
  reefer: "Reefer",
};

const AVAILABILITY_LABELS: Record<Availability, string> = { available: "Available", busy: "Busy", offline: "Offline" };

/** How people say a vehicle type ("Box truck", not "box_truck"). */
export function vehicleLabel(type: VehicleType): string {
  return VEHICLE_LABELS[type];
}

export function availabilityLabel(availability: Availability): string {
  return AVAILABILITY_LABELS[availability];
}

/** Payload in kilograms with thousands separators, e.g. "21,000 kg". */
export function formatPayload(kg: number): string {
  return `${kg.toLocaleString("en-US")} kg`;
}

type OfferDetail = RouterOutputs["offers"]["byId"];
export type OfferStatus = OfferDetail["status"];
export type RecipientStatus = OfferDetail["recipients"][number]["status"];

/** Integer cents as dollars, e.g. 45000 → "$450.00": the formatter the server's messages use. */
export const formatMoney = formatCents;

/**
 * Dollars as typed by a person ("450", "$1,250.5") to integer cents, or null when the text
 * is not an amount. Rounds to the nearest cent; the server decides what amounts it accepts.
 */
export function parseDollars(text: string): number | null {
  const cleaned = text.trim().replace(/^\$/, "").replace(/,/g, "");
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(cleaned)) return null;
  return Math.round(Number(cleaned) * 100);
}

/** Kilometres with one decimal and miles beside them, e.g. "24.3 km (15.1 mi)". */
export function formatDistance(km: number): string {
  const one = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  return `${one(km)} km (${one(km / 1.609344)} mi)`;
}

/** Length × width × height in centimetres, e.g. "240 × 120 × 100 cm". */
export function formatDimensions(dimensions: { lengthCm: number; widthCm: number; heightCm: number }): string {
  return `${dimensions.lengthCm} × ${dimensions.widthCm} × ${dimensions.heightCm} cm`;
}

/** A message time: "14:05" today, "Mar 3, 14:05" on another day. `now` is for tests. */
export function formatTime(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  const time = date.toLocaleTimeString("en-US", { hour: "2-digit", minute: "2-digit", hour12: false });
  if (date.toDateString() === now.toDateString()) return time;
  return `${date.toLocaleDateString("en-US", { month: "short", day: "numeric" })}, ${time}`;
}

/** A clock time to the second, "14:05:09", for "last update" stamps on live data. */
export function formatClock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString("en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
}

/** Time left as "4:05" (minutes:seconds) under an hour, "2 h 05 min" above; "0:00" once past. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, "0")} min`;
  return `${minutes}:${String(seconds).padStart(2, "0")}`;
}

const OFFER_STATUS_LABELS: Record<OfferStatus, string> = {
  open: "Open",
  accepted: "Accepted",
  cancelled: "Cancelled",
  expired: "Expired",
  completed: "Completed",
};

export function offerStatusLabel(status: OfferStatus): string {
  return OFFER_STATUS_LABELS[status];
}

const RECIPIENT_STATUS_LABELS: Record<RecipientStatus, string> = {
  sent: "Sent",
  viewed: "Viewed",
  accepted: "Accepted",
  rejected: "Rejected",
  countered: "Countered",
  lost: "Lost",
  withdrawn: "Withdrawn",
};

/** A recipient's status as the dispatcher reads it; a counter shows its rate. */
export function recipientStatusLabel(status: RecipientStatus, counterRateCents: number | null = null): string {
  const label = RECIPIENT_STATUS_LABELS[status];
  return status === "countered" && counterRateCents !== null ? `${label} ${formatMoney(counterRateCents)}` : label;
}

/** The first line of a message, cut to `maxChars` (@default 80) for a toast or a list. */
export function messagePreview(body: string, maxChars = 80): string {
  const line = body.split("\n", 1)[0] ?? "";
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}
