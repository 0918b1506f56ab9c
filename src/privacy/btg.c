/* Restricted and VIP charts, care relationships, break-the-glass and the review queue
 * (include/folio/btg.h, docs/privacy.md). */
#include "folio/base.h"

#include <time.h>

#include "folio/btg.h"
#include "folio/privacy.h"
#include "folio/records.h"
#include "folio/time.h"
#include "privacy/btg_int.h"
#include "privacy/privacy_int.h"

static const char *const kind_names[FOLIO_BTG_KIND__COUNT] = {
    [FOLIO_BTG_KIND_BREAK_GLASS] = "break_the_glass",
    [FOLIO_BTG_KIND_SAME_FAMILY] = "same_family_name",
    [FOLIO_BTG_KIND_SAME_ADDRESS] = "same_address",
    [FOLIO_BTG_KIND_VIP] = "vip_access",
    [FOLIO_BTG_KIND_VOLUME] = "volume",
};

const char *folio_btg_kind_name(enum folio_btg_kind k)
{
    return (unsigned)k < FOLIO_BTG_KIND__COUNT ? kind_names[k] : "unknown";
}

enum folio_rc folio_btg_kind_parse(const char *name, const char *field, enum folio_btg_kind *out,
                                   struct folio_err *err)
{
    for (int i = 0; i < FOLIO_BTG_KIND__COUNT; i++) {
        if (name && strcmp(name, kind_names[i]) == 0) {
            *out = (enum folio_btg_kind)i;
            return FOLIO_OK;
        }
    }
    return folio_err_set(err, FOLIO_EINVAL, field,
                         "%s: '%.40s' is not a kind (break_the_glass, same_family_name, "
                         "same_address, vip_access, volume)",
                         field, name ? name : "");
}

void btg_time_text(int64_t now, char out[32])
{
    folio_time_format_epoch(now > 0 ? now : (int64_t)time(NULL), out);
}

int64_t btg_now(int64_t now)
{
    return now > 0 ? now : (int64_t)time(NULL);
}

enum folio_rc btg_finish(struct folio_store *s, enum folio_rc rc, struct folio_err *err)
{
    if (rc == FOLIO_OK) {
        rc = folio_store_commit(s, err);
        if (rc)
            folio_store_rollback(s);
        return rc;
    }
    folio_store_rollback(s);
    return rc;
}

/* Length in bytes of the well-formed UTF-8 sequence at p (n bytes left), 0 when malformed
 * (overlong forms, surrogates and values above U+10FFFF included). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len;
    uint32_t cp;

    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xE0) == 0xC0)
        len = 2, cp = p[0] & 0x1Fu;
    else if ((p[0] & 0xF0) == 0xE0)
        len = 3, cp = p[0] & 0x0Fu;
    else if ((p[0] & 0xF8) == 0xF0)
        len = 4, cp = p[0] & 0x07u;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

enum folio_rc btg_text(const char *v, const char *field, size_t min, size_t max,
                       struct folio_sv *out, struct folio_err *err)
{
    struct folio_sv t = folio_sv_trim(folio_sv_from(v ? v : ""));
    size_t chars = 0;

    for (size_t i = 0; i < t.len;) {
        size_t k = utf8_seq((const unsigned char *)t.p + i, t.len - i);

        if (!k)
            return folio_err_set(err, FOLIO_EINVAL, field, "%s is not valid UTF-8", field);
        i += k;
        chars++;
    }
    for (size_t i = 0; i < t.len; i++) {
        unsigned char c = (unsigned char)t.p[i];
        if (c < 0x20 || c == 0x7f) {
            if (c == '\n' || c == '\t' || c == '\r')
                continue;
            return folio_err_set(err, FOLIO_EINVAL, field, "%s holds a control character", field);
        }
    }
    if (chars < min)
        return folio_err_set(
            err, FOLIO_EINVAL, field,
            min <= 1 ? "%s is required" : "%s is too short (at least %zu characters)", field, min);
    if (chars > max)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s is too long (at most %zu characters)",
                             field, max);
    if (out)
        *out = t;
    return FOLIO_OK;
}

enum folio_rc btg_patient_exists(struct folio_store *s, int64_t patient_id, struct folio_err *err)
{
    bool found = false;
    enum folio_rc rc;

    if (patient_id <= 0)
        return folio_err_set(err, FOLIO_ENOTFOUND, "patient_id", "no patient with id %lld",
                             (long long)patient_id);
    rc = folio_store_exec_fmt(s, NULL, &found, NULL, err, "SELECT id FROM patient WHERE id = ?",
                              "i", patient_id);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "patient_id", "no patient with id %lld",
                           (long long)patient_id);
    return rc;
}

/* ---------------------------------------------------------------- restrictions */

