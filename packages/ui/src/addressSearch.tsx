import { useEffect, useId, useState } from "react";
import type { GeocodeResult } from "@convoy/api";
import { GEOCODE_LIMITS } from "@convoy/api/schemas";
import { errorMessage } from "./errors";
import type { LatLng } from "./geo";
import { trpc } from "./trpc";

/** How long typing must pause before a search is sent, in ms. */
const TYPING_PAUSE_MS = 350;

/** `value`, once it has stayed the same for `delayMs`. */
function useSettled<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

export interface AddressSearchProps {
  /** The search box's label, e.g. "Search the pickup address". */
  label: string;
  /** Answers near this point come first (the map's centre, say). */
  near?: LatLng | null;
  /** The person chose an answer: fill the address and its coordinates from it. */
  onPick: (result: GeocodeResult) => void;
}

/**
 * A search box that looks addresses up with `geocode.search` as the person types (after a
 * short pause, from three characters) and lists the answers to pick from. When the server
 * has no geocoder it says so instead, and the map stays the way to pick a place.
 */
export function AddressSearch({ label, near, onPick }: AddressSearchProps) {
  const id = useId();
  const [text, setText] = useState("");
  const query = useSettled(text.trim(), TYPING_PAUSE_MS);
  const status = trpc.geocode.status.useQuery(undefined, { staleTime: Infinity });
  const configured = status.data?.configured === true;
  const enabled = configured && query.length >= GEOCODE_LIMITS.minQueryLength;
  // Rounded so that a map nudged a little asks the same question (and the server's cache answers).
  const bias = near ? { lat: Math.round(near.lat * 100) / 100, lng: Math.round(near.lng * 100) / 100 } : undefined;
  const search = trpc.geocode.search.useQuery(
    { query, limit: GEOCODE_LIMITS.defaultResults, near: bias },
    { enabled, staleTime: 60_000, retry: false },
  );

  if (status.data && !configured) {
    return (
      <p className="convoy-address-search__off convoy-muted" role="note">
        Address search is not configured; pick the place on the map.
      </p>
    );
  }
  const results = enabled ? (search.data?.results ?? []) : [];
  return (
    <div className="convoy-address-search">
      <div className="convoy-field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          type="search"
          autoComplete="off"
          maxLength={GEOCODE_LIMITS.maxQueryLength}
          placeholder="Type an address or a place name"
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
      </div>
      {enabled && search.isFetching && <p className="convoy-muted">Searching…</p>}
      {enabled && search.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(search.error)}
        </p>
      )}
      {results.length > 0 && (
        <ul className="convoy-address-search__results" aria-label={`${label}: results`}>
          {results.map((result) => (
            <li key={`${result.lat},${result.lng},${result.label}`}>
              <button
                type="button"
                className="convoy-address-search__result"
                onClick={() => {
                  onPick(result);
                  setText("");
                }}
              >
                {result.label}
              </button>
            </li>
          ))}
        </ul>
      )}
      {enabled && search.data && !search.isFetching && results.length === 0 && <p className="convoy-muted">No address found for “{query}”.</p>}
    </div>
  );
}
