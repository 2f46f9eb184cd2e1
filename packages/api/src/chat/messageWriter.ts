import { messages, sql } from "@convoy/db";
import type { CommitDeps, Emit } from "../events/commit";
import { GroupCommit, type GroupCommitOptions, type GroupCommitStats } from "../events/groupCommit";
import { isDuplicateEntry } from "../lib/errors";
import { sqlInsertHead, sqlNumber, sqlString, sqlUtcDatetime } from "../lib/sqlLiterals";
import type { Tx } from "../lib/transaction";
import type { ChatUser, Thread } from "./access";
import { findByClientId, messageEvent, sameThreadOrConflict, type ChatMessage } from "./messages";

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

const INSERT_MESSAGES_HEAD = sqlInsertHead(messages, [
  messages.offerId,
  messages.driverId,
  messages.senderId,
  messages.kind,
  messages.body,
  messages.clientMessageId,
  messages.createdAt,
]);

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
    this.group = new GroupCommit(deps, insertMessages, options);
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

/** One multi-row INSERT of literals (see `sqlLiterals.ts`); the rows get consecutive ids (see `appendEvents`). */
async function insertMessages(tx: Tx, emit: Emit, sends: readonly Send[]): Promise<ChatMessage[]> {
  const createdAtMs = Date.now();
  const rows = sends.map(
    (send) =>
      `(${sqlNumber(send.thread.offerId)},${sqlNumber(send.thread.driverId)},${sqlNumber(send.sender.id)},'text',` +
      `${sqlString(send.body)},${sqlString(send.clientMessageId)},${sqlUtcDatetime(createdAtMs)})`,
  );
  const [result] = (await tx.execute(sql.raw(INSERT_MESSAGES_HEAD + rows.join(",")))) as unknown as [
    { insertId: number | string; affectedRows: number },
  ];
  const firstId = Number(result.insertId);
  if (!Number.isSafeInteger(firstId) || firstId < 1 || result.affectedRows !== sends.length) {
    throw new Error(`inserting ${sends.length} messages returned insertId ${result.insertId} for ${result.affectedRows} rows`);
  }
  const createdAt = new Date(createdAtMs).toISOString();
  return sends.map((send, index) => {
    const message: ChatMessage = {
      id: firstId + index,
      offerId: send.thread.offerId,
      driverId: send.thread.driverId,
      senderId: send.sender.id,
      kind: "text",
      body: send.body,
      clientMessageId: send.clientMessageId,
      createdAt,
    };
    emit(messageEvent(send.thread, message));
    return message;
  });
}
