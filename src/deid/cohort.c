/* Research extracts of a cohort: Safe Harbor (45 CFR 164.514(b)(2)) or a limited data set
 * (164.514(e)) under a data use agreement, one row per encounter, CSV or JSON; the DUAs and
 * the extract log (migration 0021; folio/deid.h; docs/deid.md "Cohort extracts").
 *
 * The patient's demographics are read through the records API (folio_patient_get), never by
 * SQL on the patient tables, so that whatever is sealed there stays sealed: nothing here reads
 * an SSN. The study id of a patient is random per extract (never derived from an id). */
#include "folio/base.h"

#include <sodium.h>
#include <strings.h>

#include "folio/abstract.h"
#include "folio/codes.h"
#include "folio/crypto.h"
#include "folio/deid.h"
#include "folio/drg.h"
#include "folio/edits.h"
#include "folio/json.h"
#include "folio/records.h"
#include "folio/roi.h"
#include "folio/store.h"
#include "folio/time.h"

#define USER_MAX 200
#define NOTE_SEP "\n----\n"

/* ------------------------------------------------------------------ small helpers */

const char *folio_deid_method_name(enum folio_deid_method m)
{
    switch (m) {
    case FOLIO_DEID_SAFE_HARBOR:
        return "safe_harbor";
    case FOLIO_DEID_LIMITED:
        return "limited_data_set";
    }
    return NULL;
}

const char *folio_deid_format_name(enum folio_deid_format f)
{
    switch (f) {
    case FOLIO_DEID_CSV:
        return "csv";
    case FOLIO_DEID_JSON:
        return "json";
    }
    return NULL;
}

enum folio_rc folio_deid_method_parse(const char *s, enum folio_deid_method *out,
                                      struct folio_err *err)
{
    if (s && (strcmp(s, "safe_harbor") == 0 || strcmp(s, "safe-harbor") == 0)) {
        *out = FOLIO_DEID_SAFE_HARBOR;
        return FOLIO_OK;
    }
    if (s && (strcmp(s, "limited_data_set") == 0 || strcmp(s, "limited") == 0)) {
        *out = FOLIO_DEID_LIMITED;
        return FOLIO_OK;
    }
    return folio_err_set(err, FOLIO_EINVAL, "method",
                         "method: '%.40s' is not safe_harbor or limited_data_set", s ? s : "");
}

enum folio_rc folio_deid_format_parse(const char *s, enum folio_deid_format *out,
                                      struct folio_err *err)
{
    if (s && strcmp(s, "csv") == 0) {
        *out = FOLIO_DEID_CSV;
        return FOLIO_OK;
    }
    if (s && strcmp(s, "json") == 0) {
        *out = FOLIO_DEID_JSON;
        return FOLIO_OK;
    }
    return folio_err_set(err, FOLIO_EINVAL, "format", "format: '%.40s' is not csv or json",
                         s ? s : "");
}

static enum folio_rc date_arg(const char *in, const char *field, char out[11],
                              struct folio_err *err)
{
    int64_t d;

    out[0] = '\0';
    if (folio_str_empty(in))
        return FOLIO_OK;
    if (!folio_date_days(in, &d))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: '%.40s' is not a date YYYY-MM-DD",
                             field, in);
    folio_strlcpy(out, in, 11);
    return FOLIO_OK;
}

static enum folio_rc user_arg(const char *user, struct folio_err *err)
{
    if (folio_str_empty(user))
        return folio_err_set(err, FOLIO_EINVAL, "user", "user: who acts is required");
    if (strlen(user) > USER_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "user", "user: longer than %d bytes", USER_MAX);
    return FOLIO_OK;
}

static enum folio_rc text_arg(const char *in, bool required, const char *field,
                              struct folio_err *err)
{
    if (required && (folio_str_empty(in) || !folio_sv_trim(folio_sv_from(in)).len))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: required", field);
    if (in && strlen(in) > FOLIO_DEID_DUA_TEXT_MAX)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: longer than %d bytes", field,
                             FOLIO_DEID_DUA_TEXT_MAX);
    return FOLIO_OK;
}

static enum folio_rc nomem(struct folio_err *err)
{
    return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
}

/* ------------------------------------------------------------------ data use agreements */

#define DUA_COLS                                                                                   \
    "id, recipient, purpose, users, signed_on, expires_on, no_other_use, safeguards, "             \
    "report_violations, agents_bound, no_reidentify, created_at, created_by, terminated_on, "      \
    "terminated_by, termination_reason"

static enum folio_rc dua_read(struct folio_stmt *st, struct folio_arena *a,
                              struct folio_deid_dua *d, struct folio_err *err)
{
    bool oom = false;

    memset(d, 0, sizeof *d);
    d->id = folio_stmt_column_i64(st, 0);
    d->recipient = folio_stmt_column_dup(a, st, 1, &oom);
    d->purpose = folio_stmt_column_dup(a, st, 2, &oom);
    d->users = folio_stmt_column_dup(a, st, 3, &oom);
    d->signed_on = folio_stmt_column_dup(a, st, 4, &oom);
    d->expires_on = folio_stmt_column_dup(a, st, 5, &oom);
    d->no_other_use = folio_stmt_column_i64(st, 6) != 0;
    d->safeguards = folio_stmt_column_i64(st, 7) != 0;
    d->report_violations = folio_stmt_column_i64(st, 8) != 0;
    d->agents_bound = folio_stmt_column_i64(st, 9) != 0;
    d->no_reidentify = folio_stmt_column_i64(st, 10) != 0;
    d->created_at = folio_stmt_column_dup(a, st, 11, &oom);
    d->created_by = folio_stmt_column_dup(a, st, 12, &oom);
    d->terminated_on = folio_stmt_column_dup(a, st, 13, &oom);
    d->terminated_by = folio_stmt_column_dup(a, st, 14, &oom);
    d->termination_reason = folio_stmt_column_dup(a, st, 15, &oom);
    return oom ? nomem(err) : FOLIO_OK;
}

enum folio_rc folio_deid_dua_add(struct folio_store *s, struct folio_deid_dua *d, const char *user,
                                 const char *now, struct folio_err *err)
{
    char at[32], today[11], signed_on[11], expires_on[11];
    enum folio_rc rc;

    d->id = 0;
    if ((rc = user_arg(user, err)) || (rc = folio_time_clock(now, at, today, err)) ||
        (rc = text_arg(d->recipient, true, "recipient", err)) ||
        (rc = text_arg(d->purpose, true, "purpose", err)) ||
        (rc = text_arg(d->users, true, "users", err)) ||
        (rc = date_arg(d->signed_on, "signed_on", signed_on, err)) ||
        (rc = date_arg(d->expires_on, "expires_on", expires_on, err)))
        return rc;
    if (!signed_on[0])
        return folio_err_set(err, FOLIO_EINVAL, "signed_on", "signed_on: required (YYYY-MM-DD)");
    if (expires_on[0] && strcmp(expires_on, signed_on) < 0)
        return folio_err_set(err, FOLIO_EINVAL, "expires_on",
                             "expires_on: %s is before signed_on %s", expires_on, signed_on);
    return folio_store_exec_fmt(
        s, &d->id, NULL, NULL, err,
        "INSERT INTO deid_dua (recipient, purpose, users, signed_on, expires_on, no_other_use, "
        "safeguards, report_violations, agents_bound, no_reidentify, created_at, created_by) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
        "TTTTtiiiiiTT", d->recipient, d->purpose, d->users, signed_on, expires_on,
        (int64_t)d->no_other_use, (int64_t)d->safeguards, (int64_t)d->report_violations,
        (int64_t)d->agents_bound, (int64_t)d->no_reidentify, at, user);
}

enum folio_rc folio_deid_dua_get(struct folio_store *s, int64_t id, struct folio_arena *a,
                                 struct folio_deid_dua *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc;

    memset(out, 0, sizeof *out);
    rc = folio_store_prepare_fmt(s, &st, err, "SELECT " DUA_COLS " FROM deid_dua WHERE id = ?",
                                 "i", id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "dua_id", "no data use agreement with id %lld",
                           (long long)id);
    if (rc == FOLIO_OK)
        rc = dua_read(st, a, out, err);
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_deid_dua_list(struct folio_store *s, struct folio_arena *a,
                                  struct folio_deid_dua **out, size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_deid_dua *v = NULL;
    size_t cap = 0, k = 0;
    bool row = false;
    enum folio_rc rc;

    *out = NULL;
    *n = 0;
    rc = folio_store_prepare_fmt(s, &st, err, "SELECT " DUA_COLS " FROM deid_dua ORDER BY id DESC",
                                 "");
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        v = folio_arena_grow(a, v, k, &cap, sizeof *v, 16);
        if (!v) {
            rc = nomem(err);
            break;
        }
        rc = dua_read(st, a, &v[k], err);
        if (rc == FOLIO_OK)
            k++;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK) {
        *out = v;
        *n = k;
    }
    return rc;
}

enum folio_rc folio_deid_dua_terminate(struct folio_store *s, int64_t id, const char *on,
                                       const char *reason, const char *user, const char *now,
                                       struct folio_err *err)
{
    struct folio_arena a;
    struct folio_deid_dua d;
    char at[32], today[11], day[11];
    enum folio_rc rc;

