/* Users, roles, sign-in sessions and the permission policy.
 *
 * Roles are those of an HIM department; a user holds one or more (a bit set). The policy (which role
 * may read or change what) is a table in src/privacy/policy.c, written down in docs/permissions.md,
 * and enforced by the server on every route. Minimum necessary: a role without
 * FOLIO_PERM_IDENTIFIERS sees patients without direct identifiers (names, MRN/SSN, address,
 * phone, email, exact birth date: year only) — the server redacts what it returns when the
 * session's roles lack that permission.
 *
 * Passwords are hashed with Argon2id (libsodium crypto_pwhash_str, interactive limits; a stored
 * hash made with other limits is rehashed at the next successful sign-in). For fast test suites
 * only, FOLIO_PWHASH_FAST=1 in the environment selects the minimum limits; it is honoured only
 * when set to exactly "1" and must never be set in production. Session tokens are 256-bit random
 * values, shown once to the client as 64 lowercase hex characters; the database keeps only the
 * SHA-256 of that text (sessions.token_sha256). Sign-in failures count towards a lockout.
 * Users and ended sessions are never deleted (docs/users.md).
 */
#ifndef FOLIO_PRIVACY_H
#define FOLIO_PRIVACY_H

#include "folio/base.h"
#include "folio/store.h"

enum folio_role {
    FOLIO_ROLE_HIM_TECHNICIAN = 1u << 0,
    FOLIO_ROLE_CHART_ANALYST = 1u << 1,
    FOLIO_ROLE_CODER = 1u << 2,
    FOLIO_ROLE_CODING_AUDITOR = 1u << 3,
    FOLIO_ROLE_ROI_SPECIALIST = 1u << 4,
    FOLIO_ROLE_PRIVACY_OFFICER = 1u << 5,
    FOLIO_ROLE_CANCER_REGISTRAR = 1u << 6,
    FOLIO_ROLE_CLINICIAN = 1u << 7,
    FOLIO_ROLE_ANALYST = 1u << 8,
    FOLIO_ROLE_ADMINISTRATOR = 1u << 9,
};
#define FOLIO_ROLE_ALL 0x3FFu

/* Stable names: "him_technician", "chart_analyst", "coder", "coding_auditor", "roi_specialist",
 * "privacy_officer", "cancer_registrar", "clinician", "analyst", "administrator". */
const char *folio_role_name(uint32_t single_role);
const char *folio_role_title(uint32_t single_role); /* "HIM technician", ... */
/* Parses one name, or a comma-separated list, into a bit set; EINVAL names the bad one. */
enum folio_rc folio_roles_parse(const char *names, uint32_t *roles, struct folio_err *err) FOLIO_MUST_USE;
/* Writes "coder,clinician" into out. */
bool folio_roles_format(uint32_t roles, char *out, size_t cap);

