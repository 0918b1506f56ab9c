/* The MS-DRG in the product (docs/drg.md "In the product", docs/api.md "MS-DRG"): the DRG of an
 * encounter's saved abstract, the DRG of a draft (live as the coder edits, and the what-if:
 * the same codes with some dropped or added), and the case-mix index report.
 *
 * The grouper versions, Table 5 files and payment rates are the server's (drg_cache.h, loaded by
 * `folio serve`); nothing here is read from the database but the abstracts. A stay is grouped
 * with the version in force on its discharge date (the abstract's code date); when none is, the
 * answer says so, or, with the fallback (the request's `fallback`, default `folio serve
 * --drg-fallback`), groups it with the newest version and says that too. The weight and the
 * expected payment come from the Table 5 in force on the same date (with the fallback: on the
 * newest version's first day) and the server's rates.
 *
 * What the grouper reads of an abstract: the principal diagnosis, the secondary diagnoses then
 * the external-cause codes (as secondary diagnoses, never a CC), each with its POA, and the
 * ICD-10-PCS procedures, in sequence; the patient's sex and the encounter's discharge status
 * (01, home, when unknown: said in the answer). The admitting diagnosis, reasons for visit and
 * CPT/HCPCS codes are listed as not grouped. Code indexes in the answers are positions in the
 * codes as given (the saved abstract's order, or the draft's), as in the coding checks.
 *
 * Audit: the DRG of the saved abstract is a coding.view (with the patient, detail "abstract
 * DRG"); the draft is coding.drg_draft (it reads the stay's facts, so a restricted chart needs a
 * care relationship or break-the-glass, btg.h); the case-mix report is coding.casemix (a report:
 * period, grouping, stays). */
#include "folio/base.h"

#include <math.h>

#include "folio/abstract.h"
#include "folio/casemix.h"
#include "folio/codes.h"
#include "folio/drg.h"
#include "folio/drg_payment.h"
#include "folio/records.h"
#include "folio/time.h"
#include "server/api_coding.h"
#include "server/drg_cache.h"
#include "server/render.h"
#include "server/server.h"

#define CSV_MAX (64u << 20)

/* ---------------------------------------------------------------- small helpers */

static void today(char out[11])
{
    char now[32];

    folio_time_now_utc(now);
    memcpy(out, now, 10);
    out[10] = '\0';
}

/* "YYYY-MM-DD" -> YYYYMMDD; 0 when not a date. */
static int32_t ymd_of(const char *d)
{
    struct folio_time t;
    struct folio_err e;

    folio_err_clear(&e);
    if (folio_str_empty(d) || folio_time_parse_iso(folio_sv_from(d), &t, "date", &e) ||
        t.prec < FOLIO_PREC_DAY)
        return 0;
    return (int32_t)(t.year * 10000 + t.month * 100 + t.day);
}

static void ymd_text(int32_t ymd, char out[11])
{
    (void)folio_snprintf(out, 11, "%04d-%02d-%02d", (int)(ymd / 10000), (int)(ymd / 100 % 100),
                         (int)(ymd % 100));
}

/* Whole days from admit to discharge (both of day precision or finer), -1 when unknown. */
static int los_of(const char *admit, const char *discharge)
{
    struct folio_time a, d;
    struct folio_err e;
    int64_t days = 0;

    folio_err_clear(&e);
    if (folio_str_empty(admit) || folio_str_empty(discharge) ||
        folio_time_parse_iso(folio_sv_from(admit), &a, "admit_at", &e) ||
        folio_time_parse_iso(folio_sv_from(discharge), &d, "discharge_at", &e) ||
        a.prec < FOLIO_PREC_DAY || d.prec < FOLIO_PREC_DAY ||
        !folio_time_days_between(&a, &d, &days) || days < 0 || days > 99999)
        return -1;
    return (int)days;
}

/* UB-04 patient discharge status ("01", "1") as a number 1-99, 0 when not one. */
static int status_of(const char *dispo)
{
    int64_t v = 0;

    if (folio_str_empty(dispo) || strlen(dispo) > 2 ||
        folio_sv_to_i64(folio_sv_from(dispo), &v) != FOLIO_OK || v < 1 || v > 99)
        return 0;
    return (int)v;
}

static char sex_of(const char *s)
{
    return s && (s[0] == 'M' || s[0] == 'F') && !s[1] ? s[0] : 'U';
}

static const char *dotted(struct folio_req *req, enum folio_code_system cs, const char *code)
{
    char buf[24];

    if (folio_str_empty(code))
        return NULL;
    if (!folio_codes_dotted(cs, code, buf, sizeof buf))
        return code;
    return folio_arena_strdup(req->arena, buf);
}

static json_t *jreal(double v, double scale)
{
    return json_real(round(v * scale) / scale);
}

/* true / false / absent (def); EINVAL naming the parameter otherwise. */
static enum folio_rc query_bool(struct folio_req *req, const char *name, bool def, bool *out,
                                struct folio_err *err)
{
    const char *v = folio_req_query(req, name);

    *out = def;
    if (folio_str_empty(v))
        return FOLIO_OK;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else
        return folio_err_set(err, FOLIO_EINVAL, name, "%s must be true or false, not '%.20s'", name,
                             v);
    return FOLIO_OK;
}

/* The cache, or 409 when no grouper version is loaded. */
static enum folio_rc need_tables(const struct folio_drg_cache *c, struct folio_err *err)
{
    if (c && c->n_versions)
        return FOLIO_OK;
    return folio_err_set(err, FOLIO_ESTATE, "drg",
                         "no MS-DRG tables loaded: start folio serve with --drg DIR (the "
                         "msdrg_vNNN_*.tsv tables of a grouper version)");
}

/* ---------------------------------------------------------------- one stay */

/* What the grouper needs to know of a stay, whatever it comes from (an encounter, a case of
 * the case-mix report). */