    if ((rc = user_arg(user, err)) || (rc = folio_time_clock(now, at, today, err)) ||
        (rc = date_arg(on, "terminated_on", day, err)) ||
        (rc = text_arg(reason, true, "reason", err)))
        return rc;
    if (!day[0])
        folio_strlcpy(day, today, sizeof day);
    folio_arena_init(&a, 0);
    if ((rc = folio_store_begin(s, err))) {
        folio_arena_release(&a);
        return rc;
    }
    rc = folio_deid_dua_get(s, id, &a, &d, err);
    if (rc == FOLIO_OK && d.terminated_on)
        rc = folio_err_set(err, FOLIO_ESTATE, "dua_id",
                           "data use agreement %lld was already terminated on %s", (long long)id,
                           d.terminated_on);
    if (rc == FOLIO_OK && strcmp(day, d.signed_on) < 0)
        rc = folio_err_set(err, FOLIO_EINVAL, "terminated_on",
                           "terminated_on: %s is before the agreement was signed (%s)", day,
                           d.signed_on);
    if (rc == FOLIO_OK)
        rc = folio_store_exec_fmt(s, NULL, NULL, NULL, err,
                                  "UPDATE deid_dua SET terminated_on = ?, terminated_by = ?, "
                                  "termination_reason = ? WHERE id = ?",
                                  "TTTi", day, user, reason, id);
    folio_arena_release(&a);
    return folio_store_end(s, rc, err);
}

enum folio_rc folio_deid_dua_check(const struct folio_deid_dua *d, const char *today,
                                   struct folio_err *err)
{
    static const struct {
        size_t off;
        const char *name, *cite;
    } as[] = {
        {offsetof(struct folio_deid_dua, no_other_use), "no_other_use", "(C)(1)"},
        {offsetof(struct folio_deid_dua, safeguards), "safeguards", "(C)(2)"},
        {offsetof(struct folio_deid_dua, report_violations), "report_violations", "(C)(3)"},
        {offsetof(struct folio_deid_dua, agents_bound), "agents_bound", "(C)(4)"},
        {offsetof(struct folio_deid_dua, no_reidentify), "no_reidentify", "(C)(5)"},
    };
    char msg[600];
    size_t len = 0, i;
    bool bad = false, first = true;

#define ADD(...)                                                                                   \
    do {                                                                                           \
        int n_ = snprintf(msg + len, sizeof msg - len, __VA_ARGS__);                               \
        if (n_ > 0)                                                                                \
            len = (size_t)n_ >= sizeof msg - len ? sizeof msg - 1 : len + (size_t)n_;              \
    } while (0)

    ADD("data use agreement %lld cannot be used for a limited data set:", (long long)d->id);
    if (d->terminated_on && strcmp(d->terminated_on, today) <= 0) {
        ADD(" it was terminated on %s;", d->terminated_on);
        bad = true;
    }
    if (d->signed_on && strcmp(d->signed_on, today) > 0) {
        ADD(" it is signed on %s, not yet in force;", d->signed_on);
        bad = true;
    }
    if (d->expires_on && strcmp(d->expires_on, today) < 0) {
        ADD(" it expired on %s;", d->expires_on);
        bad = true;
    }
    for (i = 0; i < sizeof as / sizeof as[0]; i++) {
        if (*(const bool *)((const char *)d + as[i].off))
            continue;
        ADD("%s %s (45 CFR 164.514(e)(4)(ii)%s)", first ? " assurance missing:" : ",",
            as[i].name, as[i].cite);
        first = false;
        bad = true;
    }
#undef ADD
    if (!bad)
        return FOLIO_OK;
    while (len > 0 && msg[len - 1] == ';')
        msg[--len] = '\0';
    return folio_err_set(err, FOLIO_ESTATE, "dua_id", "%s", msg);
}

/* ------------------------------------------------------------------ the extract log */

enum folio_rc folio_deid_extract_list(struct folio_store *s, int64_t limit, struct folio_arena *a,
                                      struct folio_deid_extract_log **out, size_t *n,
                                      struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_deid_extract_log *v = NULL;
    size_t cap = 0, k = 0;
    bool row = false, oom = false;
    enum folio_rc rc;

    *out = NULL;
    *n = 0;
    if (limit < 1 || limit > 1000)
        limit = 100;
    rc = folio_store_prepare_fmt(s, &st, err,
                                 "SELECT id, created_at, created_by, method, format, criteria, "
                                 "sha256, dua_id, with_notes, row_count, patient_count FROM "
                                 "deid_extract ORDER BY id DESC LIMIT ?",
                                 "i", limit);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct folio_deid_extract_log *x;
        v = folio_arena_grow(a, v, k, &cap, sizeof *v, 16);
        if (!v) {
            rc = nomem(err);
            break;
        }
        x = &v[k++];
        x->id = folio_stmt_column_i64(st, 0);
        x->created_at = folio_stmt_column_dup(a, st, 1, &oom);
        x->created_by = folio_stmt_column_dup(a, st, 2, &oom);
        x->method = folio_stmt_column_dup(a, st, 3, &oom);
        x->format = folio_stmt_column_dup(a, st, 4, &oom);
        x->criteria = folio_stmt_column_dup(a, st, 5, &oom);
        x->sha256 = folio_stmt_column_dup(a, st, 6, &oom);
        x->dua_id = folio_stmt_column_i64(st, 7);
        x->notes = folio_stmt_column_i64(st, 8) != 0;
        x->rows = folio_stmt_column_i64(st, 9);
        x->patients = folio_stmt_column_i64(st, 10);
        if (oom) {
            rc = nomem(err);
            break;
        }
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK) {
        *out = v;
        *n = k;
    }
    return rc;
}

/* ------------------------------------------------------------------ the cohort */

/* A word the chart knows identifies the patient (a name, an identifier, a street, a city). */
struct term {
    const char *s;
    enum folio_deid_type type;
    size_t min_len; /* shorter values are not looked for (too many false hits) */
    bool ident;     /* an identifier: s holds its letters and digits only (upper-case), and the
                       note may write it with separators ("MRN-ZQ771", "(603) 555-0142") */
};

/* One patient of the extract: the random study id and what the rows and notes need, copied
 * out of the chart (the chart itself is read into a scratch arena and dropped). */
struct pt {
    int64_t id;
    char study[16];
    const char *sex, *birth_date;
    const char *zip, *city, *state; /* current home address (else the first current one) */
    struct term *terms;             /* with notes only */
    size_t n_terms;
    size_t n_rows;
};

struct note {
    const char *type_code; /* LOINC document type */
    const char *type_title; /* the LOINC table's title, never the document's own title */
    char *text;             /* de-identified */
    struct folio_deid_report removed;
};

struct row {
    struct pt *pt; /* set once every patient is known (the array moves while it grows) */
    size_t pt_ix;
    int64_t enc_id;
    const char *sex;
    char age[16];
    char admit[11], discharge[11]; /* YYYY or YYYY-MM-DD, "" unknown */
    char admit_sort[32];
    int64_t los; /* -1 unknown */
    char zip[6];
    const char *city, *state; /* limited data set only */
    char enc_class[16], disposition[8];
    const char **dx;
    size_t n_dx;
    const char **pr;
    size_t n_pr;
    int drg; /* 0 = none */
    struct note *notes;
    size_t n_notes;
    struct folio_deid_report removed;
};

struct ctx {
    const struct folio_chart *c;
    const struct folio_deid_extract_req *r;
    struct folio_arena *a;
    struct pt *pts;
    size_t n_pts, cap_pts;
    struct row *rows;
    size_t n_rows;
    struct folio_deid_extract_result *res;
    struct folio_drg_result *drg_res;
    struct folio_claim *claim;
    size_t note_bytes, max_bytes; /* de-identified note text so far; what out can still take */
    int64_t last_pid;             /* the restriction check of the last patient seen */
    bool last_left_out;
};

/* Upper-case ICD-10-CM prefix without the dot: letter first, then letters and digits. */
static enum folio_rc dx_prefix_arg(const char *in, char out[9], struct folio_err *err)
{
    size_t k = 0;

    out[0] = '\0';
    if (folio_str_empty(in))
        return FOLIO_OK;
    for (const char *p = in; *p; p++) {
        char ch = *p;
        if (ch == '.' && k >= 3)
            continue;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 32);
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) || k >= 8 ||
            (k == 0 && !(ch >= 'A' && ch <= 'Z')))
            return folio_err_set(err, FOLIO_EINVAL, "dx",
                                 "dx: '%.20s' is not an ICD-10-CM code prefix (a letter, then "
                                 "up to 7 letters or digits)",
                                 in);
        out[k++] = ch;
    }
    out[k] = '\0';
    return FOLIO_OK;
}

static bool class_known(const char *s)
{
    static const char *const k[] = {"inpatient", "outpatient", "emergency", "observation",
                                    "newborn"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcmp(s, k[i]) == 0)
            return true;
    return false;
}

/* The encounter ids of the cohort, by patient then id. */
static enum folio_rc select_encounters(struct ctx *x, const char *from, const char *to_next,
                                       const char *dx, int64_t **ids, size_t *n,
                                       struct folio_err *err)
{
    const struct folio_deid_criteria *cr = &x->r->crit;
    size_t row_cap = x->r->notes ? FOLIO_DEID_COHORT_MAX_ROWS_NOTES : FOLIO_DEID_COHORT_MAX_ROWS;
    struct folio_buf sql;
    struct folio_stmt *st = NULL;
    size_t cap = 0, k = 0, i;
    int idx = 1;
    bool row = false;
    char like[12];
    enum folio_rc rc;

