/** A small count of unread messages; renders nothing at zero. `capped` shows "30+". */
export function UnreadBadge({ count, capped = false }: { count: number; capped?: boolean }) {
  if (count <= 0) return null;
  const text = capped ? `${count}+` : String(count);
  return (
    <span className="convoy-count" data-unread={count} aria-label={`${text} unread`}>
      {text}
    </span>
  );
}
