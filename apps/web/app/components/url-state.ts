"use client";
import { useEffect } from "react";

/** A page's query parameters as the server read them: what a view starts from, so a shared link opens the same view. */
export type View = Readonly<Record<string, string>>;

/**
 * Keeps the parameters a view owns in the page's URL, so the view can be bookmarked, shared and
 * reloaded: each key is set to its value, or removed when the value is empty, null or undefined
 * (its default). Other keys — another component's — are left alone. The history entry is replaced,
 * not added: Back leaves the page rather than stepping through every filter.
 */
export function useUrlSync(values: Readonly<Record<string, string | number | null | undefined>>): void {
  const text = JSON.stringify(values, (_key, v: unknown) => (v === undefined ? null : v));
  useEffect(() => {
    const url = new URL(window.location.href);
    for (const [key, value] of Object.entries(JSON.parse(text) as Record<string, string | number | null>)) {
      if (value === null || value === "") url.searchParams.delete(key);
      else url.searchParams.set(key, String(value));
    }
    if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url);
  }, [text]);
}

/** One of `allowed` from a view's parameter, or `fallback` when it is missing or not one of them. */
export function choice<T extends string>(view: View, key: string, allowed: readonly T[], fallback: T): T {
  const value = view[key];
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}
