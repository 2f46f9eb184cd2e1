import { useState } from "react";
import { ChatWindow, errorMessage, trpc, useSignedInUser } from "@convoy/ui";
import { DriverDetailsModal } from "./driverDetailsModal";
import { PresenceDot } from "./presence";

/** The chat with one recipient of an offer, under a header with who they are. */
export function ChatPanel({ offerId, driverId }: { offerId: number; driverId: number }) {
  const me = useSignedInUser();
  const threads = trpc.chat.threads.useQuery({ offerId });
  const thread = threads.data?.find((candidate) => candidate.driverId === driverId);
  const [showDetails, setShowDetails] = useState(false);

  return (
    <section className="convoy-card dispatch-zone dispatch-zone--chat" aria-label="Chat">
      <div className="dispatch-chat-head">
        <div className="dispatch-chat-head__who">
          <PresenceDot userId={driverId} fallback={thread?.online} />
          <div>
            <h2>{thread?.driverName ?? "Driver"}</h2>
            {thread && (
              <a className="convoy-muted" href={`tel:${thread.driverPhone}`}>
                {thread.driverPhone}
              </a>
            )}
          </div>
        </div>
        <button type="button" className="convoy-button convoy-button--small" onClick={() => setShowDetails(true)}>
          Driver details
        </button>
      </div>
      {threads.error && (
        <p className="convoy-error" role="alert">
          {errorMessage(threads.error)}
        </p>
      )}
      <ChatWindow thread={{ offerId, driverId }} me={{ id: me.id, role: "dispatcher" }} peerName={thread?.driverName ?? "Driver"} />
      {showDetails && <DriverDetailsModal driverId={driverId} onClose={() => setShowDetails(false)} />}
    </section>
  );
}