enum folio_rc folio_btg_restriction_get(struct folio_store *s, int64_t patient_id,
                                        struct folio_arena *a, struct folio_btg_restriction *out,
                                        struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    enum folio_rc rc;

    memset(out, 0, sizeof(*out));
    out->patient_id = patient_id;
    rc = btg_patient_exists(s, patient_id, err);
    rc = rc ? rc
            : folio_store_prepare_fmt(s, &st, err,
                                      "SELECT restricted, vip, updated_at, updated_by FROM "
                                      "chart_restriction WHERE patient_id = ?",
                                      "i", patient_id);
    rc = rc ? rc : folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row) {
        out->restricted = folio_stmt_column_i64(st, 0) != 0;
        out->vip = folio_stmt_column_i64(st, 1) != 0;
        out->updated_at = folio_stmt_column_dup(a, st, 2, &oom);
        out->updated_by = folio_stmt_column_dup(a, st, 3, &oom);
        if (oom)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_btg_restriction_set(struct folio_store *s, const char *actor,
                                        int64_t patient_id, bool restricted, bool vip,
                                        const char *reason, struct folio_err *err)
{
    struct folio_btg_restriction cur;
    struct folio_arena a;
    struct folio_sv why;
    char now[32];
    enum folio_rc rc;

    if (folio_str_empty(actor))
        actor = "system";
    rc = btg_text(reason, "reason", 1, 500, &why, err);
    if (rc)
        return rc;
    folio_arena_init(&a, 0);
    rc = folio_store_begin(s, err);
    if (rc)
        goto out_nofinish;
    rc = folio_btg_restriction_get(s, patient_id, &a, &cur, err);
    if (rc)
        goto out;
    if (cur.restricted == restricted && cur.vip == vip) {
        rc = folio_err_set(err, FOLIO_ESTATE, "restricted", "the chart is already %s and %s",
                           restricted ? "restricted" : "not restricted",
                           vip ? "flagged VIP" : "not flagged VIP");
        goto out;
    }
    btg_time_text(0, now);
    rc = folio_store_exec_fmt(
        s, NULL, NULL, NULL, err,
        "INSERT INTO chart_restriction (patient_id, restricted, vip, updated_at, updated_by) "
        "VALUES (?,?,?,?,?) ON CONFLICT (patient_id) DO UPDATE SET restricted = "
        "excluded.restricted, "
        "vip = excluded.vip, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        "iiiTT", patient_id, (int64_t)restricted, (int64_t)vip, now, actor);
    if (rc)
        goto out;
    {
        char *r = folio_arena_printf(&a, "%.*s", (int)why.len, why.p);
        if (!r) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        rc = folio_store_exec_fmt(s, NULL, NULL, NULL, err,
                                  "INSERT INTO chart_restriction_event (patient_id, restricted, "
                                  "vip, reason, at, by_user) VALUES (?,?,?,?,?,?)",
                                  "iiiTTT", patient_id, (int64_t)restricted, (int64_t)vip, r, now,
                                  actor);
    }
out:
    rc = btg_finish(s, rc, err);
out_nofinish:
    folio_arena_release(&a);
    return rc;
}

enum folio_rc folio_btg_restriction_history(struct folio_store *s, int64_t patient_id,
                                            struct folio_arena *a,
                                            struct folio_btg_restriction_event **out, size_t *n,
                                            struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_btg_restriction_event *items = NULL;
    size_t count = 0, cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc;

    *out = NULL;
    *n = 0;
    rc = btg_patient_exists(s, patient_id, err);
    rc = rc ? rc
            : folio_store_prepare_fmt(
                  s, &st, err,
                  "SELECT id, restricted, vip, reason, at, by_user FROM "
                  "chart_restriction_event WHERE patient_id = ? ORDER BY id DESC",
                  "i", patient_id);
    while (rc == FOLIO_OK) {
        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        {
            struct folio_btg_restriction_event *p =
                folio_arena_grow(a, items, count, &cap, sizeof(*items), 8);
            if (!p) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                break;
            }
            items = p;
        }
        items[count].id = folio_stmt_column_i64(st, 0);
        items[count].restricted = folio_stmt_column_i64(st, 1) != 0;
        items[count].vip = folio_stmt_column_i64(st, 2) != 0;
        items[count].reason = folio_stmt_column_dup(a, st, 3, &oom);
        items[count].at = folio_stmt_column_dup(a, st, 4, &oom);
        items[count].by = folio_stmt_column_dup(a, st, 5, &oom);
        count++;
        if (oom)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK) {
        *out = items;
        *n = count;
    }
    return rc;
}

/* ---------------------------------------------------------------- care relationships */

static enum folio_rc user_id_of(struct folio_store *s, const char *username, int64_t *id,
                                struct folio_err *err)
{
    char name[PRIV_USERNAME_MAX + 1];
    bool found = false;
    enum folio_rc rc = priv_username(username, name, err);

    if (rc)
        return rc;
    rc = folio_store_exec_fmt(s, id, &found, NULL, err, "SELECT id FROM users WHERE username = ?",
                              "T", name);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "username", "no user '%s'", name);
    return rc;
}

