"use client";
import { useEffect } from "react";

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
