import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AppShell, AuthGate, ConvoyProvider } from "@convoy/ui";
import "@convoy/ui/styles.css";
import "./rider.css";
import { RiderHome } from "./riderHome";

const TITLE = "Convoy Rider";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ConvoyProvider app="rider">
      <AuthGate requiredRole="rider" title={TITLE}>
        <AppShell title={TITLE}>
          <RiderHome />
        </AppShell>
      </AuthGate>
    </ConvoyProvider>
  </StrictMode>,
);
