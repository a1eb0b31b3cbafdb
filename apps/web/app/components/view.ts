/** A page's query parameters as the server read them: what a view starts from, so a shared link opens the same view. */
export type View = Readonly<Record<string, string>>;

/** One of `allowed` from a view's parameter, or `fallback` when it is missing or not one of them. */
export function choice<T extends string>(view: View, key: string, allowed: readonly T[], fallback: T): T {
  const value = view[key];
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}