struct stay {
    char code_date[11]; /* the discharge date (today when not discharged) */
    char sex;
    int status;          /* 1-99 */
    bool status_assumed; /* unknown: 1 (home) */
    int los;             /* -1 unknown */
    const struct folio_abstract_code *codes;
    size_t n_codes;
};

enum grouping_state {
    G_GROUPED = 0,
    G_NO_PRINCIPAL = 1, /* no principal diagnosis on the abstract */
    G_NO_VERSION = 2,   /* no version in force and no fallback */
};

struct grouping {
    enum grouping_state state;
    int32_t date;  /* the stay's discharge date, YYYYMMDD */
    bool fallback; /* grouped with the newest version: none covers the date */
    const struct folio_drg_version *v;
    struct folio_drg_version_info vinfo;
    struct folio_claim *claim;
    int sdx_index[FOLIO_CLAIM_MAX_CODES]; /* code index of each SDX */
    int pr_index[FOLIO_CLAIM_MAX_CODES];  /* code index of each procedure */
    int pdx_index;
    struct folio_drg_result *res;
    /* Table 5 and payment */
    const struct folio_drg_table5 *t5;
    struct folio_drg_table5_info t5info;
    int32_t price_date;
    const struct folio_drg_weight *w; /* NULL: no Table 5 in force, or the DRG has no row */
    bool priced;
    struct folio_drg_payment pay;
    const char *payment_note; /* why there is no weight or payment */
};

static bool grouped_role(const struct folio_abstract_code *c)
{
    return c->role == FOLIO_ABS_PRINCIPAL || c->role == FOLIO_ABS_SECONDARY ||
           c->role == FOLIO_ABS_EXTERNAL_CAUSE ||
           (c->role == FOLIO_ABS_PROCEDURE && c->system == FOLIO_CS_ICD10PCS);
}

/* The claim of a stay: PDX, SDX (secondary, then external cause, in sequence), ICD-10-PCS
 * procedures; codes beyond the grouper's 99 are left out (not_grouped says so). */
static void build_claim(const struct stay *s, struct grouping *g)
{
    struct folio_claim *c = g->claim;
    size_t i;
    int pass;

    memset(c, 0, sizeof *c);
    c->age = 0; /* the grouper does not read the age */
    c->sex = s->sex;
    c->discharge_status = s->status;
    g->pdx_index = -1;
    for (i = 0; i < s->n_codes; i++) {
        const struct folio_abstract_code *x = &s->codes[i];

        if (x->role == FOLIO_ABS_PRINCIPAL && g->pdx_index < 0) {
            (void)folio_strlcpy(c->pdx.code, x->code, sizeof c->pdx.code);
            c->pdx.poa = x->poa;
            g->pdx_index = (int)i;
        } else if (x->role == FOLIO_ABS_PROCEDURE && x->system == FOLIO_CS_ICD10PCS &&
                   c->npr < FOLIO_CLAIM_MAX_CODES) {
            (void)folio_strlcpy(c->pr[c->npr], x->code, sizeof c->pr[0]);
            g->pr_index[c->npr++] = (int)i;
        }
    }
    for (pass = 0; pass < 2; pass++) {
        enum folio_abs_role want = pass ? FOLIO_ABS_EXTERNAL_CAUSE : FOLIO_ABS_SECONDARY;

        for (i = 0; i < s->n_codes && c->nsdx < FOLIO_CLAIM_MAX_CODES; i++) {
            const struct folio_abstract_code *x = &s->codes[i];

            if (x->role != want)
                continue;
            (void)folio_strlcpy(c->sdx[c->nsdx].code, x->code, sizeof c->sdx[0].code);
            c->sdx[c->nsdx].poa = x->poa;
            g->sdx_index[c->nsdx++] = (int)i;
        }
    }
}

/* Weight and payment of the grouping's final DRG (Table 5 in force on price_date). */
static void weigh(const struct folio_drg_cache *cache, const struct stay *s, struct grouping *g,
                  struct folio_arena *a)
{
    struct folio_drg_case pc;
    struct folio_err e;
    char day[11];

    g->t5 = cache->t5 ? folio_drg_table5_set_pick(cache->t5, g->price_date) : NULL;
    if (!g->t5) {
        ymd_text(g->price_date, day);
        g->payment_note =
            cache->n_t5 ? folio_arena_printf(a, "no Table 5 loaded covers %s: no weight", day)
                        : "no Table 5 loaded (folio serve --table5 FILE): no weight or payment";
        return;
    }
    folio_drg_table5_info(g->t5, &g->t5info);
    g->w = folio_drg_table5_get(g->t5, g->res->final.drg);
    if (!g->w) {
        g->payment_note = folio_arena_printf(a, "DRG %d has no row in Table 5 (FY %d): no weight",
                                             (int)g->res->final.drg, g->t5info.fiscal_year);
        return;
    }
    if (!cache->have_rates) {
        g->payment_note = "no hospital rates (folio serve --base-rate DOLLARS): no payment";
        return;
    }
    memset(&pc, 0, sizeof pc);
    pc.drg = g->res->final.drg;
    pc.los = s->los < 0 ? 0 : s->los;
    pc.status = s->status;
    pc.discharge_date = g->price_date;
    folio_err_clear(&e);
    if (folio_drg_price(g->t5, &pc, &cache->rates, NULL, &g->pay, &e) != FOLIO_OK) {
        g->payment_note = folio_arena_printf(a, "not priced: %s", e.msg);
        return;
    }
    g->priced = true;
}

/* Groups a stay; the result and its claim live in the arena. ENOMEM only. */
static enum folio_rc group_stay(const struct folio_drg_cache *cache, const struct stay *s,
                                bool fallback, struct folio_arena *a, struct grouping *g,
                                struct folio_err *err)
{
    enum folio_rc rc;

