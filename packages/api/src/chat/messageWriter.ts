import type { CommitDeps } from "../events/commit";
import { GroupCommit, type BatchWrite, type GroupCommitOptions, type GroupCommitStats } from "../events/groupCommit";
import { isDuplicateEntry } from "../lib/errors";
import type { ChatUser, Thread } from "./access";
import { findByClientId, insertMessages, sameThreadOrConflict, type ChatMessage } from "./messages";

/** What a send came to: the stored message, and whether an earlier attempt had stored it. */
export interface SendOutcome {
  message: ChatMessage;
  duplicate: boolean;
}

interface Send {
  sender: ChatUser;
  thread: Thread;
  body: string;
  clientMessageId: string;
}

/**
 * Least time between two chat transactions' starts while messages keep coming (see
 * `GroupCommitOptions.spacingMs`): at 2,000 messages a second, batches of about ten instead
 * of four or five. A message to an idle writer is written at once.
 */
const CHAT_COMMIT_SPACING_MS = 5;

/**
 * Writes `chat.send`s with group commit (see `GroupCommit`): the messages of concurrent sends
 * go to MySQL in one INSERT, their events in one more, in one transaction. A retry of a
 * stored `clientMessageId` refuses its batch on the unique (sender, client id) index; it is
 * then written alone, refused again, and answered with the message first stored.
 */
export class MessageWriter {
  private readonly group: GroupCommit<Send, ChatMessage>;

  constructor(
    private readonly deps: CommitDeps,
    options?: GroupCommitOptions,
  ) {
    this.group = new GroupCommit(deps, insertSends, { spacingMs: CHAT_COMMIT_SPACING_MS, ...options });
  }

  /** Stores a text message from `sender` in `thread` (already authorized) with its event. */
  async send(sender: ChatUser, thread: Thread, input: { body: string; clientMessageId: string }): Promise<SendOutcome> {
    try {
      const message = await this.group.submit({ sender, thread, body: input.body, clientMessageId: input.clientMessageId });
      return { message, duplicate: false };
    } catch (error) {
      if (!isDuplicateEntry(error)) throw error;
      const first = await findByClientId(this.deps.db, sender.id, input.clientMessageId);
      if (!first) throw error;
      return { message: sameThreadOrConflict(first, thread), duplicate: true };
    }
  }

  stats(): GroupCommitStats {
    return this.group.stats();
  }
}

/** The batch's messages in one INSERT, their events in the same transaction. */
const insertSends: BatchWrite<Send, ChatMessage> = (tx, emit, sends) =>
  insertMessages(
    tx,
    emit,
    sends.map((send) => ({ thread: send.thread, senderId: send.sender.id, kind: "text", body: send.body, clientMessageId: send.clientMessageId })),
  );
