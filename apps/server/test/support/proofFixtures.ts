import { deflateSync } from "node:zlib";
import { eq, trips } from "@convoy/db";
import type { LoggedInClient, TestServer } from "./harness";
import { loadInput } from "./offerFixtures";
import { placeDriver } from "./tripFixtures";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A real PNG a browser decodes: `width`×`height` RGB pixels of one colour. The tests'
 * photos and signatures, made here so no binary fixture is committed.
 */
export function solidPng(width: number, height: number, rgb: [number, number, number] = [200, 120, 40]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(pixels)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The first bytes of a JPEG (SOI and a JFIF APP0 marker) and some filler: enough for the sniffer. */
export function jpegLike(bytes = 2_048): Buffer {
  const body = Buffer.alloc(bytes, 0x11);
  body.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00], 0);
  return body;
}

export const LOAD_PICKUP = loadInput([]).pickup;
export const LOAD_DROPOFF = loadInput([]).dropoff;

/**
 * A load `dispatcher` offered to `driver` alone, accepted and driven to the dropoff: status
 * `in_progress` with the driver placed at the dropoff, so completing is guarded by proof
 * of delivery only. Returns the trip id.
 */
export async function loadAtDropoff(t: TestServer, dispatcher: LoggedInClient, driver: LoggedInClient): Promise<number> {
  await placeDriver(t, driver.userId, LOAD_PICKUP);
  const offer = await dispatcher.api.offers.create.mutate(loadInput([driver.userId]));
  await driver.api.offers.respond.mutate({ offerId: offer.id, action: "accept" });
  const [load] = await t.db.select({ id: trips.id }).from(trips).where(eq(trips.offerId, offer.id));
  for (const status of ["en_route", "arrived", "in_progress"] as const) await driver.api.trips.updateStatus.mutate({ tripId: load!.id, status });
  await placeDriver(t, driver.userId, LOAD_DROPOFF, "busy");
  return load!.id;
}

/** What an upload answered: its status and JSON body (tRPC's error shape on a refusal). */
export interface UploadAnswer {
  status: number;
  body: { fileId?: number; contentType?: string; error?: { message: string; data: { code: string } } };
}

/**
 * Posts `body` to the upload route as a raw HTTP client would, so a test controls every
 * header; `token` null sends none.
 */
export async function postUpload(
  t: TestServer,
  token: string | null,
  query: Record<string, string | number>,
  body: RequestInit["body"],
  headers: Record<string, string> = {},
): Promise<UploadAnswer> {
  const search = new URLSearchParams(Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]));
  const response = await fetch(`${t.url}/proofs/upload?${search.toString()}`, {
    method: "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
    duplex: "half",
  });
  return { status: response.status, body: (await response.json()) as UploadAnswer["body"] };
}
