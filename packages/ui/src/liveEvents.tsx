import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import type { ChatStreamEvent, OfferEvent } from "@convoy/api";
import { ChatStore } from "./chat/chatStore";
import { useSignedInUser } from "./session";
import { trpc } from "./trpc";

type Listener<T> = (event: T) => void;

interface LiveEvents {
  chat: ChatStore;
  offerListeners: Set<Listener<OfferEvent>>;
  chatListeners: Set<Listener<ChatStreamEvent>>;
}

const LiveEventsContext = createContext<LiveEvents | null>(null);

function useLiveEvents(): LiveEvents {
  const live = useContext(LiveEventsContext);
  if (!live) throw new Error("live event hooks must be used inside <LiveEventsProvider>");
  return live;
}

/**
 * One subscription to `offers.events` and one to `chat.events` for the whole signed-in app.
 * Every offer event refreshes the offer queries it touches; every chat event feeds the
 * chat store and refreshes unread counts. Screens add their own reactions (toasts, sounds)
 * with `useOfferEvents` and `useChatEvents`. Both streams are durable: after a reconnect the
 * socket resumes from the last event seen, so nothing here has to refetch to catch up.
 * Mount it inside `<AuthGate>`: the store belongs to one signed-in user.
 */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const utils = trpc.useUtils();
  const [live] = useState<LiveEvents>(() => ({ chat: new ChatStore(), offerListeners: new Set(), chatListeners: new Set() }));
  useEffect(() => () => live.chat.dispose(), [live]);

  trpc.offers.events.useSubscription(undefined, {
    onData: ({ data: event }) => {
      void utils.offers.list.invalidate();
      void utils.offers.byId.invalidate({ offerId: event.offerId });
      void utils.chat.threads.invalidate({ offerId: event.offerId });
      // The winner turns busy: tables and the driver's own switch show it.
      if (event.type === "offer.accepted" || event.type === "offer.won") void utils.drivers.invalidate();
      for (const listener of live.offerListeners) listener(event);
    },
  });

  trpc.chat.events.useSubscription(
    {},
    {
      onData: (item) => {
        if (!("data" in item)) {
          live.chat.setTyping(item);
          return;
        }
        const event = item.data;
        live.chat.apply(event);
        void utils.chat.unreadCount.invalidate();
        void utils.chat.threads.invalidate({ offerId: event.offerId });
        for (const listener of live.chatListeners) listener(event);
      },
    },
  );

  return <LiveEventsContext.Provider value={live}>{children}</LiveEventsContext.Provider>;
}

/** Calls the latest `listener` for every item of `set`'s stream while mounted. */
function useListener<T>(set: Set<Listener<T>>, listener: Listener<T>): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    const call: Listener<T> = (event) => latest.current(event);
    set.add(call);
    return () => {
      set.delete(call);
    };
  }, [set]);
}

/** Runs `listener` for every offer event this user sees (after the caches were refreshed). */
export function useOfferEvents(listener: Listener<OfferEvent>): void {
  useListener(useLiveEvents().offerListeners, listener);
}

/** Runs `listener` for every chat message and read receipt this user sees. */
export function useChatEvents(listener: Listener<ChatStreamEvent>): void {
  useListener(useLiveEvents().chatListeners, listener);
}

/**
 * Runs `listener` for each message someone else sent that the user is not looking at: its
 * thread is not open, or the tab is hidden. What the apps toast about.
 */
export function useUnseenMessages(listener: Listener<Extract<ChatStreamEvent, { type: "message" }>>): void {
  const chat = useChatStore();
  const me = useSignedInUser();
  useChatEvents((event) => {
    if (event.type !== "message") return;
    if (event.message.senderId === null || event.message.senderId === me.id) return;
    if (chat.isOpen(event) && document.visibilityState === "visible") return;
    listener(event);
  });
}

/** The session's chat store. */
export function useChatStore(): ChatStore {
  return useLiveEvents().chat;
}

/** Re-renders the caller on every chat store change; returns the store's version. */
export function useChatStoreVersion(): number {
  const store = useChatStore();
  return useSyncExternalStore(store.subscribe, store.version);
}
