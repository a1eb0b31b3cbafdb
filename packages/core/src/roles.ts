/**
 * Who may do what on a dashboard with accounts, each role able to do all that the ones before it
 * can: a viewer reads; an editor also launches, steers, annotates and deletes sweeps; an admin also
 * reads the audit log. Accounts themselves are made with `gradtrace user`.
 */
export const ROLES = ["viewer", "editor", "admin"] as const;
export type RoleName = (typeof ROLES)[number];

/** Whether `role` may do what `needed` may. */
export function roleAllows(role: RoleName, needed: RoleName): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
