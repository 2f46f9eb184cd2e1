import { lazy, Suspense } from "react";
import type { ConvoyMapProps } from "./convoyMap";

/** Leaflet and its stylesheet load with the first map on screen, not with the app. */
const LeafletMap = lazy(async () => ({ default: (await import("./convoyMap")).ConvoyMap }));

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
