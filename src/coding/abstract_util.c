/* Shared by the coding abstract files: names, SQL helpers, dates, the abstract row of an
 * encounter, history rows (abstract_int.h). */
#include "folio/base.h"

#include "coding/abstract_int.h"
#include "folio/time.h"

/* ---- names ---- */

static const char *const status_names[] = {"uncoded", "in_progress", "on_hold", "final", "rebill"};
static const char *const hold_names[] = {
    NULL, "awaiting_query", "awaiting_documentation", "awaiting_pathology", "billing", "other"};
static const char *const role_names[] = {
    NULL, "principal", "secondary", "admitting", "reason_for_visit", "external_cause", "procedure"};

static const char *name_of(const char *const *t, size_t n, int v)
{
    return (v >= 0 && (size_t)v < n) ? t[v] : NULL;
}

static int index_of(const char *const *t, size_t n, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (t[i] && folio_sv_ieq_cstr(folio_sv_from(name), t[i]))
            return (int)i;
    return -1;
}

const char *folio_abstract_status_name(enum folio_abstract_status s)
{
    return name_of(status_names, FOLIO_ARRAY_LEN(status_names), (int)s);
}

enum folio_rc folio_abstract_status_parse(const char *name, enum folio_abstract_status *out,
                                          struct folio_err *err)
{
    int i = index_of(status_names, FOLIO_ARRAY_LEN(status_names), name);
    if (i < 0)
        return folio_err_set(err, FOLIO_EINVAL, "status",
                             "status: '%.40s' is not an abstract status (uncoded, in_progress, "
                             "on_hold, final, rebill)",
                             name ? name : "");
    *out = (enum folio_abstract_status)i;
    return FOLIO_OK;
}

const char *folio_hold_reason_name(enum folio_hold_reason r)
{
    return name_of(hold_names, FOLIO_ARRAY_LEN(hold_names), (int)r);
}

enum folio_rc folio_hold_reason_parse(const char *name, enum folio_hold_reason *out,
                                      struct folio_err *err)
{
    int i = index_of(hold_names, FOLIO_ARRAY_LEN(hold_names), name);
    if (i < 1)
        return folio_err_set(err, FOLIO_EINVAL, "hold_reason",
                             "hold_reason: '%.40s' is not a hold reason (awaiting_query, "
                             "awaiting_documentation, awaiting_pathology, billing, other)",
                             name ? name : "");
    *out = (enum folio_hold_reason)i;
    return FOLIO_OK;
}

const char *folio_abs_role_name(enum folio_abs_role r)
{
    return name_of(role_names, FOLIO_ARRAY_LEN(role_names), (int)r);
}

enum folio_rc folio_abs_role_parse(const char *name, enum folio_abs_role *out,
                                   struct folio_err *err)
{
    int i = index_of(role_names, FOLIO_ARRAY_LEN(role_names), name);
    if (i < 1)
        return folio_err_set(err, FOLIO_EINVAL, "role",
                             "role: '%.40s' is not a code role (principal, secondary, admitting, "
                             "reason_for_visit, external_cause, procedure)",
                             name ? name : "");
    *out = (enum folio_abs_role)i;
    return FOLIO_OK;
}

enum folio_abstract_status abs_status_from(const char *name)
{
    int i = index_of(status_names, FOLIO_ARRAY_LEN(status_names), name);
    return i < 0 ? FOLIO_ABS_UNCODED : (enum folio_abstract_status)i;
}

enum folio_hold_reason abs_hold_from(const char *name)
{
    int i = index_of(hold_names, FOLIO_ARRAY_LEN(hold_names), name);
    return i < 1 ? FOLIO_HOLD_NONE : (enum folio_hold_reason)i;
}

enum folio_abs_role abs_role_from(const char *name)
{
    int i = index_of(role_names, FOLIO_ARRAY_LEN(role_names), name);
    return i < 1 ? (enum folio_abs_role)0 : (enum folio_abs_role)i;
}

/* ---- SQL helpers ---- */




/* ---- dates ---- */

