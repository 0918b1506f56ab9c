/* Shared helpers of the chart module: transactions, binding, validation, name folding. */
#include "folio/base.h"

#include "folio/time.h"
#include "records/records_int.h"

const char *rec_actor(const struct folio_chart *c)
{
    return (c && !folio_str_empty(c->actor)) ? c->actor : "system";
}

void rec_now(char out[32])
{
    folio_time_now_utc(out);
}

enum folio_rc rec_begin(const struct folio_chart *c, struct folio_err *err)
{
    if (!c || !c->store)
        return folio_err_set(err, FOLIO_EINVAL, "store", "no store given");
    return folio_store_begin(c->store, err);
}

enum folio_rc rec_finish(const struct folio_chart *c, enum folio_rc rc, struct folio_err *err)
{
    if (rc == FOLIO_OK) {
        rc = folio_store_commit(c->store, err);
        if (rc)
            folio_store_rollback(c->store);
        return rc;
    }
    folio_store_rollback(c->store);
    return rc;
}

const char *rec_col_str(struct folio_arena *a, struct folio_stmt *st, int idx, bool *oom)
{
    const char *s = folio_stmt_column_text(st, idx);
    if (!s)
        return NULL;
    char *d = folio_arena_strdup(a, s);
    if (!d)
        *oom = true;
    return d;
}

int64_t rec_col_i64(struct folio_stmt *st, int idx)
{
    if (folio_stmt_column_is_null(st, idx))
        return 0;
    return folio_stmt_column_i64(st, idx);
}

/* Length of the well-formed UTF-8 sequence at s[0..len) (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when it is not one. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

enum folio_rc rec_check_text(const char *v, size_t max, const char *field, struct folio_err *err)
{
    if (!v)
        return FOLIO_OK;
    size_t len = strlen(v);
    if (len > max)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s is too long (%zu bytes, at most %zu)",
                             field, len, max);
    for (size_t i = 0; i < len;) {
        unsigned char ch = (unsigned char)v[i];
        if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "%s holds a control character (0x%02x) at byte %zu", field, ch, i);
        /* store.h: text values are UTF-8 (PostgreSQL refuses anything else, SQLite would keep
         * it and hand it to JSON/HL7 output later) */
        size_t n = utf8_seq_len((const unsigned char *)v + i, len - i);
        if (n == 0)
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "%s is not valid UTF-8 (byte 0x%02x at %zu)", field, ch, i);
        i += n;
    }
    return FOLIO_OK;
}

enum folio_rc rec_check_ext(const char *ext_system, const char *ext_id, struct folio_err *err)
{
    if (folio_str_empty(ext_system) != folio_str_empty(ext_id))
        return folio_err_set(err, FOLIO_EINVAL, "ext_id",
                             "an external id needs both a system and an id");
    enum folio_rc rc = rec_check_text(ext_system, 256, "ext_system", err);
    if (rc == FOLIO_OK)
        rc = rec_check_text(ext_id, 256, "ext_id", err);
    return rc;
}

enum folio_rc rec_norm_time(const char *in, char out[48], const char *field, struct folio_err *err)
{
    out[0] = '\0';
    if (folio_str_empty(in))
        return FOLIO_OK;
    return folio_time_normalize(in, out, 48, field, err);
}

enum folio_rc rec_norm_date(const char *in, char out[48], const char *field, struct folio_err *err)
{
    out[0] = '\0';
    if (folio_str_empty(in))
        return FOLIO_OK;
    struct folio_time t;
    enum folio_rc rc = folio_time_parse_any(folio_sv_from(in), &t, field, err);
    if (rc)
        return rc;
    if (t.prec > FOLIO_PREC_DAY)
        return folio_err_set(err, FOLIO_EINVAL, field,
                             "%s must be a date (YYYY, YYYY-MM or YYYY-MM-DD), not '%s'", field, in);
    if (!folio_time_format_utc(&t, out, 48))
        return folio_err_set(err, FOLIO_EINTERNAL, field, "date formatting failed");
    return FOLIO_OK;
}

const char *rec_pick(const char *v, const char *const *list)
{
    if (!v)
        return NULL;
    for (size_t i = 0; list[i]; i++)
        if (folio_sv_ieq_cstr(folio_sv_from(v), list[i]))
            return list[i];
    return NULL;
}

const char *rec_table_title(const struct folio_code_title *t, size_t n, const char *code)
{
    if (folio_str_empty(code))
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].code, code) == 0)
            return t[i].title;
    return NULL;
}