/* Permissions: what a route or command needs. Numbered once; never reuse. */
enum folio_perm {
    FOLIO_PERM_NONE = 0,          /* public (health, sign-in, OpenAPI) */
    FOLIO_PERM_SIGNED_IN = 1,     /* any signed-in user (own session, sign-out) */
    FOLIO_PERM_PATIENT_READ = 2,  /* search and view patients, encounters (demographics) */
    FOLIO_PERM_IDENTIFIERS = 3,   /* see direct identifiers (names, MRN, address, phone, ...) */
    FOLIO_PERM_PATIENT_WRITE = 4, /* register and update patients */
    FOLIO_PERM_ENCOUNTER_WRITE = 5,
    FOLIO_PERM_DOCUMENT_READ = 6, /* read documents, versions, content */
    FOLIO_PERM_DOCUMENT_WRITE = 7, /* file new documents */
    FOLIO_PERM_DOCUMENT_AMEND = 8, /* amend, correct, mark entered-in-error, sign */
    FOLIO_PERM_RESULT_READ = 9,   /* observations */
    FOLIO_PERM_RESULT_WRITE = 10,
    FOLIO_PERM_AUDIT_READ = 11,   /* audit search, verify, exports, who-accessed reports */
    FOLIO_PERM_USER_ADMIN = 12,   /* users and roles */
    FOLIO_PERM_INTERFACE_READ = 13,  /* HL7 message log: raw messages, ACKs, errors queue */
    FOLIO_PERM_INTERFACE_WRITE = 14, /* HL7 message log: replay a message */
    FOLIO_PERM_MPI_REVIEW = 15,   /* MPI: duplicate worklist (scan, not-a-duplicate, defer), merge
                                     history, overlays */
    FOLIO_PERM_MPI_MERGE = 16,    /* MPI: merge two charts, unmerge */
    FOLIO_PERM_CODING_READ = 17,  /* coding abstracts, their history, the DNFC worklist */
    FOLIO_PERM_CODING_WRITE = 18, /* code an encounter: save, hold, finalize, rebill; take work */
    FOLIO_PERM_CODING_MANAGE = 19, /* assign work to other coders; productivity of every coder */
    FOLIO_PERM_CMPL_READ = 20,    /* deficiencies, the analysis worklist, delinquency reports,
                                     the rules in force, queries of an encounter */
    FOLIO_PERM_CMPL_WRITE = 21,   /* run analysis, waive deficiencies, mark charts complete,
                                     reopen them */
    FOLIO_PERM_CMPL_MANAGE = 22,  /* load the completeness rules */
    FOLIO_PERM_QUERY_WRITE = 23,  /* write, send and withdraw physician queries; query reports */
    FOLIO_PERM_INBOX = 24,        /* the signed-in clinician's own inbox: answer their queries,
                                     see and sign their deficient documents */
    FOLIO_PERM_ROI_READ = 25,     /* release of information: the request queue, requests,
                                     authorizations, packets, the accounting of disclosures */
    FOLIO_PERM_ROI_WRITE = 26,    /* take in, validate, pull, QA, release and deny requests;
                                     record authorizations, fees, packets and disclosures */
    FOLIO_PERM_PRIVACY_REVIEW = 27, /* the privacy officer's review queue: break-the-glass
                                       accesses and snooping alerts; restricted/VIP charts */
    FOLIO_PERM_DEID_EXTRACT = 28, /* research extracts: de-identified (Safe Harbor) or limited
                                     data sets under a data use agreement */
    FOLIO_PERM__COUNT
};
const char *folio_perm_name(enum folio_perm p); /* "patient.read", ... */
/* True when any of the roles grants p. FOLIO_PERM_NONE is always granted. */
bool folio_roles_can(uint32_t roles, enum folio_perm p);

/* ---- users ---- */
struct folio_user {
    int64_t id;
    const char *username;
    const char *display_name;
    uint32_t roles;
    bool disabled;
    int failed_count;
    const char *locked_until;  /* NULL when not locked */
    const char *last_login_at; /* NULL when never */
    const char *created_at;
    const char *password_changed_at;
    int64_t provider_id; /* the provider the user is (their inbox); 0 none */
    /* Workforce data the snooping alerts compare with the charts the user opens (btg.h,
     * folio_btg_user_set_home); NULL when not recorded. */
    const char *family_name;
    const char *home_postal_code;
    const char *home_street;
};

/* Usernames: 1-64 of [a-z0-9._-], lower-cased. Passwords: 12-1024 bytes. Every change records
 * `actor`. Errors: EINVAL (field "username"/"password"/"roles"), ECONFLICT (username taken),
 * ENOTFOUND. Each runs in its own transaction or a savepoint of the caller's. */
