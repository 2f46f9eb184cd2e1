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