void abs_date_format(int64_t z, char out[11])
{
    folio_date_format_days(z, out);
}

bool abs_date_days(const char *s, int64_t *days)
{
    return folio_date_days(s, days);
}

bool abs_time_day(const char *stored, int64_t *days)
{
    struct folio_time t;
    if (folio_str_empty(stored) || folio_time_parse_iso(folio_sv_from(stored), &t, "time", NULL))
        return false;
    /* stored times are UTC already (time.h storage rule): the calendar date as written */
    *days = folio_days_from_civil(t.year, t.month, t.day);
    return true;
}

bool abs_time_seconds(const char *stored, int64_t *secs)
{
    struct folio_time t;
    if (folio_str_empty(stored) || folio_time_parse_iso(folio_sv_from(stored), &t, "time", NULL))
        return false;
    if (t.prec < FOLIO_PREC_HOUR)
        return false;
    return folio_time_epoch(&t, secs);
}

void abs_today(char out[11])
{
    char now[32];
    folio_time_now_utc(now);
    memcpy(out, now, 10);
    out[10] = '\0';
}

enum folio_rc abs_date_arg(const char *in, const char *field, char out[11], struct folio_err *err)
{
    int64_t d;
    if (folio_str_empty(in)) {
        abs_today(out);
        return FOLIO_OK;
    }
    if (!abs_date_days(in, &d))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: '%.40s' is not a date (YYYY-MM-DD)",
                             field, in);
    memcpy(out, in, 11);
    return FOLIO_OK;
}

enum folio_rc abs_now_arg(const char *in, char out[32], struct folio_err *err)
{
    struct folio_time t;
    enum folio_rc rc;
    if (!in) {
        folio_time_now_utc(out);
        return FOLIO_OK;
    }
    rc = folio_time_parse_any(folio_sv_from(in), &t, "now", err);
    if (rc)
        return rc;
    if (t.prec < FOLIO_PREC_HOUR)
        return folio_err_set(err, FOLIO_EINVAL, "now", "now: '%.40s' is not a time of day", in);
    folio_time_to_utc(&t, 0);
    t.prec = FOLIO_PREC_SECOND; /* one text form, so that history times sort as text */
    t.micros = 0;
    t.frac_digits = 0;
    if (t.year < 1 || t.year > 9999 || !folio_time_format_utc(&t, out, 32))
        return folio_err_set(err, FOLIO_EINVAL, "now", "now: '%.40s' is out of range", in);
    return FOLIO_OK;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

enum folio_rc abs_check_text(const char *v, size_t max, const char *field, struct folio_err *err)
{
    if (!v)
        return FOLIO_OK;
    size_t len = strlen(v);
    if (len > max)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s is too long (%zu bytes, at most %zu)",
                             field, len, max);
    for (size_t i = 0; i < len;) {
        unsigned char ch = (unsigned char)v[i];
        size_t n;
        if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "%s holds a control character (0x%02x) at byte %zu", field, ch, i);
        if (!(n = utf8_len((const unsigned char *)v + i, len - i)))
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "%s is not valid UTF-8 (byte 0x%02x at %zu)", field, ch, i);
        i += n;
    }
    return FOLIO_OK;
}

enum folio_rc abs_check_user(const char *user, const char *field, struct folio_err *err)
{
    if (folio_str_empty(user))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: who acts is required", field);
    for (const char *p = user; *p; p++)
        if ((unsigned char)*p < 0x20)
            return folio_err_set(err, FOLIO_EINVAL, field, "%s holds a control character", field);
    return abs_check_text(user, ABS_NAME_MAX, field, err);
}

/* ---- the abstract row ---- */