/* Any ISO 8601 form of at least day precision, as canonical UTC text at second precision (so it
 * compares as text with the other times of these tables). */
static enum folio_rc norm_time(const char *in, const char *field, char out[40],
                               struct folio_err *err)
{
    struct folio_time t;
    int64_t secs = 0;
    enum folio_rc rc = folio_time_parse_iso(folio_sv_from(in), &t, field, err);

    if (rc)
        return rc;
    if (t.prec < FOLIO_PREC_DAY || !folio_time_epoch(&t, &secs))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s needs at least a full date", field);
    folio_time_format_epoch(secs, out);
    return FOLIO_OK;
}

enum folio_rc folio_btg_care_grant(struct folio_store *s, const char *actor, const char *username,
                                   int64_t patient_id, const char *role, const char *from_at,
                                   const char *to_at, const char *reason, int64_t *id_out,
                                   struct folio_err *err)
{
    char from[40], to[40], now[32], limit[32];
    int64_t uid = 0, id = 0, from_secs = 0;
    struct folio_time ft;
    enum folio_rc rc;

    if (folio_str_empty(actor))
        actor = "system";
    btg_time_text(0, now);
    if (folio_str_empty(from_at))
        (void)folio_strlcpy(from, now, sizeof(from));
    else if ((rc = norm_time(from_at, "from_at", from, err)) != FOLIO_OK)
        return rc;
    /* a grant that starts more than a year ahead is a typing error, not a plan */
    folio_time_format_epoch(btg_now(0) + FOLIO_BTG_CARE_MAX_AHEAD_DAYS * 86400LL, limit);
    if (strcmp(from, limit) > 0)
        return folio_err_set(err, FOLIO_EINVAL, "from_at", "from_at is more than %d days ahead",
                             FOLIO_BTG_CARE_MAX_AHEAD_DAYS);
    if (!folio_str_empty(to_at)) {
        rc = norm_time(to_at, "to_at", to, err);
        if (rc)
            return rc;
        if (strcmp(to, from) <= 0)
            return folio_err_set(err, FOLIO_EINVAL, "to_at", "to_at must be after from_at");
    } else {
        /* no end given: the default length, so no grant stays open for ever by mistake */
        if (folio_time_parse_iso(folio_sv_from(from), &ft, "from_at", err) ||
            !folio_time_epoch(&ft, &from_secs))
            return folio_err_set(err, FOLIO_EINVAL, "from_at", "from_at is not a time");
        folio_time_format_epoch(from_secs + FOLIO_BTG_CARE_DEFAULT_DAYS * 86400LL, to);
    }
    if (role && strlen(role) > 64)
        return folio_err_set(err, FOLIO_EINVAL, "role", "role is too long (at most 64 characters)");
    if (reason) {
        rc = btg_text(reason, "reason", 0, 500, NULL, err);
        if (rc)
            return rc;
    }
    rc = folio_store_begin(s, err);
    if (rc)
        return rc;
    rc = user_id_of(s, username, &uid, err);
    rc = rc ? rc : btg_patient_exists(s, patient_id, err);
    rc = rc ? rc
            : folio_store_exec_fmt(s, &id, NULL, NULL, err,
                                   "INSERT INTO care_relationship (user_id, patient_id, role, "
                                   "from_at, to_at, reason, created_at, created_by) VALUES "
                                   "(?,?,?,?,?,?,?,?) RETURNING id",
                                   "iittttTT", uid, patient_id, role, from, to, reason, now, actor);
    rc = btg_finish(s, rc, err);
    if (rc == FOLIO_OK && id_out)
        *id_out = id;
    return rc;
}

