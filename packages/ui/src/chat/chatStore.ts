import type { ChatStreamEvent } from "@convoy/api";

export type ChatMessage = Extract<ChatStreamEvent, { type: "message" }>["message"];
export type ChatRole = "dispatcher" | "driver";

/** A chat thread: one offer, one driver (and the offer's dispatcher). */
export interface ThreadRef {
  offerId: number;
  driverId: number;
}

/** How far each side has read, as the id of the last message they read (0: nothing). */
export interface ReadCursors {
  dispatcher: number;
  driver: number;
}

/** A typing item as `chat.events` delivers it: live only, never tracked. */
export interface TypingEvent {
  type: "typing";
  offerId: number;
  driverId: number;
  dispatcherId: number;
  userId: number;
  typing: boolean;
}

/**
 * How long a "typing" lasts here without a refresh, in ms. The server already ends a typing
 * state 3 s after its last refresh; this only covers a `false` lost with a dropped socket.
 */
export const TYPING_DISPLAY_MS = 6_000;

export const threadKey = (thread: ThreadRef) => `${thread.offerId}:${thread.driverId}`;

interface ThreadState {
  messages: Map<number, ChatMessage>;
  reads: ReadCursors;
  /** userId → timer that ends their typing state here. */
  typing: Map<number, ReturnType<typeof setTimeout>>;
}

/**
 * What arrived on `chat.events` during this session, per thread: messages, read cursors
 * and who is typing. Screens merge it with the history they fetched, so a message is
 * never lost between a history page and the live stream (duplicates merge by id).
 * `version` changes on every update, for `useSyncExternalStore`.
 */
export class ChatStore {
  private readonly threads = new Map<string, ThreadState>();
  private readonly listeners = new Set<() => void>();
  private readonly openThreads = new Map<string, number>();
  private currentVersion = 0;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly version = (): number => this.currentVersion;

  /** Messages of `thread` seen live, oldest first. */
  messages(thread: ThreadRef): ChatMessage[] {
    const state = this.threads.get(threadKey(thread));
    return state ? [...state.messages.values()].sort((a, b) => a.id - b.id) : [];
  }

  reads(thread: ThreadRef): ReadCursors {
    return this.threads.get(threadKey(thread))?.reads ?? { dispatcher: 0, driver: 0 };
  }

  /** Who is typing in `thread` now (user ids). */
  typing(thread: ThreadRef): number[] {
    return [...(this.threads.get(threadKey(thread))?.typing.keys() ?? [])];
  }

  /** Applies a message or read receipt from the stream. */
  apply(event: ChatStreamEvent): void {
    if (event.type === "message") {
      this.addMessage(event.message);
    } else {
      this.moveRead(event, event.readerRole, event.lastReadMessageId);
    }
  }

  /** Adds a message (from the stream, or the answer to our own send). */
  addMessage(message: ChatMessage): void {
    const state = this.state(message);
    if (state.messages.has(message.id)) return;
    state.messages.set(message.id, message);
    // A message ends its sender's typing, even if their `false` is still on the way.
    if (message.senderId !== null) this.endTyping(state, message.senderId);
    this.changed();
  }

  /** Moves a read cursor forward; never back. */
  moveRead(thread: ThreadRef, role: ChatRole, lastReadMessageId: number): void {
    const state = this.state(thread);
    if (state.reads[role] >= lastReadMessageId) return;
    state.reads = { ...state.reads, [role]: lastReadMessageId };
    this.changed();
  }

  setTyping(event: TypingEvent): void {
    const state = this.state(event);
    this.endTyping(state, event.userId);
    if (event.typing) {
      state.typing.set(
        event.userId,
        setTimeout(() => {
          this.endTyping(state, event.userId);
          this.changed();
        }, TYPING_DISPLAY_MS),
      );
    }
    this.changed();
  }

  /** Marks `thread` as on screen until the returned function is called. */
  open(thread: ThreadRef): () => void {
    const key = threadKey(thread);
    this.openThreads.set(key, (this.openThreads.get(key) ?? 0) + 1);
    return () => {
      const count = (this.openThreads.get(key) ?? 1) - 1;
      if (count > 0) this.openThreads.set(key, count);
      else this.openThreads.delete(key);
    };
  }

  /** Whether a chat window shows `thread` now (toasts for it would be noise). */
  isOpen(thread: ThreadRef): boolean {
    return this.openThreads.has(threadKey(thread));
  }

  /** Stops the typing timers; the store is dropped with the session. */
  dispose(): void {
    for (const state of this.threads.values()) {
      for (const timer of state.typing.values()) clearTimeout(timer);
      state.typing.clear();
    }
  }

  private state(thread: ThreadRef): ThreadState {
    const key = threadKey(thread);
    let state = this.threads.get(key);
    if (!state) {
      state = { messages: new Map(), reads: { dispatcher: 0, driver: 0 }, typing: new Map() };
      this.threads.set(key, state);
    }
    return state;
  }

  private endTyping(state: ThreadState, userId: number): void {
    clearTimeout(state.typing.get(userId));
    state.typing.delete(userId);
  }

  private changed(): void {
    this.currentVersion++;
    for (const listener of this.listeners) listener();
  }
}