    *ids = NULL;
    *n = 0;
    folio_buf_init(&sql, 64 * 1024);
    rc = folio_buf_append_str(&sql, "SELECT e.id FROM encounter e WHERE e.status <> 'cancelled'");
    if (!rc && from[0])
        rc = folio_buf_append_str(&sql, " AND COALESCE(e.discharge_at, e.admit_at) >= ?");
    if (!rc && to_next[0])
        rc = folio_buf_append_str(&sql, " AND COALESCE(e.discharge_at, e.admit_at) < ?");
    if (!rc && !folio_str_empty(cr->enc_class))
        rc = folio_buf_append_str(&sql, " AND e.enc_class = ?");
    if (!rc && dx[0])
        rc = folio_buf_append_str(
            &sql, " AND EXISTS (SELECT 1 FROM coding_abstract a JOIN coding_abstract_code c ON "
                  "c.abstract_id = a.id WHERE a.encounter_id = e.id AND a.status = 'final' AND "
                  "c.to_version IS NULL AND c.code_system = 'icd10cm' AND c.role <> "
                  "'procedure' AND c.code LIKE ?)");
    if (!rc && cr->n_patients) {
        rc = folio_buf_append_str(&sql, " AND e.patient_id IN (");
        for (i = 0; !rc && i < cr->n_patients; i++)
            rc = folio_buf_append_str(&sql, i ? ",?" : "?");
        if (!rc)
            rc = folio_buf_append_ch(&sql, ')');
    }
    if (!rc)
        rc = folio_buf_append_str(&sql, " ORDER BY e.patient_id, e.id");
    if (rc) {
        folio_buf_release(&sql);
        return nomem(err);
    }
    rc = folio_store_prepare(x->c->store, sql.data, &st, err);
    folio_buf_release(&sql);
    if (rc)
        return rc;
    if (from[0])
        rc = folio_stmt_bind_text(st, idx++, from, (size_t)-1);
    if (!rc && to_next[0])
        rc = folio_stmt_bind_text(st, idx++, to_next, (size_t)-1);
    if (!rc && !folio_str_empty(cr->enc_class))
        rc = folio_stmt_bind_text(st, idx++, cr->enc_class, (size_t)-1);
    if (!rc && dx[0]) {
        folio_snprintf(like, sizeof like, "%s%%", dx);
        rc = folio_stmt_bind_text(st, idx++, like, (size_t)-1);
    }
    for (i = 0; !rc && i < cr->n_patients; i++)
        rc = folio_stmt_bind_i64(st, idx++, cr->patient_ids[i]);
    if (rc) {
        folio_stmt_free(st);
        return folio_err_set(err, rc, NULL, "binding parameters failed");
    }
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        if (k >= row_cap) {
            rc = folio_err_set(err, FOLIO_ETOOBIG, "criteria",
                               "the cohort has more than %zu encounters%s: narrow the criteria",
                               row_cap, x->r->notes ? " (with notes)" : "");
            break;
        }
        *ids = folio_arena_grow(x->a, *ids, k, &cap, sizeof **ids, 64);
        if (!*ids) {
            rc = nomem(err);
            break;
        }
        (*ids)[k++] = folio_stmt_column_i64(st, 0);
    }
    folio_stmt_free(st);
    *n = k;
    return rc;
}

/* A random study id: "S" and 8 characters of a 30-letter alphabet without look-alikes (about
 * 6.5e11 values), uniformly drawn, never derived from an identifier. */
static void new_study_id(char out[16])
{
    static const char alpha[] = "ABCDEFGHJKLMNPQRSTUVWXYZ234679";

    out[0] = 'S';
    for (size_t j = 0; j < 8; j++)
        out[1 + j] = alpha[randombytes_uniform(30)];
    out[9] = '\0';
}

static int pt_study_cmp(const void *pa, const void *pb)
{
    const struct pt *const *a = pa, *const *b = pb;
    return strcmp((*a)->study, (*b)->study);
}

/* Makes the study ids unique within the extract (a collision is rare: it is drawn again). */
static enum folio_rc unique_study_ids(struct ctx *x, struct folio_err *err)
{
    struct pt **v;
    bool again = true;
    size_t i;

    if (x->n_pts < 2)
        return FOLIO_OK;
    v = malloc(x->n_pts * sizeof *v);
    if (!v)
        return nomem(err);
    for (i = 0; i < x->n_pts; i++)
        v[i] = &x->pts[i];
    while (again) {
        again = false;
        qsort(v, x->n_pts, sizeof *v, pt_study_cmp);
        for (i = 1; i < x->n_pts; i++)
            if (strcmp(v[i - 1]->study, v[i]->study) == 0) {
                new_study_id(v[i]->study);
                again = true;
            }
    }
    free(v);
    return FOLIO_OK;
}

static enum folio_rc push_term(struct ctx *x, struct pt *p, size_t *cap, const char *v,
                               size_t len, enum folio_deid_type type, size_t min_len, bool ident)
{
    size_t i;

    if (len < min_len)
        return FOLIO_OK;
    for (i = 0; i < p->n_terms; i++) /* the same value twice is looked for once */
        if (p->terms[i].ident == ident && strlen(p->terms[i].s) == len &&
            strncasecmp(p->terms[i].s, v, len) == 0)
            return FOLIO_OK;
    p->terms = folio_arena_grow(x->a, p->terms, p->n_terms, cap, sizeof *p->terms, 8);
    if (!p->terms)
        return FOLIO_ENOMEM;
    p->terms[p->n_terms].s = folio_arena_strndup(x->a, v, len);
    p->terms[p->n_terms].type = type;
    p->terms[p->n_terms].min_len = min_len;
    p->terms[p->n_terms].ident = ident;
    return p->terms[p->n_terms++].s ? FOLIO_OK : FOLIO_ENOMEM;
}

static enum folio_rc add_pt_term(struct ctx *x, struct pt *p, size_t *cap, const char *v,
                                 enum folio_deid_type type, size_t min_len)
{
    if (folio_str_empty(v))
        return FOLIO_OK;
    return push_term(x, p, cap, v, strlen(v), type, min_len, false);
}

