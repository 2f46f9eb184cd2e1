import { useId, useState, type SyntheticEvent } from "react";
import { errorMessage } from "./errors";
import { useSession } from "./session";
import type { Role } from "./trpc";

export interface LoginScreenProps {
  /** Only accounts of this role may sign in; others get a message and no session. */
  requiredRole: Role;
  /** App name shown above the form, e.g. "Convoy Driver". */
  title: string;
  /** Why the user is here, e.g. "Your session has expired; sign in again". */
  notice?: string | null;
}

/** Email and password form that signs in through `auth.login` and shows the server's reason on failure. */
export function LoginScreen({ requiredRole, title, notice }: LoginScreenProps) {
  const { signIn } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const id = useId();

  async function submit(event: SyntheticEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await signIn({ email, password }, requiredRole);
    } catch (cause) {
      setError(errorMessage(cause));
      setPending(false);
    }
  }

  return (
    <main className="convoy-login">
      <form className="convoy-card convoy-login__card" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`} className="convoy-login__title">
          {title}
        </h1>
        {notice && !error && <p className="convoy-notice">{notice}</p>}
        <label className="convoy-field" htmlFor={`${id}-email`}>
          <span>Email</span>
          <input
            id={`${id}-email`}
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </label>
        <label className="convoy-field" htmlFor={`${id}-password`}>
          <span>Password</span>
          <input
            id={`${id}-password`}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        {error && (
          <p className="convoy-error" role="alert">
            {error}
          </p>
        )}
        <button className="convoy-button convoy-button--primary" type="submit" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
