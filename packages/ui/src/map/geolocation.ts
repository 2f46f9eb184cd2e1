import type { LatLng } from "../geo";

/** Why the browser gave no position, in words a person can act on. */
export type GeolocationProblem = "denied" | "unavailable" | "timeout" | "unsupported";

const MESSAGES: Record<GeolocationProblem, string> = {
  denied: "Location access is blocked for this site. Allow it in your browser's site settings to share your position.",
  unavailable: "Your position is not available right now (no GPS or network fix).",
  timeout: "Finding your position took too long; try again outside or near a window.",
  unsupported: "This browser cannot share its location.",
};

export function geolocationMessage(problem: GeolocationProblem): string {
  return MESSAGES[problem];
}

/** The problem behind a `GeolocationPositionError` code. */
export function geolocationProblem(error: GeolocationPositionError): GeolocationProblem {
  if (error.code === error.PERMISSION_DENIED) return "denied";
  if (error.code === error.TIMEOUT) return "timeout";
  return "unavailable";
}

/** Rejection of `locateOnce`: carries the problem so callers can choose a fallback. */
export class GeolocationFailure extends Error {
  constructor(readonly problem: GeolocationProblem) {
    super(geolocationMessage(problem));
    this.name = "GeolocationFailure";
  }
}

/**
 * The device's position once, asking for permission if needed. Rejects with a
 * `GeolocationFailure` when there is none (denied, no fix, or after `timeoutMs`, @default 10_000).
 */
export function locateOnce(timeoutMs = 10_000): Promise<LatLng> {
  return new Promise((resolve, reject) => {
    if (!("geolocation" in navigator)) {
      reject(new GeolocationFailure("unsupported"));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => resolve({ lat: position.coords.latitude, lng: position.coords.longitude }),
      (error) => reject(new GeolocationFailure(geolocationProblem(error))),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 30_000 },
    );
  });
}
