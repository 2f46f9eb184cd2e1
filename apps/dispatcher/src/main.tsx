import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AppShell, AuthGate, ConvoyProvider } from "@convoy/ui";
import "@convoy/ui/styles.css";
import { DispatcherHome } from "./dispatcherHome";

const TITLE = "Convoy Dispatcher";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ConvoyProvider app="dispatcher">
      <AuthGate requiredRole="dispatcher" title={TITLE}>
        <AppShell title={TITLE}>
          <DispatcherHome />
        </AppShell>
      </AuthGate>
    </ConvoyProvider>
  </StrictMode>,
);
