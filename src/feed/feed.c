/* The HL7 v2 feed: dispatch, acknowledgement decision, shared helpers, patients (PID).
 * Mapping tables and reasons: docs/hl7-mapping.md. */
#include "folio/base.h"
#include "folio/time.h"
#include "feed/feed_int.h"

/* ---------------------------------------------------------------- value access */

static const char *get_mode(struct fctx *x, size_t seg, unsigned f, unsigned r, unsigned c,
                            unsigned s, enum folio_hl7_decode mode)
{
    struct folio_hl7_ref ref = {seg, f, r ? r : 1, c, s};
    struct folio_buf b;
    struct folio_err e = {0};
    if (seg == FOLIO_HL7_NONE || folio_hl7_presence(x->m, &ref) != FOLIO_HL7_VALUED)
        return "";
    folio_buf_init(&b, 1u << 22);
    if (folio_hl7_get_buf(x->m, &ref, mode, &b, &e) != FOLIO_OK) {
        folio_buf_release(&b);
        x->oom = x->oom || e.code == FOLIO_ENOMEM;
        return "";
    }
    struct folio_sv v = folio_sv_trim((struct folio_sv){b.data, b.len});
    const char *out = folio_arena_strndup(&x->a, v.p, v.len);
    folio_buf_release(&b);
    if (!out) {
        x->oom = true;
        return "";
    }
    if (strlen(out) != v.len) /* a NUL from \X00\: not text */
        return "";
    return out;
}

const char *fx_get(struct fctx *x, size_t seg, unsigned f, unsigned r, unsigned c, unsigned s)
{
    return get_mode(x, seg, f, r, c, s, FOLIO_HL7_DECODE_TEXT);
}

const char *fx_get_plain(struct fctx *x, size_t seg, unsigned f, unsigned r, unsigned c)
{
    return get_mode(x, seg, f, r, c, 0, FOLIO_HL7_DECODE_PLAIN);
}

unsigned fx_reps(struct fctx *x, size_t seg, unsigned f)
{
    if (seg == FOLIO_HL7_NONE)
        return 0;
    return folio_hl7_rep_count(x->m, seg, f);
}

const char *fx_dup(struct fctx *x, const char *s)
{
    if (!s)
        return NULL;
    const char *d = folio_arena_strdup(&x->a, s);
    if (!d)
        x->oom = true;
    return d;
}

const char *fx_printf(struct fctx *x, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return fx_dup(x, buf);
}

void fx_error(struct fctx *x, size_t seg, unsigned f, unsigned r, unsigned c, int code, char sev,
              const char *fmt, ...)
{
    struct folio_feed_result *res = x->res;
    va_list ap;
    if (sev == FOLIO_FEED_SEV_ERROR) {
        if (code >= 200 && code <= 203)
            res->ack = FOLIO_FEED_AR;
        else if (res->ack == FOLIO_FEED_AA)
            res->ack = FOLIO_FEED_AE;
    }
    if (res->n_errors >= FOLIO_FEED_MAX_ERRORS) {
        res->errors_truncated = true;
        return;
    }
    struct folio_feed_error *e = &res->errors[res->n_errors++];
    memset(e, 0, sizeof *e);
    if (seg != FOLIO_HL7_NONE) {
        struct folio_hl7_ref ref = {seg, f, r, c, 0};
        folio_hl7_loc_of(x->m, &ref, &e->loc);
    } else {
        e->loc.seg_index = FOLIO_HL7_NONE;
    }
    e->code = code;
    e->severity = sev;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    for (char *p = e->text; *p; p++) /* one line */
        if (*p == '\r' || *p == '\n' || *p == '\t')
            *p = ' ';
}

bool fx_failed(const struct fctx *x)
{
    return x->res->ack != FOLIO_FEED_AA;
}

