import type { LatLng } from "../geo";

/** How long a marker takes to glide to a new position, in ms. @default 1_000 */
export const GLIDE_MS = 1_000;

/**
 * Farther than this, in degrees of latitude or longitude (about 5 km), a marker jumps
 * instead of gliding: a long slide across the city says "moved" more slowly than a jump.
 */
const MAX_GLIDE_DEGREES = 0.05;

/** Ease-out: fast at first, settling on the target, like a car slowing to its new spot. */
function easeOut(t: number): number {
  return 1 - (1 - t) ** 2;
}

/** The point a fraction `t` (0–1, eased) of the way from `from` to `to`. */
export function interpolate(from: LatLng, to: LatLng, t: number): LatLng {
  const eased = easeOut(Math.min(1, Math.max(0, t)));
  return { lat: from.lat + (to.lat - from.lat) * eased, lng: from.lng + (to.lng - from.lng) * eased };
}

/** Whether moving from `from` to `to` should glide (a short hop) or jump (far, or nothing moved). */
export function shouldGlide(from: LatLng, to: LatLng): boolean {
  const dLat = Math.abs(to.lat - from.lat);
  const dLng = Math.abs(to.lng - from.lng);
  if (dLat === 0 && dLng === 0) return false;
  return dLat <= MAX_GLIDE_DEGREES && dLng <= MAX_GLIDE_DEGREES;
}

/**
 * Moves something that has a position from where it is to `to` over `GLIDE_MS`, one
 * `requestAnimationFrame` at a time, calling `apply` with each intermediate point. A new
 * `glideTo` while one is running starts from wherever the marker is at that moment, so a
 * stream of positions reads as one continuous movement.
 */
export class MarkerMotion {
  private frame: number | null = null;
  private finish: ReturnType<typeof setTimeout> | null = null;
  private current: LatLng;

  constructor(
    start: LatLng,
    private readonly apply: (point: LatLng) => void,
  ) {
    this.current = start;
  }

  /** Glides to `to` (or jumps there when `animate` is false or the hop is long). */
  glideTo(to: LatLng, animate = true): void {
    this.stop();
    const from = this.current;
    if (!animate || !shouldGlide(from, to) || prefersReducedMotion()) {
      this.set(to);
      return;
    }
    const startedAt = performance.now();
    const step = (now: number) => {
      const t = (now - startedAt) / GLIDE_MS;
      this.set(t >= 1 ? to : interpolate(from, to, t));
      if (t >= 1) this.stop();
      else this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
    // A hidden tab gets no animation frames; the marker still has to end up in the right place.
    this.finish = setTimeout(() => {
      this.stop();
      this.set(to);
    }, GLIDE_MS + 250);
  }

  /** Stops any glide where it is. */
  stop(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    if (this.finish !== null) clearTimeout(this.finish);
    this.frame = null;
    this.finish = null;
  }

  private set(point: LatLng): void {
    this.current = point;
    this.apply(point);
  }
}

function prefersReducedMotion(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}
