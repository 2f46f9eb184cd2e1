import { useId, useState, type SyntheticEvent } from "react";
import type { ApiKeyView } from "@convoy/api";
import { API_KEY_NAME_MAX, API_KEY_SCOPE_LABELS, apiKeyScopes, createApiKeyInputSchema, type ApiKeyScope } from "@convoy/api/schemas";
import { errorMessage, trpc, useToast } from "@convoy/ui";
import "./apiKeysPage.css";

/** Lifetimes offered in the form, in days; "" is no expiry. */
const LIFETIMES: { days: string; label: string }[] = [
  { days: "", label: "Never (until revoked)" },
  { days: "30", label: "30 days" },
  { days: "90", label: "90 days" },
  { days: "365", label: "1 year" },
];

const formatDate = (epochMs: number | null, none: string) =>
  epochMs === null
    ? none
    : new Date(epochMs).toLocaleString("en-US", { month: "short", day: "numeric", year: "numeric", hour: "2-digit", minute: "2-digit" });

/** Keys for other services: make one with scopes (its secret shown once), see them, revoke them. */
export function ApiKeysPage() {
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  return (
    <div className="dispatch-keys">
      <h2>API keys</h2>
      <p className="convoy-muted">
        A key lets another service call Convoy as you, limited to the scopes you give it: send it as <code>Authorization: Bearer cvk_…</code> or as{" "}
        <code>apiKey</code> to <code>@convoy/client</code>. Revoking a key closes its connections at once.
      </p>
      {created ? <NewKey created={created} onDone={() => setCreated(null)} /> : <CreateKeyForm onCreated={setCreated} />}
      <KeyList />
    </div>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (created: { name: string; key: string }) => void }) {
  const id = useId();
  const utils = trpc.useUtils();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ApiKeyScope[]>(["trips:read"]);
  const [days, setDays] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const create = trpc.apiKeys.create.useMutation({
    onSuccess: (key) => {
      void utils.apiKeys.list.invalidate();
      onCreated({ name: key.name, key: key.key });
      setName("");
    },
  });

  function toggle(scope: ApiKeyScope, on: boolean) {
    setScopes((current) => (on ? apiKeyScopes.filter((s) => s === scope || current.includes(s)) : current.filter((s) => s !== scope)));
  }

  function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = createApiKeyInputSchema.safeParse({ name, scopes, expiresInDays: days === "" ? undefined : Number(days) });
    if (!parsed.success) {
      setInvalid(parsed.error.issues[0]?.message ?? "Check the form");
      return;
    }
    setInvalid(null);
    create.mutate(parsed.data);
  }

  return (
    <form className="convoy-card dispatch-keys__form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>New key</h3>
      <label className="convoy-field" htmlFor={`${id}-name`}>
        <span>Name (what the service is)</span>
        <input id={`${id}-name`} maxLength={API_KEY_NAME_MAX} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <fieldset className="dispatch-keys__scopes">
        <legend>Scopes</legend>
        {apiKeyScopes.map((scope) => (
          <label key={scope}>
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(event) => toggle(scope, event.target.checked)} />
            <code>{scope}</code> <span className="convoy-muted">{API_KEY_SCOPE_LABELS[scope]}</span>
          </label>
        ))}
      </fieldset>
      <label className="convoy-field" htmlFor={`${id}-expiry`}>
        <span>Expires</span>
        <select id={`${id}-expiry`} value={days} onChange={(event) => setDays(event.target.value)}>
          {LIFETIMES.map((lifetime) => (
            <option key={lifetime.days} value={lifetime.days}>
              {lifetime.label}
            </option>
          ))}
        </select>
      </label>
      {(invalid ?? create.error) && (
        <p className="convoy-error" role="alert">
          {invalid ?? errorMessage(create.error)}
        </p>
      )}
      <div className="dispatch-keys__actions">
        <button type="submit" className="convoy-button convoy-button--primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create key"}
        </button>
      </div>
    </form>
  );
}

/** The new key, this once: it is stored only as a hash, so it cannot be shown again. */
function NewKey({ created, onDone }: { created: { name: string; key: string }; onDone: () => void }) {
  const id = useId();
  const toast = useToast();
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      toast("Key copied", { tone: "success" });
    } catch {
      toast("Could not copy; select the key and copy it by hand", { tone: "error" });
    }
  }
  return (
    <section className="convoy-card dispatch-keys__secret" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Key “{created.name}” created</h3>
      <p>Copy it now and store it with the service: this is the only time it is shown.</p>
      <div className="dispatch-keys__secret-row">
        <input aria-label="The new API key" readOnly value={created.key} onFocus={(event) => event.target.select()} />
        <button type="button" className="convoy-button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <div className="dispatch-keys__actions">
        <button type="button" className="convoy-button convoy-button--primary" onClick={onDone}>
          Done, I stored it
        </button>
      </div>
    </section>
  );
}

function keyStatus(key: ApiKeyView, now: number): string {
  if (key.revokedAt !== null) return `Revoked ${formatDate(key.revokedAt, "")}`;
  if (key.expiresAt !== null && key.expiresAt <= now) return "Expired";
  return "Active";
}

function KeyList() {
  const keys = trpc.apiKeys.list.useQuery();
  const now = Date.now();
  if (keys.error) return <p className="convoy-error">{errorMessage(keys.error)}</p>;
  if (!keys.data) return <p className="convoy-muted">Loading keys…</p>;
  if (keys.data.length === 0) return <p className="convoy-muted">No keys yet.</p>;
  return (
    <div className="convoy-table-wrap">
      <table className="convoy-table" aria-label="API keys">
        <thead>
          <tr>
            <th>Name</th>
            <th>Key</th>
            <th>Scopes</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last used</th>
            <th>Status</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {keys.data.map((key) => (
            <tr key={key.id}>
              <td>{key.name}</td>
              <td>
                <code>{key.hint}</code>
              </td>
              <td className="dispatch-keys__scope-cell">{key.scopes.join(", ")}</td>
              <td>{formatDate(key.createdAt, "")}</td>
              <td>{formatDate(key.expiresAt, "Never")}</td>
              <td>{formatDate(key.lastUsedAt, "Never")}</td>
              <td>{keyStatus(key, now)}</td>
              <td>{key.revokedAt === null && <RevokeButton apiKey={key} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Revokes after a second press, so one stray click does not cut a service off. */
function RevokeButton({ apiKey }: { apiKey: ApiKeyView }) {
  const utils = trpc.useUtils();
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const revoke = trpc.apiKeys.revoke.useMutation({
    onSuccess: () => {
      void utils.apiKeys.list.invalidate();
      toast(`Key “${apiKey.name}” revoked`, { tone: "success" });
    },
    onError: (error) => toast(errorMessage(error), { tone: "error" }),
  });
  if (!confirming) {
    return (
      <button type="button" className="convoy-button" onClick={() => setConfirming(true)}>
        Revoke
      </button>
    );
  }
  return (
    <span className="dispatch-keys__confirm">
      <button type="button" className="convoy-button" onClick={() => setConfirming(false)}>
        Keep
      </button>
      <button
        type="button"
        className="convoy-button convoy-button--primary"
        disabled={revoke.isPending}
        onClick={() => revoke.mutate({ keyId: apiKey.id })}
        aria-label={`Revoke key ${apiKey.name} for good`}
      >
        {revoke.isPending ? "Revoking…" : "Revoke for good"}
      </button>
    </span>
  );
}
