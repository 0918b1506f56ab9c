// What each role may use, to offer only the screens a user can use. The server enforces the real
// policy (src/privacy/policy.c, docs/permissions.md) on every request; this table only decides
// which screens and tabs to show; it mirrors the table in src/privacy/policy.c. When the session response carries "permissions", those win.

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

const CHART = ['patient.read', 'identifiers', 'document.read', 'result.read'];
const POLICY = {
  him_technician: [...CHART, 'patient.write', 'encounter.write', 'document.write'],
  chart_analyst: CHART,
  coder: CHART,
  coding_auditor: CHART,
  roi_specialist: CHART,
  privacy_officer: ['patient.read', 'identifiers', 'audit.read'],
  cancer_registrar: CHART,
  clinician: [...CHART, 'document.write', 'document.amend', 'result.write'],
  analyst: ['patient.read', 'result.read'],
  administrator: ['user.admin'],
};

export function rolesOf(user) {
  const r = user && user.roles;
  if (Array.isArray(r)) return r;
  if (typeof r === 'string') return r.split(',').map((x) => x.trim()).filter(Boolean);
  return [];
}

export function permsOf(user) {
  if (user && Array.isArray(user.permissions)) return new Set(user.permissions);
  const set = new Set();
  for (const role of rolesOf(user)) for (const p of POLICY[role] || []) set.add(p);
  return set;
}

export function roleTitle(name) { return ROLE_TITLES[name] || name; }
