import { describe, expect, it } from "vitest";
import { sniffImageType } from "./imageType";

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("sniffImageType", () => {
  it("names JPEG, PNG and WebP by their first bytes", () => {
    expect(sniffImageType(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toBe("image/jpeg");
    expect(sniffImageType(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0))).toBe("image/png");
    expect(sniffImageType(new Uint8Array([...Buffer.from("RIFF"), 1, 2, 3, 4, ...Buffer.from("WEBPVP8 ")]))).toBe("image/webp");
  });

  it("refuses text, SVG, GIF, a RIFF that is not WebP and a truncated signature", () => {
    for (const text of ["hello, I am a .png", "<svg xmlns='http://www.w3.org/2000/svg'/>", "GIF89a", "RIFF1234WAVEfmt "]) {
      expect(sniffImageType(Buffer.from(text))).toBeNull();
    }
    expect(sniffImageType(bytes(0x89, 0x50, 0x4e, 0x47))).toBeNull();
    expect(sniffImageType(bytes())).toBeNull();
  });
});