bool fx_time(struct fctx *x, size_t seg, unsigned f, unsigned c, char out[48], char sev)
{
    struct folio_time t;
    struct folio_err e = {0};
    const char *v = fx_get(x, seg, f, 1, c, c ? 1 : 0);
    out[0] = '\0';
    if (!*v)
        return true;
    if (folio_time_parse_hl7(folio_sv_from(v), &t, "time", &e) != FOLIO_OK) {
        fx_error(x, seg, f, 1, c, FOLIO_HL7_E_DATA_TYPE, sev, "%s-%u: '%s' is not an HL7 date/time",
                 folio_hl7_segment_id(x->m, seg), f, v);
        return false;
    }
    folio_time_to_utc(&t, x->def_off);
    if (!folio_time_format_utc(&t, out, 48) || t.year < 1 || t.year > 9999) {
        out[0] = '\0';
        fx_error(x, seg, f, 1, c, FOLIO_HL7_E_DATA_TYPE, sev, "%s-%u: '%s' is out of range",
                 folio_hl7_segment_id(x->m, seg), f, v);
        return false;
    }
    return true;
}

enum folio_rc fx_chart_err(struct fctx *x, enum folio_rc rc, size_t seg, unsigned f)
{
    int code;
    switch (rc) {
    case FOLIO_OK:
        return FOLIO_OK;
    case FOLIO_EINVAL:
    case FOLIO_ETOOBIG:
        code = FOLIO_HL7_E_DATA_TYPE;
        break;
    case FOLIO_ENOTFOUND:
        code = FOLIO_HL7_E_UNKNOWN_KEY;
        break;
    case FOLIO_ECONFLICT:
        code = FOLIO_HL7_E_DUPLICATE_KEY;
        break;
    case FOLIO_ESTATE:
        code = FOLIO_HL7_E_RECORD_LOCKED;
        break;
    default:
        return rc; /* ESTORE, EBUSY, ENOMEM, ECRYPTO: the caller's problem */
    }
    fx_error(x, seg, f, 0, 0, code, FOLIO_FEED_SEV_ERROR, "%s%s%s", x->err->field,
             x->err->field[0] ? ": " : "", x->err->msg);
    folio_err_clear(x->err);
    return FOLIO_OK;
}

/* ---------------------------------------------------------------- patients (PID) */

static bool kind_ok(const char *k)
{
    size_t n = strlen(k);
    if (n < 2 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 'A' || k[i] > 'Z')
            return false;
    return true;
}

/* Assigning authority of a CX at PID-3 repetition r: CX.4.1 namespace, else CX.4.2 universal id,
 * else CX.6.1 assigning facility, else the message's facility. */
static const char *cx_assigner(struct fctx *x, size_t seg, unsigned f, unsigned r)
{
    const char *v = fx_get(x, seg, f, r, 4, 1);
    if (!*v)
        v = fx_get(x, seg, f, r, 4, 2);
    if (!*v)
        v = fx_get(x, seg, f, r, 6, 1);
    if (!*v)
        v = x->facility;
    return v;
}

struct pid_ids {
    struct folio_identifier ids[24];
    unsigned rep[24];
    size_t n;
};

static void collect_ids(struct fctx *x, size_t pid, struct pid_ids *out)
{
    unsigned n = fx_reps(x, pid, 3);
    out->n = 0;
    for (unsigned r = 1; r <= n && out->n < FOLIO_ARRAY_LEN(out->ids); r++) {
        const char *value = fx_get(x, pid, 3, r, 1, 0);
        const char *kind = fx_get(x, pid, 3, r, 5, 0);
        if (!*value)
            continue;
        if (!*kind)
            kind = "PI";
        if (!kind_ok(kind)) {
            fx_error(x, pid, 3, r, 5, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_WARNING,
                     "PID-3 identifier type '%s' is not an HL7 table 0203 code; stored as PI",
                     kind);
            kind = "PI";
        }
        if (strcmp(kind, "SS") == 0) {
            if (!x->chart.key) {
                fx_error(x, pid, 3, r, 1, FOLIO_HL7_E_INTERNAL, FOLIO_FEED_SEV_WARNING,
                         "PID-3 SSN not stored: no data key is configured to seal it");
                continue;
            }
        }
        out->ids[out->n] = (struct folio_identifier){
            .kind = kind,
            .assigner = strcmp(kind, "SS") == 0 ? NULL : cx_assigner(x, pid, 3, r),
            .value = value};
        out->rep[out->n++] = r;
    }
}

