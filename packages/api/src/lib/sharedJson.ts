/**
 * WebSocket JSON that serializes a shared payload once. tRPC stringifies every message it
 * sends, so an object handed to many subscribers (one fleet frame goes to every dispatcher)
 * would be stringified once per socket. A producer marks such an object with `shareJson`;
 * `sharedJsonEncoder` then stringifies it the first time it is sent and splices that string
 * into each socket's envelope. The object must not change after it is marked.
 */

/** Marked payloads → their JSON, or null until first sent. Weak, so frames are collected as usual. */
const shared = new WeakMap<object, string | null>();

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
function sharedJsonOf(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const cached = shared.get(data);
  if (cached === undefined) return undefined;
  if (cached !== null) return cached;
  const json = JSON.stringify(data);
  shared.set(data, json);
  return json;
}

const ENVELOPE_KEYS = new Set(["id", "jsonrpc", "result"]);

/**
 * The JSON of `{ id, jsonrpc?, result: { type: "data", data } }` when `data` is marked, in the
 * key order and with the omissions `JSON.stringify` would use; undefined for anything else
 * (tracked data, errors, control messages, unmarked data).
 */
function encodeShared(message: unknown): string | undefined {
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
  let json = "{";
  for (const key of Object.keys(envelope)) {
    // JSON.stringify gives undefined for undefined (the key is then left out), whatever its type says.
    const value = key === "result" ? `{"type":"data","data":${data}}` : (JSON.stringify(envelope[key as "id" | "jsonrpc"]) as string | undefined);
    if (value === undefined) continue;
    json += `${json.length > 1 ? "," : ""}${JSON.stringify(key)}:${value}`;
  }
  return `${json}}`;
}

/**
 * tRPC's `experimental_encoder` for `applyWSSHandler`: plain JSON, byte for byte what the
 * default encoder sends, except that a subscription message whose data was marked with
 * `shareJson` reuses that data's JSON.
 */
export const sharedJsonEncoder = {
  encode(message: unknown): string {
    const json = encodeShared(message);
    return json ?? JSON.stringify(message);
  },
  decode(data: string | ArrayBuffer | Uint8Array): unknown {
    if (typeof data !== "string") throw new Error("expected a text frame: Convoy's WebSocket speaks JSON");
    return JSON.parse(data);
  },
};
