const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/**
 * An amount of integer cents as people read it in messages and errors: `$1,234.50`.
 * Amounts stay integer cents everywhere else.
 */
export function formatCents(cents: number): string {
  return dollars.format(cents / 100);
}
