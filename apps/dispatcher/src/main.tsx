import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AuthGate, ConvoyProvider, LiveEventsProvider } from "@convoy/ui";
import "@convoy/ui/styles.css";
import "./dispatcher.css";
import { DispatcherApp } from "./dispatcherApp";

const TITLE = "Convoy Dispatcher";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ConvoyProvider app="dispatcher">
      <AuthGate requiredRole="dispatcher" title={TITLE}>
        <LiveEventsProvider>
          <DispatcherApp title={TITLE} />
        </LiveEventsProvider>
      </AuthGate>
    </ConvoyProvider>
  </StrictMode>,
);
