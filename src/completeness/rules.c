/* Completeness rules as data: the rules file parser and the versioned rule sets
 * (include/folio/completeness.h, docs/completeness.md). */
#include "folio/base.h"

#include "completeness/completeness_int.h"
#include "folio/crypto.h"
#include "folio/records.h"

#define MAX_RULES 1000

static const char *const kind_names[] = {NULL, "require", "sign", "field", "check"};
static const char *const classes[] = {"inpatient", "outpatient", "emergency", "observation",
                                      "newborn"};

struct parse {
    const char *name;
    int line;
    struct folio_err *err;
};

static enum folio_rc perr(struct parse *p, const char *fmt, ...) FOLIO_PRINTF(2, 3);
static enum folio_rc perr(struct parse *p, const char *fmt, ...)
{
    char msg[400], field[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    folio_snprintf(field, sizeof field, "%s:%d", p->name, p->line);
    return folio_err_set(p->err, FOLIO_EPARSE, field, "%s:%d: %s", p->name, p->line, msg);
}

/* Next white-space separated word of *s; false at the end. */
static bool next_word(struct folio_sv *s, struct folio_sv *w)
{
    size_t i = 0;
    while (i < s->len && (s->p[i] == ' ' || s->p[i] == '\t'))
        i++;
    if (i == s->len) {
        *w = (struct folio_sv){NULL, 0};
        return false;
    }
    size_t j = i;
    while (j < s->len && s->p[j] != ' ' && s->p[j] != '\t')
        j++;
    *w = (struct folio_sv){s->p + i, j - i};
    s->p += j;
    s->len -= j;
    return true;
}

static bool valid_name(struct folio_sv w)
{
    if (w.len == 0 || w.len > 32)
        return false;
    for (size_t i = 0; i < w.len; i++) {
        char c = w.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* "24h", "7d", "30m": a deadline. */
static enum folio_rc parse_duration(struct parse *p, struct folio_sv w, int64_t *out)
{
    int64_t n = 0, unit;
    if (w.len < 2)
        return perr(p, "bad deadline '%.*s' (a number and h or d: 24h, 7d)", (int)w.len, w.p);
    char u = w.p[w.len - 1];
    unit = u == 'h' ? 3600 : u == 'd' ? 86400 : u == 'm' ? 60 : 0;
    if (!unit || folio_sv_to_i64((struct folio_sv){w.p, w.len - 1}, &n) || n < 0 ||
        n > 3660 * 24 * 60 || n * unit > (int64_t)3660 * 86400)
        return perr(p, "bad deadline '%.*s' (a number and h or d: 24h, 7d; at most 3660d)",
                    (int)w.len, w.p);
    *out = n * unit;
    return FOLIO_OK;
}

/* "a,b,c" into ",a,b,c," (each item checked by ok when given; upper-cased when upper). */
static enum folio_rc parse_list(struct parse *p, struct folio_sv w, const char *what, bool upper,
                                char *out, size_t cap)
{
    struct folio_sv rest = w, item;
    size_t len = 1;
    if (w.len + 2 >= cap)
        return perr(p, "%s list too long", what);
    out[0] = ',';
    while (folio_sv_next_field(&rest, ',', &item)) {
        if (item.len == 0)
            return perr(p, "empty item in %s list '%.*s'", what, (int)w.len, w.p);
        if (!upper) {
            bool known = false;
            for (size_t i = 0; i < FOLIO_ARRAY_LEN(classes); i++)
                known = known || folio_sv_eq_cstr(item, classes[i]);
            if (!known)
                return perr(p,
                            "unknown encounter class '%.*s' (inpatient, outpatient, emergency, "
                            "observation, newborn)",
                            (int)item.len, item.p);
        }
        for (size_t i = 0; i < item.len; i++) {
            char c = item.p[i];
            out[len++] = (upper && c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
        }
        out[len++] = ',';
    }
    out[len] = '\0';
    return FOLIO_OK;
}

static enum folio_rc parse_type(struct parse *p, struct folio_sv w, struct folio_rule *r)
{
    char code[16];
    if (w.len == 0 || w.len >= sizeof code)
        return perr(p, "unknown document type '%.*s'", (int)(w.len > 40 ? 40 : w.len), w.p);
    memcpy(code, w.p, w.len);
    code[w.len] = '\0';
    if (!folio_loinc_doc_title(code))
        return perr(p,
                    "unknown document type '%s' (a LOINC document code the chart knows, "
                    "e.g. 34117-2 history and physical)",
                    code);
    memcpy(r->doc_type, code, w.len + 1);
    return FOLIO_OK;
}

/* "46209-3,11506-3" into ",46209-3,11506-3," (each a known LOINC document code). */
static enum folio_rc parse_types(struct parse *p, struct folio_sv w, struct folio_rule *r)
{
    struct folio_sv rest = w, item;
    struct folio_rule one;
    size_t len = 1;
    if (w.len + 2 >= sizeof r->except)
        return perr(p, "rule %s: 'except' list too long", r->name);
    r->except[0] = ',';
    while (folio_sv_next_field(&rest, ',', &item)) {
        enum folio_rc rc = parse_type(p, item, &one);
        if (rc)
            return rc;
        memcpy(r->except + len, item.p, item.len);
        len += item.len;
        r->except[len++] = ',';
    }
    r->except[len] = '\0';
    return FOLIO_OK;
}

static enum folio_rc parse_line(struct parse *p, struct folio_sv line, struct folio_rule *r)
{
    struct folio_sv w, s = line;
    enum folio_rc rc;
    bool have_within = false;
    next_word(&s, &w);
    r->line = p->line;
    for (int k = 1; k < (int)FOLIO_ARRAY_LEN(kind_names); k++)
        if (folio_sv_eq_cstr(w, kind_names[k]))
            r->kind = (enum folio_rule_kind)k;
    if (!r->kind)
        return perr(p, "unknown rule kind '%.*s' (require, sign, field, check)",
                    (int)(w.len > 40 ? 40 : w.len), w.p);
    if (!next_word(&s, &w) || !valid_name(w))
        return perr(p, "a rule name (letters, digits, '-', '_', at most 32) must follow '%s'",
                    kind_names[r->kind]);
    memcpy(r->name, w.p, w.len);
    if (r->kind == FOLIO_RULE_FIELD || r->kind == FOLIO_RULE_CHECK) {
        if (!next_word(&s, &w))
            return perr(p, "rule %s: what to %s is missing", r->name,
                        r->kind == FOLIO_RULE_FIELD
                            ? "require (attending, disposition, principal-diagnosis)"
                            : "check (dates-in-stay, final, other-mrn)");
        if (r->kind == FOLIO_RULE_FIELD && folio_sv_eq_cstr(w, "attending"))
            r->field = FOLIO_FIELD_ATTENDING;
        else if (r->kind == FOLIO_RULE_FIELD && folio_sv_eq_cstr(w, "disposition"))
            r->field = FOLIO_FIELD_DISPOSITION;
        else if (r->kind == FOLIO_RULE_FIELD && folio_sv_eq_cstr(w, "principal-diagnosis"))
            r->field = FOLIO_FIELD_PRINCIPAL_DX;
        else if (r->kind == FOLIO_RULE_CHECK && folio_sv_eq_cstr(w, "dates-in-stay"))
            r->check = FOLIO_CHECK_DATES_IN_STAY;
        else if (r->kind == FOLIO_RULE_CHECK && folio_sv_eq_cstr(w, "final"))
            r->check = FOLIO_CHECK_FINAL;
        else if (r->kind == FOLIO_RULE_CHECK && folio_sv_eq_cstr(w, "other-mrn"))
            r->check = FOLIO_CHECK_OTHER_MRN;
        else
            return perr(p, "rule %s: unknown %s '%.*s'", r->name,
                        r->kind == FOLIO_RULE_FIELD
                            ? "field (attending, disposition, principal-diagnosis)"
                            : "check (dates-in-stay, final, other-mrn)",
                        (int)(w.len > 40 ? 40 : w.len), w.p);
    }
    while (next_word(&s, &w)) {
        struct folio_sv v;
        bool has_v;
        if (folio_sv_eq_cstr(w, "cosign")) {
            struct folio_sv peek = s, nw;
            if (r->kind != FOLIO_RULE_SIGN)
                return perr(p, "rule %s: 'cosign' is for sign rules", r->name);
            r->cosign = true;
            if (next_word(&peek, &nw) && folio_sv_eq_cstr(nw, "residents")) {
                r->cosign_residents = true;
                s = peek;
            }
            continue;
        }
        if (folio_sv_eq_cstr(w, "daily")) {
            if (r->kind != FOLIO_RULE_REQUIRE)
                return perr(p, "rule %s: 'daily' is for require rules", r->name);
            if (r->anchor && r->anchor != FOLIO_ANCHOR_DAY)
                return perr(p, "rule %s: 'daily' counts from each day of the stay; drop 'after'",
                            r->name);
            r->anchor = FOLIO_ANCHOR_DAY;
            continue;
        }
        has_v = next_word(&s, &v);
        if (!has_v)
            return perr(p, "rule %s: a value must follow '%.*s'", r->name, (int)w.len, w.p);
        if (folio_sv_eq_cstr(w, "type")) {
            rc = parse_type(p, v, r);
        } else if (folio_sv_eq_cstr(w, "class")) {
            rc = parse_list(p, v, "class", false, r->classes, sizeof r->classes);
        } else if (folio_sv_eq_cstr(w, "service")) {
            rc = parse_list(p, v, "service", true, r->services, sizeof r->services);
        } else if (folio_sv_eq_cstr(w, "within")) {
            rc = parse_duration(p, v, &r->within_s);
            have_within = true;
        } else if (folio_sv_eq_cstr(w, "except")) {
            rc = FOLIO_OK;
            if (r->kind != FOLIO_RULE_SIGN && r->kind != FOLIO_RULE_CHECK)
                rc = perr(p, "rule %s: 'except' is for sign and check rules", r->name);
            if (rc == FOLIO_OK)
                rc = parse_types(p, v, r);
        } else if (folio_sv_eq_cstr(w, "when")) {
            rc = FOLIO_OK;
            if (folio_sv_eq_cstr(v, "tissue"))
                r->when = FOLIO_WHEN_TISSUE;
            else
                rc = perr(p, "rule %s: unknown condition '%.*s' (tissue)", r->name,
                          (int)(v.len > 40 ? 40 : v.len), v.p);
        } else if (folio_sv_eq_cstr(w, "after")) {
            rc = FOLIO_OK;
            if (r->anchor == FOLIO_ANCHOR_DAY)
                rc = perr(p, "rule %s: 'daily' counts from each day of the stay; drop 'after'",
                          r->name);
            else if (folio_sv_eq_cstr(v, "admit"))
                r->anchor = FOLIO_ANCHOR_ADMIT;
            else if (folio_sv_eq_cstr(v, "discharge"))
                r->anchor = FOLIO_ANCHOR_DISCHARGE;
            else if (folio_sv_eq_cstr(v, "procedure"))
                r->anchor = FOLIO_ANCHOR_PROCEDURE;
            else if (folio_sv_eq_cstr(v, "document"))
                r->anchor = FOLIO_ANCHOR_DOCUMENT;
            else
                rc = perr(p,
                          "rule %s: unknown anchor '%.*s' (admit, discharge, procedure, "
                          "document)",
                          r->name, (int)(v.len > 40 ? 40 : v.len), v.p);
        } else if (folio_sv_eq_cstr(w, "before")) {
            rc = FOLIO_OK;
            if (!folio_sv_eq_cstr(v, "procedure") || r->kind != FOLIO_RULE_REQUIRE)
                rc = perr(p, "rule %s: only require rules take 'before procedure'", r->name);
            r->before_procedure = true;
        } else if (folio_sv_eq_cstr(w, "by")) {
            rc = FOLIO_OK;
            if (folio_sv_eq_cstr(v, "attending"))
                r->resp = FOLIO_RESP_ATTENDING;
            else if (folio_sv_eq_cstr(v, "author"))
                r->resp = FOLIO_RESP_AUTHOR;
            else if (folio_sv_eq_cstr(v, "admitting"))
                r->resp = FOLIO_RESP_ADMITTING;
            else if (folio_sv_eq_cstr(v, "operator"))
                r->resp = FOLIO_RESP_OPERATOR;
            else
                rc = perr(p,
                          "rule %s: unknown responsible '%.*s' (attending, author, "
                          "admitting, operator)",
                          r->name, (int)(v.len > 40 ? 40 : v.len), v.p);
        } else {
            rc = perr(p,
                      "rule %s: unknown word '%.*s' (type, class, service, within, after, "
                      "before, by, cosign, daily, when, except)",
                      r->name, (int)(w.len > 40 ? 40 : w.len), w.p);
        }
        if (rc)
            return rc;
    }
    /* What each kind needs and allows. */
    switch (r->kind) {
    case FOLIO_RULE_REQUIRE:
        if (!r->doc_type[0])
            return perr(p, "rule %s: a require rule needs 'type CODE'", r->name);
        if (!r->anchor && r->before_procedure)
            r->anchor = FOLIO_ANCHOR_PROCEDURE;
        if (!r->anchor || r->anchor == FOLIO_ANCHOR_DOCUMENT)
            return perr(p, "rule %s: a require rule needs 'after admit|discharge|procedure'",
                        r->name);
        if (!have_within && !r->before_procedure)
            return perr(p, "rule %s: a deadline 'within N(h|d)' is missing", r->name);
        if (r->anchor == FOLIO_ANCHOR_DAY && r->before_procedure)
            return perr(p, "rule %s: a daily rule cannot be 'before procedure'", r->name);
        break;
    case FOLIO_RULE_SIGN:
        if (!r->anchor)
            r->anchor = FOLIO_ANCHOR_DOCUMENT;
        if (r->anchor != FOLIO_ANCHOR_DOCUMENT)
            return perr(p, "rule %s: a sign rule counts from the document ('after document')",
                        r->name);
        if (!have_within)
            return perr(p, "rule %s: a deadline 'within N(h|d)' is missing", r->name);
        break;
    case FOLIO_RULE_FIELD:
        if (!r->anchor)
            r->anchor = FOLIO_ANCHOR_DISCHARGE;
        if (r->anchor != FOLIO_ANCHOR_ADMIT && r->anchor != FOLIO_ANCHOR_DISCHARGE)
            return perr(p, "rule %s: a field rule counts 'after admit' or 'after discharge'",
                        r->name);
        break;
    case FOLIO_RULE_CHECK:
        if (!r->anchor)
            r->anchor = FOLIO_ANCHOR_DOCUMENT;
        if (r->anchor != FOLIO_ANCHOR_DOCUMENT && r->anchor != FOLIO_ANCHOR_DISCHARGE)
            return perr(p, "rule %s: a check counts 'after document' or 'after discharge'",
                        r->name);
        if (r->check == FOLIO_CHECK_FINAL && !r->doc_type[0])
            return perr(p, "rule %s: 'check final' needs 'type CODE'", r->name);
        break;
    }
    /* Words that only make sense for rules counting from each procedure. */
    if (r->anchor != FOLIO_ANCHOR_PROCEDURE && r->when == FOLIO_WHEN_TISSUE)
        return perr(p, "rule %s: 'when tissue' is for rules 'after procedure'", r->name);
    if (r->anchor != FOLIO_ANCHOR_PROCEDURE && r->resp == FOLIO_RESP_OPERATOR)
        return perr(p, "rule %s: 'by operator' is for rules 'after procedure'", r->name);
    return FOLIO_OK;
}

enum folio_rc folio_rules_parse(const char *name, const char *text, size_t len,
                                struct folio_arena *a, struct folio_ruleset *out,
                                struct folio_err *err)
{
    struct parse p = {name ? name : "rules", 0, err};
    struct folio_sv all = {text, len}, line;
    struct folio_rule *v;
    out->rules = NULL;
    out->n = 0;
    if (len > FOLIO_RULES_MAX_BYTES)
        return folio_err_set(err, FOLIO_ETOOBIG, p.name, "%s: larger than %d bytes", p.name,
                             FOLIO_RULES_MAX_BYTES);
    v = folio_arena_calloc(a, MAX_RULES, sizeof *v);
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    while (len && folio_sv_next_field(&all, '\n', &line)) {
        p.line++;
        if (line.len && line.p[line.len - 1] == '\r')
            line.len--;
        for (size_t i = 0; i < line.len; i++) {
            unsigned char c = (unsigned char)line.p[i];
            if (c == '#') {
                line.len = i;
                break;
            }
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return perr(&p, "control character in the line");
        }
        line = folio_sv_trim(line);
        if (line.len == 0)
            continue;
        if (out->n == MAX_RULES)
            return perr(&p, "more than %d rules", MAX_RULES);
        struct folio_rule *r = &v[out->n];
        enum folio_rc rc = parse_line(&p, line, r);
        if (rc)
            return rc;
        for (size_t i = 0; i < out->n; i++)
            if (strcmp(v[i].name, r->name) == 0)
                return perr(&p, "rule name '%s' is already used on line %d", r->name, v[i].line);
        out->n++;
    }
    out->rules = v;
    return FOLIO_OK;
}

/* ---- versions ---- */

static enum folio_rc read_version(struct folio_store *s, struct folio_arena *a,
                                  struct folio_rules_version *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    enum folio_rc rc;
    memset(out, 0, sizeof *out);
    rc = cmpl_prepare(s, &st, err,
                      "SELECT version, sha256, source, content, loaded_by, loaded_at, n_rules "
                      "FROM completeness_ruleset ORDER BY version DESC LIMIT 1",
                      "");
    if (rc)
        return rc;
    rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row) {
        out->version = folio_stmt_column_i64(st, 0);
        folio_stmt_column_copy(st, 1, out->sha256, sizeof out->sha256);
        out->source = folio_stmt_column_dup(a, st, 2, &oom);
        out->content = folio_stmt_column_dup(a, st, 3, &oom);
        out->loaded_by = folio_stmt_column_dup(a, st, 4, &oom);
        folio_stmt_column_copy(st, 5, out->loaded_at, sizeof out->loaded_at);
        out->n_rules = folio_stmt_column_i64(st, 6);
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return rc;
}

enum folio_rc folio_rules_in_force(struct folio_store *s, struct folio_arena *a,
                                   struct folio_rules_version *out, struct folio_ruleset *set,
                                   struct folio_err *err)
{
    enum folio_rc rc = read_version(s, a, out, err);
    char name[48];
    if (rc || !set)
        return rc;
    set->rules = NULL;
    set->n = 0;
    if (out->version == 0)
        return FOLIO_OK;
    folio_snprintf(name, sizeof name, "rules v%lld", (long long)out->version);
    return folio_rules_parse(name, out->content, strlen(out->content), a, set, err);
}

enum folio_rc folio_rules_load(struct folio_store *s, const char *source, const char *text,
                               size_t len, const char *user, const char *now, int64_t *version,
                               bool *changed, struct folio_err *err)
{
    struct folio_arena a = {0};
    struct folio_ruleset set;
    struct folio_rules_version cur;
    char at[32], sha[FOLIO_SHA256_HEX_LEN + 1];
    int64_t secs;
    const char *who;
    enum folio_rc rc;
    if (changed)
        *changed = false;
    rc = cmpl_user(user, true, &who, err);
    if (rc == FOLIO_OK)
        rc = cmpl_now(now, at, &secs, err);
    if (rc)
        return rc;
    if (memchr(text, '\0', len))
        return folio_err_set(err, FOLIO_EPARSE, source, "%s: contains a NUL byte",
                             source ? source : "rules");
    rc = folio_rules_parse(source, text, len, &a, &set, err);
    if (rc)
        goto out;
    folio_sha256_hex(text, len, sha);
    rc = folio_store_begin(s, err);
    if (rc)
        goto out;
    rc = read_version(s, &a, &cur, err);
    if (rc == FOLIO_OK && cur.version && strcmp(cur.sha256, sha) == 0) {
        if (version)
            *version = cur.version;
    } else if (rc == FOLIO_OK) {
        char *content = folio_arena_strndup(&a, text, len);
        if (!content)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        else
            rc = cmpl_exec(s, NULL, err,
                           "INSERT INTO completeness_ruleset (version, sha256, source, content, "
                           "n_rules, loaded_by, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           "ittTitt", cur.version + 1, sha, source, content, (int64_t)set.n, who,
                           at);
        if (rc == FOLIO_OK) {
            if (version)
                *version = cur.version + 1;
            if (changed)
                *changed = true;
        }
    }
    rc = folio_store_end(s, rc, err);
out:
    folio_arena_release(&a);
    return rc;
}