enum folio_rc abs_row_load(struct folio_store *s, int64_t encounter_id, struct abs_row *r,
                           struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc;
    memset(r, 0, sizeof *r);
    r->encounter_id = encounter_id;
    rc = abs_prepare(s, &st, err,
                     "SELECT e.patient_id, e.status, e.enc_class, e.discharge_at, a.id, a.status, "
                     "a.hold_reason, a.assigned_to, a.version FROM encounter e LEFT JOIN "
                     "coding_abstract a ON a.encounter_id = e.id WHERE e.id = ?",
                     "i", encounter_id);
    if (rc)
        return rc;
    rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter", "no encounter with id %lld",
                           (long long)encounter_id);
    if (rc == FOLIO_OK) {
        r->patient_id = folio_stmt_column_i64(st, 0);
        folio_stmt_column_copy(st, 1, r->enc_status, sizeof r->enc_status);
        folio_stmt_column_copy(st, 2, r->enc_class, sizeof r->enc_class);
        folio_stmt_column_copy(st, 3, r->discharge_at, sizeof r->discharge_at);
        if (!folio_stmt_column_is_null(st, 4)) {
            r->id = folio_stmt_column_i64(st, 4);
            r->status = abs_status_from(folio_stmt_column_text(st, 5));
            r->hold_reason = abs_hold_from(folio_stmt_column_text(st, 6));
            folio_stmt_column_copy(st, 7, r->assigned_to, sizeof r->assigned_to);
            r->version = folio_stmt_column_i64(st, 8);
        }
    }
    folio_stmt_free(st);
    return rc;
}

enum folio_rc abs_check_version(const struct abs_row *r, int64_t expected, struct folio_err *err)
{
    if (expected == r->version)
        return FOLIO_OK;
    if (r->id == 0)
        return folio_err_set(err, FOLIO_ECONFLICT, "version",
                             "encounter %lld has no abstract yet (version 0), you sent version "
                             "%lld; reload it",
                             (long long)r->encounter_id, (long long)expected);
    return folio_err_set(err, FOLIO_ECONFLICT, "version",
                         "the abstract was changed meanwhile: it is at version %lld, you read "
                         "version %lld; reload it",
                         (long long)r->version, (long long)expected);
}

enum folio_rc abs_check_encounter(const struct abs_row *r, const char *what, struct folio_err *err)
{
    if (strcmp(r->enc_status, "cancelled") == 0)
        return folio_err_set(err, FOLIO_ESTATE, "encounter",
                             "cannot %s: encounter %lld is cancelled", what,
                             (long long)r->encounter_id);
    return FOLIO_OK;
}

enum folio_rc abs_history_add(struct folio_store *s, int64_t abstract_id, int64_t version,
                              const char *at, const char *user, const char *action,
                              enum folio_abs_role role, const char *code, const char *old_value,
                              const char *new_value, const char *reason, struct folio_err *err)
{
    return abs_exec(s, NULL, NULL, NULL, err,
                    "INSERT INTO coding_abstract_history (abstract_id, version, at, user_name, "
                    "action, role, code, old_value, new_value, reason) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    "iitttttttt", abstract_id, version, at, user, action,
                    role ? folio_abs_role_name(role) : NULL, code, old_value, new_value, reason);
}

enum folio_rc abs_create(struct folio_store *s, struct abs_row *r,
                         enum folio_abstract_status status, const char *user, const char *now,
                         const char *reason, struct folio_err *err)
{
    int64_t id = 0;
    enum folio_rc rc = abs_exec(s, &id, NULL, NULL, err,
                                "INSERT INTO coding_abstract (encounter_id, status, version, "
                                "created_at, created_by, updated_at, updated_by) VALUES "
                                "(?, ?, 1, ?, ?, ?, ?) RETURNING id",
                                "ittttt", r->encounter_id, folio_abstract_status_name(status), now,
                                user, now, user);
    if (rc == FOLIO_ECONFLICT)
        return folio_err_set(err, FOLIO_ECONFLICT, "version",
                             "the abstract of encounter %lld was created meanwhile (version 1 or "
                             "later), you read version 0; reload it",
                             (long long)r->encounter_id);
    if (rc)
        return rc;
    r->id = id;
    r->status = status;
    r->version = 1;
    return abs_history_add(s, id, 1, now, user, "status", 0, NULL, "uncoded",
                           folio_abstract_status_name(status), reason, err);
}
