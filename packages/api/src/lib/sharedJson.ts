/**
 * WebSocket JSON that serializes a shared payload once and never copies it per socket. tRPC
 * stringifies every message it sends, so an object handed to many subscribers (one fleet
 * frame goes to every dispatcher) would be stringified once per socket, and splicing one
 * string into each socket's envelope still copied it per socket (and made that much garbage).
 * A producer marks such an object with `shareJson`; `sharedJsonEncoder` then turns it into
 * UTF-8 bytes the first time it is sent, and sends each socket its envelope as the fragments
 * of one text message: its own head, the shared bytes, its own tail. The receiver gets one
 * message, byte for byte what `JSON.stringify` of the envelope gives. The object must not
 * change after it is marked.
 *
 * Fragments need `patches/@trpc__server@11.25.2.patch` (part 4): tRPC's adapter sends an
 * encoder's array as the fragments of one message, in one write.
 */

/** Marked payloads → their JSON as UTF-8, or null until first sent. Weak, so frames are collected as usual. */
const shared = new WeakMap<object, Buffer | null>();

/** Marks `payload` as sent unchanged to many sockets, so its JSON is computed once. Returns it. */
export function shareJson<T extends object>(payload: T): T {
  shared.set(payload, null);
  return payload;
}

interface Envelope {
  id?: unknown;
  jsonrpc?: unknown;
  result?: { type?: unknown; data?: unknown };
}

/** The cached JSON of a marked payload, computing it on first use; undefined if not marked. */
function sharedJsonOf(data: unknown): Buffer | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const cached = shared.get(data);
  if (cached === undefined) return undefined;
  if (cached !== null) return cached;
  const json = Buffer.from(JSON.stringify(data));
  shared.set(data, json);
  return json;
}

const ENVELOPE_KEYS = new Set(["id", "jsonrpc", "result"]);

/**
 * `{ id, jsonrpc?, result: { type: "data", data } }` with marked `data`, as three fragments
 * whose concatenation is what `JSON.stringify` gives (key order and omissions included);
 * undefined for anything else (tracked data, errors, control messages, unmarked data).
 */
function encodeShared(message: unknown): [string, Buffer, string] | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const envelope = message as Envelope;
  const result = envelope.result;
  if (result?.type !== "data") return undefined;
  // The marked-payload lookup first: most messages (every call's answer) are not marked,
  // and one WeakMap miss is cheaper than listing the envelope's keys.
  const data = sharedJsonOf(result.data);
  if (data === undefined) return undefined;
  const resultKeys = Object.keys(result);
  if (resultKeys.length !== 2 || resultKeys[0] !== "type" || resultKeys[1] !== "data") return undefined;
  if (!Object.keys(envelope).every((key) => ENVELOPE_KEYS.has(key))) return undefined;
  // Everything before the payload goes in the head, everything after it in the tail.
  let head = "{";
  let tail = "}";
  let pastPayload = false;
  for (const key of Object.keys(envelope)) {
    const separator = head.length > 1 || pastPayload ? "," : "";
    if (key === "result") {
      head += `${separator}"result":{"type":"data","data":`;
      pastPayload = true;
      continue;
    }
    // JSON.stringify gives undefined for undefined (the key is then left out), whatever its type says.
    const value = JSON.stringify(envelope[key as "id" | "jsonrpc"]) as string | undefined;
    if (value === undefined) continue;
    if (pastPayload) tail += `${separator}${JSON.stringify(key)}:${value}`;
    else head += `${separator}${JSON.stringify(key)}:${value}`;
  }
  return [head, data, `${tail}}`];
}

/**
 * tRPC's `experimental_encoder` for `applyWSSHandler`: plain JSON, byte for byte what the
 * default encoder sends, except that a subscription message whose data was marked with
 * `shareJson` goes out as fragments around that data's shared bytes.
 */
export const sharedJsonEncoder = {
  encode(message: unknown): string | [string, Buffer, string] {
    return encodeShared(message) ?? JSON.stringify(message);
  },
  decode(data: string | ArrayBuffer | Uint8Array): unknown {
    if (typeof data !== "string") throw new Error("expected a text frame: Convoy's WebSocket speaks JSON");
    return JSON.parse(data);
  },
};
