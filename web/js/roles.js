// Roles and what a user may use, to offer only the screens a user can use. The server enforces the
// policy (src/privacy/policy.c, docs/permissions.md) on every request and tells the UI, in the
// session's user.permissions, what the user's roles grant: the UI keeps no copy of the policy.

export const ROLE_TITLES = {
  him_technician: 'HIM technician',
  chart_analyst: 'Chart analyst',
  coder: 'Coder',
  coding_auditor: 'Coding auditor',
  roi_specialist: 'ROI specialist',
  privacy_officer: 'Privacy officer',
  cancer_registrar: 'Cancer registrar',
  clinician: 'Clinician',
  analyst: 'Analyst',
  administrator: 'Administrator',
};
export const ROLE_NAMES = Object.keys(ROLE_TITLES);

export function rolesOf(user) {
  const r = user && user.roles;
  if (Array.isArray(r)) return r;
  if (typeof r === 'string') return r.split(',').map((x) => x.trim()).filter(Boolean);
  return [];
}

export function permsOf(user) {
  return new Set(user && Array.isArray(user.permissions) ? user.permissions : []);
}

export function roleTitle(name) { return ROLE_TITLES[name] || name; }
