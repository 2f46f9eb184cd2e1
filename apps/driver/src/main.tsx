import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AuthGate, ConvoyProvider, LiveEventsProvider } from "@convoy/ui";
import "@convoy/ui/styles.css";
import "./driver.css";
import { DriverApp } from "./driverApp";

const TITLE = "Convoy Driver";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ConvoyProvider app="driver">
      <AuthGate requiredRole="driver" title={TITLE}>
        <LiveEventsProvider>
          <DriverApp title={TITLE} />
        </LiveEventsProvider>
      </AuthGate>
    </ConvoyProvider>
  </StrictMode>,
);
