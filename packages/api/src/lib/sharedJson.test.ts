import { describe, expect, it } from "vitest";
import { shareJson, sharedJsonEncoder } from "./sharedJson";

/** A frame whose `drivers` getter counts how often it is serialized. */
function countingFrame() {
  const counter = { reads: 0 };
  const frame = {
    kind: "frame",
    at: 1_700_000_000_000,
    get drivers() {
      counter.reads++;
      return [{ id: 7, name: 'Ava "A" ✓', position: { lat: 41.8, lng: -87.6, accuracyM: null } }];
    },
  };
  return { frame, counter };
}

/** What the receiver gets: the string, or the fragments of one message joined. */
function wire(encoded: string | readonly (string | Uint8Array)[]): string {
  if (typeof encoded === "string") return encoded;
  return Buffer.concat(encoded.map((part) => (typeof part === "string" ? Buffer.from(part) : part))).toString("utf8");
}

describe("sharedJsonEncoder", () => {
  it("sends exactly what JSON.stringify would, for shared and plain payloads alike", () => {
    const { frame } = countingFrame();
    const shared = shareJson({ ...frame, drivers: frame.drivers });
    const messages = [
      { id: 3, jsonrpc: "2.0", result: { type: "data", data: shared } },
      { id: "sub-1", jsonrpc: undefined, result: { type: "data", data: shared } },
      { id: 4, result: { type: "data", data: { plain: true } } },
      { id: 5, jsonrpc: "2.0", result: { type: "data", id: "9", data: { id: "9", data: shared } } },
      { result: { type: "data", data: shared }, id: 8, jsonrpc: "2.0" },
      { id: 6, result: { type: "started" } },
      { id: null, error: { message: "bad", code: -32600 } },
      { id: null, method: "reconnect" },
    ];
    for (const message of messages) expect(wire(sharedJsonEncoder.encode(message))).toBe(JSON.stringify(message));
  });

  it("serializes a shared payload once however many sockets it goes to", () => {
    const { frame, counter } = countingFrame();
    shareJson(frame);
    const sent = Array.from({ length: 50 }, (_, id) => sharedJsonEncoder.encode({ id, result: { type: "data", data: frame } }));
    expect(counter.reads).toBe(1);
    expect(JSON.parse(wire(sent[49]!))).toEqual({ id: 49, result: { type: "data", data: JSON.parse(JSON.stringify(frame)) } });
    // Each socket gets its own head and tail around the very same bytes: nothing is copied per socket.
    expect(sent.every((parts) => Array.isArray(parts) && parts[1] === (sent[0] as unknown[])[1])).toBe(true);
  });

  it("serializes an unshared payload every time", () => {
    const { frame, counter } = countingFrame();
    sharedJsonEncoder.encode({ id: 1, result: { type: "data", data: frame } });
    sharedJsonEncoder.encode({ id: 2, result: { type: "data", data: frame } });
    expect(counter.reads).toBe(2);
  });

  it("decodes text frames and refuses binary ones", () => {
    expect(sharedJsonEncoder.decode('{"id":1,"method":"query"}')).toEqual({ id: 1, method: "query" });
    expect(() => sharedJsonEncoder.decode(new Uint8Array([123, 125]))).toThrow(/text frame/);
  });
});