    memset(g, 0, sizeof *g);
    g->date = ymd_of(s->code_date);
    g->claim = folio_arena_calloc(a, 1, sizeof *g->claim);
    g->res = folio_arena_calloc(a, 1, sizeof *g->res);
    if (!g->claim || !g->res)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    build_claim(s, g);
    if (g->pdx_index < 0) {
        g->state = G_NO_PRINCIPAL;
        return FOLIO_OK;
    }
    g->v = g->date ? folio_drg_set_pick(cache->set, g->date) : NULL;
    if (!g->v && !fallback) {
        g->state = G_NO_VERSION;
        return FOLIO_OK;
    }
    if (!g->v) {
        g->v = cache->newest;
        g->fallback = true;
    }
    folio_drg_version_info(g->v, &g->vinfo);
    g->price_date = g->fallback ? g->vinfo.from : g->date;
    rc = folio_drg_group(g->v, g->claim, g->res, err);
    if (rc)
        return rc;
    weigh(cache, s, g, a);
    return FOLIO_OK;
}

/* ---------------------------------------------------------------- rendering */

static int set_weight(json_t *o, const struct folio_drg_weight *w)
{
    int bad = 0;

    if (!w) {
        bad |= folio_jset(o, "weight", json_null());
        return bad;
    }
    bad |= folio_jset(o, "weight", jreal(w->weight, 1e4));
    return bad;
}

