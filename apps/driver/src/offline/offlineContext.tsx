import { createContext, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { trpc, useConnectionStatus, useSession, type ReportedPoint } from "@convoy/ui";
import { OfflineStore, type OfflineRecord } from "./offlineStore";
import { sendQueue } from "./sendQueue";

/** How long to wait before sending the queue again after the server could not take it, in ms. @default 5_000 */
const RESEND_AFTER_MS = 5_000;

const OfflineStoreContext = createContext<OfflineStore | null>(null);

/**
 * The page's offline store, owned by whoever is signed in: a sign-in claims it (another
 * driver's data goes), a sign-out (or a session the server ended) clears it. While the
 * session is being restored or the server cannot be reached, it stays as it is: that is
 * when the app shows it.
 */
export function OfflineStoreProvider({ children }: { children: ReactNode }) {
  const store = useMemo(() => new OfflineStore(window.localStorage), []);
  const { auth } = useSession();
  useEffect(() => {
    if (auth.status === "signedIn" && auth.user.role === "driver") {
      store.claim({ id: auth.user.id, name: auth.user.name, email: auth.user.email });
    } else if (auth.status === "signedOut") store.clear();
  }, [auth, store]);
  return <OfflineStoreContext.Provider value={store}>{children}</OfflineStoreContext.Provider>;
}

export function useOfflineStore(): OfflineStore {
  const store = useContext(OfflineStoreContext);
  if (!store) throw new Error("useOfflineStore must be used inside <OfflineStoreProvider>");
  return store;
}

/** The store's record, re-rendering on every change. */
export function useOfflineRecord(): OfflineRecord | null {
  const store = useOfflineStore();
  return useSyncExternalStore(
    (onChange) => store.subscribe(onChange),
    () => store.snapshot,
  );
}

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener("online", onChange);
  window.addEventListener("offline", onChange);
  return () => {
    window.removeEventListener("online", onChange);
    window.removeEventListener("offline", onChange);
  };
}

/** Whether the browser has a network (`navigator.onLine`), live. */
export function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine);
}

/**
 * Where a position fix goes: to the position socket while online, else into the store, to
 * be sent with its own time once back (the socket's in-memory queue would not survive a reload).
 */
export function usePointSink(report: ((point: ReportedPoint) => void) | null): (point: ReportedPoint) => void {
  const store = useOfflineStore();
  const latest = useRef(report);
  latest.current = report;
  return useMemo(
    () => (point: ReportedPoint) => {
      if (navigator.onLine && latest.current) latest.current(point);
      else store.addPoint(point);
    },
    [store],
  );
}

/**
 * Sends the queue whenever the app is connected and something is waiting: at once on
 * reconnecting, then again every RESEND_AFTER_MS while the server cannot take it. What was
 * sent refreshes the trip and the offers, so the screen shows the server's word again.
 */
export function useQueueSender(): void {
  const store = useOfflineStore();
  const record = useOfflineRecord();
  const { transport } = useSession();
  const connected = useConnectionStatus() === "connected";
  const utils = trpc.useUtils();
  const [attempt, setAttempt] = useState(0);
  const sending = useRef(false);
  const again = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const hasWaiting = (record?.queue.length ?? 0) + (record?.points.length ?? 0) > 0;

  useEffect(() => () => clearTimeout(again.current), []);
  useEffect(() => {
    if (!connected || !hasWaiting || sending.current) return;
    sending.current = true;
    void sendQueue(store, transport.api).then((outcome) => {
      sending.current = false;
      void utils.trips.list.invalidate();
      void utils.offers.list.invalidate();
      // Refused for now, or queued while this pass ran after the point it reached: another pass.
      const left = store.snapshot;
      if (left && left.queue.length + left.points.length > 0) {
        again.current = setTimeout(() => setAttempt((n) => n + 1), outcome === "wait" ? RESEND_AFTER_MS : 0);
      }
    });
  }, [connected, hasWaiting, attempt, store, transport, utils]);
}
