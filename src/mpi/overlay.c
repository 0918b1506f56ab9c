/* Overlay detection (include/folio/merge.h, docs/mpi-merge.md): a chart whose sources disagree on
 * birth date or sex beyond a registration error. Evidence: PID-7 / PID-8 of every HL7 message
 * logged for the patient, and the chart's current values. Computed on demand (nothing stored). */
#include "folio/base.h"

#include "folio/hl7v2.h"
#include "folio/time.h"
#include "merge_int.h"

/* YYYY-MM-DD -> 8 digits; false when not a full date. */
static bool date_digits(const char *s, char d[9])
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    const int pos[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    for (int i = 0; i < 8; i++) {
        if (s[pos[i]] < '0' || s[pos[i]] > '9')
            return false;
        d[i] = s[pos[i]];
    }
    d[8] = '\0';
    return true;
}

bool folio_mpi_birth_dates_conflict(const char *a, const char *b, char *why, size_t why_cap)
{
    char x[9], y[9];
    int diff = 0, first = -1, second = -1;
    if (!date_digits(a, x) || !date_digits(b, y))
        return false;
    for (int i = 0; i < 8; i++)
        if (x[i] != y[i]) {
            diff++;
            if (first < 0)
                first = i;
            else if (second < 0)
                second = i;
        }
    if (diff <= 1)
        return false; /* equal, or one digit off */
    if (diff == 2 && second == first + 1 && x[first] == y[second] && x[second] == y[first])
        return false; /* two adjacent digits transposed */
    if (!memcmp(x, y, 4) && !memcmp(x + 4, y + 6, 2) && !memcmp(x + 6, y + 4, 2))
        return false; /* day and month swapped */
    if (why && why_cap)
        folio_snprintf(why, why_cap, "birth dates differ in %d digits", diff);
    return true;
}

bool folio_mpi_sexes_conflict(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    return (!strcmp(a, "M") && !strcmp(b, "F")) || (!strcmp(a, "F") && !strcmp(b, "M"));
}

struct evidence {
    const char *value;
    const char *source;
    const char *at;
};

struct ovl_ctx {
    struct folio_arena *a;
    struct folio_mpi_overlay *items;
    size_t n, cap;
    bool oom;
};

static void add_overlay(struct ovl_ctx *x, int64_t pid, const char *field,
                        const struct evidence *ea, const struct evidence *eb, const char *why)
{
    if (x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 16;
        struct folio_mpi_overlay *nv = folio_arena_calloc(x->a, nc, sizeof *nv);
        if (!nv) {
            x->oom = true;
            return;
        }
        if (x->n)
            memcpy(nv, x->items, x->n * sizeof *nv);
        x->items = nv;
        x->cap = nc;
    }
    struct folio_mpi_overlay *o = &x->items[x->n++];
    o->patient_id = pid;
    o->field = field;
    o->value_a = ea->value;
    o->source_a = ea->source;
    o->at_a = ea->at;
    o->value_b = eb->value;
    o->source_b = eb->source;
    o->at_b = eb->at;
    o->why = folio_arena_strdup(x->a, why);
    if (!o->why)
        x->oom = true;
}

/* First evidence of each distinct value, then every disagreeing pair of them. */
static void judge(struct ovl_ctx *x, int64_t pid, const char *field, struct evidence *ev,
                  size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = !strcmp(ev[k].value, ev[i].value);
        if (seen)
            continue;
        for (size_t j = i + 1; j < n; j++) {
            char why[64];
            bool dup = false;
            for (size_t k = i + 1; k < j && !dup; k++)
                dup = !strcmp(ev[k].value, ev[j].value);
            if (dup || !strcmp(ev[i].value, ev[j].value))
                continue;
            if (!strcmp(field, "sex")) {
                if (folio_mpi_sexes_conflict(ev[i].value, ev[j].value)) {
                    folio_snprintf(why, sizeof why, "sex %s vs %s", ev[i].value, ev[j].value);
                    add_overlay(x, pid, field, &ev[i], &ev[j], why);
                }
            } else if (folio_mpi_birth_dates_conflict(ev[i].value, ev[j].value, why,
                                                      sizeof why)) {
                /* two typos of one true date may differ more than one typo: a third value
                 * within error of both explains them */
                bool bridged = false;
                for (size_t k = 0; k < n && !bridged; k++)
                    bridged = k != i && k != j &&
                              !folio_mpi_birth_dates_conflict(ev[i].value, ev[k].value, NULL, 0) &&
                              !folio_mpi_birth_dates_conflict(ev[k].value, ev[j].value, NULL, 0);
                if (!bridged)
                    add_overlay(x, pid, field, &ev[i], &ev[j], why);
            }
        }
    }
}

struct pstate {
    int64_t pid;
    struct evidence *bd, *sx;
    size_t nbd, nsx, cap;
};

static bool push(struct folio_arena *a, struct evidence **v, size_t *n, size_t cap,
                 struct evidence e)
{
    (void)a;
    if (*n >= cap)
        return false; /* capped: enough evidence for one chart */
    (*v)[(*n)++] = e;
    return true;
}

