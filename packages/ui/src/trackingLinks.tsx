import { useState, type SyntheticEvent } from "react";
import type { TrackingLinkView } from "@convoy/api";
import { errorMessage } from "./errors";
import { formatTime } from "./format";
import { useToast } from "./toasts";
import { trpc } from "./trpc";

/**
 * The address of the public page a link token opens: the rider app's `#/track/<token>`. The
 * apps are served from one origin in production (`/rider/`); a dev build of another app is
 * given the rider app's own address in `VITE_RIDER_APP_URL`.
 */
export function trackingLinkUrl(token: string): string {
  const configured: unknown = import.meta.env.VITE_RIDER_APP_URL;
  const base = typeof configured === "string" && configured !== "" ? configured : `${window.location.origin}/rider/`;
  return `${base.endsWith("/") ? base : `${base}/`}#/track/${token}`;
}

const STATE_LABELS: Record<TrackingLinkView["state"], string> = { live: "Live", expired: "Expired", revoked: "Revoked" };

export interface ShareTrackingProps {
  tripId: number;
  /** Whether new links may be made now: the trip has a driver and has not ended. */
  canCreate: boolean;
  /** Offer a "For" field (who the link is for); dispatchers keep several links apart by it. */
  withLabel?: boolean;
}

/**
 * "Share tracking link": makes a read-only link to the trip's live tracking for someone
 * without an account, shows it once with a Copy button (only its hash is kept), and lists
 * the trip's links with a Revoke button for the live ones.
 */
export function ShareTracking({ tripId, canCreate, withLabel = false }: ShareTrackingProps) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const links = trpc.trackingLinks.list.useQuery({ tripId });
  const [label, setLabel] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const create = trpc.trackingLinks.create.useMutation({
    onSuccess: ({ token }) => {
      setCreated(trackingLinkUrl(token));
      setLabel("");
      void utils.trackingLinks.list.invalidate({ tripId });
    },
  });
  const revoke = trpc.trackingLinks.revoke.useMutation({
    onSuccess: () => void utils.trackingLinks.list.invalidate({ tripId }),
    onError: (error) => toast(errorMessage(error), { tone: "error" }),
  });

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const trimmed = label.trim();
    create.mutate({ tripId, label: trimmed === "" ? undefined : trimmed });
  };
  const copy = (url: string) => {
    navigator.clipboard.writeText(url).then(
      () => toast("Link copied", { tone: "success" }),
      () => toast("Copying is not allowed here; select the link and copy it", { tone: "error" }),
    );
  };

  return (
    <section className="convoy-card convoy-share" aria-labelledby={`share-${tripId}`}>
      <h3 id={`share-${tripId}`} className="convoy-share__title">
        Share tracking link
      </h3>
      <p className="convoy-muted">
        Anyone with the link sees the driver on a map, the status and the ETA, with the driver's first name only, until it expires or is revoked.
      </p>
      {canCreate && (
        <form className="convoy-share__form" onSubmit={submit}>
          {withLabel && (
            <label className="convoy-field">
              <span>For (optional)</span>
              <input value={label} maxLength={80} onChange={(event) => setLabel(event.target.value)} placeholder="e.g. Receiving dock" />
            </label>
          )}
          <button type="submit" className="convoy-button convoy-button--primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create link"}
          </button>
        </form>
      )}
      {create.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(create.error)}
        </p>
      )}
      {created && (
        <div className="convoy-share__created">
          <input className="convoy-share__url" readOnly value={created} aria-label="New tracking link" onFocus={(event) => event.target.select()} />
          <button type="button" className="convoy-button" onClick={() => copy(created)}>
            Copy
          </button>
          <p className="convoy-muted convoy-share__once">Copy it now: the link is shown only once.</p>
        </div>
      )}
      {links.error && <p className="convoy-notice">{errorMessage(links.error)}</p>}
      {links.data && links.data.length > 0 && (
        <ul className="convoy-share__list" aria-label="Tracking links">
          {links.data.map((link) => (
            <li key={link.id} className="convoy-share__link" data-link-id={link.id} data-state={link.state}>
              <span>
                <strong>{link.label ?? `Link ${link.id}`}</strong>{" "}
                <span className="convoy-muted">
                  {STATE_LABELS[link.state]} ·{" "}
                  {link.state === "revoked" ? `revoked ${formatTime(link.revokedAt!)}` : `until ${formatTime(link.expiresAt)}`}
                </span>
              </span>
              {link.state === "live" && (
                <button
                  type="button"
                  className="convoy-button convoy-button--quiet"
                  disabled={revoke.isPending}
                  onClick={() => revoke.mutate({ linkId: link.id })}
                  aria-label={`Revoke ${link.label ?? `link ${link.id}`}`}
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