static bool is_alnum(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

/* An identifier (MRN, account number, phone, ...): looked for by its letters and digits, so
 * that "MRN-ZQ771" or "mrn zq 771" in a note is found for the stored MRNZQ771. A phone with a
 * country code is also looked for by its last 10 digits. */
static enum folio_rc add_ident_term(struct ctx *x, struct pt *p, size_t *cap, const char *v,
                                    enum folio_deid_type type, size_t min_len)
{
    char norm[128];
    size_t k = 0;
    enum folio_rc rc;

    if (folio_str_empty(v))
        return FOLIO_OK;
    for (const char *q = v; *q && k < sizeof norm - 1; q++)
        if (is_alnum((unsigned char)*q))
            norm[k++] = (char)(*q >= 'a' && *q <= 'z' ? *q - 32 : *q);
    norm[k] = '\0';
    rc = push_term(x, p, cap, norm, k, type, min_len, true);
    if (!rc && type == FOLIO_DEID_PHONE && k > 10)
        rc = push_term(x, p, cap, norm + k - 10, 10, type, min_len, true);
    return rc;
}

/* A name: the whole value and each of its parts (split on spaces, hyphens, apostrophes, dots
 * and commas) of 2 characters or more, so that "Quixotic-Brandywhistle" also loses
 * "Brandywhistle" and "Mary Ann" loses "Ann". */
static enum folio_rc add_name_term(struct ctx *x, struct pt *p, size_t *cap, const char *v)
{
    const char *q, *part;
    enum folio_rc rc;

    if (folio_str_empty(v))
        return FOLIO_OK;
    rc = add_pt_term(x, p, cap, v, FOLIO_DEID_NAME, 2);
    for (q = part = v; !rc; q++) {
        size_t sep = 0;
        if (*q == ' ' || *q == '-' || *q == '\'' || *q == '.' || *q == ',' || *q == '\t' ||
            *q == '\0')
            sep = 1;
        else if ((unsigned char)q[0] == 0xE2 && (unsigned char)q[1] == 0x80 &&
                 ((unsigned char)q[2] == 0x99 || (unsigned char)q[2] == 0x90 ||
                  (unsigned char)q[2] == 0x91))
            sep = 3; /* right single quotation mark, Unicode hyphens */
        if (!sep)
            continue;
        if ((size_t)(q - part) >= 2)
            rc = push_term(x, p, cap, part, (size_t)(q - part), FOLIO_DEID_NAME, 2, false);
        if (*q == '\0')
            break;
        q += sep - 1;
        part = q + 1;
    }
    return rc;
}

static enum folio_rc add_names(struct ctx *x, struct pt *p, size_t *cap,
                               const struct folio_name *n)
{
    enum folio_rc rc = add_name_term(x, p, cap, n->family);
    if (!rc)
        rc = add_name_term(x, p, cap, n->given);
    if (!rc)
        rc = add_name_term(x, p, cap, n->middle);
    return rc;
}

/* The account numbers and external ids of every encounter of the patient (a note may name
 * another stay's account). */
static enum folio_rc add_encounter_terms(struct ctx *x, struct pt *p, size_t *cap,
                                         struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc;

    rc = folio_store_prepare_fmt(x->c->store, &st, err,
                                 "SELECT account_number, ext_id FROM encounter WHERE "
                                 "patient_id = ? ORDER BY id",
                                 "i", p->id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        rc = add_ident_term(x, p, cap, folio_stmt_column_text(st, 0), FOLIO_DEID_ACCOUNT, 3);
        if (!rc)
            rc = add_ident_term(x, p, cap, folio_stmt_column_text(st, 1), FOLIO_DEID_OTHER, 3);
        if (rc == FOLIO_ENOMEM)
            rc = nomem(err);
    }
    folio_stmt_free(st);
    return rc;
}

/* What the notes of this patient must lose whatever the text rules find: every part of every
 * name (current and previous), every identifier value (SSNs are masked on read and skipped),
 * every phone, the account numbers and external ids of the encounters, the street and city of
 * every address, the e-mail. */
static enum folio_rc collect_terms(struct ctx *x, struct pt *p, const struct folio_patient *c,
                                   struct folio_err *err)
{
    size_t cap = 0, i;
    enum folio_rc rc;

    rc = add_names(x, p, &cap, &c->name);
    for (i = 0; !rc && i < c->n_names; i++)
        rc = add_names(x, p, &cap, &c->names[i]);
    for (i = 0; !rc && i < c->n_ids; i++)
        if (c->ids[i].value && !strchr(c->ids[i].value, '*'))
            rc = add_ident_term(x, p, &cap, c->ids[i].value,
                                c->ids[i].kind && strcmp(c->ids[i].kind, "MR") == 0
                                    ? FOLIO_DEID_MRN
                                    : FOLIO_DEID_OTHER,
                                3);
    for (i = 0; !rc && i < c->n_phones; i++)
        rc = add_ident_term(x, p, &cap, c->phones[i].number, FOLIO_DEID_PHONE, 7);
    for (i = 0; !rc && i < c->n_addresses; i++) {
        rc = add_pt_term(x, p, &cap, c->addresses[i].line1, FOLIO_DEID_GEOGRAPHIC, 4);
        if (!rc)
            rc = add_pt_term(x, p, &cap, c->addresses[i].city, FOLIO_DEID_GEOGRAPHIC, 3);
    }
    if (!rc)
        rc = add_pt_term(x, p, &cap, c->email, FOLIO_DEID_EMAIL, 3);
    if (rc)
        return nomem(err);
    return add_encounter_terms(x, p, &cap, err);
}

/* A patient's entry, created with a fresh random study id on first sight. */
static enum folio_rc patient_of(struct ctx *x, int64_t pid, struct pt **out,
                                struct folio_err *err)
{
    const struct folio_address *addr = NULL;
    struct folio_patient c;
    struct folio_arena tmp;
    struct pt *p;
    bool oom = false;
    size_t i;
    enum folio_rc rc;

    /* encounters come by patient: a patient seen before is the last one */
    if (x->n_pts && x->pts[x->n_pts - 1].id == pid) {
        *out = &x->pts[x->n_pts - 1];
        return FOLIO_OK;
    }
    /* pts moves while it grows: rows keep an index until every patient is known */
    x->pts = folio_arena_grow(x->a, x->pts, x->n_pts, &x->cap_pts, sizeof *x->pts, 16);
    if (!x->pts)
        return nomem(err);
    p = &x->pts[x->n_pts];
    memset(p, 0, sizeof *p);
    p->id = pid;
    folio_arena_init(&tmp, 0);
    rc = folio_patient_get(x->c, pid, &tmp, &c, err);
    if (rc) {
        folio_arena_release(&tmp);
        return rc;
    }
    new_study_id(p->study);
    for (i = 0; i < c.n_addresses && !addr; i++)
        if (c.addresses[i].current && c.addresses[i].use &&
            strcmp(c.addresses[i].use, "home") == 0)
            addr = &c.addresses[i];
    for (i = 0; i < c.n_addresses && !addr; i++)
        if (c.addresses[i].current)
            addr = &c.addresses[i];
#define KEEP(dst, src)                                                                             \
    do {                                                                                           \
        dst = folio_arena_strdup(x->a, src);                                                       \
        oom |= (src) && !(dst);                                                                    \
    } while (0)
    KEEP(p->sex, c.sex);
    KEEP(p->birth_date, c.birth_date);
    if (addr) {
        KEEP(p->zip, addr->postal_code);
        KEEP(p->city, addr->city);
        KEEP(p->state, addr->state);
    }
#undef KEEP
    if (!oom && x->r->notes)
        rc = collect_terms(x, p, &c, err);
    folio_arena_release(&tmp);
    if (rc)
        return rc;
    if (oom)
        return nomem(err);
    x->n_pts++;
    x->res->patients = x->n_pts;
    *out = p;
    return FOLIO_OK;
}

/* The current codes of the encounter's final abstract: diagnoses in the abstract's role
 * order, procedures by sequence. *final false when not final-coded. */
static enum folio_rc load_codes(struct ctx *x, struct row *rw, bool *final_coded,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    size_t cap_dx = 0, cap_pr = 0;
    enum folio_rc rc;
    struct folio_claim *cl = x->claim;

    *final_coded = false;
    memset(cl, 0, sizeof *cl);
    rc = folio_store_prepare_fmt(
        x->c->store, &st, err,
        "SELECT c.role, c.code, c.poa, c.code_system FROM coding_abstract a JOIN "
        "coding_abstract_code c ON c.abstract_id = a.id WHERE a.encounter_id = ? AND a.status = "
        "'final' AND c.to_version IS NULL ORDER BY CASE c.role WHEN 'principal' THEN 0 WHEN "
        "'admitting' THEN 1 WHEN 'reason_for_visit' THEN 2 WHEN 'secondary' THEN 3 WHEN "
        "'external_cause' THEN 4 ELSE 5 END, c.seq, c.id",
        "i", rw->enc_id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *role = folio_stmt_column_text(st, 0);
        const char *poa = folio_stmt_column_text(st, 2);
        const char *sys = folio_stmt_column_text(st, 3);
        char *code = folio_stmt_column_dup(x->a, st, 1, &oom);

        *final_coded = true;
        if (oom || !code) {
            rc = nomem(err);
            break;
        }
        if (role && strcmp(role, "procedure") == 0) {
            rw->pr = folio_arena_grow(x->a, rw->pr, rw->n_pr, &cap_pr, sizeof *rw->pr, 16);
            if (!rw->pr) {
                rc = nomem(err);
                break;
            }
            rw->pr[rw->n_pr++] = code;
            if (sys && strcmp(sys, "icd10pcs") == 0 && cl->npr < FOLIO_CLAIM_MAX_CODES)
                folio_strlcpy(cl->pr[cl->npr++], code, sizeof cl->pr[0]);
            continue;
        }
        rw->dx = folio_arena_grow(x->a, rw->dx, rw->n_dx, &cap_dx, sizeof *rw->dx, 16);
        if (!rw->dx) {
            rc = nomem(err);
            break;
        }
        rw->dx[rw->n_dx++] = code;
        if (role && strcmp(role, "principal") == 0 && !cl->pdx.code[0]) {
            folio_strlcpy(cl->pdx.code, code, sizeof cl->pdx.code);
            cl->pdx.poa = poa && poa[0] ? poa[0] : '\0';
        } else if (role && (strcmp(role, "secondary") == 0 ||
                            strcmp(role, "external_cause") == 0) &&
                   cl->nsdx < FOLIO_CLAIM_MAX_CODES) {
            folio_strlcpy(cl->sdx[cl->nsdx].code, code, sizeof cl->sdx[0].code);
            cl->sdx[cl->nsdx++].poa = poa && poa[0] ? poa[0] : '\0';
        }
    }
    folio_stmt_free(st);
    return rc;
}

/* The MS-DRG of a final-coded inpatient stay with a principal diagnosis, when the grouper
 * tables are loaded. A stay no version covers gets none. */
static enum folio_rc group_drg(struct ctx *x, struct row *rw, const struct folio_encounter *e,
                               struct folio_err *err)
{
    const struct folio_drg_version *v;
    struct folio_claim *cl = x->claim;
    int32_t ymd;
    enum folio_rc rc;

    if (!x->r->drg || strcmp(e->enc_class, "inpatient") != 0 || !cl->pdx.code[0] ||
        folio_str_empty(e->discharge_at) || strlen(e->discharge_at) < 10)
        return FOLIO_OK;
    ymd = (int32_t)((e->discharge_at[0] - '0') * 10000000 + (e->discharge_at[1] - '0') * 1000000 +
                    (e->discharge_at[2] - '0') * 100000 + (e->discharge_at[3] - '0') * 10000 +
                    (e->discharge_at[5] - '0') * 1000 + (e->discharge_at[6] - '0') * 100 +
                    (e->discharge_at[8] - '0') * 10 + (e->discharge_at[9] - '0'));
    v = folio_drg_set_pick(x->r->drg, ymd);
    if (!v)
        return FOLIO_OK;
    cl->age = 0;
    cl->sex = rw->sex && (rw->sex[0] == 'M' || rw->sex[0] == 'F') ? rw->sex[0] : 'U';
    cl->discharge_status = 1;
    if (rw->disposition[0] >= '0' && rw->disposition[0] <= '9')
        cl->discharge_status = (int)strtol(rw->disposition, NULL, 10);
    rc = folio_drg_group(v, cl, x->drg_res, err);
    if (rc)
        return rc;
    rw->drg = x->drg_res->final.drg;
    return FOLIO_OK;
}

/* ---- notes: the text de-identifier plus the patient's own identifiers ---- */

static bool word_char(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch >= 0x80;
}

static int span_cmp(const void *pa, const void *pb)
{
    const struct folio_deid_span *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->end > b->end ? -1 : a->end < b->end;
}

static enum folio_rc push_span(struct folio_deid_spans *sp, size_t start, size_t end,
                               enum folio_deid_type type)
{
    if (sp->n == sp->cap) {
        size_t nc = sp->cap ? sp->cap * 2 : 16;
        struct folio_deid_span *nv = realloc(sp->v, nc * sizeof *nv);
        if (!nv)
            return FOLIO_ENOMEM;
        sp->v = nv;
        sp->cap = nc;
    }
    sp->v[sp->n++] = (struct folio_deid_span){start, end, type};
    return FOLIO_OK;
}

/* Adds a span for each whole-word, ASCII case-insensitive occurrence of term in text. */
static enum folio_rc add_term(const char *text, size_t len, const char *term,
                              enum folio_deid_type type, size_t min_len,
                              struct folio_deid_spans *sp)
{
    size_t tl, i;

    if (folio_str_empty(term))
        return FOLIO_OK;
    tl = strlen(term);
    if (tl < min_len || tl > len)
        return FOLIO_OK;
    for (i = 0; i + tl <= len; i++) {
        if (strncasecmp(text + i, term, tl) != 0)
            continue;
        if ((i > 0 && word_char((unsigned char)text[i - 1])) ||
            (i + tl < len && word_char((unsigned char)text[i + tl])))
            continue;
        if (push_span(sp, i, i + tl, type))
            return FOLIO_ENOMEM;
        i += tl - 1;
    }
    return FOLIO_OK;
}

static bool ident_sep(char ch)
{
    return ch == '-' || ch == ' ' || ch == '.' || ch == '/' || ch == '_' || ch == '(' ||
           ch == ')';
}

/* Adds a span for each whole-word occurrence of the identifier term (its letters and digits,
 * upper-case) in text, written with or without separators between its characters (at most two
 * in a row: "MRN-ZQ771", "(603) 555-0142"), ASCII case-insensitive. */
static enum folio_rc add_ident(const char *text, size_t len, const char *term,
                               enum folio_deid_type type, size_t min_len,
                               struct folio_deid_spans *sp)
{
    size_t tl = strlen(term), i;

    if (tl < min_len || tl == 0)
        return FOLIO_OK;
    for (i = 0; i < len; i++) {
        size_t j = i, k = 0, seps = 0;
        if (!is_alnum((unsigned char)text[i]) || (i > 0 && word_char((unsigned char)text[i - 1])))
            continue;
        while (j < len && k < tl) {
            char ch = text[j];
            if (is_alnum((unsigned char)ch)) {
                if ((ch >= 'a' && ch <= 'z' ? ch - 32 : ch) != term[k])
                    break;
                k++;
                j++;
                seps = 0;
            } else if (ident_sep(ch) && seps < 2) {
                seps++;
                j++;
            } else {
                break;
            }
        }
        if (k < tl || (j < len && word_char((unsigned char)text[j])))
            continue;
        if (push_span(sp, i, j, type))
            return FOLIO_ENOMEM;
        i = j - 1;
    }
    return FOLIO_OK;
}

/* Sorts and merges overlapping spans (the first one's type wins). */
static void spans_normalize(struct folio_deid_spans *sp)
{
    size_t i, k = 0;

    if (sp->n < 2)
        return;
    qsort(sp->v, sp->n, sizeof *sp->v, span_cmp);
    for (i = 1; i < sp->n; i++) {
        if (sp->v[i].start < sp->v[k].end) {
            if (sp->v[i].end > sp->v[k].end)
                sp->v[k].end = sp->v[i].end;
            continue;
        }
        sp->v[++k] = sp->v[i];
    }
    sp->n = k + 1;
}

/* The de-identified text of one note into nt (*ok true), or *ok false when the note cannot be
 * de-identified (not UTF-8, a NUL, too big): it is then withheld, never passed through. */
static enum folio_rc redact_note(struct ctx *x, const struct pt *p, const char *text, size_t len,
                                 struct note *nt, bool *ok)
{
    struct folio_deid_spans sp = {0};
    struct folio_buf out;
    struct folio_err e = {0};
    enum folio_rc rc;
    size_t i;

    *ok = false;
    if (folio_deid_text_find(text, len, &sp, &e) != FOLIO_OK)
        return FOLIO_OK;
    /* what the chart knows identifies the patient wherever the rules miss it */
    rc = FOLIO_OK;
    for (i = 0; !rc && i < p->n_terms; i++)
        rc = p->terms[i].ident
                 ? add_ident(text, len, p->terms[i].s, p->terms[i].type, p->terms[i].min_len, &sp)
                 : add_term(text, len, p->terms[i].s, p->terms[i].type, p->terms[i].min_len, &sp);
    if (rc) {
        folio_deid_spans_release(&sp);
        return rc;
    }
    spans_normalize(&sp);
    folio_buf_init(&out, 4 * FOLIO_DEID_TEXT_MAX + 1024);
    rc = folio_deid_text_apply(text, len, &sp, &out, &nt->removed);
    folio_deid_spans_release(&sp);
    if (rc == FOLIO_OK) {
        nt->text = folio_arena_strndup(x->a, out.data, out.len);
        rc = nt->text ? FOLIO_OK : FOLIO_ENOMEM;
        *ok = nt->text != NULL;
    }
    folio_buf_release(&out);
    return rc == FOLIO_ETOOBIG ? FOLIO_OK : rc;
}

static enum folio_rc load_notes(struct ctx *x, struct row *rw, struct pt *p,
                                struct folio_err *err)
{
    struct folio_document_page page;
    struct folio_arena tmp; /* the documents and their bytes: only the redacted text stays */
    size_t i, cap = 0;
    enum folio_rc rc;

    folio_arena_init(&tmp, 0);
    rc = folio_document_list(x->c, p->id, rw->enc_id, 1000, 0, &tmp, &page, err);
    /* oldest first reads like the stay */
    for (i = rc ? 0 : page.n; i-- > 0;) {
        const struct folio_document *d = &page.items[i];
        struct folio_document_tag *tags = NULL;
        size_t n_tags = 0, t;
        const void *content = NULL;
        size_t clen = 0;
        struct note nt;
        bool ok = false;

        if (d->current.status && strcmp(d->current.status, "entered-in-error") == 0)
            continue;
        if (!d->current.mime_type || strncmp(d->current.mime_type, "text/", 5) != 0)
            continue;
        /* sensitive records (psychotherapy notes, Part 2, ...) stay out of research extracts */
        rc = folio_document_tags(x->c, d->id, false, &tmp, &tags, &n_tags, err);
        if (rc)
            break;
        if (n_tags) {
            x->res->notes_withheld++;
            continue;
        }
        {
            /* a document whose content is missing is withheld and counted, never a reason to
             * fail the whole extract; a database error still fails it (PostgreSQL has aborted
             * the transaction by then) */
            struct folio_err e2 = {0};
            rc = folio_document_content(x->c, d->current.id, &tmp, &content, &clen, &e2);
            if (rc == FOLIO_ENOTFOUND) {
                rc = FOLIO_OK;
                x->res->notes_withheld++;
                continue;
            }
            if (rc) {
                *err = e2;
                break;
            }
        }
        memset(&nt, 0, sizeof nt);
        /* the type code goes out only when the LOINC table knows it: a code is free text up
         * to 64 characters and could carry anything */
        nt.type_title = folio_loinc_doc_title(d->type_code);
        nt.type_code = nt.type_title ? folio_arena_strdup(x->a, d->type_code) : "unknown";
        if (!nt.type_code) {
            rc = nomem(err);
            break;
        }
        rc = redact_note(x, p, content, clen, &nt, &ok);
        if (rc) {
            rc = rc == FOLIO_ENOMEM ? nomem(err)
                                    : folio_err_set(err, rc, NULL,
                                                    "cannot de-identify document %lld (%s)",
                                                    (long long)d->id, folio_rc_name(rc));
            break;
        }
        if (!ok) {
            x->res->notes_withheld++;
            continue;
        }
        /* the notes dominate the size: fail early rather than at the end */
        x->note_bytes += strlen(nt.text) + 64;
        if (x->note_bytes > x->max_bytes) {
            rc = folio_err_set(err, FOLIO_ETOOBIG, "criteria",
                               "the extract is larger than %zu bytes: narrow the criteria",
                               x->max_bytes);
            break;
        }
        rw->notes = folio_arena_grow(x->a, rw->notes, rw->n_notes, &cap, sizeof *rw->notes, 4);
        if (!rw->notes) {
            rc = nomem(err);
            break;
        }
        rw->notes[rw->n_notes++] = nt;
        for (t = 0; t < FOLIO_DEID_NTYPES; t++) {
            rw->removed.count[t] += nt.removed.count[t];
            x->res->removed.count[t] += nt.removed.count[t];
        }
        rw->removed.total += nt.removed.total;
        x->res->removed.total += nt.removed.total;
        x->res->notes++;
    }
    folio_arena_release(&tmp);
    return rc;
}

/* Whole days between two dates (first 10 characters of canonical times); -1 when unknown. */
static int64_t los_days(const char *admit, const char *discharge)
{
    char a[11], d[11];
    int64_t da, dd;

    if (folio_str_empty(admit) || folio_str_empty(discharge) || strlen(admit) < 10 ||
        strlen(discharge) < 10)
        return -1;
    folio_strlcpy(a, admit, sizeof a);
    folio_strlcpy(d, discharge, sizeof d);
    if (!folio_date_days(a, &da) || !folio_date_days(d, &dd) || dd < da)
        return -1;
    return dd - da;
}

static void date_out(bool limited, const char *t, char out[11])
{
    out[0] = '\0';
    if (folio_str_empty(t) || strlen(t) < 4)
        return;
    if (limited && strlen(t) >= 10)
        folio_strlcpy(out, t, 11);
    else
        folio_strlcpy(out, t, 5); /* (b)(2)(i)(C): the year alone */
}

/* One row of the cohort into rw; *kept false when the encounter's chart is restricted and the
 * caller's may_open refuses it (the patient is left out and counted once). */
static enum folio_rc build_row(struct ctx *x, int64_t enc_id, struct row *rw, bool *kept,
                               struct folio_err *err)
{
    bool limited = x->r->method == FOLIO_DEID_LIMITED, final_coded = false;
    struct folio_encounter e;
    struct folio_arena tmp; /* the encounter as read: only what the row needs is kept */
    struct pt *p = NULL;
    enum folio_rc rc;

    memset(rw, 0, sizeof *rw);
    rw->enc_id = enc_id;
    rw->los = -1;
    folio_arena_init(&tmp, 0);
    *kept = false;
    rc = folio_encounter_get(x->c, enc_id, &tmp, &e, err);
    if (rc == FOLIO_OK && x->r->may_open && e.patient_id != x->last_pid) {
        bool allowed = false;
        rc = x->r->may_open(x->r->may_open_arg, e.patient_id, &allowed, err);
        x->last_pid = e.patient_id;
        x->last_left_out = !allowed;
        if (rc == FOLIO_OK && !allowed)
            x->res->patients_left_out++;
    }
    if (rc == FOLIO_OK && x->r->may_open && x->last_left_out)
        goto out;
    *kept = true;
    if (rc == FOLIO_OK)
        rc = patient_of(x, e.patient_id, &p, err);
    if (rc)
        goto out;
    rw->pt_ix = (size_t)(p - x->pts);
    rw->sex = p->sex;
    folio_strlcpy(rw->enc_class, e.enc_class ? e.enc_class : "", sizeof rw->enc_class);
    folio_strlcpy(rw->disposition, e.disposition ? e.disposition : "", sizeof rw->disposition);
    folio_strlcpy(rw->admit_sort, e.admit_at ? e.admit_at : "", sizeof rw->admit_sort);
    date_out(limited, e.admit_at, rw->admit);
    date_out(limited, e.discharge_at, rw->discharge);
    rw->los = los_days(e.admit_at, e.discharge_at);
    if (!folio_str_empty(p->birth_date) && !folio_str_empty(e.admit_at) &&
        strlen(e.admit_at) >= 10) {
        int age = 0;
        struct folio_err e2 = {0};
        if (folio_deid_sh_age_on(p->birth_date, strlen(p->birth_date), e.admit_at, 10, &age,
                                 &e2) == FOLIO_OK) {
            if (limited) /* 164.514(e)(2): ages may stay in a limited data set */
                folio_snprintf(rw->age, sizeof rw->age, "%d", age);
            else if (folio_deid_sh_age(age > 150 ? 150 : age, rw->age, &e2) != FOLIO_OK)
                rw->age[0] = '\0';
        }
    }
    if (!folio_str_empty(p->zip)) {
        struct folio_err e2 = {0};
        char z3[4];
        if (folio_deid_sh_zip(p->zip, strlen(p->zip), NULL, z3, &e2) == FOLIO_OK) {
            if (limited)
                folio_strlcpy(rw->zip, p->zip, 6); /* the 5-digit ZIP, 164.514(e)(2) */
            else
                folio_strlcpy(rw->zip, z3, sizeof rw->zip); /* (b)(2)(i)(B) */
        }
    }
    if (limited) {
        rw->city = p->city;
        rw->state = p->state;
    }
    rc = load_codes(x, rw, &final_coded, err);
    if (rc == FOLIO_OK && final_coded)
        rc = group_drg(x, rw, &e, err);
    if (rc == FOLIO_OK && x->r->notes)
        rc = load_notes(x, rw, p, err);
out:
    folio_arena_release(&tmp);
    return rc;
}

static int row_cmp(const void *pa, const void *pb)
{
    const struct row *a = pa, *b = pb;
    int c = strcmp(a->pt->study, b->pt->study);
    if (c)
        return c;
    c = strcmp(a->admit_sort, b->admit_sort);
    if (c)
        return c;
    return a->enc_id < b->enc_id ? -1 : a->enc_id > b->enc_id;
}

/* ------------------------------------------------------------------ output */

/* Column name, the Safe Harbor item it answers, and whether the method has it. */
struct column {
    const char *name;
    const char *identifier; /* what 164.514(b)(2)(i) item the column relates to, and how */
};

static const struct column sh_columns[] = {
    {"study_id", "(R) a code assigned for the extract, random, not derived from any identifier "
                 "(164.514(c))"},
    {"sex", "not an identifier"},
    {"age_at_admission", "(C) ages over 89 grouped as \"90 or older\""},
    {"admission_year", "(C) the year alone"},
    {"discharge_year", "(C) the year alone"},
    {"length_of_stay_days", "not a date element: a count of days"},
    {"zip3", "(B) the first 3 ZIP digits, 000 for areas of 20,000 people or fewer"},
    {"encounter_class", "not an identifier"},
    {"discharge_disposition", "not an identifier (UB-04 code)"},
    {"diagnoses", "not an identifier (ICD-10-CM codes of the final abstract)"},
    {"procedures", "not an identifier (ICD-10-PCS / CPT / HCPCS codes)"},
    {"ms_drg", "not an identifier"},
    {"notes", "(A)-(R) in free text replaced by [TAG] (docs/deid.md: measured recall)"},
    {"notes_removed", "counts of what was replaced in the notes, per identifier type"},
};

static const struct column lds_columns[] = {
    {"study_id", "a code assigned for the extract, random, not derived from any identifier"},
    {"sex", NULL},
    {"age_at_admission", "164.514(e)(2): ages kept"},
    {"admission_date", "164.514(e)(2): dates kept"},
    {"discharge_date", "164.514(e)(2): dates kept"},
    {"length_of_stay_days", NULL},
    {"zip", "164.514(e)(2): five-digit ZIP kept"},
    {"city", "164.514(e)(2): town or city kept"},
    {"state", "164.514(e)(2): state kept"},
    {"encounter_class", NULL},
    {"discharge_disposition", NULL},
    {"diagnoses", NULL},
    {"procedures", NULL},
    {"ms_drg", NULL},
    {"notes", "identifiers in free text replaced by [TAG], dates included"},
    {"notes_removed", NULL},
};

/* What happens to each of the 18 Safe Harbor identifiers, 164.514(b)(2)(i)(A)-(R). */
static const char *const removal[FOLIO_DEID_NTYPES] = {
    "(A) names: no column; in notes replaced by [NAME] (patient's own names always)",
    "(B) geographic subdivisions: no street or city; ZIP reduced to 3 digits (000 for the 17 "
    "small areas)",
    "(C) dates: years only; ages over 89 as \"90 or older\"; in notes replaced by [DATE]",
    "(D) telephone numbers: no column; in notes replaced by [PHONE]",
    "(E) fax numbers: no column; in notes replaced by [FAX]",
    "(F) e-mail addresses: no column; in notes replaced by [EMAIL]",
    "(G) social security numbers: never read; in notes replaced by [SSN]",
    "(H) medical record numbers: no column; in notes replaced by [MRN]",
    "(I) health plan beneficiary numbers: no column; in notes replaced by [HEALTH_PLAN]",
    "(J) account numbers: no column (no encounter or account number); in notes [ACCOUNT]",
    "(K) certificate/license numbers: no column; in notes replaced by [LICENSE]",
    "(L) vehicle identifiers: no column; in notes replaced by [VEHICLE]",
    "(M) device identifiers: no column; in notes replaced by [DEVICE]",
    "(N) URLs: no column; in notes replaced by [URL]",
    "(O) IP addresses: no column; in notes replaced by [IP]",
    "(P) biometric identifiers: none stored",
    "(Q) full-face photographs: no images (text documents only)",
    "(R) other unique numbers or codes: internal ids left out; study ids random per extract",
};

static enum folio_rc csv_field(struct folio_buf *b, const char *s, bool first)
{
    enum folio_rc rc = FOLIO_OK;

    if (!first)
        rc = folio_buf_append_ch(b, ',');
    return rc ? rc : folio_buf_append_csv_field(b, s); /* quoted, formula-guarded */
}

static enum folio_rc csv_list(struct folio_buf *b, const char *const *v, size_t n)
{
    enum folio_rc rc = folio_buf_append_ch(b, ',');
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = folio_buf_append_ch(b, ';');
        if (!rc)
            rc = folio_buf_append_str(b, v[i]); /* codes: letters and digits only */
    }
    return rc;
}

