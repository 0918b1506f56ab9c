/* Code sets over HTTP (docs/api.md "Code sets and the encoder"): type-ahead search over
 * ICD-10-CM and ICD-10-PCS (the shared index of encoder_cache.h), a code's details with its
 * notes and where each is stated, the ICD-10-PCS builder, and the loaded versions.
 *
 * Code sets are public reference data without patient information: every route needs only a
 * session (FOLIO_PERM_SIGNED_IN) and none is audited. Bad input is 400 naming the parameter; no
 * code set loaded is 409 saying how to load one; the first index still being built is 503. */
#include "folio/base.h"

#include "folio/codes.h"
#include "folio/encoder.h"
#include "folio/time.h"
#include "server/encoder_cache.h"
#include "server/render.h"
#include "server/server.h"

#define MAX_QUERY 256 /* bytes, as folio_enc_search accepts */

/* ---------------------------------------------------------------- parameters */

/* ?date=YYYY-MM-DD, or NULL when absent or empty. */
static enum folio_rc date_param(const struct folio_req *req, const char **out,
                                struct folio_err *err)
{
    const char *d = folio_req_query(req, "date");
    struct folio_time t;

    *out = NULL;
    if (folio_str_empty(d))
        return FOLIO_OK;
    if (strlen(d) != 10 || folio_time_parse_iso(folio_sv_from(d), &t, "date", err) != FOLIO_OK ||
        t.prec != FOLIO_PREC_DAY)
        return folio_err_set(err, FOLIO_EINVAL, "date", "date: \"%.20s\" is not a date YYYY-MM-DD",
                             d);
    *out = d;
    return FOLIO_OK;
}

/* icd10cm | icd10pcs | all (NULL = all) -> encoder system mask (0 = all). */
static enum folio_rc search_system(const char *s, unsigned *mask, struct folio_err *err)
{
    *mask = 0;
    if (folio_str_empty(s) || strcmp(s, "all") == 0)
        return FOLIO_OK;
    if (strcmp(s, "icd10cm") == 0)
        *mask = FOLIO_ENC_SYS(FOLIO_CS_ICD10CM);
    else if (strcmp(s, "icd10pcs") == 0)
        *mask = FOLIO_ENC_SYS(FOLIO_CS_ICD10PCS);
    else
        return folio_err_set(err, FOLIO_EINVAL, "system",
                             "system: \"%.20s\" is not icd10cm, icd10pcs or all", s);
    return FOLIO_OK;
}

static bool in_period(const char *date, const char *from, const char *to)
{
    return strcmp(from, date) <= 0 && (to[0] == '\0' || strcmp(date, to) <= 0);
}

/* ---------------------------------------------------------------- JSON */

