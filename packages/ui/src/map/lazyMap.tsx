import { lazy, Suspense } from "react";
import type { ConvoyMapProps } from "./convoyMap";

/** Waits between tries to load the map's code while the server cannot be reached, in ms: 500 doubling to 5 s. */
const retryDelayMs = (attempt: number) => Math.min(500 * 2 ** attempt, 5_000);

/**
 * Leaflet and its stylesheet load with the first map on screen, not with the app. A load that
 * fails (the server restarting, the network gone) is tried again until it works, with the
 * placeholder showing meanwhile: `lazy` keeps a failed load for good, and a failure thrown
 * from it would take the whole screen down.
 */
const LeafletMap = lazy(async () => {
  for (let attempt = 0; ; attempt++) {
    try {
      return { default: (await import("./convoyMap")).ConvoyMap };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
    }
  }
});

/**
 * The map component apps use: `ConvoyMap` from `./convoyMap`, loaded on demand. Until it is in,
 * an empty box of the same size (the caller's `className` sets it) holds the place.
 */
export function ConvoyMap(props: ConvoyMapProps) {
  return (
    <Suspense fallback={<div className={`convoy-map${props.className ? ` ${props.className}` : ""}`} aria-busy="true" aria-label={props.label} />}>
      <LeafletMap {...props} />
    </Suspense>
  );
}