static enum folio_rc report_text(const struct folio_deid_report *r, struct folio_buf *b)
{
    enum folio_rc rc = FOLIO_OK;
    bool first = true;
    for (unsigned t = 0; !rc && t < FOLIO_DEID_NTYPES; t++) {
        if (!r->count[t])
            continue;
        rc = folio_buf_appendf(b, "%s%s=%zu", first ? "" : ";",
                               folio_deid_type_name((enum folio_deid_type)t), r->count[t]);
        first = false;
    }
    return rc;
}

static enum folio_rc write_csv(struct ctx *x, struct folio_buf *b)
{
    bool limited = x->r->method == FOLIO_DEID_LIMITED;
    const struct column *cols = limited ? lds_columns : sh_columns;
    size_t ncols = limited ? sizeof lds_columns / sizeof lds_columns[0]
                           : sizeof sh_columns / sizeof sh_columns[0];
    enum folio_rc rc = FOLIO_OK;
    struct folio_buf tmp;
    char num[24];
    size_t i, j;

    if (!x->r->notes)
        ncols -= 2;
    for (i = 0; !rc && i < ncols; i++)
        rc = csv_field(b, cols[i].name, i == 0);
    if (!rc)
        rc = folio_buf_append(b, "\r\n", 2);
    folio_buf_init(&tmp, (size_t)64 << 20);
    for (i = 0; !rc && i < x->n_rows; i++) {
        const struct row *rw = &x->rows[i];
        rc = csv_field(b, rw->pt->study, true);
        if (!rc)
            rc = csv_field(b, rw->sex, false);
        if (!rc)
            rc = csv_field(b, rw->age, false);
        if (!rc)
            rc = csv_field(b, rw->admit, false);
        if (!rc)
            rc = csv_field(b, rw->discharge, false);
        if (rw->los >= 0)
            folio_snprintf(num, sizeof num, "%lld", (long long)rw->los);
        else
            num[0] = '\0';
        if (!rc)
            rc = csv_field(b, num, false);
        if (!rc)
            rc = csv_field(b, rw->zip, false);
        if (!rc && limited)
            rc = csv_field(b, rw->city, false);
        if (!rc && limited)
            rc = csv_field(b, rw->state, false);
        if (!rc)
            rc = csv_field(b, rw->enc_class, false);
        if (!rc)
            rc = csv_field(b, rw->disposition, false);
        if (!rc)
            rc = csv_list(b, rw->dx, rw->n_dx);
        if (!rc)
            rc = csv_list(b, rw->pr, rw->n_pr);
        if (rw->drg)
            folio_snprintf(num, sizeof num, "%03d", rw->drg);
        else
            num[0] = '\0';
        if (!rc)
            rc = csv_field(b, num, false);
        if (!rc && x->r->notes) {
            folio_buf_reset(&tmp);
            for (j = 0; !rc && j < rw->n_notes; j++) {
                if (j)
                    rc = folio_buf_append_str(&tmp, NOTE_SEP);
                if (!rc)
                    rc = folio_buf_appendf(&tmp, "[%s %s]\n", rw->notes[j].type_code,
                                           rw->notes[j].type_title ? rw->notes[j].type_title
                                                                   : "document");
                if (!rc)
                    rc = folio_buf_append_str(&tmp, rw->notes[j].text);
            }
            if (!rc)
                rc = csv_field(b, tmp.data, false);
            folio_buf_reset(&tmp);
            if (!rc)
                rc = report_text(&rw->removed, &tmp);
            if (!rc)
                rc = csv_field(b, tmp.data, false);
        }
        if (!rc)
            rc = folio_buf_append(b, "\r\n", 2);
    }
    folio_buf_release(&tmp);
    return rc;
}

