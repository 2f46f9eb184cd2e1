import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AppShell, AuthGate, ConvoyProvider } from "@convoy/ui";
import "@convoy/ui/styles.css";
import { DriverHome } from "./driverHome";

const TITLE = "Convoy Driver";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ConvoyProvider app="driver">
      <AuthGate requiredRole="driver" title={TITLE}>
        <AppShell title={TITLE}>
          <DriverHome />
        </AppShell>
      </AuthGate>
    </ConvoyProvider>
  </StrictMode>,
);
