import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore, type SyntheticEvent } from "react";
import { errorMessage } from "../errors";
import { formatTime } from "../format";
import { useChatStore } from "../liveEvents";
import { trpc } from "../trpc";
import { threadKey, type ChatMessage, type ThreadRef } from "./chatStore";
import { newIdempotencyKey } from "../idempotencyKey";
import { useThread, type ChatUserRef } from "./useThread";

/**
 * How often a typist re-announces "typing", in ms. The server forgets a typing state 3 s
 * after its last refresh, so 2 s keeps it alive without a request per keystroke.
 */
export const TYPING_REFRESH_MS = 2_000;

/** Within this many pixels of the bottom counts as "at the newest message". */
const STICK_PX = 48;
/** Closer than this to the top loads the previous page. */
const LOAD_OLDER_PX = 80;

export interface ChatWindowProps {
  thread: ThreadRef;
  me: ChatUserRef;
  /** The other side's name, for "… is typing". */
  peerName: string;
}

interface PendingMessage {
  clientMessageId: string;
  body: string;
  /** Why the last attempt failed; null while sending. */
  error: string | null;
}

function subscribeVisibility(onChange: () => void): () => void {
  document.addEventListener("visibilitychange", onChange);
  return () => document.removeEventListener("visibilitychange", onChange);
}

/** Whether the tab is in front, so "read" means someone could have seen it. */
function useDocumentVisible(): boolean {
  return useSyncExternalStore(subscribeVisibility, () => document.visibilityState === "visible");
}

/**
 * A chat thread: messages with times and sent/read marks, the other side's typing, and a
 * composer. Bodies are rendered as React text, never as HTML. New messages scroll into view
 * unless the reader has scrolled up; scrolling to the top loads older pages without moving
 * what is on screen. Messages are marked read while the thread is on screen and the tab visible.
 */
export function ChatWindow(props: ChatWindowProps) {
  // A fresh component per thread: scroll position, drafts and read requests do not carry over.
  return <ChatThread key={threadKey(props.thread)} {...props} />;
}