enum folio_rc folio_btg_care_end(struct folio_store *s, const char *actor, int64_t id,
                                 struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, ended = false;
    char now[32];
    enum folio_rc rc;

    if (folio_str_empty(actor))
        actor = "system";
    rc = folio_store_begin(s, err);
    if (rc)
        return rc;
    rc = folio_store_prepare_fmt(s, &st, err, "SELECT ended_at FROM care_relationship WHERE id = ?",
                                 "i", id);
    rc = rc ? rc : folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row)
        ended = !folio_stmt_column_is_null(st, 0);
    folio_stmt_free(st);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "id", "no care relationship %lld", (long long)id);
    if (rc == FOLIO_OK && ended)
        rc = folio_err_set(err, FOLIO_ESTATE, "id", "care relationship %lld has already ended",
                           (long long)id);
    btg_time_text(0, now);
    rc = rc ? rc
            : folio_store_exec_fmt(s, NULL, NULL, NULL, err,
                                   "UPDATE care_relationship SET ended_at = ?, ended_by = ? "
                                   "WHERE id = ?",
                                   "TTi", now, actor, id);
    return btg_finish(s, rc, err);
}

enum folio_rc folio_btg_care_list(struct folio_store *s, int64_t patient_id, struct folio_arena *a,
                                  struct folio_btg_care **out, size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_btg_care *items = NULL;
    size_t count = 0, cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc;

    *out = NULL;
    *n = 0;
    rc = btg_patient_exists(s, patient_id, err);
    rc = rc ? rc
            : folio_store_prepare_fmt(
                  s, &st, err,
                  "SELECT c.id, c.user_id, c.patient_id, u.username, c.role, c.from_at, c.to_at, "
                  "c.reason, c.created_at, c.created_by, c.ended_at, c.ended_by FROM "
                  "care_relationship c JOIN users u ON u.id = c.user_id WHERE c.patient_id = ? "
                  "ORDER BY c.id DESC",
                  "i", patient_id);
    while (rc == FOLIO_OK) {
        struct folio_btg_care *c;

        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        {
            struct folio_btg_care *p = folio_arena_grow(a, items, count, &cap, sizeof(*items), 8);
            if (!p) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                break;
            }
            items = p;
        }
        c = &items[count++];
        c->id = folio_stmt_column_i64(st, 0);
        c->user_id = folio_stmt_column_i64(st, 1);
        c->patient_id = folio_stmt_column_i64(st, 2);
        c->username = folio_stmt_column_dup(a, st, 3, &oom);
        c->role = folio_stmt_column_dup(a, st, 4, &oom);
        c->from_at = folio_stmt_column_dup(a, st, 5, &oom);
        c->to_at = folio_stmt_column_dup(a, st, 6, &oom);
        c->reason = folio_stmt_column_dup(a, st, 7, &oom);
        c->created_at = folio_stmt_column_dup(a, st, 8, &oom);
        c->created_by = folio_stmt_column_dup(a, st, 9, &oom);
        c->ended_at = folio_stmt_column_dup(a, st, 10, &oom);
        c->ended_by = folio_stmt_column_dup(a, st, 11, &oom);
        if (oom)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK) {
        *out = items;
        *n = count;
    }
    return rc;
}

