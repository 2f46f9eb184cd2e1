import { useCallback } from "react";
import { uploadProof, type UploadedProofFile } from "@convoy/client";
import { useSession } from "./session";

/**
 * Uploads a proof-of-delivery image for the signed-in driver's trip through the session's
 * server and token (`uploadProof` of `@convoy/client`); rejects with the server's sentence.
 */
export function useUploadProof(): (tripId: number, kind: "photo" | "signature", body: Blob) => Promise<UploadedProofFile> {
  const { transport } = useSession();
  return useCallback(
    async (tripId, kind, body) => {
      const token = await transport.session?.getToken();
      if (!token) throw new Error("Your session has ended; sign in again to upload");
      return uploadProof({ url: transport.apiUrl, token, tripId, kind, body });
    },
    [transport],
  );
}
