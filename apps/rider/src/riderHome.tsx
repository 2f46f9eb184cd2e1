import { useSignedInUser } from "@convoy/ui";

/** The rider's first screen; requesting a trip starts here. */
export function RiderHome() {
  const user = useSignedInUser();
  return (
    <section className="convoy-card" aria-labelledby="where-to">
      <p className="convoy-muted">Hi {user.name}</p>
      <h1 id="where-to">Where to?</h1>
      <p className="convoy-muted">Trip requests open here soon.</p>
    </section>
  );
}