static json_t *payment_json(const struct folio_drg_payment *p)
{
    struct folio_buf b;
    json_t *o = json_object(), *lines = json_array();
    char money[32];
    int bad = !o || !lines;
    const char *s, *nl;

    if (bad) {
        json_decref(o);
        json_decref(lines);
        return NULL;
    }
    folio_drg_format_cents(p->total, money, sizeof money);
    bad |= folio_jset_str(o, "total", money);
    bad |= folio_jset_int(o, "total_cents", p->total);
    bad |= folio_jset_int(o, "base_rate_cents", p->base_rate);
    bad |= folio_jset(o, "labor_share", jreal(p->labor_share, 1e6));
    bad |= folio_jset(o, "wage_index", jreal(p->wage_index, 1e6));
    bad |= folio_jset_int(o, "labor_cents", p->labor);
    bad |= folio_jset_int(o, "nonlabor_cents", p->nonlabor);
    bad |= folio_jset_int(o, "labor_adjusted_cents", p->labor_adjusted);
    bad |= folio_jset_int(o, "adjusted_base_cents", p->adjusted_base);
    bad |= folio_jset_int(o, "full_cents", p->full);
    bad |= folio_jset_str(o, "status_kind", folio_drg_status_kind_name(p->status_kind));
    bad |= folio_jset_str(o, "transfer_rule", folio_drg_transfer_rule_name(p->rule));
    bad |= folio_jset_int(o, "los", p->los);
    bad |= folio_jset_int(o, "transfer_days", p->days);
    bad |= folio_jset_bool(o, "reduced", p->reduced);
    bad |= folio_jset_int(o, "per_diem_cents", p->per_diem);
    bad |= folio_jset_int(o, "transfer_amount_cents", p->transfer_amount);
    bad |= folio_jset_int(o, "drg_payment_cents", p->drg_payment);
    bad |= folio_jset_bool(o, "outlier_priced", p->outlier_priced);
    /* the computation step by step, one line each */
    folio_buf_init(&b, 64 * 1024);
    if (!bad && folio_drg_payment_explain(p, &b) == FOLIO_OK && b.data) {
        for (s = b.data; *s; s = nl ? nl + 1 : s + strlen(s)) {
            nl = strchr(s, '\n');
            if (nl == s)
                continue;
            bad |= json_array_append_new(lines, nl ? json_stringn(s, (size_t)(nl - s))
                                                   : json_string(s)) != 0;
        }
    }
    folio_buf_release(&b);
    bad |= folio_jset(o, "explain", lines);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The weight of the DRG a claim groups to (what-if), or a negative number when there is none. */
static double weight_of(const struct grouping *g, int drg)
{
    const struct folio_drg_weight *w = g->t5 ? folio_drg_table5_get(g->t5, drg) : NULL;

    return w ? w->weight : -1.0;
}

static json_t *code_ref(struct folio_req *req, const struct stay *s, int idx)
{
    json_t *o = json_object();
    const struct folio_abstract_code *c = &s->codes[idx];
    char poa[2] = {c->poa, '\0'};
    int bad = !o;

    bad |= o ? folio_jset_int(o, "code_index", idx) : 1;
    bad |= o ? folio_jset_str(o, "role", folio_abs_role_name(c->role)) : 1;
    bad |= o ? folio_jset_str(o, "code", c->code) : 1;
    bad |= o ? folio_jset_str(o, "dotted", dotted(req, c->system, c->code)) : 1;
    bad |= o ? folio_jset_str(o, "poa", c->poa ? poa : NULL) : 1;
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The secondary diagnoses: how each was used, whether it drives the severity, and the DRG
 * without it (a what-if per SDX: one more grouping each, a microsecond or two). */
static json_t *sdx_json(struct folio_req *req, const struct stay *s, const struct grouping *g,
                        const bool *driver, struct folio_claim *scratch,
                        struct folio_drg_result *sres, int *bad_rc, struct folio_err *err)
{
    const struct folio_drg_result *r = g->res;
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr && i < g->claim->nsdx; i++) {
        json_t *o = code_ref(req, s, g->sdx_index[i]), *wo = json_object();
        int bad = !o || !wo;
        double w;

        if (!bad) {
            *scratch = *g->claim;
            memmove(&scratch->sdx[i], &scratch->sdx[i + 1],
                    (scratch->nsdx - i - 1) * sizeof scratch->sdx[0]);
            scratch->nsdx--;
            if (folio_drg_group(g->v, scratch, sres, err) != FOLIO_OK) {
                *bad_rc = 1;
                bad = 1;
            }
        }
        if (!bad) {
            w = weight_of(g, sres->final.drg);
            bad |= folio_jset_int(wo, "drg", sres->final.drg);
            bad |= folio_jset_str(wo, "title", folio_drg_title(g->v, sres->final.drg));
            bad |= folio_jset(wo, "weight", w >= 0 ? jreal(w, 1e4) : json_null());
            bad |= folio_jset_bool(wo, "changes", sres->final.drg != r->final.drg);
        }
        bad |= o ? folio_jset_str(o, "usage", folio_drg_usage_name(r->final.usage[i])) : 1;
        bad |=
            o ? folio_jset_str(o, "initial_usage", folio_drg_usage_name(r->initial.usage[i])) : 1;
        bad |= o ? folio_jset_bool(o, "driver", driver[i]) : 1;
        if (o && wo)
            bad |= folio_jset(o, "without", wo);
        else
            json_decref(wo);
        if (bad || json_array_append_new(arr, o)) {
            if (bad)
                json_decref(o);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The DRG answer of one stay (both routes). */
static json_t *grouping_json(struct folio_req *req, const struct folio_drg_cache *cache,
                             const struct stay *s, const struct grouping *g, bool fallback,
                             struct folio_err *err, enum folio_rc *rc)
{
    json_t *o = json_object(), *in = json_object(), *ng = json_array();
    const struct folio_drg_result *r = g->res;
    char day[11], from[11], to[11];
    struct folio_buf vt;
    int bad = !o || !in || !ng;
    size_t i;

    *rc = FOLIO_OK;
    if (bad) {
        json_decref(o);
        json_decref(in);
        json_decref(ng);
        return NULL;
    }
    /* what was grouped */
    bad |= folio_jset_str(in, "code_date", s->code_date[0] ? s->code_date : NULL);
    bad |= folio_jset_str(in, "sex", s->sex == 'M' ? "M" : s->sex == 'F' ? "F" : "U");
    (void)folio_snprintf(day, sizeof day, "%02d", s->status);
    bad |= folio_jset_str(in, "discharge_status", day);
    bad |= folio_jset_bool(in, "discharge_status_assumed", s->status_assumed);
    bad |= s->los >= 0 ? folio_jset_int(in, "los", s->los) : folio_jset(in, "los", json_null());
    for (i = 0; !bad && i < s->n_codes; i++) {
        const struct folio_abstract_code *c = &s->codes[i];
        const char *why = NULL;
        size_t k;
        bool in_claim = (int)i == g->pdx_index;

        for (k = 0; !in_claim && k < g->claim->nsdx; k++)
            in_claim = g->sdx_index[k] == (int)i;
        for (k = 0; !in_claim && k < g->claim->npr; k++)
            in_claim = g->pr_index[k] == (int)i;
        if (in_claim)
            continue;
        if (c->role == FOLIO_ABS_ADMITTING)
            why = "the admitting diagnosis does not group";
        else if (c->role == FOLIO_ABS_REASON_VISIT)
            why = "reasons for visit do not group";
        else if (c->role == FOLIO_ABS_PROCEDURE && c->system != FOLIO_CS_ICD10PCS)
            why = "only ICD-10-PCS procedures group";
        else if (c->role == FOLIO_ABS_PRINCIPAL)
            why = "a second principal diagnosis";
        else if (grouped_role(c))
            why = "beyond the 99 codes of its kind the grouper reads";
        if (why) {
            json_t *x = code_ref(req, s, (int)i);

            bad |= !x || folio_jset_str(x, "why", why);
            if (bad || json_array_append_new(ng, x)) {
                json_decref(x);
                bad = 1;
            }
        }
    }
    bad |= folio_jset(in, "not_grouped", ng);
    bad |= folio_jset(o, "inputs", in);
    bad |= folio_jset_bool(o, "fallback_requested", fallback);
    folio_buf_init(&vt, 4096);
    bad |= folio_drg_cache_versions_text(cache, &vt) != FOLIO_OK;
    bad |= folio_jset_str(o, "versions_loaded", vt.data ? vt.data : "");
    folio_buf_release(&vt);
    if (cache->newest)
        bad |= folio_jset_str(o, "newest_version", cache->newest_info.name);
    if (g->state == G_NO_PRINCIPAL) {
        bad |= folio_jset_str(o, "state", "no_principal");
        bad |= folio_jset_str(o, "message", "no principal diagnosis yet: add one to see the DRG");
        goto done;
    }
    if (g->state == G_NO_VERSION) {
        struct folio_buf m;

        folio_buf_init(&m, 4096);
        bad |= folio_buf_appendf(&m, "no MS-DRG version in force on %s (loaded: ", s->code_date) !=
               FOLIO_OK;
        bad |= folio_drg_cache_versions_text(cache, &m) != FOLIO_OK;
        bad |= folio_buf_append_str(&m, ")") != FOLIO_OK;
        bad |= folio_jset_str(o, "state", "no_version");
        bad |= folio_jset_str(o, "message", m.data);
        folio_buf_release(&m);
        goto done;
    }
    bad |= folio_jset_str(o, "state", "grouped");
    ymd_text(g->vinfo.from, from);
    ymd_text(g->vinfo.to, to);
    {
        json_t *v = json_object();

        bad |= !v;
        bad |= v ? folio_jset_str(v, "name", g->vinfo.name) : 1;
        bad |= v ? folio_jset_str(v, "from", from) : 1;
        bad |= v ? folio_jset_str(v, "to", to) : 1;
        bad |= v ? folio_jset_bool(v, "in_force", !g->fallback) : 1;
        bad |= folio_jset(o, "version", v);
    }
    bad |= folio_jset_str(
        o, "message",
        g->fallback ? folio_arena_printf(req->arena, "grouped with v%s; no version covers %s",
                                         g->vinfo.name, s->code_date)
                    : folio_arena_printf(req->arena, "grouped with v%s, in force on %s",
                                         g->vinfo.name, s->code_date));
    bad |= folio_jset_int(o, "drg", r->final.drg);
    bad |= folio_jset_str(o, "title", folio_drg_title(g->v, r->final.drg));
    bad |= folio_jset_int(o, "mdc", r->final.mdc);
    bad |= folio_jset_str(o, "mdc_title", folio_drg_mdc_title(g->v, r->final.mdc));
    bad |= folio_jset_str(o, "med_surg", folio_drg_med_surg_name(r->final.med_surg));
    bad |= folio_jset_str(o, "severity", folio_drg_severity_name(r->final.severity));
    bad |= folio_jset_str(o, "grc", folio_drg_grc_name(r->final.grc));
    bad |= folio_jset_str(o, "formula",
                          r->final.formula >= 0 ? folio_drg_formula_text(g->v, r->final.formula)
                                                : NULL);
    bad |= folio_jset_str(o, "hac_status", folio_drg_hac_status_name(r->hac_status));
    if (r->initial.drg != r->final.drg) {
        json_t *x = json_object();

        bad |= !x;
        bad |= x ? folio_jset_int(x, "drg", r->initial.drg) : 1;
        bad |= x ? folio_jset_str(x, "title", folio_drg_title(g->v, r->initial.drg)) : 1;
        bad |= x ? folio_jset_str(x, "severity", folio_drg_severity_name(r->initial.severity)) : 1;
        bad |= x ? folio_jset(x, "weight",
                              weight_of(g, r->initial.drg) >= 0
                                  ? jreal(weight_of(g, r->initial.drg), 1e4)
                                  : json_null())
                 : 1;
        bad |= folio_jset(o, "initial", x);
    } else {
        bad |= folio_jset(o, "initial", json_null());
    }
    /* drivers, usage of each SDX, HACs */
    {
        size_t pos[FOLIO_CLAIM_MAX_CODES], nd = folio_drg_drivers(r, pos, FOLIO_CLAIM_MAX_CODES);
        bool driver[FOLIO_CLAIM_MAX_CODES] = {false};
        const char *level = folio_drg_severity_name(r->final.severity);
        struct folio_claim *scratch = folio_arena_calloc(req->arena, 1, sizeof *scratch);
        struct folio_drg_result *sres = folio_arena_calloc(req->arena, 1, sizeof *sres);
        json_t *dr = json_array(), *hacs = json_array(), *sdx;
        int grc_bad = 0;

        bad |= !dr || !hacs || !scratch || !sres;
        for (i = 0; !bad && i < nd && i < FOLIO_CLAIM_MAX_CODES; i++) {
            json_t *x = code_ref(req, s, g->sdx_index[pos[i]]);

            driver[pos[i]] = true;
            bad |= !x || folio_jset_str(x, "level", level);
            bad |= x ? folio_jset_str(
                           x, "text",
                           nd == 1 ? folio_arena_printf(req->arena, "%s: drives DRG %d", level,
                                                        (int)r->final.drg)
                                   : folio_arena_printf(req->arena,
                                                        "%s: one of %zu behind DRG %d (drop them "
                                                        "all to change it)",
                                                        level, nd, (int)r->final.drg))
                     : 1;
            if (bad || json_array_append_new(dr, x)) {
                json_decref(x);
                bad = 1;
            }
        }
        for (i = 0; !bad && i < r->nhacs; i++) {
            const struct folio_drg_hac *h = &r->hacs[i];
            json_t *x;

            if (h->sdx < 1 || h->sdx > g->claim->nsdx)
                continue;
            x = code_ref(req, s, g->sdx_index[h->sdx - 1]);
            bad |= !x || folio_jset_int(x, "hac", h->hac);
            bad |= x ? folio_jset_str(x, "title", folio_drg_hac_title(g->v, h->hac)) : 1;
            bad |= x ? folio_jset_str(x, "finding", folio_drg_hac_finding_name(h->finding)) : 1;
            if (bad || json_array_append_new(hacs, x)) {
                json_decref(x);
                bad = 1;
            }
        }
        sdx = bad ? NULL : sdx_json(req, s, g, driver, scratch, sres, &grc_bad, err);
        if (grc_bad) {
            json_decref(dr);
            json_decref(hacs);
            json_decref(o);
            *rc = FOLIO_EINTERNAL;
            return NULL;
        }
        bad |= !sdx;
        bad |= dr ? folio_jset(o, "drivers", dr) : 1;
        bad |= hacs ? folio_jset(o, "hacs", hacs) : 1;
        bad |= sdx ? folio_jset(o, "sdx", sdx) : 1;
    }
    {
        json_t *pr = json_array();

        for (i = 0; pr && i < g->claim->npr; i++)
            if (json_array_append_new(pr, code_ref(req, s, g->pr_index[i])))
                bad = 1;
        bad |= !pr || folio_jset(o, "procedures", pr);
    }
    /* weight and payment */
    bad |= set_weight(o, g->w);
    bad |= g->w ? folio_jset(o, "gmlos", jreal(g->w->gmlos, 1e4))
                : folio_jset(o, "gmlos", json_null());
    bad |= g->w ? folio_jset(o, "amlos", jreal(g->w->amlos, 1e4))
                : folio_jset(o, "amlos", json_null());
    bad |= folio_jset(o, "post_acute", g->w ? json_boolean(g->w->post_acute) : json_null());
    bad |= folio_jset(o, "special_pay", g->w ? json_boolean(g->w->special_pay) : json_null());
    if (g->t5) {
        json_t *t = json_object();

        bad |= !t;
        bad |= t ? folio_jset_str(t, "name", g->t5info.name) : 1;
        bad |= t ? folio_jset_int(t, "fiscal_year", g->t5info.fiscal_year) : 1;
        bad |= folio_jset(o, "table5", t);
    } else {
        bad |= folio_jset(o, "table5", json_null());
    }
    bad |= folio_jset(o, "payment", g->priced ? payment_json(&g->pay) : json_null());
    bad |= folio_jset_str(o, "payment_note", g->priced ? NULL : g->payment_note);
done:
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------------------------------------------------------- one encounter */

struct enc_ctx {
    struct folio_encounter enc;
    struct folio_patient pat;
    struct stay stay;
};

/* The encounter and its patient (404 "id"), inpatient only (409 "class"). */
static enum folio_rc load_enc(struct folio_req *req, struct enc_ctx *x, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    enum folio_rc rc;

    memset(x, 0, sizeof *x);
    rc = folio_encounter_get(&c, req->ids[0], req->arena, &x->enc, err);
    if (rc == FOLIO_ENOTFOUND)
        (void)folio_strlcpy(err->field, "id", sizeof err->field);
    rc = rc ? rc : folio_patient_get(&c, x->enc.patient_id, req->arena, &x->pat, err);
    if (rc)
        return rc;
    if (!x->enc.enc_class || strcmp(x->enc.enc_class, "inpatient") != 0)
        return folio_err_set(
            err, FOLIO_ESTATE, "class", "MS-DRG applies to inpatient stays: encounter %lld is %s",
            (long long)x->enc.id, x->enc.enc_class ? x->enc.enc_class : "of no class");
    /* the code date, as the abstract takes it: the discharge date, else today */
    if (x->enc.discharge_at && strlen(x->enc.discharge_at) >= 10)
        memcpy(x->stay.code_date, x->enc.discharge_at, 10);
    else
        today(x->stay.code_date);
    x->stay.sex = sex_of(x->pat.sex);
    x->stay.status = status_of(x->enc.disposition);
    x->stay.status_assumed = x->stay.status == 0;
    if (x->stay.status_assumed)
        x->stay.status = 1;
    x->stay.los = los_of(x->enc.admit_at, x->enc.discharge_at);
    return FOLIO_OK;
}

static enum folio_rc reply_drg(struct folio_req *req, struct folio_resp *resp,
                               const struct folio_drg_cache *cache, struct enc_ctx *x,
                               bool fallback, struct folio_err *err)
{
    struct grouping g;
    enum folio_rc rc, jrc = FOLIO_OK;
    json_t *o;

    rc = group_stay(cache, &x->stay, fallback, req->arena, &g, err);
    if (rc)
        return rc;
    o = grouping_json(req, cache, &x->stay, &g, fallback, err, &jrc);
    if (jrc)
        return jrc;
    if (!o || folio_jset_int(o, "encounter_id", x->enc.id)) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

/* GET /encounters/{id}/abstract/drg: the saved abstract grouped. */
static enum folio_rc drg_view(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    const struct folio_drg_cache *cache = folio_drg_cache_acquire();
    struct folio_abstract *a = NULL;
    struct enc_ctx x;
    bool fallback = false;
    char day[11];
    enum folio_rc rc;

    rc = load_enc(req, &x, err);
    rc = rc ? rc : need_tables(cache, err);
    rc = rc ? rc : query_bool(req, "fallback", cache->fallback_newest, &fallback, err);
    if (!rc) {
        today(day);
        rc = folio_abstract_get(req->store, req->ids[0], day, req->arena, &a, err);
        if (rc == FOLIO_ENOTFOUND)
            (void)folio_strlcpy(err->field, "id", sizeof err->field);
    }
    rc = rc ? rc
            : folio_srv_audit(req, "coding.view", x.enc.patient_id, "encounter", req->ids[0],
                              "abstract DRG", err);
    if (!rc) {
        x.stay.codes = a->codes;
        x.stay.n_codes = a->n_codes;
        rc = reply_drg(req, resp, cache, &x, fallback, err);
        if (!rc && resp->json)
            rc = folio_jset_int(resp->json, "abstract_version", a->version)
                     ? folio_render_nomem(err)
                     : FOLIO_OK;
    }
    folio_drg_cache_release(cache);
    return rc;
}

/* POST /encounters/{id}/abstract/drg: a draft grouped (live, what-if); nothing is written. */
static enum folio_rc drg_draft(struct folio_req *req, struct folio_resp *resp,
                               struct folio_err *err)
{
    static const char *const allowed[] = {"codes", "fallback", NULL};
    const struct folio_drg_cache *cache = folio_drg_cache_acquire();
    struct folio_abstract_code *codes = NULL;
    struct enc_ctx x;
    json_t *body = NULL;
    bool fallback = false, given = false;
    size_t n = 0;
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "fallback", &fallback, &given, err);
    rc = rc ? rc : folio_api_coding_parse_codes(req, body, &codes, &n, err);
    rc = rc ? rc : load_enc(req, &x, err);
    /* A draft grouping reads the stay's facts: a chart access (restricted charts, btg.h). */
    rc = rc ? rc
            : folio_srv_audit(req, "coding.drg_draft", x.enc.patient_id, "encounter", req->ids[0],
                              "MS-DRG draft grouping", err);
    rc = rc ? rc : need_tables(cache, err);
    if (!rc) {
        if (!given)
            fallback = cache->fallback_newest;
        x.stay.codes = codes;
        x.stay.n_codes = n;
        rc = reply_drg(req, resp, cache, &x, fallback, err);
    }
    json_decref(body);
    folio_drg_cache_release(cache);
    return rc;
}

/* ---------------------------------------------------------------- case mix */

enum cm_by { BY_MONTH = 0, BY_SERVICE = 1, BY_PHYSICIAN = 2 };
static const char *const by_names[] = {"month", "service", "physician"};

/* One stay of the report, reduced to what the aggregation needs. */
struct cm_row {
    const char *key;   /* "2024-03", the service, the attending's id ("" = none) */
    const char *label; /* shown */
    enum grouping_state state;
    bool fallback; /* grouped with the newest version: none covers the discharge date */
    bool weighed;  /* grouped to a DRG with a Table 5 weight */
    double weight;
};

struct cm_acc {
    const char *key, *label;
    int64_t stays, grouped, fallback, weighed, no_version, no_principal;
    double total_weight;
};

static int cmp_row(const void *pa, const void *pb)
{
    const struct cm_row *a = pa, *b = pb;
    int c = strcmp(a->label, b->label);

    return c ? c : strcmp(a->key, b->key);
}

static void acc_add(struct cm_acc *acc, const struct cm_row *r)
{
    acc->stays++;
    acc->grouped += r->state == G_GROUPED;
    acc->fallback += r->fallback;
    acc->weighed += r->weighed;
    acc->no_version += r->state == G_NO_VERSION;
    acc->no_principal += r->state == G_NO_PRINCIPAL;
    if (r->weighed)
        acc->total_weight += r->weight;
}

static json_t *acc_json(const struct cm_acc *a)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    if (a->key)
        bad |= folio_jset_str(o, "key", a->key);
    if (a->label)
        bad |= folio_jset_str(o, "label", a->label);
    bad |= folio_jset_int(o, "stays", a->stays);
    bad |= folio_jset_int(o, "grouped", a->grouped);
    bad |= folio_jset_int(o, "fallback", a->fallback);
    bad |= folio_jset_int(o, "weighed", a->weighed);
    bad |= folio_jset_int(o, "no_version", a->no_version);
    bad |= folio_jset_int(o, "no_principal", a->no_principal);
    bad |= folio_jset(o, "total_weight", jreal(a->total_weight, 1e4));
    bad |= folio_jset(o, "cmi",
                      a->weighed ? jreal(a->total_weight / (double)a->weighed, 1e4) : json_null());
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* RFC 4180 field. */
static enum folio_rc csv_field(struct folio_buf *b, const char *s, bool last)
{
    enum folio_rc rc = FOLIO_OK;
    const char *p;

    s = s ? s : "";
    if (strpbrk(s, ",\"\r\n")) {
        rc = folio_buf_append_str(b, "\"");
        for (p = s; !rc && *p; p++)
            rc = *p == '"' ? folio_buf_append_str(b, "\"\"") : folio_buf_append(b, p, 1);
        rc = rc ? rc : folio_buf_append_str(b, "\"");
    } else {
        rc = folio_buf_append_str(b, s);
    }
    return rc ? rc : folio_buf_append_str(b, last ? "\r\n" : ",");
}

static enum folio_rc csv_row(struct folio_buf *b, const char *by, const struct cm_acc *a)
{
    char n[6][32];
    enum folio_rc rc;

    (void)folio_snprintf(n[0], sizeof n[0], "%lld", (long long)a->stays);
    (void)folio_snprintf(n[1], sizeof n[1], "%lld", (long long)a->grouped);
    (void)folio_snprintf(n[2], sizeof n[2], "%lld", (long long)a->fallback);
    (void)folio_snprintf(n[3], sizeof n[3], "%lld", (long long)a->weighed);
    (void)folio_snprintf(n[4], sizeof n[4], "%.4f", a->total_weight);
    if (a->weighed)
        (void)folio_snprintf(n[5], sizeof n[5], "%.4f", a->total_weight / (double)a->weighed);
    else
        n[5][0] = '\0';
    rc = csv_field(b, by, false);
    rc = rc ? rc : csv_field(b, a->key, false);
    rc = rc ? rc : csv_field(b, a->label, false);
    for (int i = 0; !rc && i < 6; i++)
        rc = csv_field(b, n[i], i == 5);
    return rc;
}

static enum folio_rc casemix(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    const struct folio_drg_cache *cache = folio_drg_cache_acquire();
    const char *from = folio_req_query(req, "from"), *to = folio_req_query(req, "to");
    const char *by_s = folio_req_query(req, "by"), *format = folio_req_query(req, "format");
    struct folio_casemix_case *cases = NULL;
    struct cm_row *rows = NULL;
    struct cm_acc total, *accs = NULL;
    size_t n = 0, i, nacc = 0;
    enum cm_by by = BY_MONTH;
    bool fallback = false, csv = false;
    char day[11], first[11];
    json_t *o = NULL, *items = NULL;
    enum folio_rc rc;

    memset(&total, 0, sizeof total);
    today(day);
    /* default period: the twelve months to today (from the first of the month 11 months ago) */
    {
        int y = (day[0] - '0') * 1000 + (day[1] - '0') * 100 + (day[2] - '0') * 10 + (day[3] - '0');
        int m = (day[5] - '0') * 10 + (day[6] - '0') - 11;

        if (m < 1) {
            m += 12;
            y--;
        }
        (void)folio_snprintf(first, sizeof first, "%04d-%02d-01", y, m);
    }
    if (folio_str_empty(from))
        from = first;
    if (folio_str_empty(to))
        to = day;
    rc = need_tables(cache, err);
    if (!rc && !folio_str_empty(by_s)) {
        for (i = 0; i < FOLIO_ARRAY_LEN(by_names) && strcmp(by_s, by_names[i]) != 0; i++)
            ;
        if (i == FOLIO_ARRAY_LEN(by_names))
            rc = folio_err_set(err, FOLIO_EINVAL, "by",
                               "by: '%.20s' is not a grouping (month, service, physician)", by_s);
        by = (enum cm_by)i;
    }
    if (!rc && !folio_str_empty(format)) {
        if (strcmp(format, "csv") == 0)
            csv = true;
        else if (strcmp(format, "json") != 0)
            rc = folio_err_set(err, FOLIO_EINVAL, "format", "format: '%.20s' is not json or csv",
                               format);
    }
    rc = rc ? rc
            : query_bool(req, "fallback", cache ? cache->fallback_newest : false, &fallback, err);
    rc = rc ? rc : folio_casemix_cases(req->store, from, to, req->arena, &cases, &n, err);
    if (rc)
        goto out;
    if (n) {
        rows = folio_arena_calloc(req->arena, n, sizeof *rows);
        if (!rows) {
            rc = folio_render_nomem(err);
            goto out;
        }
    }
    /* group and weigh each stay; the claim and result of one grouping are reused */
    {
        struct folio_arena scratch;

        folio_arena_init(&scratch, 1u << 20); /* one grouping at a time: emptied per stay */
        for (i = 0; !rc && i < n; i++) {
            const struct folio_casemix_case *c = &cases[i];
            struct stay s;
            struct grouping g;
            struct cm_row *r = &rows[i];

            memset(&s, 0, sizeof s);
            (void)folio_strlcpy(s.code_date, c->discharge_date, sizeof s.code_date);
            s.sex = c->sex;
            s.status = status_of(c->disposition);
            s.status_assumed = s.status == 0;
            if (s.status_assumed)
                s.status = 1;
            s.los = los_of(c->admit_date, c->discharge_date);
            s.codes = c->codes;
            s.n_codes = c->n_codes;
            rc = group_stay(cache, &s, fallback, &scratch, &g, err);
            if (rc)
                break;
            r->state = g.state;
            r->fallback = g.state == G_GROUPED && g.fallback;
            r->weighed = g.state == G_GROUPED && g.w;
            r->weight = g.w ? g.w->weight : 0;
            if (by == BY_MONTH) {
                r->key = folio_arena_printf(req->arena, "%.7s", c->discharge_date);
                r->label = r->key;
            } else if (by == BY_SERVICE) {
                r->key = c->service ? c->service : "";
                r->label = c->service ? c->service : "(no service)";
            } else {
                r->key = c->attending_id
                             ? folio_arena_printf(req->arena, "%lld", (long long)c->attending_id)
                             : "";
                r->label = c->attending      ? c->attending
                           : c->attending_id ? folio_arena_printf(req->arena, "provider #%lld",
                                                                  (long long)c->attending_id)
                                             : "(no attending)";
            }
            if (!r->key || !r->label)
                rc = folio_render_nomem(err);
            folio_arena_release(&scratch);
        }
        folio_arena_release(&scratch);
    }
    if (rc)
        goto out;
    /* aggregate by key, in the order of the labels (months sort as text) */
    if (n) {
        accs = folio_arena_calloc(req->arena, n, sizeof *accs);
        if (!accs) {
            rc = folio_render_nomem(err);
            goto out;
        }
        qsort(rows, n, sizeof *rows, cmp_row);
        for (i = 0; i < n; i++) {
            if (!nacc || strcmp(accs[nacc - 1].key, rows[i].key) != 0) {
                accs[nacc].key = rows[i].key;
                accs[nacc].label = rows[i].label;
                nacc++;
            }
            acc_add(&accs[nacc - 1], &rows[i]);
            acc_add(&total, &rows[i]);
        }
    }
    rc = folio_srv_audit(req, "coding.casemix", 0, "encounter", 0,
                         folio_arena_printf(req->arena, "case mix %s..%s by %s: %zu stays", from,
                                            to, by_names[by], n),
                         err);
    if (rc)
        goto out;
    if (csv) {
        struct folio_buf b;

        folio_buf_init(&b, CSV_MAX);
        rc = folio_buf_append_str(&b, "by,key,label,stays,grouped,fallback,weighed,total_weight,"
                                      "cmi\r\n");
        for (i = 0; !rc && i < nacc; i++)
            rc = csv_row(&b, by_names[by], &accs[i]);
        total.key = "total";
        total.label = "all stays";
        rc = rc ? rc : csv_row(&b, "total", &total);
        if (rc) {
            folio_buf_release(&b);
            if (rc == FOLIO_ETOOBIG)
                rc = folio_err_set(err, FOLIO_ETOOBIG, "to",
                                   "the report is too large: shorten "
                                   "the period");
            else
                rc = folio_render_nomem(err);
            goto out;
        }
        resp->raw = folio_arena_strdup(req->arena, b.data);
        resp->raw_len = b.len;
        folio_buf_release(&b);
        if (!resp->raw) {
            rc = folio_render_nomem(err);
            goto out;
        }
        resp->status = 200;
        resp->content_type = "text/csv; charset=utf-8";
        resp->content_disposition = folio_arena_printf(
            req->arena, "attachment; filename=\"casemix-%s-%s-by-%s.csv\"", from, to, by_names[by]);
        goto out;
    }
    items = json_array();
    for (i = 0; items && i < nacc; i++) {
        if (json_array_append_new(items, acc_json(&accs[i]))) {
            json_decref(items);
            items = NULL;
        }
    }
    o = items ? json_object() : NULL;
    if (!o || folio_jset(o, "items", items)) {
        if (!o)
            json_decref(items);
        json_decref(o);
        rc = folio_render_nomem(err);
        goto out;
    }
    {
        struct folio_buf vt;
        int bad = 0;

        folio_buf_init(&vt, 4096);
        bad |= folio_drg_cache_versions_text(cache, &vt) != FOLIO_OK;
        bad |= folio_jset_str(o, "from", from);
        bad |= folio_jset_str(o, "to", to);
        bad |= folio_jset_str(o, "by", by_names[by]);
        bad |= folio_jset_bool(o, "fallback", fallback);
        bad |= folio_jset_str(o, "versions_loaded", vt.data ? vt.data : "");
        bad |= folio_jset_str(o, "newest_version", cache->newest_info.name);
        bad |= folio_jset_bool(o, "weights_loaded", cache->n_t5 > 0);
        bad |= folio_jset(o, "total", acc_json(&total));
        folio_buf_release(&vt);
        if (bad) {
            json_decref(o);
            rc = folio_render_nomem(err);
            goto out;
        }
    }
    rc = folio_api_reply(resp, 200, o, err);
out:
    folio_drg_cache_release(cache);
    return rc;
}

const struct folio_route folio_api_drg_routes[] = {
    {"GET", "/api/v1/encounters/{id}/abstract/drg", FOLIO_PERM_CODING_READ, drg_view,
     "The MS-DRG of the saved abstract: DRG, drivers, weight, expected payment"},
    {"POST", "/api/v1/encounters/{id}/abstract/drg", FOLIO_PERM_CODING_READ, drg_draft,
     "The MS-DRG of a draft code list (live and what-if; nothing is written)"},
    {"GET", "/api/v1/coding/casemix", FOLIO_PERM_CODING_READ, casemix,
     "Case-mix index of final inpatient stays by month, service or physician (JSON or CSV)"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};
