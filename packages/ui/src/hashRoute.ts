import { useCallback, useSyncExternalStore } from "react";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

/** The route in the URL's hash without the "#", e.g. "/offers/12"; "/" when empty. */
function currentRoute(): string {
  const route = window.location.hash.replace(/^#/, "");
  return route.startsWith("/") ? route : `/${route}`;
}

/**
 * Hash routing, enough for an app of a few screens: the route survives a reload and the
 * back button works, and the server needs no rewrite rules. Returns the route split into
 * segments ("/offers/12" → ["offers", "12"]) and a function to go elsewhere.
 */
export function useHashRoute(): { segments: string[]; navigate: (route: string) => void } {
  const route = useSyncExternalStore(subscribe, currentRoute);
  const navigate = useCallback((next: string) => {
    window.location.hash = next.startsWith("/") ? next : `/${next}`;
  }, []);
  return { segments: route.split("/").filter(Boolean), navigate };
}

/** A positive integer route segment (an id), or null. */
export function idSegment(segment: string | undefined): number | null {
  if (segment === undefined || !/^\d{1,15}$/.test(segment)) return null;
  const id = Number(segment);
  return id > 0 ? id : null;
}
