"use client";
import { useState } from "react";
import { api } from "./format.ts";

/** What a sweep or run carries besides its settings and results. */
export interface AnnotationValues {
  /** A sweep's name (runs have none). */
  name?: string;
  notes: string;
  tags: readonly string[];
}

/** The API's answer to a refused change: its message and, per field, what is wrong. */
type Refusal = { message: string; body?: { issues?: Array<{ path: string; message: string }> } };

/**
 * A sweep's or run's notes and tags (and a sweep's name), shown and edited in place: saved with
 * PATCH to `url`, whose answer goes to `onSaved`; a refusal is shown field by field.
 */
export function Annotations({ url, values, onSaved }: { url: string; values: AnnotationValues; onSaved: (saved: unknown) => void }) {
  const [editing, setEditing] = useState<{ name: string; notes: string; tags: string } | null>(null);
  const [error, setError] = useState("");
  const save = async () => {
    if (!editing) return;
    try {
      const change = {
        ...(values.name === undefined ? {} : { name: editing.name }),
        notes: editing.notes,
        tags: editing.tags.split(/[\s,]+/).filter(Boolean),
      };
      onSaved(await api(url, { method: "PATCH", body: JSON.stringify(change) }));
      setEditing(null);
      setError("");
    } catch (e) {
      const { message, body } = e as Refusal;
      setError(body?.issues?.map((i) => `${i.path}: ${i.message}`).join("; ") || message);
    }
  };
  if (!editing) {
    return (
      <div className="annotations" data-testid="annotations">
        {values.tags.map((t) => (
          <span key={t} className="badge tag" data-testid="tag">
            {t}
          </span>
        ))}
        {values.notes && (
          <p className="notes" data-testid="notes">
            {values.notes}
          </p>
        )}
        <button data-testid="edit-annotations" onClick={() => setEditing({ name: values.name ?? "", notes: values.notes, tags: values.tags.join(" ") })}>
          {values.name === undefined ? "Edit notes and tags" : "Rename, notes and tags"}
        </button>
      </div>
    );
  }
  return (
    <div className="annotations card" data-testid="annotations">
      {values.name !== undefined && (
        <label>
          Name <input data-testid="name-input" value={editing.name} size={50} onChange={(e) => setEditing({ ...editing, name: e.target.value })} />
        </label>
      )}
      <label>
        Notes
        <textarea data-testid="notes-input" rows={4} cols={80} value={editing.notes} onChange={(e) => setEditing({ ...editing, notes: e.target.value })} />
      </label>
      <label>
        Tags (separated by spaces){" "}
        <input data-testid="tags-input" value={editing.tags} size={50} onChange={(e) => setEditing({ ...editing, tags: e.target.value })} />
      </label>
      <div>
        <button className="primary" data-testid="save-annotations" onClick={() => void save()}>
          Save
        </button>{" "}
        <button onClick={() => (setEditing(null), setError(""))}>Cancel</button>{" "}
        {error && (
          <span className="error" data-testid="annotations-error">
            {error}
          </span>
        )}
      </div>
    </div>
  );
}
