import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AuthGate, ConvoyProvider, LiveEventsProvider } from "@convoy/ui";
import "@convoy/ui/styles.css";
import "./driver.css";
import { DriverApp } from "./driverApp";
import { OfflineStoreProvider } from "./offline/offlineContext";
import { OfflineApp } from "./offline/offlineScreens";

const TITLE = "Convoy Driver";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ConvoyProvider app="driver">
      <OfflineStoreProvider>
        <AuthGate requiredRole="driver" title={TITLE} unreachable={<OfflineApp title={TITLE} />}>
          <LiveEventsProvider>
            <DriverApp title={TITLE} />
          </LiveEventsProvider>
        </AuthGate>
      </OfflineStoreProvider>
    </ConvoyProvider>
  </StrictMode>,
);
