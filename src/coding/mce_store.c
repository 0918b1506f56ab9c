/* The MCE tables built from the store (folio_mce_load_store, coding_check.h): the rows `folio
 * codes load mce DIR` wrote (load_mce.c, tables mce_code, mce_age_range, mce_discharge_status)
 * turned into the same in-memory struct folio_mce that folio_mce_load(dir) builds from the
 * files, so the server edits with what the user loaded. */
#include "folio/base.h"
#include "folio/coding_check.h"
#include "folio/edits.h"

#include "coding/edits_int.h"

/* "YYYY-MM-DD" -> YYYYMMDD; false when not that shape. */
static bool date_int(const char *s, int32_t *out)
{
    int32_t v = 0;

    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (size_t i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Attribute names separated by commas (as in the MCE files) or blanks. */
static enum folio_rc attrs_bits(bool dx, const char *code, const char *s, uint64_t *out,
                                struct folio_err *err)
{
    const char *p = s ? s : "";

    *out = 0;
    while (*p) {
        struct folio_sv name;
        int bit;
        while (*p == ',' || *p == ' ')
            p++;
        if (!*p)
            break;
        name.p = p;
        while (*p && *p != ',' && *p != ' ')
            p++;
        name.len = (size_t)(p - name.p);
        bit = mce_attr_bit(dx, name);
        if (bit < 0)
            return folio_err_set(err, FOLIO_EPARSE, "mce_code",
                                 "MCE table row of %s: unknown attribute '%.*s'", code,
                                 (int)(name.len > 40 ? 40 : name.len), name.p);
        *out |= MCE_BIT(bit);
    }
    return FOLIO_OK;
}

static enum folio_rc grow_rows(struct mce_master *m, size_t *cap, struct folio_err *err)
{
    size_t ncap, bytes;
    struct mce_row *nr;

    if (m->nrows < *cap)
        return FOLIO_OK;
    ncap = *cap ? *cap * 2 : 65536;
    if (!folio_size_mul(ncap, sizeof *nr, &bytes) || (nr = realloc(m->rows, bytes)) == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "mce", "out of memory reading the MCE tables");
    m->rows = nr;
    *cap = ncap;
    return FOLIO_OK;
}

static enum folio_rc read_codes(struct folio_store *s, int64_t vid, struct folio_mce *m,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    size_t cap_dx = 0, cap_pr = 0;
    bool row;
    enum folio_rc rc;

    rc = folio_store_prepare_fmt(
        s, &st, err,
        "SELECT code_system, code, effective_from, effective_to, attributes "
        "FROM mce_code WHERE version_id = ?",
        "i", vid);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *sys = folio_stmt_column_text(st, 0), *code = folio_stmt_column_text(st, 1);
        bool dx = sys && strcmp(sys, "icd10cm") == 0;
        struct mce_master *mm = dx ? &m->dx : &m->pr;
        struct mce_row *r;
        size_t n = code ? strlen(code) : 0;

        if (!dx && !(sys && strcmp(sys, "icd10pcs") == 0))
            continue;
        if (n == 0 || n >= sizeof r->code) {
            rc = folio_err_set(err, FOLIO_EPARSE, "mce_code",
                               "MCE table row with a bad code '%.20s'", code ? code : "");
            goto out;
        }
        if ((rc = grow_rows(mm, dx ? &cap_dx : &cap_pr, err)))
            goto out;
        r = &mm->rows[mm->nrows];
        memset(r, 0, sizeof *r);
        for (size_t i = 0; i < n; i++)
            r->code[i] = (code[i] >= 'a' && code[i] <= 'z') ? (char)(code[i] - 'a' + 'A') : code[i];
        if (!date_int(folio_stmt_column_text(st, 2), &r->from) ||
            !date_int(folio_stmt_column_text(st, 3), &r->to) || r->to < r->from) {
            rc = folio_err_set(err, FOLIO_EPARSE, "mce_code",
                               "MCE table row of %s: bad effective dates", r->code);
            goto out;
        }
        if ((rc = attrs_bits(dx, r->code, folio_stmt_column_text(st, 4), &r->attrs, err)))
            goto out;
        mm->nrows++;
    }
out:
    folio_stmt_free(st);
    return rc;
}

static enum folio_rc read_ranges(struct folio_store *s, int64_t vid, struct folio_mce *m,
                                 struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row;
    enum folio_rc rc;

    rc = folio_store_prepare_fmt(s, &st, err,
                                 "SELECT age_key, start_age, end_age, effective_from, effective_to "
                                 "FROM mce_age_range WHERE version_id = ? ORDER BY id",
                                 "i", vid);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *key = folio_stmt_column_text(st, 0);
        int64_t lo = folio_stmt_column_i64(st, 1), hi = folio_stmt_column_i64(st, 2);
        struct mce_range *nr, *r;

        if (!key || !key[0] || strlen(key) >= sizeof r->key || lo < 0 || hi < lo || hi > 999) {
            rc = folio_err_set(err, FOLIO_EPARSE, "mce_age_range", "bad MCE age range '%.20s'",
                               key ? key : "");
            goto out;
        }
        nr = realloc(m->ranges, (m->nranges + 1) * sizeof *nr);
        if (nr == NULL) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "mce", "out of memory");
            goto out;
        }
        m->ranges = nr;
        r = &m->ranges[m->nranges];
        memset(r, 0, sizeof *r);
        folio_strlcpy(r->key, key, sizeof r->key);
        r->lo = (int)lo;
        r->hi = (int)hi;
        if (!date_int(folio_stmt_column_text(st, 3), &r->from) ||
            !date_int(folio_stmt_column_text(st, 4), &r->to) || r->to < r->from) {
            rc = folio_err_set(err, FOLIO_EPARSE, "mce_age_range",
                               "MCE age range %s: bad effective dates", key);
            goto out;
        }
        m->nranges++;
    }
