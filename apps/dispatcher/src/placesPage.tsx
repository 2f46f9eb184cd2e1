import { useMemo, useState, type SyntheticEvent } from "react";
import type { PlaceEvent, PlaceView } from "@convoy/api";
import { createPlaceInputSchema, PLACE_LIMITS } from "@convoy/api/schemas";
import { ConvoyMap, errorMessage, formatClock, trpc, useToast, type AreaShape, type LatLng, type MapArea, type MapFit } from "@convoy/ui";

/** Downtown Chicago, the demo city, where the map opens. */
const DEFAULT_CENTER = { lat: 41.8781, lng: -87.6298 };
/** Place events kept in the live feed, newest first. */
const FEED_LENGTH = 50;

type Shape = "circle" | "polygon";

/** A saved place as the map draws it. */
export function placeArea(place: Pick<PlaceView, "id" | "name" | "geometry">): MapArea {
  return { id: `place-${place.id}`, shape: place.geometry, tone: "place", title: place.name };
}

/** The saved places, kept current by the `places` stream (edits by any dispatcher). */
export function usePlaces() {
  return trpc.places.list.useQuery(undefined, { staleTime: 30_000 });
}

const VISIT_WORDS = { "place.entered": "entered", "place.dwelled": "is dwelling in", "place.left": "left" } as const;

/** One line of the live feed, or null for events that are not about a driver. */
function feedLine(event: PlaceEvent): string | null {
  if (event.type === "place.entered" || event.type === "place.dwelled" || event.type === "place.left") {
    return `${event.driverName} ${VISIT_WORDS[event.type]} ${event.placeName}`;
  }
  if (event.type === "place.created") return `${event.place.name} was saved`;
  if (event.type === "place.updated") return `${event.place.name} was changed`;
  return `${event.name} was deleted`;
}

function describe(place: PlaceView, defaultDwellSeconds: number): string {
  const shape =
    place.geometry.kind === "circle" ? `circle, ${place.geometry.radiusM} m radius` : `polygon, ${place.geometry.vertices.length} corners`;
  const dwell = place.dwellSeconds ?? defaultDwellSeconds;
  return `${shape} · dwell after ${dwell >= 120 ? `${Math.round(dwell / 60)} min` : `${dwell} s`}`;
}

/**
 * Saved places (customer sites, depots) on a map, shared by every dispatcher: draw a circle
 * (click its centre, set the radius) or a polygon (click its corners in order), name it and
 * save; delete from the list. Beside it, a live feed of drivers entering, dwelling in and
 * leaving places, from `places.events`.
 */
