import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";

export type ToastTone = "info" | "success" | "error";

export interface ToastOptions {
  tone?: ToastTone;
  /** How long the toast stays, in ms. @default 4_000 (6_000 for errors) */
  durationMs?: number;
}

interface Toast {
  id: number;
  message: string;
  tone: ToastTone;
}

/** Shows a short message in the corner; returns nothing to await. */
export type ShowToast = (message: string, options?: ToastOptions) => void;

const ToastContext = createContext<ShowToast | null>(null);

/** Older toasts give way so a burst of events cannot cover the screen. */
const MAX_VISIBLE = 4;

/** Holds the toasts of one app and renders them above everything else. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);

  const show = useCallback<ShowToast>(
    (message, options = {}) => {
      const tone = options.tone ?? "info";
      const id = nextId.current++;
      setToasts((current) => [...current, { id, message, tone }].slice(-MAX_VISIBLE));
      timers.current.set(
        id,
        setTimeout(() => dismiss(id), options.durationMs ?? (tone === "error" ? 6_000 : 4_000)),
      );
    },
    [dismiss],
  );

  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    };
  }, []);

  return (
    <ToastContext.Provider value={show}>
      {children}
      <div className="convoy-toasts" role="status" aria-live="polite">
        {toasts.map((toast) => (
          <div key={toast.id} className={`convoy-toast convoy-toast--${toast.tone}`}>
            <span>{toast.message}</span>
            <button type="button" className="convoy-toast__close" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** The `toast(message, { tone })` function of the surrounding `ConvoyProvider`. */
export function useToast(): ShowToast {
  const show = useContext(ToastContext);
  if (!show) throw new Error("useToast must be used inside <ConvoyProvider>");
  return show;
}
