import { useMemo } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useChatStore, useChatStoreVersion } from "../liveEvents";
import { trpc } from "../trpc";
import type { ChatMessage, ChatRole, ReadCursors, ThreadRef } from "./chatStore";

/** Messages per history page. */
export const HISTORY_PAGE_SIZE = 30;

export interface ChatUserRef {
  id: number;
  role: ChatRole;
}

export interface ThreadView {
  /** Every message loaded or received live, oldest first, each once. */
  messages: ChatMessage[];
  reads: ReadCursors;
  /** Users typing in the thread now. */
  typingUserIds: number[];
  isLoading: boolean;
  error: unknown;
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder: () => void;
}

/**
 * A chat thread as a screen shows it: history pages (newest first from the server, older
 * ones on demand with the `before` cursor) merged with what `chat.events` delivered this
 * session. The history is fetched once; live events keep it current, and after a reconnect
 * the stream resumes where it stopped, so the history never needs a refetch.
 */
export function useThread(thread: ThreadRef): ThreadView {
  const utils = trpc.useUtils();
  const store = useChatStore();
  const version = useChatStoreVersion();
  const { offerId, driverId } = thread;
  const history = useInfiniteQuery({
    queryKey: ["convoy", "chatThread", offerId, driverId],
    queryFn: ({ pageParam }) => utils.client.chat.history.query({ offerId, driverId, before: pageParam, limit: HISTORY_PAGE_SIZE }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    staleTime: Infinity,
  });

  const merged = useMemo(() => {
    const byId = new Map<number, ChatMessage>();
    const reads: ReadCursors = { ...store.reads({ offerId, driverId }) };
    for (const page of history.data?.pages ?? []) {
      for (const message of page.messages) byId.set(message.id, message);
      reads.dispatcher = Math.max(reads.dispatcher, page.reads.dispatcher);
      reads.driver = Math.max(reads.driver, page.reads.driver);
    }
    for (const message of store.messages({ offerId, driverId })) byId.set(message.id, message);
    const messages = [...byId.values()].sort((a, b) => a.id - b.id);
    return { messages, reads, typingUserIds: store.typing({ offerId, driverId }) };
    // `version` stands for the store's contents: it changes whenever they do.
  }, [history.data, store, offerId, driverId, version]);

  return {
    ...merged,
    isLoading: history.isPending,
    error: history.error,
    hasOlder: history.hasNextPage,
    loadingOlder: history.isFetchingNextPage,
    loadOlder: () => {
      if (history.hasNextPage && !history.isFetchingNextPage) void history.fetchNextPage();
    },
  };
}

/**
 * Messages `me` has not read: from the other side (or the system) after my read cursor.
 * With older pages not loaded this can undercount; `capped` says so ("30+").
 */
export function unreadIn(view: Pick<ThreadView, "messages" | "reads" | "hasOlder">, me: ChatUserRef): { count: number; capped: boolean } {
  const cursor = view.reads[me.role];
  const unread = view.messages.filter((message) => message.id > cursor && message.senderId !== me.id);
  const oldest = view.messages[0];
  return { count: unread.length, capped: view.hasOlder && oldest !== undefined && oldest.id > cursor && unread.length > 0 };
}