static const char *name_use(const char *t)
{
    static const struct folio_code_title map[] = {
        {"L", "official"}, {"D", "usual"}, {"M", "maiden"}, {"A", "alias"}, {"N", "nickname"},
        {"B", "official"}, {"S", "alias"}, {"C", "usual"},  {"U", "usual"}, {"P", "usual"},
        {"T", "alias"},    {"I", "usual"}, {"R", "usual"},  {"BAD", "old"}, {"NOUSE", "old"},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(map); i++)
        if (strcmp(map[i].code, t) == 0)
            return map[i].title;
    return "usual";
}

static bool read_xpn(struct fctx *x, size_t seg, unsigned f, unsigned r, struct folio_name *n,
                     const char *default_use)
{
    memset(n, 0, sizeof *n);
    n->family = nz(fx_get(x, seg, f, r, 1, 1));
    n->given = nz(fx_get(x, seg, f, r, 2, 0));
    n->middle = nz(fx_get(x, seg, f, r, 3, 0));
    n->suffix = nz(fx_get(x, seg, f, r, 4, 0));
    n->prefix = nz(fx_get(x, seg, f, r, 5, 0));
    const char *t = fx_get(x, seg, f, r, 7, 0);
    n->use = *t ? name_use(t) : default_use;
    return n->family || n->given;
}

static const char *addr_use(const char *t)
{
    if (!strcmp(t, "B") || !strcmp(t, "O"))
        return "work";
    if (!strcmp(t, "M"))
        return "mailing";
    if (!strcmp(t, "C"))
        return "temp";
    if (!strcmp(t, "BA") || !strcmp(t, "BDL"))
        return "old";
    return "home";
}

static bool read_xad(struct fctx *x, size_t seg, unsigned f, unsigned r, struct folio_address *ad)
{
    memset(ad, 0, sizeof *ad);
    /* XAD-1 is SAD: street address & street name & dwelling number */
    const char *s1 = fx_get(x, seg, f, r, 1, 1), *s2 = fx_get(x, seg, f, r, 1, 2),
               *s3 = fx_get(x, seg, f, r, 1, 3);
    ad->line1 = nz(fx_printf(x, "%s%s%s%s%s", s1, *s1 && *s2 ? " " : "", s2, (*s1 || *s2) && *s3 ? " " : "", s3));
    ad->line2 = nz(fx_get(x, seg, f, r, 2, 0));
    ad->city = nz(fx_get(x, seg, f, r, 3, 0));
    ad->state = nz(fx_get(x, seg, f, r, 4, 0));
    ad->postal_code = nz(fx_get(x, seg, f, r, 5, 0));
    ad->country = nz(fx_get(x, seg, f, r, 6, 0));
    ad->county = nz(fx_get(x, seg, f, r, 9, 0));
    ad->use = addr_use(fx_get(x, seg, f, r, 7, 0));
    return ad->line1 || ad->city || ad->postal_code;
}

static bool digits_ok(const char *s)
{
    size_t d = 0;
    for (; *s; s++)
        if (*s >= '0' && *s <= '9')
            d++;
    return d >= 3 && d <= 20;
}

/* XTN: XTN-1 (formatted, older versions) else XTN-12 unformatted else XTN-6 area + XTN-7 local. */
static const char *read_xtn(struct fctx *x, size_t seg, unsigned f, unsigned r)
{
    const char *v = fx_get(x, seg, f, r, 12, 0);
    if (!*v && *fx_get(x, seg, f, r, 7, 0))
        v = fx_printf(x, "%s%s", fx_get(x, seg, f, r, 6, 0), fx_get(x, seg, f, r, 7, 0));
    if (!*v)
        v = fx_get(x, seg, f, r, 1, 0);
    return digits_ok(v) ? v : NULL;
}

struct pid_data {
    struct folio_patient_new p;
    struct folio_name others[8];
    struct folio_address addrs[4];
    struct folio_phone phones[4];
    char birth[16], death[48];
};