enum folio_rc folio_btg_has_care(struct folio_store *s, int64_t user_id, int64_t patient_id,
                                 int64_t now, bool *has, const char **how, struct folio_err *err)
{
    char t[32], cutoff[32], open_cut[32];
    bool found = false;
    enum folio_rc rc;

    *has = false;
    if (how)
        *how = NULL;
    btg_time_text(now, t);
    rc = folio_store_exec_fmt(s, NULL, &found, NULL, err,
                              "SELECT id FROM care_relationship WHERE user_id = ? AND "
                              "patient_id = ? AND (ended_at IS NULL OR ended_at > ?) AND "
                              "from_at <= ? AND (to_at IS NULL OR to_at > ?) LIMIT 1",
                              "iiTTT", user_id, patient_id, t, t, t);
    if (rc)
        return rc;
    if (found) {
        *has = true;
        if (how)
            *how = "care_team";
        return FOLIO_OK;
    }
    /* The provider the user is, in a role other than referring, on an encounter of the patient
     * that took place (not planned, not cancelled, admitted by now) and was discharged within
     * the window, or, never discharged, admitted within FOLIO_BTG_OPEN_VISIT_DAYS; the
     * provider's own part must not have ended before the window (times are canonical UTC
     * text: they compare as text). */
    folio_time_format_epoch(btg_now(now) - (int64_t)FOLIO_BTG_PROVIDER_WINDOW_DAYS * 86400, cutoff);
    folio_time_format_epoch(btg_now(now) - (int64_t)FOLIO_BTG_OPEN_VISIT_DAYS * 86400, open_cut);
    rc = folio_store_exec_fmt(
        s, NULL, &found, NULL, err,
        "SELECT ep.id FROM users u JOIN encounter_provider ep ON ep.provider_id = u.provider_id "
        "JOIN encounter e ON e.id = ep.encounter_id WHERE u.id = ? AND e.patient_id = ? AND "
        "e.status NOT IN ('cancelled', 'planned') AND ep.role <> 'referring' AND "
        "e.admit_at IS NOT NULL AND e.admit_at <= ? AND (ep.to_at IS NULL OR ep.to_at >= ?) AND "
        "((e.discharge_at IS NOT NULL AND e.discharge_at >= ?) OR (e.discharge_at IS NULL AND "
        "e.admit_at >= ?)) LIMIT 1",
        "iiTTTT", user_id, patient_id, t, cutoff, cutoff, open_cut);
    if (rc == FOLIO_OK && found) {
        *has = true;
        if (how)
            *how = "provider";
    }
    return rc;
}

/* ---------------------------------------------------------------- the check */

enum folio_rc folio_btg_check(struct folio_store *s, int64_t user_id, int64_t session_id,
                              uint32_t roles, int64_t patient_id, int64_t now,
                              struct folio_btg_decision *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, has = false;
    const char *how = NULL;
    char t[32];
    enum folio_rc rc;

    memset(out, 0, sizeof(*out));
    out->access = FOLIO_BTG_ALLOWED;
    out->why = "not_restricted";
    if (patient_id <= 0)
        return FOLIO_OK;
    rc = folio_store_prepare_fmt(s, &st, err,
                                 "SELECT restricted, vip FROM chart_restriction WHERE "
                                 "patient_id = ?",
                                 "i", patient_id);
    rc = rc ? rc : folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row) {
        out->restricted = folio_stmt_column_i64(st, 0) != 0;
        out->vip = folio_stmt_column_i64(st, 1) != 0;
    }
    folio_stmt_free(st);
    if (rc || !out->restricted)
        return rc;
    if (roles & FOLIO_ROLE_PRIVACY_OFFICER) {
        out->why = "privacy_officer";
        return FOLIO_OK;
    }
    rc = folio_btg_has_care(s, user_id, patient_id, now, &has, &how, err);
    if (rc)
        return rc;
    if (has) {
        out->why = how;
        return FOLIO_OK;
    }
    btg_time_text(now, t);
    row = false;
    rc = folio_store_exec_fmt(s, &out->grant_id, &row, NULL, err,
                              "SELECT id FROM btg_grant WHERE user_id = ? AND patient_id = ? AND "
                              "COALESCE(session_id, 0) = ? AND at <= ? AND expires_at > ? ORDER "
                              "BY id DESC LIMIT 1",
                              "iiiTT", user_id, patient_id, session_id > 0 ? session_id : 0, t, t);
    if (rc)
        return rc;
    if (row) {
        out->why = "grant";
        return FOLIO_OK;
    }
    out->grant_id = 0;
    out->why = "no_relationship";
    out->access = FOLIO_BTG_NEEDS_GLASS;
    return FOLIO_OK;
}

