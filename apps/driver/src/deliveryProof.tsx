import { useEffect, useId, useRef, useState, type PointerEvent as ReactPointerEvent, type SyntheticEvent } from "react";
import type { TripView } from "@convoy/api";
import { MAX_PROOF_FILE_BYTES, submitProofInputSchema, tripWords } from "@convoy/api/schemas";
import { errorMessage, trpc, useUploadProof } from "@convoy/ui";

/** The signature pad's drawing size in canvas pixels; it is scaled to the card's width on screen. */
const PAD = { width: 600, height: 200 };

/**
 * A pad the recipient signs on with a finger, a pen or a mouse (pointer events, so all
 * three draw the same). White behind the ink, so the PNG reads anywhere it is shown.
 */
function SignaturePad({ onInk, clearKey }: { onInk: (inked: boolean) => void; clearKey: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);

  useEffect(() => {
    const context = canvas.current?.getContext("2d");
    if (!context) return;
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, PAD.width, PAD.height);
    onInk(false);
  }, [clearKey, onInk]);

  const pointAt = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    return { x: ((event.clientX - box.left) / box.width) * PAD.width, y: ((event.clientY - box.top) / box.height) * PAD.height };
  };

  return (
    <canvas
      ref={canvas}
      className="driver-proof__pad"
      width={PAD.width}
      height={PAD.height}
      role="img"
      aria-label="Signature pad: the recipient signs here"
      onPointerDown={(event) => {
        const context = event.currentTarget.getContext("2d");
        if (!context) return;
        event.currentTarget.setPointerCapture(event.pointerId);
        drawing.current = true;
        const { x, y } = pointAt(event);
        context.strokeStyle = "#111827";
        context.lineWidth = 3;
        context.lineCap = "round";
        context.lineJoin = "round";
        context.beginPath();
        context.moveTo(x, y);
      }}
      onPointerMove={(event) => {
        if (!drawing.current) return;
        const context = event.currentTarget.getContext("2d");
        if (!context) return;
        const { x, y } = pointAt(event);
        context.lineTo(x, y);
        context.stroke();
        onInk(true);
      }}
      onPointerUp={() => (drawing.current = false)}
      onPointerCancel={() => (drawing.current = false)}
    />
  );
}

function canvasPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("The signature could not be saved"))), "image/png"),
  );
}

interface DeliveryProofProps {
  trip: TripView;
  /** Whether the completion that follows is being sent. */
  completing: boolean;
  /** Sends the completion, once the proof is handed in (or dispatch waived it). */
  onComplete: () => void;
}

/**
 * Proof of delivery at a load's dropoff: a photo of the goods (the phone's camera, or a
 * file), the recipient's signature drawn on the pad, and their name. "Mark delivered"
 * uploads both images, hands the proof in, then completes the load. When the proof cannot
 * be taken, dispatch may waive it; the driver then marks the load delivered without it.
 */
export function DeliveryProof({ trip, completing, onComplete }: DeliveryProofProps) {
  const id = useId();
  const words = tripWords(trip.kind);
  const upload = useUploadProof();
  const submit = trpc.proofs.submit.useMutation();
  const [photo, setPhoto] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [inked, setInked] = useState(false);
  const [clearKey, setClearKey] = useState(0);
  const [recipientName, setRecipientName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const pad = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!photo) return;
    const url = URL.createObjectURL(photo);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [photo]);

  async function send(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const canvas = pad.current?.querySelector("canvas");
    const name = submitProofInputSchema.shape.recipientName.safeParse(recipientName);
    const missing = !photo
      ? "Take a photo of the delivered load"
      : photo.size > MAX_PROOF_FILE_BYTES
        ? "That photo is over 10 MB; take it again at a lower resolution"
        : !inked || !canvas
          ? "Have the recipient sign on the pad"
          : !name.success
            ? (name.error.issues[0]?.message ?? "Give the recipient's name")
            : null;
    if (missing || !photo || !canvas || !name.success) {
      setProblem(missing);
      return;
    }
    setProblem(null);
    setSending(true);
    try {
      const [photoFile, signatureFile] = [await upload(trip.id, "photo", photo), await upload(trip.id, "signature", await canvasPng(canvas))];
      await submit.mutateAsync({ tripId: trip.id, recipientName: name.data, photoFileId: photoFile.fileId, signatureFileId: signatureFile.fileId });
      onComplete();
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setSending(false);
    }
  }

  const busy = sending || completing;
  return (
    <form className="driver-proof" onSubmit={(event) => void send(event)} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>Proof of delivery</h3>
      <label className="convoy-field" htmlFor={`${id}-photo`}>
        <span>Photo of the delivered load</span>
        <input
          id={`${id}-photo`}
          type="file"
          accept="image/jpeg,image/png,image/webp"
          capture="environment"
          onChange={(event) => setPhoto(event.target.files?.[0] ?? null)}
        />
      </label>
      {preview && <img className="driver-proof__preview" src={preview} alt="The photo you took" />}
      <div className="convoy-field" ref={pad}>
        <span id={`${id}-signature`}>Recipient's signature</span>
        <SignaturePad onInk={setInked} clearKey={clearKey} />
        <button
          type="button"
          className="convoy-button convoy-button--quiet driver-proof__clear"
          onClick={() => setClearKey((key) => key + 1)}
          disabled={busy}
        >
          Clear signature
        </button>
      </div>
      <label className="convoy-field" htmlFor={`${id}-name`}>
        <span>Recipient's name</span>
        <input
          id={`${id}-name`}
          autoComplete="off"
          maxLength={100}
          value={recipientName}
          onChange={(event) => setRecipientName(event.target.value)}
        />
      </label>
      {problem && (
        <p className="convoy-error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" className="convoy-button convoy-button--primary driver-next-step" data-next-status="completed" disabled={busy}>
        {sending ? "Sending proof…" : completing ? "Saving…" : words.driverAction.completed}
      </button>
      <button type="button" className="convoy-button convoy-button--quiet" onClick={onComplete} disabled={busy}>
        Deliver without proof (dispatch waived it)
      </button>
    </form>
  );
}
