import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AppShell, AuthGate, ConvoyProvider, useHashRoute } from "@convoy/ui";
import "@convoy/ui/styles.css";
import "./rider.css";
import { RiderHome } from "./riderHome";
import { TrackingPage } from "./trackingPage";

const TITLE = "Convoy Rider";

/** `#/track/<token>` is a shared tracking link's page, open to anyone; everything else is the signed-in rider's app. */
function RiderRoutes() {
  const { segments } = useHashRoute();
  if (segments[0] === "track" && segments[1]) return <TrackingPage key={segments[1]} token={segments[1]} />;
  return (
    <AuthGate requiredRole="rider" title={TITLE}>
      <AppShell title={TITLE}>
        <RiderHome />
      </AppShell>
    </AuthGate>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ConvoyProvider app="rider">
      <RiderRoutes />
    </ConvoyProvider>
  </StrictMode>,
);