enum folio_rc folio_btg_break(struct folio_store *s, int64_t user_id, int64_t session_id,
                              uint32_t roles, int64_t patient_id, const char *reason, int64_t now,
                              const char *session_expires_at, const char *client, int64_t *grant_id,
                              int64_t *review_id, char expires_at[32], struct folio_err *err)
{
    struct folio_btg_decision d;
    struct folio_sv why;
    char at[32], exp[32], day[11], username[72], *r = NULL;
    int64_t gid = 0, rid = 0;
    bool found = false;
    enum folio_rc rc;

    rc = btg_text(reason, "reason", FOLIO_BTG_REASON_MIN, FOLIO_BTG_REASON_MAX, &why, err);
    if (rc)
        return rc;
    r = malloc(why.len + 1);
    if (!r)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    memcpy(r, why.p, why.len);
    r[why.len] = '\0';
    btg_time_text(now, at);
    folio_time_format_epoch(btg_now(now) + FOLIO_BTG_GRANT_SECONDS, exp);
    if (!folio_str_empty(session_expires_at) && strcmp(session_expires_at, exp) < 0 &&
        strcmp(session_expires_at, at) > 0)
        (void)folio_strlcpy(exp, session_expires_at, sizeof(exp));
    memcpy(day, at, 10);
    day[10] = '\0';
    rc = folio_store_begin(s, err);
    if (rc) {
        free(r);
        return rc;
    }
    rc = btg_patient_exists(s, patient_id, err);
    rc = rc ? rc : folio_btg_check(s, user_id, session_id, roles, patient_id, now, &d, err);
    if (rc == FOLIO_OK && !d.restricted)
        rc = folio_err_set(err, FOLIO_ESTATE, "id",
                           "the chart is not restricted: there is no glass to break");
    else if (rc == FOLIO_OK && d.access == FOLIO_BTG_ALLOWED)
        rc = folio_err_set(err, FOLIO_ESTATE, "id",
                           "you may already open this chart (%s): there is no glass to break",
                           d.why);
    username[0] = '\0';
    if (rc == FOLIO_OK) {
        struct folio_stmt *st = NULL;
        rc = folio_store_prepare_fmt(s, &st, err, "SELECT username FROM users WHERE id = ?", "i",
                                     user_id);
        rc = rc ? rc : folio_stmt_step(st, &found, err);
        if (rc == FOLIO_OK && found)
            folio_stmt_column_copy(st, 0, username, sizeof(username));
        folio_stmt_free(st);
        if (rc == FOLIO_OK && !found)
            rc = folio_err_set(err, FOLIO_ENOTFOUND, "user_id", "no user with id %lld",
                               (long long)user_id);
    }
    rc = rc ? rc
            : folio_store_exec_fmt(s, &gid, NULL, NULL, err,
                                   "INSERT INTO btg_grant (user_id, patient_id, reason, at, "
                                   "expires_at, client, session_id) VALUES (?,?,?,?,?,?,?) "
                                   "RETURNING id",
                                   "iiTTTtI", user_id, patient_id, r, at, exp, client,
                                   session_id > 0 ? session_id : 0);
    rc = rc ? rc
            : folio_store_exec_fmt(s, &rid, NULL, NULL, err,
                                   "INSERT INTO privacy_review (kind, user_id, username, "
                                   "patient_id, day, at, detail, grant_id, status, created_at) "
                                   "VALUES ('break_the_glass',?,?,?,?,?,?,?,'open',?) RETURNING id",
                                   "iTiTTTiT", user_id, username, patient_id, day, at, r, gid, at);
    rc = btg_finish(s, rc, err);
    free(r);
    if (rc == FOLIO_OK) {
        if (grant_id)
            *grant_id = gid;
        if (review_id)
            *review_id = rid;
        if (expires_at)
            (void)folio_strlcpy(expires_at, exp, 32);
    }
    return rc;
}

/* ---------------------------------------------------------------- the review queue */

#define REVIEW_COLS                                                                                \
    "SELECT r.id, r.kind, r.username, r.user_id, r.patient_id, r.day, r.at, r.detail, "            \
    "r.grant_id, r.status, r.disposition, r.note, r.reviewed_by, r.reviewed_at, n.family, "        \
    "n.given, " FOLIO_SQL_PATIENT_MRN("r.patient_id") " FROM privacy_review r LEFT JOIN "         \
    "patient_name n ON n.id = " FOLIO_SQL_PATIENT_NAME_ID("r.patient_id") " "