static json_t *report_json(const struct folio_deid_report *r)
{
    json_t *o = json_object();
    for (unsigned t = 0; o && t < FOLIO_DEID_NTYPES; t++)
        if (r->count[t] &&
            json_object_set_new(o, folio_deid_type_name((enum folio_deid_type)t),
                                json_integer((json_int_t)r->count[t])))
            return json_decref(o), NULL;
    return o;
}

static json_t *str_or_null(const char *s)
{
    return folio_str_empty(s) ? json_null() : json_string(s);
}

static json_t *list_json(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(v[i])))
            return json_decref(a), NULL;
    return a;
}

/* A criteria date in a Safe Harbor header: the year alone ((b)(2)(i)(C)). */
static json_t *year_or_null(const char *s)
{
    return folio_str_empty(s) ? json_null() : json_stringn(s, strlen(s) < 4 ? strlen(s) : 4);
}

/* The criteria as given, without the patient ids (internal ids are identifiers, (R)): those
 * go to the log only. years_only (a Safe Harbor header): from and to as years; the full dates
 * go to the log only. */
static json_t *criteria_json(const struct folio_deid_criteria *c, const char *dx, bool with_ids,
                             bool years_only)
{
    json_t *o = json_pack("{s:o,s:o,s:o,s:o}", "from",
                          years_only ? year_or_null(c->from) : str_or_null(c->from), "to",
                          years_only ? year_or_null(c->to) : str_or_null(c->to), "class",
                          str_or_null(c->enc_class), "dx", str_or_null(dx));
    if (!o)
        return NULL;
    if (with_ids) {
        json_t *ids = json_array();
        for (size_t i = 0; ids && i < c->n_patients; i++)
            if (json_array_append_new(ids, json_integer(c->patient_ids[i])))
                ids = (json_decref(ids), NULL);
        if (!ids || json_object_set_new(o, "patient_ids", ids))
            return json_decref(o), NULL;
    } else if (json_object_set_new(o, "patients_listed", json_integer((json_int_t)c->n_patients))) {
        return json_decref(o), NULL;
    }
    return o;
}