static json_t *done(json_t *o, int bad)
{
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *char_json(char c)
{
    char s[2] = {c, '\0'};
    return json_string(s);
}

static json_t *hit_json(const struct folio_enc_hit *h)
{
    json_t *o = json_object(), *sev = NULL;
    int bad = !o;
    size_t i;

    if (bad)
        return NULL;
    bad |= folio_jset_str(o, "system", folio_code_system_name(h->system));
    bad |= folio_jset_str(o, "code", h->code);
    bad |= folio_jset_str(o, "dotted", h->dotted);
    bad |= folio_jset_str(o, "title", h->title);
    bad |= folio_jset_bool(o, "billable", h->billable);
    bad |= folio_jset_bool(o, "needs_seventh", h->needs_seventh);
    if (h->needs_seventh) {
        sev = json_array();
        bad |= !sev;
        for (i = 0; !bad && i < h->n_seventh; i++) {
            json_t *x = json_object();
            bad |= !x || folio_jset(x, "value", char_json(h->seventh[i].value)) ||
                   folio_jset_str(x, "label", h->seventh[i].label) ||
                   json_array_append_new(sev, x) != 0;
        }
        bad |= folio_jset(o, "seventh", sev);
    }
    bad |= folio_jset_str(o, "match", folio_enc_match_name(h->match));
    bad |= folio_jset_str(o, "matched_term", h->matched_term);
    bad |= folio_jset_int(o, "score", h->score);
    return done(o, bad);
}

static json_t *dotted_json(enum folio_code_system cs, const char *code)
{
    char d[24];
    folio_codes_dotted(cs, code, d, sizeof d);
    return json_string(d);
}

/* A code row in brief: code, dotted, title, kind, billable. */
static json_t *brief_json(const struct folio_code *c)
{
    json_t *o = json_object();
    int bad = !o;
    if (bad)
        return NULL;
    bad |= folio_jset_str(o, "code", c->code);
    bad |= folio_jset(o, "dotted", dotted_json(c->system, c->code));
    bad |= folio_jset_str(o, "title", folio_code_display_title(c));
    bad |= folio_jset_str(o, "kind", folio_code_kind_name(c->kind));
    bad |= folio_jset_bool(o, "billable", c->billable);
    return done(o, bad);
}

static json_t *note_json(enum folio_code_system cs, const struct folio_code_note *n,
                         const char *own_code)
{
    json_t *o = json_object(), *refs = json_array();
    int bad = !o || !refs;
    size_t i;

    for (i = 0; !bad && i < n->n_refs; i++)
        bad |= json_array_append_new(refs, dotted_json(cs, n->refs[i])) != 0;
    if (bad) {
        json_decref(o);
        json_decref(refs);
        return NULL;
    }
    bad |= folio_jset_str(o, "type", folio_note_type_name(n->type));
    bad |= folio_jset_str(o, "text", n->text);
    bad |= folio_jset_str(o, "from_code", n->from_code);
    bad |= folio_jset(o, "from_dotted", dotted_json(cs, n->from_code));
    bad |= folio_jset_bool(o, "inherited", strcmp(n->from_code, own_code) != 0);
    bad |= folio_jset_str(o, "extension", n->extension[0] ? n->extension : NULL);
    bad |= folio_jset(o, "refs", refs);
    return done(o, bad);
}

static json_t *version_json(const struct folio_codeset_version *v)
{
    json_t *o = json_object();
    int bad = !o;
    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", v->id);
    bad |= folio_jset_str(o, "kind", v->kind);
    bad |= folio_jset_str(o, "system", v->system ? folio_code_system_name(v->system) : "mce");
    bad |= folio_jset_int(o, "fiscal_year", v->fiscal_year);
    bad |= folio_jset_str(o, "label", v->label);
    bad |= folio_jset_str(o, "effective_from", v->effective_from);
    bad |= folio_jset_str(o, "effective_to", v->effective_to[0] ? v->effective_to : NULL);
    bad |= folio_jset_id(o, "update_of", v->update_of);
    bad |= folio_jset_str(o, "source_name", v->source_name);
    bad |= folio_jset_str(o, "sha256", v->sha256);
    bad |= folio_jset_str(o, "loaded_at", v->loaded_at);
    bad |= folio_jset_str(o, "loaded_by", v->loaded_by);
    bad |= folio_jset_int(o, "records", v->n_records);
    bad |= folio_jset_int(o, "codes_written", v->n_codes);
    bad |= folio_jset_int(o, "billable", v->n_billable);
    bad |= folio_jset_int(o, "notes", v->n_notes);
    return done(o, bad);
}

static json_t *index_json(void)
{
    struct folio_enc_cache_status st;
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    folio_enc_cache_status(&st);
    bad |= folio_jset_str(o, "state", folio_enc_cache_state_name(st.state));
    bad |= folio_jset_bool(o, "rebuilding", st.rebuilding);
    if (st.state == FOLIO_ENC_CACHE_READY) {
        bad |= folio_jset_int(o, "codes", (int64_t)st.stats.n_codes);
        bad |= folio_jset_int(o, "searchable", (int64_t)st.stats.n_indexed);
        bad |= folio_jset_int(o, "words", (int64_t)st.stats.n_tokens);
        bad |= folio_jset_int(o, "bytes", (int64_t)st.stats.bytes);
        bad |= folio_jset_int(o, "build_ms", (int64_t)(st.build_seconds * 1000.0));
        bad |= folio_jset_str(o, "built_at", st.built_at);
    }
    if (st.state == FOLIO_ENC_CACHE_FAILED)
        bad |= folio_jset_str(o, "error", st.error);
    return done(o, bad);
}

/* ---------------------------------------------------------------- search */

static enum folio_rc search(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    const char *q = folio_req_query(req, "q"), *sys = folio_req_query(req, "system");
    struct folio_enc_lease lease;
    struct folio_enc_results *res;
    json_t *o = NULL, *hits = NULL, *qj = NULL;
    unsigned mask = 0;
    int64_t limit = 20;
    enum folio_rc rc;
    size_t i;
    int bad;

    rc = folio_req_query_i64(req, "limit", 20, 1, FOLIO_ENC_MAX_HITS, &limit, err);
    rc = rc ? rc : search_system(sys, &mask, err);
    if (rc)
        return rc;
    if (!q)
        return folio_err_set(err, FOLIO_EINVAL, "q", "q: missing (the words or the code to find)");
    if (strlen(q) > MAX_QUERY)
        return folio_err_set(err, FOLIO_EINVAL, "q", "q: longer than %d bytes", MAX_QUERY);
    qj = json_string(q);
    if (!qj)
        return folio_err_set(err, FOLIO_EINVAL, "q", "q: not UTF-8 text");
    res = folio_arena_alloc(req->arena, sizeof *res);
    if (!res) {
        json_decref(qj);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    if ((rc = folio_enc_cache_acquire(req->store, &lease, err))) {
        json_decref(qj);
        return rc;
    }
    rc = folio_enc_search(lease.searcher, q, mask, (size_t)limit, res, err);
    if (rc) {
        if (rc == FOLIO_EINVAL)
            (void)folio_strlcpy(err->field, "q", sizeof err->field);
        goto out;
    }
    o = json_object();
    hits = json_array();
    if (!o || !hits) {
        json_decref(o);
        o = NULL;
    }
    bad = !o;
    for (i = 0; !bad && i < res->n; i++)
        bad |= json_array_append_new(hits, hit_json(&res->hits[i])) != 0;
    if (!bad) {
        bad |= folio_jset(o, "query", qj);
        qj = NULL;
        bad |= folio_jset_str(o, "system", folio_str_empty(sys) ? "all" : sys);
        bad |= folio_jset_int(o, "total", (int64_t)res->total);
        bad |= folio_jset(o, "hits", hits);
        hits = NULL;
        bad |= folio_jset_bool(o, "stale", lease.stale);
    }
    if (bad) {
        json_decref(o);
        o = NULL;
    }
    rc = folio_api_reply(resp, 200, o, err);
out:
    json_decref(qj);
    json_decref(hits);
    folio_enc_cache_release(&lease);
    return rc;
}

/* ---------------------------------------------------------------- one code */

static enum folio_rc code_detail(struct folio_req *req, struct folio_resp *resp,
                                 struct folio_err *err)
{
    enum folio_code_system cs;
    const char *date = NULL;
    char norm[16];
    struct folio_code *c = NULL, *st, *kids = NULL, *chain[16];
    struct folio_code_note *notes = NULL;
    size_t nn = 0, nk = 0, nchain = 0, i;
    json_t *o, *arr;
    enum folio_rc rc;
    int bad;
    const char *seventh_from = NULL;

    rc = folio_code_system_parse(req->words[0], &cs, err);
    rc = rc ? rc : folio_codes_normalize(req->words[1], norm, err);
    rc = rc ? rc : date_param(req, &date, err);
    rc = rc ? rc : folio_codes_get(req->store, cs, norm, date, req->arena, &c, err);
    if (rc)
        return rc;
    /* A row from a valid-code list has no title, parent or notes of its own: the hierarchy and
     * the notes are those of the row its title comes from (the tabular of that year). */
    st = c;
    if (c->title_from[0] && !c->parent[0]) {
        struct folio_code *t = NULL;
        struct folio_err e2;
        memset(&e2, 0, sizeof e2);
        if (folio_codes_get(req->store, cs, norm, c->title_from, req->arena, &t, &e2) == FOLIO_OK)
            st = t;
    }
    rc = folio_codes_notes(req->store, st, true, req->arena, &notes, &nn, err);
    if (rc)
        return rc;
    for (struct folio_code *p = st; p->parent[0] && nchain < FOLIO_ARRAY_LEN(chain);) {
        struct folio_code *up = NULL;
        struct folio_err e2;
        memset(&e2, 0, sizeof e2);
        if (folio_codes_get(req->store, cs, p->parent, st->effective_from, req->arena, &up, &e2) !=
                FOLIO_OK &&
            folio_codes_get(req->store, cs, p->parent, NULL, req->arena, &up, &e2) != FOLIO_OK)
            break;
        chain[nchain++] = up;
        p = up;
    }
    rc = folio_codes_children(req->store, cs, st->code, date ? date : st->effective_from,
                              req->arena, &kids, &nk, err);
    if (rc)
        return rc;

    o = json_object();
    bad = !o;
    if (bad)
        return folio_render_nomem(err);
    bad |= folio_jset_str(o, "system", folio_code_system_name(cs));
    bad |= folio_jset_str(o, "code", c->code);
    bad |= folio_jset(o, "dotted", dotted_json(cs, c->code));
    bad |= folio_jset_str(o, "title", folio_code_display_title(c));
    bad |= folio_jset_bool(o, "has_title", c->title != NULL);
    bad |= folio_jset_str(o, "title_from", c->title_from[0] ? c->title_from : NULL);
    bad |= folio_jset_str(o, "short_title", c->short_title);
    bad |= folio_jset_str(o, "kind", folio_code_kind_name(c->kind));
    bad |= folio_jset_bool(o, "billable", c->billable);
    bad |= folio_jset_str(o, "effective_from", c->effective_from);
    bad |= folio_jset_str(o, "effective_to", c->effective_to[0] ? c->effective_to : NULL);
    bad |= folio_jset_id(o, "version_id", c->version_id);
    bad |= folio_jset_str(o, "date", date);
    bad |= folio_jset_str(o, "structure_from", st != c ? st->effective_from : NULL);
    arr = json_array();
    bad |= !arr;
    for (i = nchain; !bad && i > 0; i--) /* from the top (chapter) down */
        bad |= json_array_append_new(arr, brief_json(chain[i - 1])) != 0;
    bad |= folio_jset(o, "parents", arr);
    arr = json_array();
    bad |= !arr;
    for (i = 0; !bad && i < nn; i++)
        bad |= json_array_append_new(arr, note_json(cs, &notes[i], st->code)) != 0;
    bad |= folio_jset(o, "notes", arr);
    /* The 7th characters that apply: those stated nearest (the code's own, else its parents'). */
    arr = json_array();
    bad |= !arr;
    for (i = 0; !bad && i < nn; i++) {
        json_t *x;
        if (notes[i].type != FOLIO_NOTE_SEVEN_CHR_DEF || !notes[i].extension[0])
            continue;
        if (seventh_from && strcmp(seventh_from, notes[i].from_code) != 0)
            break;
        seventh_from = notes[i].from_code;
        x = json_object();
        bad |= !x || folio_jset_str(x, "value", notes[i].extension) ||
               folio_jset_str(x, "label", notes[i].text) ||
               folio_jset(x, "from_dotted", dotted_json(cs, notes[i].from_code)) ||
               json_array_append_new(arr, x) != 0;
    }
    bad |= folio_jset(o, "seventh", arr);
    arr = json_array();
    bad |= !arr;
    for (i = 0; !bad && i < nk; i++)
        bad |= json_array_append_new(arr, brief_json(&kids[i])) != 0;
    bad |= folio_jset(o, "children", arr);
    return folio_api_reply(resp, 200, done(o, bad), err);
}

/* ---------------------------------------------------------------- PCS builder */

static json_t *option_json(const struct folio_pcs_option *op)
{
    json_t *o = json_object();
    int bad = !o;
    if (bad)
        return NULL;
    bad |= folio_jset(o, "value", char_json(op->value));
    bad |= folio_jset_str(o, "label", op->label);
    bad |= folio_jset_str(o, "definition", op->definition);
    return done(o, bad);
}

static enum folio_rc pcs_step(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    const char *raw = folio_req_query(req, "prefix"), *date = NULL;
    char prefix[8], part[8];
    size_t len = 0, k, i;
    struct folio_enc_lease lease;
    struct folio_pcs_step *step, *prev;
    json_t *o = NULL, *chosen = NULL, *opts = NULL, *ver = NULL;
    enum folio_rc rc;
    int bad;

    for (const char *p = raw ? raw : ""; *p; p++) {
        char ch = *p;
        if (ch == '.' || ch == ' ' || ch == '-')
            continue;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z')) || len >= 7)
            return folio_err_set(err, FOLIO_EINVAL, "prefix",
                                 "prefix: \"%.20s\" is not the start of an ICD-10-PCS code (up to "
                                 "7 letters and digits)",
                                 raw);
        prefix[len++] = ch;
    }
    prefix[len] = '\0';
    if ((rc = date_param(req, &date, err)))
        return rc;
    step = folio_arena_alloc(req->arena, sizeof *step);
    prev = folio_arena_alloc(req->arena, sizeof *prev);
    if (!step || !prev)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if ((rc = folio_enc_cache_acquire(req->store, &lease, err)))
        return rc;
    if (!lease.pcs) {
        rc = folio_err_set(err, FOLIO_ESTATE, "code_sets",
                           "no ICD-10-PCS tables loaded: folio codes load icd10pcs-tables FILE "
                           "(docs/codesets.md)");
        goto out;
    }
    if (date &&
        !in_period(date, lease.pcs_version->effective_from, lease.pcs_version->effective_to)) {
        rc = folio_err_set(
            err, FOLIO_ENOTFOUND, "date",
            "date: the loaded ICD-10-PCS tables (%s, %s..%s) are not in force on %s",
            lease.pcs_version->label, lease.pcs_version->effective_from,
            lease.pcs_version->effective_to[0] ? lease.pcs_version->effective_to : "open", date);
        goto out;
    }
    if ((rc = folio_pcs_builder_step(lease.pcs, prefix, step, err)))
        goto out;
    o = json_object();
    chosen = json_array();
    opts = json_array();
    ver = json_object();
    bad = !o || !chosen || !opts || !ver;
    /* the characters chosen so far, each with its axis and label (breadcrumbs) */
    for (k = 0; !bad && k < len; k++) {
        json_t *x;
        const struct folio_pcs_option *hit = NULL;
        memcpy(part, prefix, k);
        part[k] = '\0';
        if ((rc = folio_pcs_builder_step(lease.pcs, part, prev, err)))
            break;
        for (i = 0; i < prev->n_options; i++)
            if (prev->options[i].value == prefix[k])
                hit = &prev->options[i];
        x = json_object();
        bad |= !x || folio_jset_int(x, "position", (int64_t)k + 1) ||
               folio_jset_str(x, "axis_title", prev->axis_title) ||
               folio_jset(x, "value", char_json(prefix[k])) ||
               folio_jset_str(x, "label", hit ? hit->label : NULL) ||
               folio_jset_str(x, "definition", hit ? hit->definition : NULL) ||
               json_array_append_new(chosen, x) != 0;
    }
    if (rc)
        goto out;
    for (i = 0; !bad && i < step->n_options; i++)
        bad |= json_array_append_new(opts, option_json(&step->options[i])) != 0;
    if (!bad) {
        bad |= folio_jset_str(ver, "label", lease.pcs_version->label) ||
               folio_jset_str(ver, "effective_from", lease.pcs_version->effective_from) ||
               folio_jset_str(ver, "effective_to",
                              lease.pcs_version->effective_to[0] ? lease.pcs_version->effective_to
                                                                 : NULL);
        bad |= folio_jset_str(o, "prefix", prefix);
        bad |= folio_jset(o, "version", ver);
        ver = NULL;
        bad |= folio_jset(o, "chosen", chosen);
        chosen = NULL;
        bad |= folio_jset_bool(o, "complete", step->complete);
        if (step->complete) {
            bad |= folio_jset_str(o, "code", step->code);
            bad |= folio_jset_str(o, "title", step->title);
        } else {
            bad |= folio_jset_int(o, "position", step->position);
            bad |= folio_jset_str(o, "axis_title", step->axis_title);
            bad |= folio_jset(o, "options", opts);
            opts = NULL;
        }
    }
    if (bad) {
        json_decref(o);
        o = NULL;
    }
    rc = folio_api_reply(resp, 200, o, err);
    o = NULL;
out:
    json_decref(o);
    json_decref(chosen);
    json_decref(opts);
    json_decref(ver);
    folio_enc_cache_release(&lease);
    return rc;
}

/* ---------------------------------------------------------------- versions */

static enum folio_rc versions(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_codeset_version *v = NULL;
    struct folio_enc_lease lease;
    struct folio_err ignored;
    size_t n = 0, i;
    json_t *o, *items;
    enum folio_rc rc;
    int bad;

    if ((rc = folio_codes_versions(req->store, req->arena, &v, &n, err)))
        return rc;
    /* Opening the code screens starts the index build, so it is ready when the coder types. */
    memset(&ignored, 0, sizeof ignored);
    if (folio_enc_cache_acquire(req->store, &lease, &ignored) == FOLIO_OK)
        folio_enc_cache_release(&lease);
    o = json_object();
    items = json_array();
    bad = !o || !items;
    for (i = 0; !bad && i < n; i++)
        bad |= json_array_append_new(items, version_json(&v[i])) != 0;
    if (!bad) {
        bad |= folio_jset(o, "items", items);
        items = NULL;
        bad |= folio_jset(o, "index", index_json());
    }
    json_decref(items);
    return folio_api_reply(resp, 200, done(o, bad), err);
}

const struct folio_route folio_api_codes_routes[] = {
    {"GET", "/api/v1/codes/search", FOLIO_PERM_SIGNED_IN, search,
     "Encoder search: ICD-10-CM/PCS codes by words, abbreviations or code"},
    {"GET", "/api/v1/codes/pcs", FOLIO_PERM_SIGNED_IN, pcs_step,
     "ICD-10-PCS builder: the next position's choices, or the complete code"},
    {"GET", "/api/v1/codes/versions", FOLIO_PERM_SIGNED_IN, versions,
     "Loaded code-set versions and the state of the code index"},
    {"GET", "/api/v1/codes/{system}/{code}", FOLIO_PERM_SIGNED_IN, code_detail,
     "A code's details: title, hierarchy, notes with where they are stated, children"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};
