/* Coder productivity from the abstract history (include/folio/abstract.h, docs/coding.md):
 * abstracts finalized per coder, and active coding time measured in sittings. */
#include "folio/base.h"

#include "coding/abstract_int.h"
#include "folio/abstract.h"

struct prod_acc {
    struct folio_productivity_row row;
    int64_t active_s;
};

static int class_index(const char *enc_class)
{
    static const char *const names[4] = {"inpatient", "outpatient", "emergency", "observation"};
    for (int i = 0; i < 4; i++)
        if (enc_class && strcmp(enc_class, names[i]) == 0)
            return i;
    return 4;
}

static int cmp_coder(const void *pa, const void *pb)
{
    const struct folio_productivity_row *a = pa, *b = pb;
    return strcmp(a->coder, b->coder);
}

enum folio_rc folio_coding_productivity(struct folio_store *s, const char *from, const char *to,
                                        struct folio_arena *a, struct folio_productivity_row **out,
                                        size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_productivity_row *v = NULL;
    struct prod_acc cur = {0};
    size_t cap = 0, count = 0;
    int64_t d_from, d_to, abstract = 0, first = 0, last = 0;
    bool row = false, in_coder = false, finalized = false, oom = false;
    char end[11];
    const char *cls = NULL;
    char cls_buf[16] = "";
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    if (folio_str_empty(from) || !abs_date_days(from, &d_from))
        return folio_err_set(err, FOLIO_EINVAL, "from", "from: '%.40s' is not a date (YYYY-MM-DD)",
                             from ? from : "");
    if (folio_str_empty(to) || !abs_date_days(to, &d_to))
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: '%.40s' is not a date (YYYY-MM-DD)",
                             to ? to : "");
    if (d_to < d_from)
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: %s is before from (%s)", to, from);
    abs_date_format(d_to + 1, end);
    if (!end[0])
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: %s is out of range", to);
    /* Stored times are canonical UTC text at second precision: they compare as text. Assigning
     * is not coding: its rows count neither as activity nor as time. */
    rc = abs_prepare(s, &st, err,
                     "SELECT h.user_name, h.abstract_id, h.at, h.action, h.new_value, e.enc_class "
                     "FROM coding_abstract_history h JOIN coding_abstract a ON a.id = "
                     "h.abstract_id JOIN encounter e ON e.id = a.encounter_id WHERE h.at >= ? AND "
                     "h.at < ? AND h.action <> 'assign' ORDER BY h.user_name, h.abstract_id, "
                     "h.at, h.id",
                     "tt", from, end);
    if (rc)
        return rc;
    for (;;) {
        const char *user = NULL, *at, *action, *newv;
        int64_t abs_id = 0, t = 0;
        bool new_coder, new_abstract;
        if ((rc = folio_stmt_step(st, &row, err)))
            break;
        if (row) {
            user = folio_stmt_column_text(st, 0);
            abs_id = folio_stmt_column_i64(st, 1);
            at = folio_stmt_column_text(st, 2);
            if (!user || !abs_time_seconds(at, &t))
                continue; /* not written by this module: skip rather than guess */
        }
        new_coder = !row || !in_coder || strcmp(user, cur.row.coder) != 0;
        new_abstract = new_coder || abs_id != abstract;
        if (in_coder && new_abstract) {
            /* close the last sitting and the abstract */
            cur.active_s += last - first + FOLIO_CODING_MIN_SITTING_S;
            if (finalized) {
                cur.row.finalized++;
                cur.row.by_class[class_index(cls)]++;
            }
        }
        if (in_coder && new_coder) {
            cur.row.active_hours = (double)cur.active_s / 3600.0;
            cur.row.charts_per_hour =
                cur.active_s > 0 ? (double)cur.row.finalized / cur.row.active_hours : 0.0;
            if (count == cap) {
                size_t nc = cap ? cap * 2 : 16;
                struct folio_productivity_row *nv = folio_arena_calloc(a, nc, sizeof *nv);
                if (!nv) {
                    oom = true;
                    break;
                }
                if (count)
                    memcpy(nv, v, count * sizeof *v);
                v = nv;
                cap = nc;
            }
            v[count++] = cur.row;
            in_coder = false;
        }
        if (!row)
            break;
        if (new_coder) {
            memset(&cur, 0, sizeof cur);
            if (!(cur.row.coder = folio_arena_strdup(a, user))) {
                oom = true;
                break;
            }
            in_coder = true;
        }
        if (new_abstract) {
            abstract = abs_id;
            first = last = t;
            finalized = false;
            folio_stmt_column_copy(st, 5, cls_buf, sizeof cls_buf);
            cls = cls_buf;
        } else if (t - last > FOLIO_CODING_IDLE_GAP_S) {
            cur.active_s += last - first + FOLIO_CODING_MIN_SITTING_S;
            first = last = t;
        } else {
            last = t;
        }
        action = folio_stmt_column_text(st, 3);
        newv = folio_stmt_column_text(st, 4);
        if (action && newv && strcmp(action, "status") == 0 && strcmp(newv, "final") == 0)
            finalized = true;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (rc)
        return rc;
    /* by username in byte order, whatever the database's collation */
    if (count > 1)
        qsort(v, count, sizeof *v, cmp_coder);
    *out = v;
    *n = count;
    return FOLIO_OK;
}