struct dump_to {
    struct folio_buf *b;
    enum folio_rc rc;
};

static int dump_cb(const char *p, size_t n, void *data)
{
    struct dump_to *d = data;
    d->rc = folio_buf_append(d->b, p, n);
    return d->rc ? -1 : 0;
}

static enum folio_rc write_json(struct ctx *x, const char *today, const char *dx,
                                const struct folio_deid_dua *dua, struct folio_buf *b)
{
    bool limited = x->r->method == FOLIO_DEID_LIMITED;
    const struct column *cols = limited ? lds_columns : sh_columns;
    size_t ncols = limited ? sizeof lds_columns / sizeof lds_columns[0]
                           : sizeof sh_columns / sizeof sh_columns[0];
    json_t *doc = NULL, *hdr, *rows, *colv, *rem;
    enum folio_rc rc = FOLIO_ENOMEM;
    size_t i, j;

    if (!x->r->notes)
        ncols -= 2;
    hdr = json_pack("{s:s,s:s,s:o,s:{s:I,s:I,s:I,s:I,s:I},s:o}", "method",
                    folio_deid_method_name(x->r->method), "generated_on", today, "criteria",
                    criteria_json(&x->r->crit, dx, false, !limited), "counts", "rows",
                    (json_int_t)x->n_rows, "patients", (json_int_t)x->n_pts, "notes",
                    (json_int_t)x->res->notes, "notes_withheld", (json_int_t)x->res->notes_withheld,
                    "restricted_patients_left_out", (json_int_t)x->res->patients_left_out,
                    "removed", report_json(&x->res->removed));
    rows = json_array();
    colv = json_array();
    rem = json_object();
    if (!hdr || !rows || !colv || !rem)
        goto out;
    for (i = 0; i < ncols; i++) {
        json_t *c = json_pack("{s:s,s:o}", "name", cols[i].name, "identifier",
                              str_or_null(cols[i].identifier));
        if (!c || json_array_append_new(colv, c))
            goto out;
    }
    if (json_object_set_new(hdr, "columns", colv))
        goto out;
    colv = NULL;
    if (limited) {
        json_t *d = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)dua->id, "recipient",
                              dua->recipient, "permitted_uses", dua->purpose);
        if (!d || json_object_set_new(hdr, "data_use_agreement", d))
            goto out;
    } else {
        for (i = 0; i < FOLIO_DEID_NTYPES; i++)
            if (json_object_set_new(rem, folio_deid_type_name((enum folio_deid_type)i),
                                    json_string(removal[i])))
                goto out;
        if (json_object_set_new(hdr, "removal_report", rem))
            goto out;
        rem = NULL;
        if (json_object_set_new(hdr, "zip3_table",
                                json_string(folio_deid_zip3_census2000.source)))
            goto out;
    }
    for (i = 0; i < x->n_rows; i++) {
        const struct row *rw = &x->rows[i];
        json_t *o = json_object(), *v;
        if (!o || json_array_append_new(rows, o))
            goto out;
        if (json_object_set_new(o, "study_id", json_string(rw->pt->study)) ||
            json_object_set_new(o, "sex", str_or_null(rw->sex)) ||
            json_object_set_new(o, "age_at_admission", str_or_null(rw->age)) ||
            json_object_set_new(o, limited ? "admission_date" : "admission_year",
                                str_or_null(rw->admit)) ||
            json_object_set_new(o, limited ? "discharge_date" : "discharge_year",
                                str_or_null(rw->discharge)) ||
            json_object_set_new(o, "length_of_stay_days",
                                rw->los >= 0 ? json_integer(rw->los) : json_null()) ||
            json_object_set_new(o, limited ? "zip" : "zip3", str_or_null(rw->zip)))
            goto out;
        if (limited && (json_object_set_new(o, "city", str_or_null(rw->city)) ||
                        json_object_set_new(o, "state", str_or_null(rw->state))))
            goto out;
        if (json_object_set_new(o, "encounter_class", str_or_null(rw->enc_class)) ||
            json_object_set_new(o, "discharge_disposition", str_or_null(rw->disposition)) ||
            json_object_set_new(o, "diagnoses", list_json(rw->dx, rw->n_dx)) ||
            json_object_set_new(o, "procedures", list_json(rw->pr, rw->n_pr)) ||
            json_object_set_new(o, "ms_drg", rw->drg ? json_integer(rw->drg) : json_null()))
            goto out;
        if (!x->r->notes)
            continue;
        v = json_array();
        if (!v || json_object_set_new(o, "notes", v))
            goto out;
        for (j = 0; j < rw->n_notes; j++) {
            json_t *n = json_pack("{s:s,s:o,s:s,s:o}", "type_code", rw->notes[j].type_code,
                                  "type_title", str_or_null(rw->notes[j].type_title), "text",
                                  rw->notes[j].text, "removed", report_json(&rw->notes[j].removed));
            if (!n || json_array_append_new(v, n))
                goto out;
        }
        if (json_object_set_new(o, "notes_removed", report_json(&rw->removed)))
            goto out;
    }
    doc = json_pack("{s:o,s:o}", "header", hdr, "rows", rows);
    hdr = rows = NULL;
    if (!doc)
        goto out;
    {
        /* straight into the output (no intermediate copy), within its cap */
        struct dump_to d = {b, FOLIO_OK};
        size_t before = b->len;
        if (json_dump_callback(doc, dump_cb, &d,
                               JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) != 0) {
            rc = d.rc ? d.rc : FOLIO_ENOMEM;
            b->len = before;
            b->data[before] = '\0';
            goto out;
        }
    }
    rc = folio_buf_append_ch(b, '\n');
