/* The daily snooping alerts (include/folio/btg.h, docs/privacy.md): one day of the audit trail
 * against the users' own family names and home addresses, VIP charts and each user's usual
 * volume. Alerts go to the review queue, at most one per (kind, user, patient, day). */
#include "folio/base.h"

#include <time.h>

#include "folio/btg.h"
#include "folio/mpi.h"
#include "folio/time.h"
#include "privacy/btg_int.h"

void folio_snoop_params_defaults(struct folio_snoop_params *p)
{
    p->volume_floor = 50;
    p->volume_factor = 3.0;
    p->baseline_days = 30;
}

static const struct {
    const char *word, *abbr;
} street_words[] = {
    {"street", "st"},   {"avenue", "ave"},     {"road", "rd"},     {"drive", "dr"},
    {"lane", "ln"},     {"boulevard", "blvd"}, {"court", "ct"},    {"place", "pl"},
    {"terrace", "ter"}, {"circle", "cir"},     {"highway", "hwy"}, {"parkway", "pkwy"},
    {"square", "sq"},   {"apartment", "apt"},  {"suite", "ste"},   {"north", "n"},
    {"south", "s"},     {"east", "e"},         {"west", "w"},      {"unit", "apt"},
};

void folio_snoop_norm_street(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = in ? in : "";

    if (cap == 0)
        return;
    out[0] = '\0';
    while (*p) {
        char word[64];
        size_t w = 0;
        const char *use;

        while (*p &&
               !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            p++;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               *p == '\'' || *p == '.') {
            if (*p != '\'' && *p != '.' && w + 1 < sizeof(word))
                word[w++] = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
            p++;
        }
        word[w] = '\0';
        if (w == 0)
            continue;
        use = word;
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(street_words); i++)
            if (strcmp(word, street_words[i].word) == 0)
                use = street_words[i].abbr;
        if (o + (o > 0) + strlen(use) + 1 > cap)
            return; /* out is full: keep the words so far */
        if (o > 0)
            out[o++] = ' ';
        memcpy(out + o, use, strlen(use) + 1);
        o += strlen(use);
    }
}

void folio_snoop_norm_postal(const char *in, char *out, size_t cap)
{
    size_t o = 0, digits = 0;
    const char *p = in ? in : "";

    if (cap == 0)
        return;
    for (const char *q = p; *q; q++)
        if (*q >= '0' && *q <= '9')
            digits++;
    for (; *p && o + 1 < cap; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (digits >= 5 && !(c >= '0' && c <= '9'))
            continue; /* US ZIP or ZIP+4: the first five digits */
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            continue;
        out[o++] = c;
        if (digits >= 5 && o == 5)
            break;
    }
    out[o] = '\0';
}

/* ---------------------------------------------------------------- the run */

/* Appends to b the folded forms of a family name, each as "item|" (b starts with "|"): the whole
 * name, and when it has several parts (blank or hyphen between them) each part of at least 3
 * letters, so that "Garcia-Lopez" and "Garcia" match. */
static enum folio_rc family_items(struct folio_buf *b, const char *raw)
{
    char whole[136], part[136], piece[520];
    const char *p = raw ? raw : "";
    size_t nparts = 0;
    enum folio_rc rc = FOLIO_OK;

    folio_mpi_fold(p, whole, sizeof(whole), false);
    if (!whole[0])
        return FOLIO_OK;
    rc = folio_buf_appendf(b, "%s|", whole);
    for (const char *q = p; *q; q++)
        if (*q == ' ' || *q == '-')
            nparts++;
    while (rc == FOLIO_OK && nparts && *p) {
        size_t w = 0;

        while (*p == ' ' || *p == '-')
            p++;
        while (*p && *p != ' ' && *p != '-') {
            if (w + 1 < sizeof(piece))
                piece[w++] = *p;
            p++;
        }
        piece[w] = '\0';
        folio_mpi_fold(piece, part, sizeof(part), false);
        if (strlen(part) >= 3 && strcmp(part, whole) != 0)
            rc = folio_buf_appendf(b, "%s|", part);
    }
    return rc;
}

struct snoop_user {
    int64_t id;
    char username[72];
    char *families;  /* "|whole|part|...|" folded (family_items); NULL when not recorded */
    char postal[24]; /* normalised; "" when not recorded */
    char street[136];
};