static bool read_review(struct folio_stmt *st, struct folio_arena *a, struct folio_btg_review *r)
{
    bool oom = false;

    memset(r, 0, sizeof(*r));
    r->id = folio_stmt_column_i64(st, 0);
    r->kind = folio_stmt_column_dup(a, st, 1, &oom);
    r->username = folio_stmt_column_dup(a, st, 2, &oom);
    r->user_id = folio_stmt_column_i64(st, 3);
    r->patient_id = folio_stmt_column_i64(st, 4);
    r->day = folio_stmt_column_dup(a, st, 5, &oom);
    r->at = folio_stmt_column_dup(a, st, 6, &oom);
    r->detail = folio_stmt_column_dup(a, st, 7, &oom);
    r->grant_id = folio_stmt_column_i64(st, 8);
    r->status = folio_stmt_column_dup(a, st, 9, &oom);
    r->disposition = folio_stmt_column_dup(a, st, 10, &oom);
    r->note = folio_stmt_column_dup(a, st, 11, &oom);
    r->reviewed_by = folio_stmt_column_dup(a, st, 12, &oom);
    r->reviewed_at = folio_stmt_column_dup(a, st, 13, &oom);
    r->patient_family = folio_stmt_column_dup(a, st, 14, &oom);
    r->patient_given = folio_stmt_column_dup(a, st, 15, &oom);
    r->patient_mrn = folio_stmt_column_dup(a, st, 16, &oom);
    return !oom;
}

enum folio_rc btg_check_day(const char *day, const char *field, struct folio_err *err)
{
    int64_t days;

    if (folio_str_empty(day) || !folio_date_days(day, &days))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s must be a date YYYY-MM-DD", field);
    return FOLIO_OK;
}