/* Reads the demographics of PID into d (identifiers separately). False after an AE error. */
static bool read_pid(struct fctx *x, size_t pid, struct pid_data *d)
{
    struct folio_patient_new *p = &d->p;
    unsigned n;
    bool have_name = false;
    memset(d, 0, sizeof *d);
    /* PID-5 names: the first legal (L) name is the current official one, others kept too */
    n = fx_reps(x, pid, 5);
    for (unsigned r = 1; r <= n; r++) {
        struct folio_name nm;
        if (!read_xpn(x, pid, 5, r, &nm, "official"))
            continue;
        bool legal = strcmp(fx_get(x, pid, 5, r, 7, 0), "L") == 0 || !*fx_get(x, pid, 5, r, 7, 0);
        if (!have_name && (legal || r == n)) {
            p->name = nm;
            p->name.use = "official";
            have_name = true;
        } else if (p->n_other_names < FOLIO_ARRAY_LEN(d->others)) {
            d->others[p->n_other_names++] = nm;
        }
    }
    if (!have_name && p->n_other_names) { /* no legal name: the first one sent */
        p->name = d->others[0];
        p->name.use = "official";
        memmove(&d->others[0], &d->others[1], --p->n_other_names * sizeof d->others[0]);
    }
    if (!have_name && !p->name.family && !p->name.given) {
        fx_error(x, pid, 5, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_ERROR,
                 "PID-5 patient name is required");
        return false;
    }
    /* PID-9 alias (withdrawn in v2.7, still sent) */
    n = fx_reps(x, pid, 9);
    for (unsigned r = 1; r <= n && p->n_other_names < FOLIO_ARRAY_LEN(d->others); r++) {
        struct folio_name nm;
        if (read_xpn(x, pid, 9, r, &nm, "alias"))
            d->others[p->n_other_names++] = nm;
    }
    p->other_names = d->others;
    /* PID-7 birth: the date as written (a birth time's offset does not move the date) */
    const char *b = fx_get(x, pid, 7, 1, 1, 0);
    if (*b) {
        struct folio_time t;
        struct folio_err e = {0};
        if (folio_time_parse_hl7(folio_sv_from(b), &t, "birth", &e) != FOLIO_OK) {
            fx_error(x, pid, 7, 1, 1, FOLIO_HL7_E_DATA_TYPE, FOLIO_FEED_SEV_ERROR,
                     "PID-7: '%s' is not an HL7 date", b);
            return false;
        }
        if (t.prec == FOLIO_PREC_YEAR)
            snprintf(d->birth, sizeof d->birth, "%04d", t.year);
        else if (t.prec == FOLIO_PREC_MONTH)
            snprintf(d->birth, sizeof d->birth, "%04d-%02d", t.year, t.month);
        else
            snprintf(d->birth, sizeof d->birth, "%04d-%02d-%02d", t.year, t.month, t.day);
        p->birth_date = d->birth;
    }
    const char *sex = fx_get(x, pid, 8, 1, 1, 0);
    if (*sex) {
        p->sex = folio_sex_normalize(sex);
        if (!p->sex) {
            fx_error(x, pid, 8, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_ERROR,
                     "PID-8: '%s' is not an HL7 table 0001 code", sex);
            return false;
        }
    }
    n = fx_reps(x, pid, 11);
    for (unsigned r = 1; r <= n && p->n_addresses < FOLIO_ARRAY_LEN(d->addrs); r++) {
        struct folio_address *ad = &d->addrs[p->n_addresses];
        if (!read_xad(x, pid, 11, r, ad))
            continue;
        bool dup = false; /* one current address per use */
        for (size_t i = 0; i < p->n_addresses; i++)
            dup = dup || strcmp(d->addrs[i].use, ad->use) == 0;
        if (!dup)
            p->n_addresses++;
    }
    p->addresses = d->addrs;
    for (unsigned f = 13; f <= 14; f++) {
        n = fx_reps(x, pid, f);
        for (unsigned r = 1; r <= n && p->n_phones < FOLIO_ARRAY_LEN(d->phones); r++) {
            const char *num = read_xtn(x, pid, f, r);
            const char *eq = fx_get(x, pid, f, r, 3, 0);
            const char *use = f == 14 ? "work" : (!strcmp(eq, "CP") ? "mobile" : "home");
            bool dup = false;
            for (size_t i = 0; i < p->n_phones; i++)
                dup = dup || strcmp(d->phones[i].use, use) == 0;
            if (num && !dup)
                d->phones[p->n_phones++] = (struct folio_phone){.use = use, .number = num};
        }
    }
    p->phones = d->phones;
    p->language = nz(fx_get(x, pid, 15, 1, 1, 0));
    const char *ms = fx_get(x, pid, 16, 1, 1, 0);
    if (*ms) {
        p->marital_status = folio_marital_normalize(ms);
        if (!p->marital_status)
            fx_error(x, pid, 16, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_WARNING,
                     "PID-16: '%s' is not an HL7 table 0002 code; not stored", ms);
    }
    const char *race = fx_get(x, pid, 10, 1, 2, 0);
    p->race = nz(*race ? race : fx_get(x, pid, 10, 1, 1, 0));
    const char *eth = fx_get(x, pid, 22, 1, 2, 0);
    p->ethnicity = nz(*eth ? eth : fx_get(x, pid, 22, 1, 1, 0));
    if (!fx_time(x, pid, 29, 1, d->death, FOLIO_FEED_SEV_ERROR))
        return false;
    if (d->death[0])
        p->deceased_at = d->death;
    else if (!strcmp(fx_get(x, pid, 30, 1, 1, 0), "Y"))
        fx_error(x, pid, 30, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_WARNING,
                 "PID-30 says deceased but PID-29 has no time; death not recorded");
    return true;
}