out:
    folio_stmt_free(st);
    return rc;
}

static enum folio_rc read_statuses(struct folio_store *s, int64_t vid, struct folio_mce *m,
                                   struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row;
    enum folio_rc rc;

    rc = folio_store_prepare_fmt(s, &st, err,
                                 "SELECT status, effective_from, effective_to FROM "
                                 "mce_discharge_status WHERE version_id = ? ORDER BY id",
                                 "i", vid);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *key = folio_stmt_column_text(st, 0);
        struct folio_sv k = folio_sv_from(key);
        int64_t v;
        struct mce_status *ns, *x;
        bool digits = k.len > 0 && k.len <= 3;

        for (size_t i = 0; digits && i < k.len; i++)
            digits = k.p[i] >= '0' && k.p[i] <= '9';
        if (!digits || folio_sv_to_i64(k, &v)) {
            rc = folio_err_set(err, FOLIO_EPARSE, "mce_discharge_status",
                               "bad MCE discharge status '%.20s'", key ? key : "");
            goto out;
        }
        ns = realloc(m->statuses, (m->nstatuses + 1) * sizeof *ns);
        if (ns == NULL) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "mce", "out of memory");
            goto out;
        }
        m->statuses = ns;
        x = &m->statuses[m->nstatuses];
        x->key = (int)v;
        if (!date_int(folio_stmt_column_text(st, 1), &x->from) ||
            !date_int(folio_stmt_column_text(st, 2), &x->to) || x->to < x->from) {
            rc = folio_err_set(err, FOLIO_EPARSE, "mce_discharge_status",
                               "MCE discharge status %s: bad effective dates", key);
            goto out;
        }
        m->nstatuses++;
    }
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_mce_load_store(struct folio_store *s, struct folio_mce **out,
                                   struct folio_err *err)
{
    struct folio_mce *m = NULL;
    int64_t vid = 0;
    bool found = false;
    enum folio_rc rc;

    *out = NULL;
    /* Every MCE release carries the whole history (each row has its own dates): the release
     * with the latest start is the one to edit with. */
    rc = folio_store_query_i64(s,
                               "SELECT id FROM code_set_version WHERE kind = 'mce' ORDER BY "
                               "effective_from DESC, id DESC LIMIT 1",
                               NULL, 0, &vid, &found, err);
    if (rc)
        return rc;
    if (!found)
        return folio_err_set(err, FOLIO_ENOTFOUND, "mce",
                             "no MCE tables are loaded (folio codes load mce DIR)");
    m = calloc(1, sizeof *m);
    if (m == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "mce", "out of memory");
    if ((rc = read_codes(s, vid, m, err)) || (rc = read_ranges(s, vid, m, err)) ||
        (rc = read_statuses(s, vid, m, err)) || (rc = mce_finish(m, err)))
        goto out;
    *out = m;
    m = NULL;
out:
    folio_mce_free(m);
    return rc;
}