enum folio_rc folio_btg_review_list(struct folio_store *s, const struct folio_btg_review_query *q,
                                    struct folio_arena *a, struct folio_btg_review **out, size_t *n,
                                    int64_t *total, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_btg_review *items = NULL;
    enum folio_btg_kind kind;
    const char *status = q->status, *k = q->kind, *day = q->day;
    int64_t limit = q->limit <= 0 ? 100 : (q->limit > 500 ? 500 : q->limit);
    int64_t offset = q->offset < 0 ? 0 : q->offset;
    size_t count = 0;
    bool row = false;
    enum folio_rc rc;

    *out = NULL;
    *n = 0;
    *total = 0;
    if (folio_str_empty(status))
        status = NULL;
    else if (strcmp(status, "open") != 0 && strcmp(status, "reviewed") != 0)
        return folio_err_set(err, FOLIO_EINVAL, "status", "status must be open or reviewed");
    if (folio_str_empty(k))
        k = NULL;
    else if ((rc = folio_btg_kind_parse(k, "kind", &kind, err)) != FOLIO_OK)
        return rc;
    if (folio_str_empty(day))
        day = NULL;
    else if ((rc = btg_check_day(day, "day", err)) != FOLIO_OK)
        return rc;
#define REVIEW_WHERE                                                                               \
    "WHERE (CAST(? AS TEXT) IS NULL OR r.status = ?) AND (CAST(? AS TEXT) IS NULL OR r.kind = ?) " \
    "AND (CAST(? AS TEXT) IS NULL OR r.day = ?) "
    rc = folio_store_exec_fmt(s, total, NULL, NULL, err,
                              "SELECT COUNT(*) FROM privacy_review r " REVIEW_WHERE, "tttttt", status,
                              status, k, k, day, day);
    rc = rc ? rc
            : folio_store_prepare_fmt(s, &st, err,
                                      REVIEW_COLS REVIEW_WHERE "ORDER BY r.id DESC LIMIT ? OFFSET ?",
                                      "ttttttii", status, status, k, k, day, day, limit, offset);
#undef REVIEW_WHERE
    if (rc == FOLIO_OK) {
        items = folio_arena_calloc(a, (size_t)limit, sizeof(*items));
        if (!items)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    while (rc == FOLIO_OK && count < (size_t)limit) {
        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        if (!read_review(st, a, &items[count++]))
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK) {
        *out = items;
        *n = count;
    }
    return rc;
}

enum folio_rc folio_btg_review_get(struct folio_store *s, int64_t id, struct folio_arena *a,
                                   struct folio_btg_review *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc;

    rc = folio_store_prepare_fmt(s, &st, err, REVIEW_COLS "WHERE r.id = ?", "i", id);
    rc = rc ? rc : folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "id", "no review item %lld", (long long)id);
    if (rc == FOLIO_OK && !read_review(st, a, out))
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_btg_review_close(struct folio_store *s, const char *actor, int64_t id,
                                     const char *disposition, const char *note,
                                     struct folio_err *err)
{
    struct folio_btg_review r;
    struct folio_arena a;
    struct folio_sv nt = {"", 0};
    char now[32], *ntext = NULL;
    bool need_note;
    enum folio_rc rc;

    if (folio_str_empty(actor))
        actor = "system";
    if (folio_str_empty(disposition) ||
        (strcmp(disposition, "appropriate") != 0 && strcmp(disposition, "inappropriate") != 0 &&
         strcmp(disposition, "escalated") != 0))
        return folio_err_set(err, FOLIO_EINVAL, "disposition",
                             "disposition must be appropriate, inappropriate or escalated");
    need_note = strcmp(disposition, "appropriate") != 0;
    rc = btg_text(note, "note", need_note ? 1 : 0, 2000, &nt, err);
    if (rc) {
        if (need_note && folio_str_empty(note))
            return folio_err_set(err, FOLIO_EINVAL, "note",
                                 "note is required when the disposition is %s", disposition);
        return rc;
    }
    folio_arena_init(&a, 0);
    rc = folio_store_begin(s, err);
    if (rc)
        goto out_nofinish;
    rc = folio_btg_review_get(s, id, &a, &r, err);
    if (rc == FOLIO_OK && r.username && strcmp(r.username, actor) == 0)
        rc = folio_err_set(err, FOLIO_EPERM, "id",
                           "review item %lld is about your own access: another privacy officer "
                           "reviews it",
                           (long long)id);
    if (rc == FOLIO_OK && strcmp(r.status, "open") != 0)
        rc =
            folio_err_set(err, FOLIO_ESTATE, "id",
                          "review item %lld was already reviewed (%s by %s)", (long long)id,
                          r.disposition ? r.disposition : "-", r.reviewed_by ? r.reviewed_by : "-");
    if (rc == FOLIO_OK && nt.len) {
        ntext = folio_arena_printf(&a, "%.*s", (int)nt.len, nt.p);
        if (!ntext)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    btg_time_text(0, now);
    rc =
        rc ? rc
           : folio_store_exec_fmt(s, NULL, NULL, NULL, err,
                                  "UPDATE privacy_review SET status = 'reviewed', disposition = ?, "
                                  "note = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ? AND "
                                  "status = 'open'",
                                  "TtTTi", disposition, ntext, actor, now, id);
    rc = btg_finish(s, rc, err);
out_nofinish:
    folio_arena_release(&a);
    return rc;
}

/* ---------------------------------------------------------------- workforce data */

enum folio_rc folio_btg_user_set_home(struct folio_store *s, const char *actor,
                                      const char *username, const char *family_name,
                                      const char *postal_code, const char *street,
                                      struct folio_err *err)
{
    struct folio_sv fam = {"", 0}, pc = {"", 0}, str = {"", 0};
    char now[32], f[4 * 128 + 1], p[4 * 16 + 1], st[4 * 128 + 1];
    int64_t uid = 0;
    enum folio_rc rc;

    if (folio_str_empty(actor))
        actor = "system";
    rc = btg_text(family_name, "family_name", 0, 128, &fam, err);
    rc = rc ? rc : btg_text(postal_code, "home_postal_code", 0, 16, &pc, err);
    rc = rc ? rc : btg_text(street, "home_street", 0, 128, &str, err);
    if (rc)
        return rc;
    (void)folio_snprintf(f, sizeof(f), "%.*s", (int)fam.len, fam.p);
    (void)folio_snprintf(p, sizeof(p), "%.*s", (int)pc.len, pc.p);
    (void)folio_snprintf(st, sizeof(st), "%.*s", (int)str.len, str.p);
    rc = folio_store_begin(s, err);
    if (rc)
        return rc;
    btg_time_text(0, now);
    rc = user_id_of(s, username, &uid, err);
    rc = rc ? rc
            : folio_store_exec_fmt(s, NULL, NULL, NULL, err,
                                   "UPDATE users SET family_name = ?, home_postal_code = ?, "
                                   "home_street = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                                   "tttTTi", f, p, st, now, actor, uid);
    return btg_finish(s, rc, err);
}