static bool same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool name_same(const struct folio_name *a, const struct folio_name *b)
{
    return same(a->family, b->family) && same(a->given, b->given) &&
           same(a->middle, b->middle) && same(a->prefix, b->prefix) &&
           same(a->suffix, b->suffix);
}

/* Adds the identifiers, names the chart does not have yet; updates demographics that differ. */
static enum folio_rc update_patient(struct fctx *x, size_t pid, struct pid_data *d,
                                    struct pid_ids *ids)
{
    struct folio_patient cur;
    struct folio_patient_update u = {0};
    enum folio_rc rc = folio_patient_get(&x->chart, x->patient_id, &x->a, &cur, x->err);
    bool any = false;
    if (rc)
        return fx_chart_err(x, rc, pid, 3);
    for (size_t i = 0; i < ids->n; i++) {
        int64_t other = 0;
        rc = folio_patient_find_by_identifier(&x->chart, ids->ids[i].kind, ids->ids[i].assigner,
                                              ids->ids[i].value, &other, x->err);
        if (rc == FOLIO_OK)
            continue; /* already known (here or, reported below, elsewhere) */
        if (rc != FOLIO_ENOTFOUND)
            return rc;
        folio_err_clear(x->err);
        rc = folio_patient_add_identifier(&x->chart, x->patient_id, &ids->ids[i], NULL, x->err);
        if (rc == FOLIO_EINVAL) {
            fx_error(x, pid, 3, ids->rep[i], 1, FOLIO_HL7_E_DATA_TYPE, FOLIO_FEED_SEV_WARNING,
                     "PID-3 identifier not stored: %s", x->err->msg);
            folio_err_clear(x->err);
            continue;
        }
        if (rc)
            return rc;
        any = true;
    }
    struct folio_patient_new *p = &d->p;
    if (p->birth_date && !same(p->birth_date, cur.birth_date))
        u.birth_date = p->birth_date;
    if (p->sex && !same(p->sex, cur.sex))
        u.sex = p->sex;
    if (p->deceased_at && !same(p->deceased_at, cur.deceased_at))
        u.deceased_at = p->deceased_at;
    if (p->language && !same(p->language, cur.language))
        u.language = p->language;
    if (p->marital_status && !same(p->marital_status, cur.marital_status))
        u.marital_status = p->marital_status;
    if (p->race && !same(p->race, cur.race))
        u.race = p->race;
    if (p->ethnicity && !same(p->ethnicity, cur.ethnicity))
        u.ethnicity = p->ethnicity;
    if (!name_same(&p->name, &cur.name))
        u.name = &p->name;
    if (p->n_addresses) {
        const struct folio_address *na = &p->addresses[0];
        bool found = false;
        for (size_t i = 0; i < cur.n_addresses && !found; i++) {
            const struct folio_address *o = &cur.addresses[i];
            found = o->current && same(o->use, na->use) && same(o->line1, na->line1) &&
                    same(o->line2, na->line2) && same(o->city, na->city) &&
                    same(o->state, na->state) && same(o->postal_code, na->postal_code);
        }
        if (!found)
            u.address = na;
    }
    if (p->n_phones) {
        bool found = false;
        const char *num = p->phones[0].number;
        for (size_t i = 0; i < cur.n_phones && !found; i++) {
            const char *a = cur.phones[i].number, *b = num;
            bool eq = true; /* compare digits only */
            while (eq && (*a || *b)) {
                while (*b && (*b < '0' || *b > '9') && *b != '+')
                    b++;
                while (*a && (*a < '0' || *a > '9') && *a != '+')
                    a++;
                eq = *a == *b;
                if (*a)
                    a++;
                if (*b)
                    b++;
            }
            found = cur.phones[i].current && eq;
        }
        if (!found)
            u.phone = &p->phones[0];
    }
    if (u.birth_date || u.sex || u.deceased_at || u.language || u.marital_status || u.race ||
        u.ethnicity || u.name || u.address || u.phone) {
        rc = folio_patient_update(&x->chart, x->patient_id, &u, NULL, x->err);
        if (rc)
            return fx_chart_err(x, rc, pid, 0);
        any = true;
    }
    /* other names not yet on the chart */
    for (size_t i = 0; i < p->n_other_names; i++) {
        bool found = false;
        for (size_t j = 0; j < cur.n_names && !found; j++)
            found = name_same(&p->other_names[i], &cur.names[j]);
        if (found || name_same(&p->other_names[i], &cur.name))
            continue;
        rc = folio_patient_add_name(&x->chart, x->patient_id, &p->other_names[i], NULL, x->err);
        if (rc)
            return fx_chart_err(x, rc, pid, 5);
        any = true;
    }
    if (any)
        x->res->unchanged = false;
    return FOLIO_OK;
}