struct snoop_pair {
    int64_t patient_id;
    char username[72];
    char first_at[40];
    int64_t count;
};

struct snoop_patient {
    int64_t id;
    bool loaded;    /* families and addrs read */
    char *families; /* "|a|b|" folded family names of every name (family_items) */
    char *addrs;    /* "|postal street|...|" of current addresses */
    bool vip;
};

struct snoop_run {
    const struct folio_chart *c;
    struct folio_arena *a;
    const char *day;
    struct snoop_user *users; /* sorted by username, byte order */
    size_t n_users;
    struct snoop_patient *pats; /* every patient of the day's pairs, sorted by id */
    size_t n_pats;
    int64_t *vips; /* the VIP charts, sorted */
    size_t n_vips;
    struct folio_snoop_result *res;
};

static enum folio_rc nomem(struct folio_err *err)
{
    return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
}

static int cmp_user(const void *x, const void *y)
{
    return strcmp(((const struct snoop_user *)x)->username,
                  ((const struct snoop_user *)y)->username);
}

static enum folio_rc load_users(struct snoop_run *r, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_buf fam;
    size_t cap = 0;
    bool row = false;
    enum folio_rc rc;

    rc = folio_store_prepare_fmt(r->c->store, &st, err,
                                 "SELECT id, username, family_name, home_postal_code, home_street "
                                 "FROM users",
                                 "");
    folio_buf_init(&fam, 4096);
    while (rc == FOLIO_OK) {
        struct snoop_user *u;
        char raw[4 * 128 + 1]; /* 128 characters of UTF-8 (btg.c folio_btg_user_set_home) */

        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        u = folio_arena_grow(r->a, r->users, r->n_users, &cap, sizeof(*u), 32);
        if (!u) {
            rc = nomem(err);
            break;
        }
        r->users = u;
        u = &r->users[r->n_users++];
        u->id = folio_stmt_column_i64(st, 0);
        folio_stmt_column_copy(st, 1, u->username, sizeof(u->username));
        folio_stmt_column_copy(st, 2, raw, sizeof(raw));
        folio_buf_reset(&fam);
        rc = folio_buf_append_str(&fam, "|");
        rc = rc ? rc : family_items(&fam, raw);
        if (rc == FOLIO_OK && fam.len > 1) {
            u->families = folio_arena_strdup(r->a, fam.data);
            if (!u->families)
                rc = nomem(err);
        } else if (rc)
            rc = nomem(err);
        folio_stmt_column_copy(st, 3, raw, sizeof(raw));
        folio_snoop_norm_postal(raw, u->postal, sizeof(u->postal));
        folio_stmt_column_copy(st, 4, raw, sizeof(raw));
        folio_snoop_norm_street(raw, u->street, sizeof(u->street));
    }
    folio_stmt_free(st);
    folio_buf_release(&fam);
    /* byte order (strcmp), as find_user searches: SQL ORDER BY follows the collation, which on
     * PostgreSQL may sort '.', '_' and '-' otherwise */
    if (rc == FOLIO_OK && r->n_users > 1)
        qsort(r->users, r->n_users, sizeof(*r->users), cmp_user);
    return rc;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static bool have_id(const int64_t *v, size_t n, int64_t id)
{
    return n && bsearch(&id, v, n, sizeof(*v), cmp_i64) != NULL;
}

/* The VIP charts, once per run. */
static enum folio_rc load_vips(struct snoop_run *r, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    size_t cap = 0;
    bool row = false;
    enum folio_rc rc;

    rc = folio_store_prepare_fmt(r->c->store, &st, err,
                                 "SELECT patient_id FROM chart_restriction WHERE vip <> 0", "");
    while (rc == FOLIO_OK) {
        int64_t *v;

        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        v = folio_arena_grow(r->a, r->vips, r->n_vips, &cap, sizeof(*v), 64);
        if (!v) {
            rc = nomem(err);
            break;
        }
        r->vips = v;
        r->vips[r->n_vips++] = folio_stmt_column_i64(st, 0);
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && r->n_vips > 1)
        qsort(r->vips, r->n_vips, sizeof(*r->vips), cmp_i64);
    return rc;
}

static const struct snoop_user *find_user(const struct snoop_run *r, const char *username)
{
    size_t lo = 0, hi = r->n_users;

    while (lo < hi) { /* users are sorted by username */
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->users[mid].username, username);
        if (c == 0)
            return &r->users[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int cmp_pair(const void *x, const void *y)
{
    const struct snoop_pair *a = x, *b = y;
    int c = strcmp(a->username, b->username);

    if (c)
        return c;
    return a->patient_id < b->patient_id ? -1 : a->patient_id > b->patient_id;
}

static enum folio_rc load_pairs(struct snoop_run *r, const char *from, const char *to,
                                struct snoop_pair **out, size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct snoop_pair *items = NULL;
    size_t count = 0, cap = 0;
    bool row = false;
    enum folio_rc rc;

    rc = folio_store_prepare_fmt(r->c->store, &st, err,
                                 "SELECT username, patient_id, MIN(at), COUNT(*) FROM audit_log "
                                 "WHERE at >= ? AND at < ? AND patient_id IS NOT NULL AND "
                                 "username IS NOT NULL AND outcome = 'success' AND action NOT "
                                 "LIKE 'privacy.%' GROUP BY username, patient_id",
                                 "TT", from, to);
    while (rc == FOLIO_OK) {
        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        {
            struct snoop_pair *p = folio_arena_grow(r->a, items, count, &cap, sizeof(*p), 64);
            if (!p) {
                rc = nomem(err);
                break;
            }
            items = p;
        }
        folio_stmt_column_copy(st, 0, items[count].username, sizeof(items[count].username));
        items[count].patient_id = folio_stmt_column_i64(st, 1);
        folio_stmt_column_copy(st, 2, items[count].first_at, sizeof(items[count].first_at));
        items[count].count = folio_stmt_column_i64(st, 3);
        count++;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && count > 1)
        qsort(items, count, sizeof(*items), cmp_pair); /* byte order on both backends */
    *out = items;
    *n = count;
    return rc;
}

static int cmp_pat(const void *x, const void *y)
{
    return cmp_i64(&((const struct snoop_patient *)x)->id, &((const struct snoop_patient *)y)->id);
}

/* One entry per distinct patient of the pairs, sorted by id, with its VIP flag. */
static enum folio_rc index_patients(struct snoop_run *r, const struct snoop_pair *pairs, size_t n,
                                    struct folio_err *err)
{
    size_t k = 0;

    if (n == 0)
        return FOLIO_OK;
    r->pats = folio_arena_calloc(r->a, n, sizeof(*r->pats));
    if (!r->pats)
        return nomem(err);
    for (size_t i = 0; i < n; i++)
        r->pats[i].id = pairs[i].patient_id;
    qsort(r->pats, n, sizeof(*r->pats), cmp_pat);
    for (size_t i = 0; i < n; i++) {
        if (k && r->pats[k - 1].id == r->pats[i].id)
            continue;
        r->pats[k] = r->pats[i];
        r->pats[k].vip = have_id(r->vips, r->n_vips, r->pats[k].id);
        k++;
    }
    r->n_pats = k;
    return FOLIO_OK;
}

/* The patient's entry (index_patients); with need_names, its folded family names and
 * normalised current addresses, read once per run through the records API. */
static enum folio_rc patient_of(struct snoop_run *r, int64_t id, bool need_names,
                                const struct snoop_patient **out, struct folio_err *err)
{
    struct folio_patient p;
    struct folio_buf fam, adr;
    struct snoop_patient key = {.id = id}, *sp;
    struct folio_arena tmp;
    enum folio_rc rc;

    sp = r->n_pats ? bsearch(&key, r->pats, r->n_pats, sizeof(*r->pats), cmp_pat) : NULL;
    if (!sp)
        FOLIO_BUG("snoop: patient %lld not indexed", (long long)id);
    *out = sp;
    if (!need_names || sp->loaded)
        return FOLIO_OK;
    folio_arena_init(&tmp, 0);
    folio_buf_init(&fam, 1u << 16);
    folio_buf_init(&adr, 1u << 16);
    rc = folio_patient_get(r->c, id, &tmp, &p, err);
    if (rc == FOLIO_ENOTFOUND) { /* an id the trail names but the chart no longer has */
        folio_err_clear(err);
        rc = FOLIO_OK;
        memset(&p, 0, sizeof(p));
    }
    if (rc == FOLIO_OK)
        rc = folio_buf_append_str(&fam, "|");
    if (rc == FOLIO_OK)
        rc = folio_buf_append_str(&adr, "|");
    for (size_t i = 0; rc == FOLIO_OK && i <= p.n_names; i++) {
        const struct folio_name *nm = i == 0 ? &p.name : &p.names[i - 1];
        if (nm->family)
            rc = family_items(&fam, nm->family);
    }
    for (size_t i = 0; rc == FOLIO_OK && i < p.n_addresses; i++) {
        char pc[24], stt[136];
        if (!p.addresses[i].current)
            continue;
        folio_snoop_norm_postal(p.addresses[i].postal_code, pc, sizeof(pc));
        folio_snoop_norm_street(p.addresses[i].line1, stt, sizeof(stt));
        if (pc[0] && stt[0])
            rc = folio_buf_appendf(&adr, "%s %s|", pc, stt);
    }
    if (rc == FOLIO_OK) {
        sp->families = folio_arena_strdup(r->a, fam.data ? fam.data : "|");
        sp->addrs = folio_arena_strdup(r->a, adr.data ? adr.data : "|");
        if (!sp->families || !sp->addrs)
            rc = nomem(err);
    }
    folio_buf_release(&fam);
    folio_buf_release(&adr);
    folio_arena_release(&tmp);
    if (rc == FOLIO_OK)
        sp->loaded = true;
    return rc;
}

static bool has_item(const char *list, const char *item)
{
    size_t n = strlen(item);
    const char *p = list;

    if (n == 0)
        return false;
    while ((p = strstr(p, item)) != NULL) {
        if (p > list && p[-1] == '|' && p[n] == '|')
            return true;
        p++;
    }
    return false;
}

static enum folio_rc add_alert(struct snoop_run *r, enum folio_btg_kind kind,
                               const struct snoop_user *u, int64_t patient_id, const char *at,
                               const char *detail, struct folio_err *err)
{
    char key[200], now[32];
    int64_t changes = 0;
    enum folio_rc rc;

    (void)folio_snprintf(key, sizeof(key), "%s|%lld|%lld|%s", folio_btg_kind_name(kind),
                         (long long)u->id, (long long)patient_id, r->day);
    btg_time_text(0, now);
    rc = folio_store_exec_fmt(r->c->store, NULL, NULL, &changes, err,
                              "INSERT INTO privacy_review (kind, user_id, username, patient_id, "
                              "day, at, detail, alert_key, status, created_at) VALUES "
                              "(?,?,?,?,?,?,?,?,'open',?) ON CONFLICT (alert_key) DO NOTHING",
                              "TiTITTTTT", folio_btg_kind_name(kind), u->id, u->username,
                              patient_id, r->day, at, detail, key, now);
    if (rc)
        return rc;
    r->res->found[kind]++;
    if (changes > 0)
        r->res->added[kind]++;
    return FOLIO_OK;
}

/* Whether any item of user's "|a|b|" list is an item of the patient's. */
static bool any_item(const char *mine, const char *theirs)
{
    char item[140];
    const char *p = mine ? mine : "";

    while (*p) {
        const char *e;
        size_t n;

        if (*p == '|') {
            p++;
            continue;
        }
        e = strchr(p, '|');
        n = e ? (size_t)(e - p) : strlen(p);
        if (n < sizeof(item)) {
            memcpy(item, p, n);
            item[n] = '\0';
            if (has_item(theirs, item))
                return true;
        }
        p += n;
    }
    return false;
}

/* Median of the user's distinct patients per day over the baseline days before the run's day
 * (days without any access count as 0). */
static enum folio_rc baseline_median(struct snoop_run *r, const struct snoop_user *u,
                                     const char *from, const char *to, int days, double *median,
                                     struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    int64_t *counts = NULL;
    size_t k = 0;
    bool row = false;
    enum folio_rc rc;

    *median = 0;
    counts = folio_arena_calloc(r->a, (size_t)days, sizeof(*counts));
    if (!counts)
        return nomem(err);
    rc = folio_store_prepare_fmt(r->c->store, &st, err,
                                 "SELECT substr(at, 1, 10), COUNT(DISTINCT patient_id) FROM "
                                 "audit_log WHERE username = ? AND at >= ? AND at < ? AND "
                                 "patient_id IS NOT NULL AND outcome = 'success' AND action NOT "
                                 "LIKE 'privacy.%' GROUP BY substr(at, 1, 10)",
                                 "TTT", u->username, from, to);
    while (rc == FOLIO_OK && k < (size_t)days) {
        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        counts[k++] = folio_stmt_column_i64(st, 1);
    }
    folio_stmt_free(st);
    if (rc)
        return rc;
    qsort(counts, (size_t)days, sizeof(*counts), cmp_i64);
    if (days % 2)
        *median = (double)counts[days / 2];
    else
        *median = ((double)counts[days / 2 - 1] + (double)counts[days / 2]) / 2.0;
    return FOLIO_OK;
}

static enum folio_rc check_pair(struct snoop_run *r, const struct snoop_user *u,
                                const struct snoop_pair *pr, struct folio_err *err)
{
    const struct snoop_patient *sp = NULL;
    char at[16], detail[200], addr[200];
    /* names and addresses are read only when the user has home data to compare */
    enum folio_rc rc =
        patient_of(r, pr->patient_id, u->families || (u->postal[0] && u->street[0]), &sp, err);

    if (rc)
        return rc;
    /* "HH:MM:SS" of the first access: the day is the item's own. */
    (void)folio_snprintf(at, sizeof(at), "%.8s",
                         strlen(pr->first_at) > 11 ? pr->first_at + 11 : "");
    if (u->families && sp->families && any_item(u->families, sp->families)) {
        (void)folio_snprintf(detail, sizeof(detail),
                             "the patient has the user's own family name (%lld access%s, first "
                             "at %sZ)",
                             (long long)pr->count, pr->count == 1 ? "" : "es", at);
        rc = add_alert(r, FOLIO_BTG_KIND_SAME_FAMILY, u, pr->patient_id, pr->first_at, detail, err);
        if (rc)
            return rc;
    }
    if (u->postal[0] && u->street[0] && sp->addrs) {
        (void)folio_snprintf(addr, sizeof(addr), "%s %s", u->postal, u->street);
        if (has_item(sp->addrs, addr)) {
            (void)folio_snprintf(detail, sizeof(detail),
                                 "the patient lives at the user's own home address (postal code "
                                 "and street; %lld access%s, first at %sZ)",
                                 (long long)pr->count, pr->count == 1 ? "" : "es", at);
            rc = add_alert(r, FOLIO_BTG_KIND_SAME_ADDRESS, u, pr->patient_id, pr->first_at, detail,
                           err);
            if (rc)
                return rc;
        }
    }
    if (sp->vip) {
        struct folio_time t;
        struct folio_err e2;
        int64_t secs = 0;
        bool has = false;

        folio_err_clear(&e2);
        if (folio_time_parse_iso(folio_sv_from(pr->first_at), &t, "at", &e2) != FOLIO_OK ||
            !folio_time_epoch(&t, &secs))
            secs = 0;
        rc = folio_btg_has_care(r->c->store, u->id, pr->patient_id, secs, &has, NULL, err);
        /* a restricted VIP chart opened after breaking the glass: the break_the_glass item
         * already asks the privacy officer to review that access */
        if (rc == FOLIO_OK && !has)
            rc = folio_store_exec_fmt(r->c->store, NULL, &has, NULL, err,
                                      "SELECT id FROM btg_grant WHERE user_id = ? AND "
                                      "patient_id = ? AND at <= ? AND expires_at > ? LIMIT 1",
                                      "iiTT", u->id, pr->patient_id, pr->first_at, pr->first_at);
        if (rc)
            return rc;
        if (!has) {
            (void)folio_snprintf(detail, sizeof(detail),
                                 "VIP chart opened without a care relationship (%lld access%s, "
                                 "first at %sZ)",
                                 (long long)pr->count, pr->count == 1 ? "" : "es", at);
            rc = add_alert(r, FOLIO_BTG_KIND_VIP, u, pr->patient_id, pr->first_at, detail, err);
        }
    }
    return rc;
}

enum folio_rc folio_snoop_run(const struct folio_chart *c, const char *day,
                              const struct folio_snoop_params *p, struct folio_snoop_result *out,
                              struct folio_err *err)
{
    struct folio_snoop_params prm;
    struct snoop_run r;
    struct snoop_pair *pairs = NULL;
    struct folio_arena a;
    char next[11], base_from[11], today[32], now[32];
    size_t n = 0, i, j;
    int64_t days, added = 0;
    enum folio_rc rc;

    memset(out, 0, sizeof(*out));
    if (p)
        prm = *p;
    else
        folio_snoop_params_defaults(&prm);
    if (prm.volume_floor < 1 || prm.volume_factor <= 0 || prm.baseline_days < 1 ||
        prm.baseline_days > 366)
        return folio_err_set(err, FOLIO_EINVAL, "params",
                             "snoop parameters out of range (floor >= 1, factor > 0, 1..366 days)");
    rc = btg_check_day(day, "day", err);
    if (rc)
        return rc;
    btg_time_text(0, today);
    if (strncmp(day, today, 10) > 0)
        return folio_err_set(err, FOLIO_EINVAL, "day", "day %s has not started yet", day);
    if (!folio_date_days(day, &days))
        return folio_err_set(err, FOLIO_EINVAL, "day", "day must be a date YYYY-MM-DD");
    folio_date_format_days(days + 1, next);
    folio_date_format_days(days - prm.baseline_days, base_from);

    folio_arena_init(&a, 0);
    memset(&r, 0, sizeof(r));
    r.c = c;
    r.a = &a;
    r.day = day;
    r.res = out;
    rc = folio_store_begin(c->store, err);
    if (rc)
        goto out_nofinish;
    rc = load_users(&r, err);
    rc = rc ? rc : load_vips(&r, err);
    rc = rc ? rc : load_pairs(&r, day, next, &pairs, &n, err);
    rc = rc ? rc : index_patients(&r, pairs, n, err);
    out->accesses = (int64_t)n;
    for (i = 0; rc == FOLIO_OK && i < n; i = j) {
        const struct snoop_user *u = find_user(&r, pairs[i].username);
        const char *first = pairs[i].first_at;
        int64_t distinct = 0;

        for (j = i; j < n && strcmp(pairs[j].username, pairs[i].username) == 0; j++) {
            distinct++;
            if (strcmp(pairs[j].first_at, first) < 0)
                first = pairs[j].first_at;
        }
        if (!u)
            continue; /* not a user of this database (an entry of another system) */
        for (size_t k = i; rc == FOLIO_OK && k < j; k++)
            rc = check_pair(&r, u, &pairs[k], err);
        if (rc == FOLIO_OK && distinct > prm.volume_floor) {
            double median = 0, threshold;
            rc = baseline_median(&r, u, base_from, day, prm.baseline_days, &median, err);
            threshold = median * prm.volume_factor;
            if (threshold < (double)prm.volume_floor)
                threshold = (double)prm.volume_floor;
            if (rc == FOLIO_OK && (double)distinct > threshold) {
                char detail[200];
                (void)folio_snprintf(detail, sizeof(detail),
                                     "%lld distinct patients opened (threshold %.0f: floor %lld, "
                                     "%.1f x the median %.1f of the previous %d days)",
                                     (long long)distinct, threshold, (long long)prm.volume_floor,
                                     prm.volume_factor, median, prm.baseline_days);
                rc = add_alert(&r, FOLIO_BTG_KIND_VOLUME, u, 0, first, detail, err);
            }
        }
    }
    for (i = 0; i < FOLIO_BTG_KIND__COUNT; i++)
        added += out->added[i];
    btg_time_text(0, now);
    rc = rc ? rc
            : folio_store_exec_fmt(c->store, NULL, NULL, NULL, err,
                                   "INSERT INTO privacy_alert_run (day, at, by_user, added) "
                                   "VALUES (?,?,?,?)",
                                   "TTTi", day, now,
                                   folio_str_empty(c->actor) ? "system" : c->actor, added);
    rc = btg_finish(c->store, rc, err);
out_nofinish:
    folio_arena_release(&a);
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}