out:
    json_decref(doc);
    json_decref(hdr);
    json_decref(rows);
    json_decref(colv);
    json_decref(rem);
    return rc;
}

/* ------------------------------------------------------------------ the extract */

static enum folio_rc check_request(const struct folio_deid_extract_req *r, char from[11],
                                   char to[11], char dx[9], struct folio_err *err)
{
    const struct folio_deid_criteria *c = &r->crit;
    enum folio_rc rc;
    size_t i;

    if ((rc = user_arg(r->user, err)))
        return rc;
    if (!folio_deid_method_name(r->method))
        return folio_err_set(err, FOLIO_EINVAL, "method",
                             "method: must be safe_harbor or limited_data_set");
    if (!folio_deid_format_name(r->format))
        return folio_err_set(err, FOLIO_EINVAL, "format", "format: must be csv or json");
    if (r->method == FOLIO_DEID_LIMITED && r->dua_id <= 0)
        return folio_err_set(err, FOLIO_EINVAL, "dua_id",
                             "dua_id: a limited data set needs a data use agreement "
                             "(45 CFR 164.514(e)(4)); none was given");
    if (r->method == FOLIO_DEID_SAFE_HARBOR && r->dua_id)
        return folio_err_set(err, FOLIO_EINVAL, "dua_id",
                             "dua_id: a Safe Harbor extract takes no data use agreement");
    if ((rc = date_arg(c->from, "from", from, err)) || (rc = date_arg(c->to, "to", to, err)) ||
        (rc = dx_prefix_arg(c->dx_prefix, dx, err)))
        return rc;
    if (from[0] && to[0] && strcmp(to, from) < 0)
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: %s is before from %s", to, from);
    if (!folio_str_empty(c->enc_class) && !class_known(c->enc_class))
        return folio_err_set(err, FOLIO_EINVAL, "class",
                             "class: '%.30s' is not inpatient, outpatient, emergency, "
                             "observation or newborn",
                             c->enc_class);
    if (c->n_patients > FOLIO_DEID_COHORT_MAX_PATIENTS)
        return folio_err_set(err, FOLIO_EINVAL, "patients", "patients: more than %d ids",
                             FOLIO_DEID_COHORT_MAX_PATIENTS);
    for (i = 0; i < c->n_patients; i++)
        if (c->patient_ids[i] <= 0)
            return folio_err_set(err, FOLIO_EINVAL, "patients",
                                 "patients: %lld is not a patient id", (long long)c->patient_ids[i]);
    if (!from[0] && !to[0] && folio_str_empty(c->enc_class) && !dx[0] && !c->n_patients)
        return folio_err_set(err, FOLIO_EINVAL, "criteria",
                             "criteria: give at least one of from, to, class, dx, patients");
    return FOLIO_OK;
}

static enum folio_rc record_disclosures(struct ctx *x, const struct folio_deid_dua *dua,
                                        const char *at, const char *today,
                                        struct folio_err *err)
{
    char desc[200];
    enum folio_rc rc = FOLIO_OK;

    for (size_t i = 0; !rc && i < x->n_pts; i++) {
        struct folio_roi_disclosure d = {0};
        folio_snprintf(desc, sizeof desc,
                       "limited data set, research extract %lld: %zu encounter(s) "
                       "(data use agreement %lld)",
                       (long long)x->res->log_id, x->pts[i].n_rows, (long long)dua->id);
        d.patient_id = x->pts[i].id;
        d.disclosed_on = today;
        d.recipient = dua->recipient;
        d.description = desc;
        d.purpose = dua->purpose;
        d.basis = "limited_data_set"; /* 164.514(e); excluded by 164.528(a)(1)(viii) */
        rc = folio_roi_disclosure_record(x->c->store, &d, x->r->user, at, err);
        if (!rc)
            x->res->disclosures++;
    }
    return rc;
}

enum folio_rc folio_deid_cohort_extract(const struct folio_chart *c,
                                        const struct folio_deid_extract_req *r,
                                        struct folio_buf *out,
                                        struct folio_deid_extract_result *res,
                                        struct folio_err *err)
{
    struct folio_arena a;
    struct ctx x;
    struct folio_deid_dua dua = {0};
    char from[11], to[11], to_next[11] = "", dx[9], at[32], today[11];
    int64_t *ids = NULL, days;
    size_t n_ids = 0, i, start_len = out->len;
    struct folio_buf crit;
    json_t *cj = NULL;
    enum folio_rc rc;

    memset(res, 0, sizeof *res);
    if ((rc = check_request(r, from, to, dx, err)) || (rc = folio_time_clock(r->now, at, today, err)))
        return rc;
    if (to[0] && folio_date_days(to, &days))
        folio_date_format_days(days + 1, to_next);
    folio_arena_init(&a, 0);
    memset(&x, 0, sizeof x);
    x.c = c;
    x.r = r;
    x.a = &a;
    x.res = res;
    x.drg_res = calloc(1, sizeof *x.drg_res);
    x.claim = calloc(1, sizeof *x.claim);
    x.max_bytes = out->max > out->len ? out->max - out->len : 0;
    folio_buf_init(&crit, 1 << 20);
    if (!x.drg_res || !x.claim) {
        free(x.drg_res);
        free(x.claim);
        folio_arena_release(&a);
        return nomem(err);
    }
    if ((rc = folio_store_begin(c->store, err)))
        goto done;
    if (r->method == FOLIO_DEID_LIMITED) {
        rc = folio_deid_dua_get(c->store, r->dua_id, &a, &dua, err);
        if (rc == FOLIO_OK)
            rc = folio_deid_dua_check(&dua, today, err);
    }
    for (i = 0; rc == FOLIO_OK && i < r->crit.n_patients; i++) {
        bool found = false;
        rc = folio_store_exec_fmt(c->store, NULL, &found, NULL, err,
                                  "SELECT id FROM patient WHERE id = ?", "i",
                                  r->crit.patient_ids[i]);
        if (rc == FOLIO_OK && !found)
            rc = folio_err_set(err, FOLIO_ENOTFOUND, "patients", "patients: no patient with id %lld",
                               (long long)r->crit.patient_ids[i]);
    }
    if (rc == FOLIO_OK)
        rc = select_encounters(&x, from, to_next, dx, &ids, &n_ids, err);
    if (rc == FOLIO_OK && n_ids) {
        x.rows = folio_arena_calloc(&a, n_ids, sizeof *x.rows);
        if (!x.rows)
            rc = nomem(err);
    }
    for (i = 0; rc == FOLIO_OK && i < n_ids; i++) {
        bool kept = false;
        rc = build_row(&x, ids[i], &x.rows[x.n_rows], &kept, err);
        if (rc == FOLIO_OK && kept)
            x.n_rows++;
    }
    if (rc == FOLIO_OK)
        rc = unique_study_ids(&x, err);
    if (rc == FOLIO_OK) {
        /* patients no longer move: turn the indexes into pointers */
        for (i = 0; i < x.n_rows; i++) {
            x.rows[i].pt = &x.pts[x.rows[i].pt_ix];
            x.rows[i].pt->n_rows++;
        }
        if (x.n_rows > 1)
            qsort(x.rows, x.n_rows, sizeof *x.rows, row_cmp);
        res->rows = x.n_rows;
        res->patients = x.n_pts;
        rc = r->format == FOLIO_DEID_CSV ? write_csv(&x, out)
                                         : write_json(&x, today, dx, &dua, out);
        if (rc == FOLIO_ETOOBIG)
            rc = folio_err_set(err, FOLIO_ETOOBIG, "criteria",
                               "the extract is larger than %zu bytes: narrow the criteria",
                               out->max);
        else if (rc)
            rc = folio_err_set(err, rc, NULL, "cannot write the extract (%s)", folio_rc_name(rc));
    }
    if (rc == FOLIO_OK) {
        folio_sha256_hex(out->data + start_len, out->len - start_len, res->sha256);
        cj = criteria_json(&r->crit, dx, true, false);
        if (!cj || folio_json_dump(cj, &crit))
            rc = nomem(err);
    }
    if (rc == FOLIO_OK)
        rc = folio_store_exec_fmt(
            c->store, &res->log_id, NULL, NULL, err,
            "INSERT INTO deid_extract (created_at, created_by, method, dua_id, criteria, format, "
            "with_notes, row_count, patient_count, sha256) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "RETURNING id",
            "TTTITTiiiT", at, r->user, folio_deid_method_name(r->method),
            r->method == FOLIO_DEID_LIMITED ? dua.id : (int64_t)0, crit.data,
            folio_deid_format_name(r->format), (int64_t)r->notes, (int64_t)x.n_rows,
            (int64_t)x.n_pts, res->sha256);
    if (rc == FOLIO_OK && r->method == FOLIO_DEID_LIMITED)
        rc = record_disclosures(&x, &dua, at, today, err);
    rc = folio_store_end(c->store, rc, err);
done:
    if (rc && out->len != start_len) {
        out->len = start_len;
        out->data[start_len] = '\0';
    }
    if (rc)
        res->log_id = 0;
    json_decref(cj);
    folio_buf_release(&crit);
    free(x.drg_res);
    free(x.claim);
    folio_arena_release(&a);
    return rc;
}