export function PlacesPage() {
  const toast = useToast();
  const utils = trpc.useUtils();
  const places = usePlaces();
  const [feed, setFeed] = useState<{ id: number; line: string; at: string }[]>([]);
  trpc.places.events.useSubscription(
    {},
    {
      onData: ({ data: event }) => {
        if (event.type === "place.created" || event.type === "place.updated" || event.type === "place.deleted") void utils.places.list.invalidate();
        const line = feedLine(event);
        if (line) setFeed((previous) => [{ id: event.id, line, at: event.at }, ...previous].slice(0, FEED_LENGTH));
      },
    },
  );

  const [shape, setShape] = useState<Shape>("circle");
  const [name, setName] = useState("");
  const [radius, setRadius] = useState("150");
  const [dwell, setDwell] = useState("");
  const [centre, setCentre] = useState<LatLng | null>(null);
  const [corners, setCorners] = useState<LatLng[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [focus, setFocus] = useState<MapFit | null>(null);
  const create = trpc.places.create.useMutation();
  const remove = trpc.places.delete.useMutation();

  // Memoised so the map redraws the areas only when the drawing changes, not on every keystroke.
  const draft = useMemo((): AreaShape | null => {
    if (shape === "circle") return centre && Number(radius) > 0 ? { kind: "circle", center: centre, radiusM: Number(radius) } : null;
    return corners.length > 0 ? { kind: "polygon", vertices: corners } : null;
  }, [shape, centre, radius, corners]);
  const list = places.data?.places;
  const areas = useMemo(() => {
    const saved = (list ?? []).map(placeArea);
    return draft ? [...saved, { id: "draft", shape: draft, tone: "draft" as const, title: name || "New place" }] : saved;
  }, [list, draft, name]);

  const onMapClick = (point: LatLng) => {
    const rounded = { lat: Math.round(point.lat * 1e6) / 1e6, lng: Math.round(point.lng * 1e6) / 1e6 };
    if (shape === "circle") setCentre(rounded);
    else setCorners((previous) => (previous.length >= PLACE_LIMITS.maxVertices ? previous : [...previous, rounded]));
    setProblem(null);
  };

  const reset = () => {
    setName("");
    setDwell("");
    setCentre(null);
    setCorners([]);
    setProblem(null);
  };

  const save = async (event: SyntheticEvent) => {
    event.preventDefault();
    const parsed = createPlaceInputSchema.safeParse({
      name,
      geometry: draft ?? undefined,
      dwellSeconds: dwell.trim() === "" ? undefined : Number(dwell),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      setProblem(
        issue.path[0] === "geometry" && !draft
          ? shape === "circle"
            ? "Click the map to set the circle's centre"
            : "Click the map to add the polygon's corners, in order"
          : issue.message,
      );
      return;
    }
    try {
      const place = await create.mutateAsync(parsed.data);
      void utils.places.list.invalidate();
      toast(`${place.name} saved`, { tone: "success" });
      reset();
    } catch (error) {
      setProblem(errorMessage(error));
    }
  };

  const deletePlace = async (place: PlaceView) => {
    try {
      await remove.mutateAsync({ placeId: place.id });
      void utils.places.list.invalidate();
      toast(`${place.name} deleted`);
    } catch (error) {
      toast(errorMessage(error), { tone: "error" });
    }
  };

  return (
    <div className="dispatch-fleet dispatch-places">
      <div className="dispatch-fleet__map">
        <ConvoyMap label="Places map" className="dispatch-map" center={DEFAULT_CENTER} zoom={12} areas={areas} fit={focus} onMapClick={onMapClick} />
      </div>
      <aside className="dispatch-fleet__side dispatch-places__side" aria-label="Places">
        <form className="dispatch-places__form" onSubmit={save} noValidate aria-label="New place">
          <div className="convoy-toolbar">
            <h1>Places</h1>
            <span className="convoy-muted">{list ? `${list.length} saved` : "Loading…"}</span>
          </div>
          <div role="group" aria-label="Shape" className="dispatch-places__shape">
            {(["circle", "polygon"] as const).map((option) => (
              <button key={option} type="button" className="dispatch-filter" aria-pressed={shape === option} onClick={() => setShape(option)}>
                {option === "circle" ? "Circle" : "Polygon"}
              </button>
            ))}
          </div>
          <p className="convoy-muted dispatch-places__hint">
            {shape === "circle"
              ? centre
                ? `Centre ${centre.lat.toFixed(5)}, ${centre.lng.toFixed(5)}; click again to move it.`
                : "Click the map to set the centre."
              : `${corners.length} corner${corners.length === 1 ? "" : "s"}; click the map to add the next (at least ${PLACE_LIMITS.minVertices}).`}
          </p>
          <div className="dispatch-places__fields">
            <label className="convoy-field">
              Name
              <input name="name" maxLength={PLACE_LIMITS.nameLength} value={name} onChange={(event) => setName(event.target.value)} />
            </label>
            {shape === "circle" ? (
              <label className="convoy-field">
                Radius (m)
                <input name="radius" inputMode="numeric" value={radius} onChange={(event) => setRadius(event.target.value)} />
              </label>
            ) : (
              <div className="dispatch-places__corners">
                <button
                  type="button"
                  className="convoy-button"
                  disabled={corners.length === 0}
                  onClick={() => setCorners((previous) => previous.slice(0, -1))}
                >
                  Undo last corner
                </button>
                <button type="button" className="convoy-button" disabled={corners.length === 0} onClick={() => setCorners([])}>
                  Clear
                </button>
              </div>
            )}
            <label className="convoy-field">
              Dwell after (s)
              <input
                name="dwellSeconds"
                inputMode="numeric"
                placeholder={places.data ? `${places.data.defaultDwellSeconds} (default)` : ""}
                value={dwell}
                onChange={(event) => setDwell(event.target.value)}
              />
            </label>
          </div>
          {problem && (
            <p className="convoy-error" role="alert">
              {problem}
            </p>
          )}
          <button type="submit" className="convoy-button convoy-button--primary" disabled={create.isPending}>
            {create.isPending ? "Saving…" : "Save place"}
          </button>
        </form>
        <ul className="dispatch-fleet__list" aria-label="Saved places">
          {(list ?? []).map((place) => (
            <li key={place.id} className="dispatch-fleet__row">
              <button
                type="button"
                className="dispatch-fleet__driver"
                onClick={() => setFocus({ key: `place-${place.id}-${Date.now()}`, points: placePoints(place) })}
              >
                <span className="dispatch-fleet__name">
                  <strong>{place.name}</strong>
                  <br />
                  <span className="convoy-muted">{describe(place, places.data?.defaultDwellSeconds ?? 0)}</span>
                </span>
              </button>
              <button type="button" className="convoy-button" aria-label={`Delete ${place.name}`} onClick={() => void deletePlace(place)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
        <section className="dispatch-places__feed" aria-label="Place events">
          <h2>Live</h2>
          {feed.length === 0 ? (
            <p className="convoy-muted">Drivers entering, dwelling in and leaving places show here.</p>
          ) : (
            <ol>
              {feed.map((entry) => (
                <li key={entry.id}>
                  <span className="convoy-muted">{formatClock(Date.parse(entry.at))}</span> {entry.line}
                </li>
              ))}
            </ol>
          )}
        </section>
      </aside>
    </div>
  );
}

/** What to frame to show a place: its centre and radius north and south, or its corners. */
function placePoints(place: PlaceView): LatLng[] {
  const { geometry } = place;
  if (geometry.kind === "polygon") return geometry.vertices;
  const dLat = geometry.radiusM / 111_320;
  return [
    { lat: geometry.center.lat - dLat, lng: geometry.center.lng },
    { lat: geometry.center.lat + dLat, lng: geometry.center.lng },
  ];
}