enum folio_rc folio_user_add(struct folio_store *s, const char *actor, const char *username,
                             const char *display_name, uint32_t roles, const char *password,
                             int64_t *id_out, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_user_set_disabled(struct folio_store *s, const char *actor, const char *username,
                                      bool disabled, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_user_set_roles(struct folio_store *s, const char *actor, const char *username,
                                   uint32_t roles, struct folio_err *err) FOLIO_MUST_USE;
/* Sets a new password, clears the lockout and ends the user's sessions. */
enum folio_rc folio_user_reset_password(struct folio_store *s, const char *actor,
                                        const char *username, const char *password,
                                        struct folio_err *err) FOLIO_MUST_USE;
/* Strings live in the arena. */
enum folio_rc folio_user_get(struct folio_store *s, const char *username, struct folio_arena *a,
                             struct folio_user *out, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_user_list(struct folio_store *s, struct folio_arena *a,
                              struct folio_user **out, size_t *n, struct folio_err *err) FOLIO_MUST_USE;
/* Links the user to the provider they are (their inbox: queries and deficiencies addressed to
 * that provider); provider_id 0 unlinks. ENOTFOUND "username", ENOTFOUND "provider_id". */
enum folio_rc folio_user_set_provider(struct folio_store *s, const char *actor,
                                      const char *username, int64_t provider_id,
                                      struct folio_err *err) FOLIO_MUST_USE;

/* ---- sessions ---- */
struct folio_auth_policy {
    int idle_minutes;     /* default 30 */
    int absolute_minutes; /* default 720 (12 h) */
    int max_failures;     /* consecutive failures before lockout, default 5 */
    int lockout_minutes;  /* default 15 */
};
void folio_auth_policy_defaults(struct folio_auth_policy *p);

#define FOLIO_TOKEN_HEX_LEN 64
struct folio_session {
    int64_t id;
    int64_t user_id;
    char username[65];
    char display_name[129];
    uint32_t roles;
    bool cookie;                          /* cookie session (CSRF applies) or bearer */
    char csrf[FOLIO_TOKEN_HEX_LEN + 1];   /* for cookie sessions; "" for bearer */
    char expires_at[32];                  /* absolute expiry, canonical UTC */
};

/* Checks the password and opens a session. Bad username, bad password, disabled and locked all
 * return FOLIO_EPERM with the same message ("wrong username or password, or the account is
 * locked or disabled") so a caller cannot probe which; *reason (may be NULL) gets the true one
 * for the audit trail: "bad_password", "unknown_user", "disabled", "locked".
 * A failure is recorded (failed_count, lockout) and that write is kept: the caller commits even
 * on EPERM. token_out gets the token to hand to the client (never stored). */
enum folio_rc folio_auth_login(struct folio_store *s, const struct folio_auth_policy *pol,
                               const char *username, const char *password, bool cookie,
                               char token_out[FOLIO_TOKEN_HEX_LEN + 1], struct folio_session *out,
                               const char **reason, struct folio_err *err) FOLIO_MUST_USE;
/* The same, recording the client's network address (or "cli") with the session (may be NULL).
 * pol NULL, or a field <= 0, means the default. An unknown user, a malformed username or a
 * disabled/locked account costs the same Argon2id work as a real check (no timing oracle). */
enum folio_rc folio_auth_login_from(struct folio_store *s, const struct folio_auth_policy *pol,
                                    const char *username, const char *password, bool cookie,
                                    const char *client, char token_out[FOLIO_TOKEN_HEX_LEN + 1],
                                    struct folio_session *out, const char **reason,
                                    struct folio_err *err) FOLIO_MUST_USE;
/* Looks a token up: EPERM when unknown, ended, idle too long, past its absolute expiry, or the
 * user is disabled. Refreshes last_seen at most once a minute (a write). */
enum folio_rc folio_auth_check(struct folio_store *s, const struct folio_auth_policy *pol,
                               const char *token, struct folio_session *out,
                               struct folio_err *err) FOLIO_MUST_USE;
/* Ends the session (ended_at now, ended_reason "logout"; the row is kept). A token that is
 * already ended or unknown changes nothing and is FOLIO_OK; a malformed token is EPERM. */
enum folio_rc folio_auth_logout(struct folio_store *s, const char *token,
                                struct folio_err *err) FOLIO_MUST_USE;
/* Constant-time comparison of a presented CSRF token with the session's. Fails closed: false
 * for a bearer session (no CSRF token; callers check CSRF only for cookie sessions), a NULL or
 * wrongly sized token. */
bool folio_auth_csrf_ok(const struct folio_session *sess, const char *presented);

#endif