enum folio_rc fx_patient(struct fctx *x, bool may_create, bool update)
{
    size_t pid = folio_hl7_find(x->m, "PID", 0);
    struct pid_ids *ids = NULL;
    struct pid_data *d = NULL;
    enum folio_rc rc = FOLIO_OK;
    if (pid == FOLIO_HL7_NONE) {
        fx_error(x, FOLIO_HL7_NONE, 0, 0, 0, FOLIO_HL7_E_SEGMENT_SEQUENCE, FOLIO_FEED_SEV_ERROR,
                 "the message has no PID segment");
        return FOLIO_OK;
    }
    ids = calloc(1, sizeof *ids);
    d = calloc(1, sizeof *d);
    if (!ids || !d) {
        rc = folio_err_set(x->err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    collect_ids(x, pid, ids);
    if (!ids->n) {
        fx_error(x, pid, 3, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_ERROR,
                 "PID-3 patient identifier list has no usable identifier");
        goto out;
    }
    x->patient_id = 0;
    for (size_t i = 0; i < ids->n; i++) {
        int64_t id = 0;
        rc = folio_patient_find_by_identifier(&x->chart, ids->ids[i].kind, ids->ids[i].assigner,
                                              ids->ids[i].value, &id, x->err);
        if (rc == FOLIO_ENOTFOUND) {
            folio_err_clear(x->err);
            rc = FOLIO_OK;
            continue;
        }
        if (rc)
            goto out;
        if (x->patient_id && id != x->patient_id) {
            fx_error(x, pid, 3, ids->rep[i], 1, FOLIO_HL7_E_DUPLICATE_KEY, FOLIO_FEED_SEV_ERROR,
                     "PID-3 identifiers name two different patients (%lld and %lld): review "
                     "for a merge",
                     (long long)x->patient_id, (long long)id);
            goto out;
        }
        x->patient_id = id;
    }
    if (!x->patient_id && !may_create) {
        fx_error(x, pid, 3, 1, 1, FOLIO_HL7_E_UNKNOWN_KEY, FOLIO_FEED_SEV_ERROR,
                 "PID-3: no patient has identifier '%s' (%s, %s)", ids->ids[0].value,
                 ids->ids[0].kind, ids->ids[0].assigner ? ids->ids[0].assigner : "SSA");
        goto out;
    }
    if (!x->patient_id || update) {
        if (!read_pid(x, pid, d))
            goto out;
    }
    if (!x->patient_id) {
        if (!d->p.birth_date) {
            fx_error(x, pid, 7, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_ERROR,
                     "PID-7 date of birth is required to register a patient");
            goto out;
        }
        d->p.ids = ids->ids;
        d->p.n_ids = ids->n;
        rc = folio_patient_create(&x->chart, &d->p, &x->patient_id, x->err);
        if (rc) {
            rc = fx_chart_err(x, rc, pid, 0);
            goto out;
        }
        x->res->created_patient = true;
        x->res->unchanged = false;
    } else if (update) {
        rc = update_patient(x, pid, d, ids);
    }
    x->res->patient_id = x->patient_id;
out:
    free(ids);
    free(d);
    return rc;
}

/* ---------------------------------------------------------------- dispatch */

static bool version_ok(const char *v)
{
    /* 2.3 .. 2.8 (with any third part: 2.3.1, 2.5.1, 2.8.2) */
    return strlen(v) >= 3 && v[0] == '2' && v[1] == '.' && v[2] >= '3' && v[2] <= '8' &&
           (v[3] == '\0' || v[3] == '.');
}

const char *folio_feed_ack_name(enum folio_feed_ack ack)
{
    switch (ack) {
    case FOLIO_FEED_AA:
        return "AA";
    case FOLIO_FEED_AE:
        return "AE";
    case FOLIO_FEED_AR:
        return "AR";
    }
    return "AE";
}

enum folio_rc folio_feed_apply(const struct folio_chart *chart, const struct folio_hl7_msg *msg,
                               const struct folio_feed_opts *opts, struct folio_feed_result *res,
                               struct folio_err *err)
{
    struct fctx x;
    enum folio_rc rc;
    char actor[80];

    memset(res, 0, sizeof *res);
    res->action = "none";
    res->unchanged = true;
    memset(&x, 0, sizeof x);
    x.chart = *chart;
    x.m = msg;
    x.msh = folio_hl7_msh(msg);
    x.res = res;
    x.err = err;
    x.def_off = opts ? opts->default_offset_min : 0;
    folio_arena_init(&x.a, 64u << 20);
    folio_strlcpy(res->msg_type, x.msh->msg_type, sizeof res->msg_type);
    folio_strlcpy(res->trigger, x.msh->trigger, sizeof res->trigger);
    if (!x.chart.actor) {
        snprintf(actor, sizeof actor, "hl7:%.60s", x.msh->sending_app);
        x.chart.actor = actor;
    }
    x.facility = *x.msh->sending_facility
                     ? x.msh->sending_facility
                     : (opts && opts->default_facility ? opts->default_facility : "HL7");
    if (strlen(x.facility) > 64)
        x.facility = fx_printf(&x, "%.64s", x.facility);

    rc = folio_store_begin(chart->store, err);
    if (rc)
        goto done;
    if (!version_ok(x.msh->version)) {
        fx_error(&x, 0, 12, 1, 1, FOLIO_HL7_E_UNSUPPORTED_VERSION, FOLIO_FEED_SEV_ERROR,
                 "MSH-12: version '%s' is not supported (2.3 to 2.8)", x.msh->version);
    } else if (!strcmp(x.msh->msg_type, "ADT")) {
        rc = feed_adt(&x);
    } else if (!strcmp(x.msh->msg_type, "ORU")) {
        rc = feed_oru(&x);
    } else if (!strcmp(x.msh->msg_type, "MDM")) {
        rc = feed_mdm(&x);
    } else {
        fx_error(&x, 0, 9, 1, 1, FOLIO_HL7_E_UNSUPPORTED_TYPE, FOLIO_FEED_SEV_ERROR,
                 "MSH-9: message type '%s' is not taken by Folio (ADT, ORU^R01, MDM)",
                 x.msh->msg_type);
    }
    if (rc == FOLIO_OK && !x.oom && res->ack == FOLIO_FEED_AA && !res->unchanged)
        rc = feed_completeness(&x);
    if (rc == FOLIO_OK && x.oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (rc || res->ack != FOLIO_FEED_AA) {
        folio_store_rollback(chart->store);
        if (res->ack != FOLIO_FEED_AA) {
            res->action = "none";
            res->unchanged = true;
            res->created_patient = res->created_encounter = false;
        }
        goto done;
    }
    rc = folio_store_commit(chart->store, err);
    if (rc)
        folio_store_rollback(chart->store);
done:
    if (rc && res->ack == FOLIO_FEED_AA) {
        res->ack = FOLIO_FEED_AE;
        res->action = "none";
    }
    folio_arena_release(&x.a);
    return rc;
}
