import { useEffect, useId, useRef, type ReactNode } from "react";

export interface ModalProps {
  title: string;
  /** Called for the close button, Escape and a click on the backdrop. */
  onClose: () => void;
  children: ReactNode;
  /** Extra class on the dialog, e.g. for a wider form. */
  className?: string;
}

/**
 * A modal dialog on the native `<dialog>`: the browser traps focus, makes the page behind
 * it inert and closes it on Escape. Mount it to open it; unmount it to close it.
 */
export function Modal({ title, onClose, children, className }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      className={`convoy-modal${className ? ` ${className}` : ""}`}
      aria-labelledby={titleId}
      onCancel={(event) => {
        // Escape: let React unmount the dialog rather than the browser hiding it.
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => {
        // The dialog element itself is only the target outside its padded content: the backdrop.
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div className="convoy-modal__content">
        <div className="convoy-modal__header">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="convoy-button convoy-button--quiet" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </dialog>
  );
}