function ChatThread({ thread, me, peerName }: ChatWindowProps) {
  const { offerId, driverId } = thread;
  const store = useChatStore();
  const utils = trpc.useUtils();
  const view = useThread(thread);
  const visible = useDocumentVisible();

  useEffect(() => store.open({ offerId, driverId }), [store, offerId, driverId]);

  const listRef = useRef<HTMLDivElement>(null);
  /** Whether the reader is at the newest message, so new ones should scroll into view. */
  const stuck = useRef(true);

  // Read receipts: move my cursor to the newest message whenever one arrives while I look.
  const markRead = trpc.chat.markRead.useMutation();
  const requestedUpTo = useRef(0);
  const newest = view.messages.at(-1);
  const newestId = newest?.id ?? 0;
  const myCursor = view.reads[me.role];
  // My own messages need no receipt; only something from the other side (or the system) does.
  const hasUnread = view.messages.some((message) => message.id > myCursor && message.senderId !== me.id);
  useEffect(() => {
    if (!visible || !hasUnread || newestId <= requestedUpTo.current) return;
    requestedUpTo.current = newestId;
    markRead.mutateAsync({ offerId, driverId, messageId: newestId }).then(
      (result) => {
        store.moveRead({ offerId, driverId }, me.role, result.lastReadMessageId);
        void utils.chat.unreadCount.invalidate();
        void utils.chat.threads.invalidate({ offerId });
      },
      () => {
        // Try again with the next message or visibility change.
        requestedUpTo.current = 0;
      },
    );
    // Not `markRead`: the mutation result is a new object every render; its mutateAsync is stable.
  }, [visible, hasUnread, newestId, offerId, driverId, me.role, store, utils]);

  // Sending, with the draft kept on screen until the server has it.
  const send = trpc.chat.send.useMutation();
  const [pending, setPending] = useState<PendingMessage[]>([]);
  const deliver = (message: PendingMessage) => {
    setPending((list) => list.map((item) => (item.clientMessageId === message.clientMessageId ? { ...item, error: null } : item)));
    send.mutateAsync({ offerId, driverId, body: message.body, clientMessageId: message.clientMessageId }).then(
      (sent) => {
        store.addMessage(sent);
        setPending((list) => list.filter((item) => item.clientMessageId !== message.clientMessageId));
      },
      (error: unknown) => {
        setPending((list) => list.map((item) => (item.clientMessageId === message.clientMessageId ? { ...item, error: errorMessage(error) } : item)));
      },
    );
  };
  const delivered = new Set(view.messages.map((message) => message.clientMessageId));
  const unsent = pending.filter((item) => !delivered.has(item.clientMessageId));

  // Typing: announce at most every TYPING_REFRESH_MS while typing; stop on send, blur and unmount.
  const typing = trpc.chat.typing.useMutation();
  const lastTypingAt = useRef(0);
  const announceTyping = (value: boolean) => typing.mutateAsync({ offerId, driverId, typing: value }).catch(() => undefined);
  const stopTyping = () => {
    if (lastTypingAt.current === 0) return;
    lastTypingAt.current = 0;
    void announceTyping(false);
  };
  const stopTypingRef = useRef(stopTyping);
  stopTypingRef.current = stopTyping;
  useEffect(() => () => stopTypingRef.current(), []);

  const [draft, setDraft] = useState("");
  const onDraftChange = (value: string) => {
    setDraft(value);
    if (value.trim() === "") {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (now - lastTypingAt.current >= TYPING_REFRESH_MS) {
      lastTypingAt.current = now;
      void announceTyping(true);
    }
  };
  const submit = (event?: SyntheticEvent) => {
    event?.preventDefault();
    const body = draft.trim();
    if (!body) return;
    setDraft("");
    stopTyping();
    stuck.current = true;
    const message: PendingMessage = { clientMessageId: newIdempotencyKey(), body, error: null };
    setPending((list) => [...list, message]);
    deliver(message);
  };

  // Scrolling: follow new messages only while the reader is at the bottom.
  const restoreFrom = useRef<{ height: number; top: number } | null>(null);
  const shown = useRef<{ oldest: number; newest: number; unsent: number } | null>(null);
  const [unseenBelow, setUnseenBelow] = useState(0);
  const oldestId = view.messages[0]?.id ?? 0;

  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const before = shown.current;
    shown.current = { oldest: oldestId, newest: newestId, unsent: unsent.length };
    if (before && oldestId !== before.oldest && restoreFrom.current) {
      // Older messages went in above: keep the same message under the reader's eyes.
      list.scrollTop = list.scrollHeight - restoreFrom.current.height + restoreFrom.current.top;
      restoreFrom.current = null;
    }
    const grewBelow = !before || newestId !== before.newest || unsent.length > before.unsent;
    if (!grewBelow) return;
    if (stuck.current || newest?.senderId === me.id) {
      list.scrollTop = list.scrollHeight;
      stuck.current = true;
    } else if (before && newestId !== before.newest) {
      setUnseenBelow((count) => count + 1);
    }
  }, [oldestId, newestId, unsent.length, newest?.senderId, me.id]);

  // A first page too short to scroll could never reach "scrolled to the top": fill it up.
  const { hasOlder, loadingOlder, loadOlder } = view;
  useEffect(() => {
    const list = listRef.current;
    if (list && hasOlder && !loadingOlder && list.scrollHeight <= list.clientHeight) loadOlder();
  }, [hasOlder, loadingOlder, loadOlder, oldestId]);

  const onScroll = () => {
    const list = listRef.current;
    if (!list) return;
    stuck.current = list.scrollHeight - list.scrollTop - list.clientHeight < STICK_PX;
    if (stuck.current) setUnseenBelow(0);
    if (list.scrollTop < LOAD_OLDER_PX && hasOlder && !loadingOlder) {
      restoreFrom.current = { height: list.scrollHeight, top: list.scrollTop };
      loadOlder();
    }
  };
  const jumpToNewest = () => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
    stuck.current = true;
    setUnseenBelow(0);
  };

  const peerCursor = view.reads[me.role === "dispatcher" ? "driver" : "dispatcher"];
  const peerTyping = view.typingUserIds.some((userId) => userId !== me.id);

  return (
    <section className="convoy-chat" aria-label={`Chat with ${peerName}`}>
      <div ref={listRef} className="convoy-chat__messages" role="log" aria-label="Messages" onScroll={onScroll}>
        {view.hasOlder && (
          <p className="convoy-chat__older">
            {view.loadingOlder ? (
              "Loading older messages…"
            ) : (
              <button type="button" className="convoy-button convoy-button--quiet" onClick={() => view.loadOlder()}>
                Load older messages
              </button>
            )}
          </p>
        )}
        {view.isLoading && <p className="convoy-muted convoy-chat__empty">Loading messages…</p>}
        {view.error !== null && (
          <p className="convoy-error" role="alert">
            {errorMessage(view.error)}
          </p>
        )}
        {!view.isLoading && view.messages.length === 0 && unsent.length === 0 && (
          <p className="convoy-muted convoy-chat__empty">No messages yet. Say hello.</p>
        )}
        {view.messages.map((message) => (
          <MessageBubble key={message.id} message={message} mine={message.senderId === me.id} read={message.id <= peerCursor} />
        ))}
        {unsent.map((item) => (
          <div key={item.clientMessageId} className="convoy-msg convoy-msg--mine convoy-msg--pending">
            <p className="convoy-msg__body">{item.body}</p>
            <span className="convoy-msg__meta">
              {item.error === null ? (
                "Sending…"
              ) : (
                <>
                  <span className="convoy-msg__failed">{item.error}</span>
                  <button type="button" className="convoy-msg__retry" onClick={() => deliver(item)}>
                    Retry
                  </button>
                </>
              )}
            </span>
          </div>
        ))}
      </div>
      {unseenBelow > 0 && (
        <button type="button" className="convoy-chat__jump" onClick={jumpToNewest}>
          {unseenBelow === 1 ? "1 new message" : `${unseenBelow} new messages`} ↓
        </button>
      )}
      <p className="convoy-chat__typing" aria-live="polite">
        {peerTyping ? `${peerName} is typing…` : ""}
      </p>
      <form className="convoy-chat__composer" onSubmit={submit}>
        <textarea
          aria-label="Message"
          placeholder="Write a message"
          rows={1}
          maxLength={2_000}
          value={draft}
          onChange={(event) => onDraftChange(event.target.value)}
          onBlur={stopTyping}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
          }}
        />
        <button type="submit" className="convoy-button convoy-button--primary" disabled={draft.trim() === ""}>
          Send
        </button>
      </form>
    </section>
  );
}

function MessageBubble({ message, mine, read }: { message: ChatMessage; mine: boolean; read: boolean }) {
  const side = message.senderId === null ? "system" : mine ? "mine" : "theirs";
  return (
    <div className={`convoy-msg convoy-msg--${side} convoy-msg--${message.kind}`} data-message-id={message.id}>
      {message.kind === "rate_proposal" && <span className="convoy-msg__label">Rate proposal</span>}
      <p className="convoy-msg__body">{message.body}</p>
      <span className="convoy-msg__meta">
        <time dateTime={message.createdAt} title={new Date(message.createdAt).toLocaleString()}>
          {formatTime(message.createdAt)}
        </time>
        {mine && (
          <span className="convoy-msg__receipt" data-receipt={read ? "read" : "sent"}>
            {read ? "✓✓ Read" : "✓ Sent"}
          </span>
        )}
      </span>
    </div>
  );
}
