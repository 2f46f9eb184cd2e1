import { PLACE_WORDS, type PlaceKind } from "./words";

/**
 * The letter a map draws for a pickup or dropoff (P, D), in its colour: put it beside an
 * address so the words and the map read alike. Decorative; the address names the place.
 */
export function PlaceKey({ kind }: { kind: PlaceKind }) {
  return (
    <span className={`convoy-place-key convoy-place-key--${kind}`} aria-hidden="true">
      {PLACE_WORDS[kind].letter}
    </span>
  );
}