#define EVIDENCE_MAX 512

static enum folio_rc flush_patient(const struct folio_chart *c, struct ovl_ctx *x,
                                   struct pstate *p, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc;
    if (!p->pid)
        return FOLIO_OK;
    rc = mpi_prepare(c->store, &st, err, "SELECT birth_date, sex FROM patient WHERE id = ?", "i",
                     p->pid);
    if (rc)
        return rc;
    rc = folio_stmt_step(st, &row, err);
    if (!rc && row) {
        struct evidence e = {NULL, "patient", NULL};
        e.value = mpi_col_str(x->a, st, 0, &x->oom);
        if (e.value)
            (void)push(x->a, &p->bd, &p->nbd, p->cap, e);
        e.value = mpi_col_str(x->a, st, 1, &x->oom);
        if (e.value)
            (void)push(x->a, &p->sx, &p->nsx, p->cap, e);
    }
    folio_stmt_free(st);
    if (rc)
        return rc;
    judge(x, p->pid, "birth_date", p->bd, p->nbd);
    judge(x, p->pid, "sex", p->sx, p->nsx);
    p->nbd = p->nsx = 0;
    return FOLIO_OK;
}

enum folio_rc folio_mpi_overlays(const struct folio_chart *c,
                                 const struct folio_mpi_overlay_query *q, struct folio_arena *a,
                                 struct folio_mpi_overlay_page *out, struct folio_err *err)
{
    struct ovl_ctx x = {.a = a};
    struct pstate p = {.cap = EVIDENCE_MAX};
    struct folio_stmt *st = NULL;
    struct folio_arena tmp;
    bool row = false;
    int64_t pid = q ? q->patient_id : 0, limit = q ? q->limit : 0, offset = q ? q->offset : 0;
    enum folio_rc rc;
    memset(out, 0, sizeof *out);
    mpi_page(&limit, &offset, 50, 1000);
    p.bd = folio_arena_calloc(a, EVIDENCE_MAX, sizeof *p.bd);
    p.sx = folio_arena_calloc(a, EVIDENCE_MAX, sizeof *p.sx);
    if (!p.bd || !p.sx)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    folio_arena_init(&tmp, 0);
    rc = mpi_prepare(c->store, &st, err,
                     "SELECT m.patient_id, m.id, m.received_at, m.raw FROM hl7_messages m JOIN "
                     "patient p ON p.id = m.patient_id WHERE p.status = 'active' AND (? = 0 OR "
                     "m.patient_id = ?) AND m.status IN ('applied', 'held') ORDER BY "
                     "m.patient_id, m.id",
                     "ii", pid, pid);
    if (rc)
        goto out;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        int64_t mp = folio_stmt_column_i64(st, 0), mid = folio_stmt_column_i64(st, 1);
        size_t len = 0;
        const void *raw = folio_stmt_column_blob(st, 3, &len);
        struct folio_hl7_msg *m = NULL;
        struct folio_err perr = {0};
        const char *bd = NULL, *sx = NULL;
        if (mp != p.pid) {
            rc = flush_patient(c, &x, &p, err);
            if (rc)
                break;
            p.pid = mp;
        }
        if (!raw || folio_hl7_parse(raw, len, NULL, &m, NULL, &perr) != FOLIO_OK)
            continue; /* a message the log kept unparsed says nothing here */
        folio_arena_release(&tmp);
        if (folio_hl7_path_str(m, "PID-7.1", &tmp, &bd, &perr) != FOLIO_OK)
            bd = NULL;
        if (folio_hl7_path_str(m, "PID-8", &tmp, &sx, &perr) != FOLIO_OK)
            sx = NULL;
        folio_hl7_free(m);
        struct evidence e = {NULL, folio_arena_printf(a, "hl7_messages:%lld", (long long)mid),
                             mpi_col_str(a, st, 2, &x.oom)};
        if (!e.source)
            x.oom = true;
        if (!folio_str_empty(bd)) {
            char norm[48];
            struct folio_err terr = {0};
            if (folio_time_normalize(bd, norm, sizeof norm, "PID-7", &terr) == FOLIO_OK &&
                strlen(norm) >= 10) {
                norm[10] = '\0';
                e.value = folio_arena_strdup(a, norm);
                if (e.value)
                    (void)push(a, &p.bd, &p.nbd, p.cap, e);
            }
        }
        if (!folio_str_empty(sx)) {
            e.value = folio_arena_strdup(a, sx);
            if (e.value)
                (void)push(a, &p.sx, &p.nsx, p.cap, e);
        }
        if (x.oom)
            break;
    }
    folio_stmt_free(st);
    if (!rc && !x.oom)
        rc = flush_patient(c, &x, &p, err);
    if (!rc && x.oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (rc)
        goto out;
    out->total = (int64_t)x.n;
    if ((size_t)offset < x.n) {
        out->items = x.items + offset;
        out->n = x.n - (size_t)offset;
        if (out->n > (size_t)limit)
            out->n = (size_t)limit;
    }
out:
    folio_arena_release(&tmp);
    return rc;
}