void rec_page(int64_t *limit, int64_t *offset, int64_t def, int64_t max)
{
    if (*limit <= 0)
        *limit = def;
    if (*limit > max)
        *limit = max;
    if (*offset < 0)
        *offset = 0;
}

enum folio_rc rec_require(const struct folio_chart *c, const char *sql_exists, int64_t id,
                          const char *field, const char *what, struct folio_err *err)
{
    int64_t v = 0;
    bool found = false;
    enum folio_rc rc = rec_query_i64(c, &v, &found, err, sql_exists, "i", id);
    if (rc)
        return rc;
    if (!found)
        return folio_err_set(err, FOLIO_ENOTFOUND, field, "no %s with id %lld", what,
                             (long long)id);
    return FOLIO_OK;
}

enum folio_rc rec_check_patient_encounter(const struct folio_chart *c, int64_t patient_id,
                                          int64_t encounter_id, struct folio_err *err)
{
    int64_t pid = 0;
    bool found = false;
    enum folio_rc rc = rec_require(c, "SELECT id FROM patient WHERE id = ?", patient_id,
                                   "patient_id", "patient", err);
    if (rc || !encounter_id)
        return rc;
    rc = rec_query_i64(c, &pid, &found, err, "SELECT patient_id FROM encounter WHERE id = ?", "i",
                       encounter_id);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter_id", "no encounter with id %lld",
                           (long long)encounter_id);
    else if (rc == FOLIO_OK && pid != patient_id)
        rc = folio_err_set(err, FOLIO_EINVAL, "encounter_id",
                           "encounter %lld belongs to another patient", (long long)encounter_id);
    return rc;
}

/* ---- name folding: lower case, Latin-1 and Latin Extended-A accents removed ---- */

/* U+00C0..U+00DF and U+00E0..U+00FF share one table: '2' = "ae", '3' = "ss", '*' = keep. */
static const char latin1_base[] = "aaaaaa2ceeeeiiiidnooooo*ouuuuyt3";
/* U+0100..U+017F */
static const char latin_ext_a_base[] =
    "aaaaaa" "cccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh" "iiiiiiiiii" "ii" "jj" "kkk"
    "llllllllll" "nnnnnnnnn" "oooooo" "oo" "rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy"
    "zzzzzz" "s";
_Static_assert(sizeof(latin1_base) == 33, "latin1 table has 32 entries");
_Static_assert(sizeof(latin_ext_a_base) == 129, "latin extended-a table has 128 entries");

char *rec_fold(const char *s)
{
    struct folio_buf b;
    folio_buf_init(&b, 4 * REC_TEXT_MAX);
    if (!s)
        s = "";
    for (size_t i = 0; s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        enum folio_rc rc;
        if (ch < 0x80) {
            char lc = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : (char)ch;
            rc = folio_buf_append_ch(&b, lc);
        } else if ((ch == 0xC3 || ch == 0xC4 || ch == 0xC5) && s[i + 1] &&
                   ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
            unsigned cp = ((unsigned)(ch & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3Fu);
            char base = '*';
            if (cp >= 0xC0 && cp <= 0xFF)
                base = cp == 0xFF ? 'y' : latin1_base[(cp - 0xC0) & 0x1F];
            else if (cp >= 0x100 && cp <= 0x17F)
                base = latin_ext_a_base[cp - 0x100];
            if (base == '2')
                rc = folio_buf_append_str(&b, "ae");
            else if (base == '3')
                rc = folio_buf_append_str(&b, "ss");
            else if (base == '*')
                rc = folio_buf_append(&b, s + i, 2);
            else
                rc = folio_buf_append_ch(&b, base);
            i++;
        } else {
            rc = folio_buf_append_ch(&b, (char)ch);
        }
        if (rc) {
            folio_buf_release(&b);
            return NULL;
        }
    }
    return folio_buf_detach(&b, NULL);
}

char *rec_like_prefix(const char *s)
{
    char *f = rec_fold(s);
    if (!f)
        return NULL;
    struct folio_buf b;
    folio_buf_init(&b, 8 * REC_TEXT_MAX);
    enum folio_rc rc = FOLIO_OK;
    for (size_t i = 0; f[i] && rc == FOLIO_OK; i++) {
        if (f[i] == '\\' || f[i] == '%' || f[i] == '_')
            rc = folio_buf_append_ch(&b, '\\');
        if (rc == FOLIO_OK)
            rc = folio_buf_append_ch(&b, f[i]);
    }
    if (rc == FOLIO_OK)
        rc = folio_buf_append_ch(&b, '%');
    free(f);
    if (rc) {
        folio_buf_release(&b);
        return NULL;
    }
    return folio_buf_detach(&b, NULL);
}
