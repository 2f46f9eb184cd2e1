import { afterEach, describe, expect, it, vi } from "vitest";
import { ChatStore, TYPING_DISPLAY_MS, type ChatMessage } from "./chatStore";

const thread = { offerId: 7, driverId: 42 };

function message(id: number, senderId: number | null, body = `m${id}`): ChatMessage {
  return { id, ...thread, senderId, kind: "text", body, clientMessageId: null, createdAt: new Date(0).toISOString() };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("ChatStore", () => {
  it("keeps each message once, in id order, and bumps its version per change", () => {
    const store = new ChatStore();
    const seen: number[] = [];
    store.subscribe(() => seen.push(store.version()));
    store.addMessage(message(3, 42));
    store.apply({ type: "message", eventId: 1, ...thread, message: message(2, 1) });
    store.addMessage(message(3, 42));
    expect(store.messages(thread).map((m) => m.id)).toEqual([2, 3]);
    expect(seen).toEqual([1, 2]);
    expect(store.messages({ offerId: 7, driverId: 43 })).toEqual([]);
  });

  it("moves read cursors forward only", () => {
    const store = new ChatStore();
    const read = (lastReadMessageId: number) =>
      store.apply({ type: "read", eventId: 1, ...thread, readerId: 42, readerRole: "driver", lastReadMessageId });
    read(5);
    read(3);
    expect(store.reads(thread)).toEqual({ dispatcher: 0, driver: 5 });
  });

  it("ends a typing state on its own, or at once when that person's message arrives", () => {
    vi.useFakeTimers();
    const store = new ChatStore();
    const typing = (userId: number, value: boolean) => store.setTyping({ type: "typing", ...thread, dispatcherId: 1, userId, typing: value });
    typing(42, true);
    typing(1, true);
    expect(store.typing(thread).sort()).toEqual([1, 42]);
    store.addMessage(message(9, 42));
    expect(store.typing(thread)).toEqual([1]);
    vi.advanceTimersByTime(TYPING_DISPLAY_MS);
    expect(store.typing(thread)).toEqual([]);
    typing(1, true);
    typing(1, false);
    expect(store.typing(thread)).toEqual([]);
  });

  it("knows which threads are on screen, counting overlapping windows", () => {
    const store = new ChatStore();
    const closeFirst = store.open(thread);
    const closeSecond = store.open(thread);
    closeFirst();
    expect(store.isOpen(thread)).toBe(true);
    closeSecond();
    expect(store.isOpen(thread)).toBe(false);
  });
});
