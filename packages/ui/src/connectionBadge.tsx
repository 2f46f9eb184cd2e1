import { useSyncExternalStore } from "react";
import { useSession } from "./session";

export type ConnectionStatus = "connected" | "connecting" | "reconnecting" | "offline";

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener("online", onChange);
  window.addEventListener("offline", onChange);
  return () => {
    window.removeEventListener("online", onChange);
    window.removeEventListener("offline", onChange);
  };
}

/**
 * Live status of the app's WebSocket, which carries every live update. The browser's
 * offline flag wins: the socket may take seconds to notice a dead network.
 */
export function useConnectionStatus(): ConnectionStatus {
  const { connection } = useSession().transport;
  const socket = useSyncExternalStore(connection.subscribe, connection.getSnapshot);
  const online = useSyncExternalStore(subscribeOnline, () => navigator.onLine);
  if (!online) return "offline";
  if (socket === "open") return "connected";
  if (socket === "closed") return "offline";
  return socket;
}

const LABELS: Record<ConnectionStatus, string> = {
  connected: "Connected",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

/** A small pill that tells people whether what they see is live. */
export function ConnectionBadge() {
  const status = useConnectionStatus();
  return (
    <span className={`convoy-badge convoy-badge--${status}`} data-status={status} role="status" aria-label={`Connection: ${LABELS[status]}`}>
      <span className="convoy-badge__dot" aria-hidden="true" />
      <span className="convoy-badge__label">{LABELS[status]}</span>
    </span>
  );
}
