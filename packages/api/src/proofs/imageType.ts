import type { ProofImageType } from "@convoy/db";

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0) =>
  bytes.length >= at + signature.length && signature.every((byte, index) => bytes[at + index] === byte);

const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const RIFF = [0x52, 0x49, 0x46, 0x46];
const WEBP = [0x57, 0x45, 0x42, 0x50];

/**
 * The image type `bytes` start with, from their magic numbers (JPEG's SOI marker, PNG's
 * eight-byte signature, WebP's RIFF…WEBP header), or null for anything else. What the
 * client called the file, its name or its Content-Type, is never asked.
 */
export function sniffImageType(bytes: Uint8Array): ProofImageType | null {
  if (startsWith(bytes, JPEG)) return "image/jpeg";
  if (startsWith(bytes, PNG)) return "image/png";
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return "image/webp";
  return null;
}

/** The file extension a stored image of `type` gets. */
export const IMAGE_EXTENSIONS: Record<ProofImageType, string> = { "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp" };
