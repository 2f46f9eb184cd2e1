import { useEffect, useState } from "react";
import { createPositionReporter, type PositionReporter } from "@convoy/client";
import { useSession } from "./session";

export type { PositionReporter, ReportedPoint } from "@convoy/client";

/**
 * The signed-in driver's position reporter: the position socket, open while the calling
 * component is mounted and the session lasts; null until it is made. A new session (another
 * login) gets a new socket, so positions are never sent under the previous token.
 */
export function usePositionReporter(): PositionReporter | null {
  const { transport } = useSession();
  const [reporter, setReporter] = useState<PositionReporter | null>(null);
  useEffect(() => {
    const { apiUrl, session } = transport;
    if (!session) return;
    // Read at every (re)connect: the socket always signs in with a fresh access token.
    const next = createPositionReporter({ url: apiUrl, getToken: () => session.getToken() });
    setReporter(next);
    return () => {
      setReporter(null);
      next.close();
    };
  }, [transport]);
  return reporter;
}
