/* Patients: demographics, names, identifiers (SSN sealed + blind index), addresses, phones,
 * search. */
#include "folio/base.h"

#include "folio/crypto.h"
#include "folio/records.h"
#include "records/records_int.h"

#define ID_VALUE_MAX 128

/* ---- arena arrays ---- */
static void *grow(struct folio_arena *a, void *arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = folio_arena_calloc(a, ncap, elem);
    if (!p)
        return NULL;
    if (arr && n)
        memcpy(p, arr, n * elem);
    *cap = ncap;
    return p;
}

/* ---- validation ---- */
static const char *const name_uses[] = {"official", "usual", "maiden", "alias", "nickname", "old",
                                        NULL};
static const char *const addr_uses[] = {"home", "work", "mailing", "temp", "old", NULL};
static const char *const phone_uses[] = {"home", "mobile", "work", NULL};

static enum folio_rc check_name(const struct folio_name *n, const char *pfx, const char **use,
                                char from[48], char to[48], struct folio_err *err)
{
    char field[64];
    enum folio_rc rc;
    if (folio_str_empty(n->use) || folio_sv_ieq_cstr(folio_sv_from(n->use), "previous")) {
        *use = folio_str_empty(n->use) ? "official" : "old";
    } else if (!(*use = rec_pick(n->use, name_uses))) {
        folio_snprintf(field, sizeof field, "%s.use", pfx);
        return folio_err_set(err, FOLIO_EINVAL, field,
                             "unknown name use '%s' (official, usual, maiden, alias, nickname, old)",
                             n->use);
    }
    if (folio_str_empty(n->family) && folio_str_empty(n->given)) {
        folio_snprintf(field, sizeof field, "%s.family", pfx);
        return folio_err_set(err, FOLIO_EINVAL, field, "a name needs a family or a given name");
    }
    const struct {
        const char *v, *k;
    } parts[] = {{n->family, "family"}, {n->given, "given"},   {n->middle, "middle"},
                 {n->prefix, "prefix"}, {n->suffix, "suffix"}};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(parts); i++) {
        folio_snprintf(field, sizeof field, "%s.%s", pfx, parts[i].k);
        rc = rec_check_text(parts[i].v, 200, field, err);
        if (rc)
            return rc;
    }
    folio_snprintf(field, sizeof field, "%s.valid_from", pfx);
    rc = rec_norm_date(n->valid_from, from, field, err);
    if (rc)
        return rc;
    folio_snprintf(field, sizeof field, "%s.valid_to", pfx);
    return rec_norm_date(n->valid_to, to, field, err);
}

static enum folio_rc insert_name(const struct folio_chart *c, int64_t pid,
                                 const struct folio_name *n, const char *pfx, const char *now,
                                 int64_t *id_out, struct folio_err *err)
{
    const char *use = NULL;
    char from[48], to[48];
    char *ff = NULL, *gf = NULL;
    enum folio_rc rc = check_name(n, pfx, &use, from, to, err);
    if (rc)
        goto out;
    ff = rec_fold(n->family);
    gf = rec_fold(n->given);
    if (!ff || !gf) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = rec_exec(c, id_out, NULL, err,
                  "INSERT INTO patient_name (patient_id, name_use, family, given, middle, prefix, "
                  "suffix, family_fold, given_fold, valid_from, valid_to, created_at, created_by) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                  "ittttttTTtttt", pid, use, n->family, n->given, n->middle, n->prefix, n->suffix,
                  ff, gf, from, to, now, rec_actor(c));
out:
    free(ff);
    free(gf);
    return rc;
}

/* Keeps the digits of an SSN; EINVAL unless exactly nine, with only '-' or ' ' besides. */
static enum folio_rc ssn_digits(const char *v, char out[10], const char *field,
                                struct folio_err *err)
{
    size_t n = 0;
    for (const char *p = v; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n == 9)
                return folio_err_set(err, FOLIO_EINVAL, field,
                                     "an SSN has 9 digits; the value given has more");
            out[n++] = *p;
        } else if (*p != '-' && *p != ' ') {
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "an SSN holds only digits and dashes; found '%c'", *p);
        }
    }
    out[n] = '\0';
    if (n != 9)
        return folio_err_set(err, FOLIO_EINVAL, field, "an SSN has 9 digits; the value given has %zu",
                             n);
    return FOLIO_OK;
}

static enum folio_rc norm_kind(const char *kind, char out[8], const char *field,
                               struct folio_err *err)
{
    size_t n = kind ? strlen(kind) : 0;
    if (n < 2 || n > 5)
        return folio_err_set(err, FOLIO_EINVAL, field,
                             "identifier kind '%s' is not an HL7 table 0203 code (MR, SS, DL, ...)",
                             kind ? kind : "");
    for (size_t i = 0; i < n; i++) {
        char ch = kind[i];
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 32);
        if (ch < 'A' || ch > 'Z')
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "identifier kind '%s' is not an HL7 table 0203 code", kind);
        out[i] = ch;
    }
    out[n] = '\0';
    /* "SSN" is not a table 0203 code but senders use it: it must never be stored unsealed. */
    if (strcmp(out, "SSN") == 0)
        folio_strlcpy(out, "SS", 8);
    return FOLIO_OK;
}

static void wipe(char *p, size_t n)
{
    volatile char *v = p;
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
}

static enum folio_rc insert_identifier(const struct folio_chart *c, int64_t pid,
                                       const struct folio_identifier *in, const char *pfx,
                                       const char *now, int64_t *id_out, struct folio_err *err)
{
    char field[64], kind[8], digits[10] = "", mask[16], bidx[FOLIO_SHA256_HEX_LEN + 1];
    char *sealed = NULL, *value = NULL;
    const char *assigner = in->assigner;
    enum folio_rc rc;

    folio_snprintf(field, sizeof field, "%s.kind", pfx);
    rc = norm_kind(in->kind, kind, field, err);
    if (rc)
        goto out;
    folio_snprintf(field, sizeof field, "%s.assigner", pfx);
    if (folio_str_empty(assigner)) {
        if (strcmp(kind, "SS") == 0) {
            assigner = "SSA";
        } else if (strcmp(kind, "MR") == 0) {
            rc = folio_err_set(err, FOLIO_EINVAL, field,
                               "a medical record number needs its assigning facility");
            goto out;
        } else {
            assigner = "";
        }
    }
    rc = rec_check_text(assigner, 128, field, err);
    if (rc)
        goto out;
    folio_snprintf(field, sizeof field, "%s.value", pfx);
    struct folio_sv v = folio_sv_trim(folio_sv_from(in->value));
    if (v.len == 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, field, "identifier %s has an empty value", kind);
        goto out;
    }
    if (v.len > ID_VALUE_MAX) {
        rc = folio_err_set(err, FOLIO_EINVAL, field, "identifier value is too long (%zu bytes)",
                           v.len);
        goto out;
    }
    value = malloc(v.len + 1);
    if (!value) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    memcpy(value, v.p, v.len);
    value[v.len] = '\0';
    rc = rec_check_text(value, ID_VALUE_MAX, field, err);
    if (rc)
        goto out;

    const char *stored = value, *match = value;
    if (strcmp(kind, "SS") == 0) {
        rc = ssn_digits(value, digits, field, err);
        if (rc)
            goto out;
        if (!c->key) {
            rc = folio_err_set(err, FOLIO_ECRYPTO, field,
                               "storing an SSN needs the data key, and none was loaded");
            goto out;
        }
        rc = folio_seal(c->key, digits, 9, &sealed, err);
        if (rc)
            goto out;
        folio_blind_index(c->key, digits, 9, bidx);
        folio_snprintf(mask, sizeof mask, "***-**-%s", digits + 5);
        stored = mask;
        match = bidx;
    }
    rc = rec_exec(c, id_out, NULL, err,
                  "INSERT INTO patient_identifier (patient_id, kind, assigner, value, value_sealed, "
                  "match_key, active, created_at, created_by) VALUES (?,?,?,?,?,?,1,?,?) "
                  "RETURNING id",
                  "iTTTtTTT", pid, kind, assigner, stored, sealed, match, now, rec_actor(c));
    if (rc == FOLIO_ECONFLICT)
        rc = folio_err_set(err, FOLIO_ECONFLICT, field,
                           "identifier %s '%s' of '%s' is already assigned to a patient", kind,
                           stored, assigner);
out:
    wipe(digits, sizeof digits);
    if (value) {
        wipe(value, strlen(value));
        free(value);
    }
    free(sealed);
    return rc;
}

static enum folio_rc insert_address(const struct folio_chart *c, int64_t pid,
                                    const struct folio_address *in, const char *pfx,
                                    const char *now, struct folio_err *err)
{
    char field[64], from[48], to[48];
    const char *use = "home";
    enum folio_rc rc;
    if (!folio_str_empty(in->use) && !(use = rec_pick(in->use, addr_uses))) {
        folio_snprintf(field, sizeof field, "%s.use", pfx);
        return folio_err_set(err, FOLIO_EINVAL, field,
                             "unknown address use '%s' (home, work, mailing, temp, old)", in->use);
    }
    const struct {
        const char *v, *k;
    } parts[] = {{in->line1, "line1"},     {in->line2, "line2"},
                 {in->city, "city"},       {in->state, "state"},
                 {in->postal_code, "postal_code"}, {in->county, "county"},
                 {in->country, "country"}};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(parts); i++) {
        folio_snprintf(field, sizeof field, "%s.%s", pfx, parts[i].k);
        rc = rec_check_text(parts[i].v, 200, field, err);
        if (rc)
            return rc;
    }
    folio_snprintf(field, sizeof field, "%s.valid_from", pfx);
    rc = rec_norm_date(in->valid_from, from, field, err);
    if (rc)
        return rc;
    folio_snprintf(field, sizeof field, "%s.valid_to", pfx);
    rc = rec_norm_date(in->valid_to, to, field, err);
    if (rc)
        return rc;
    return rec_exec(c, NULL, NULL, err,
                    "INSERT INTO patient_address (patient_id, addr_use, line1, line2, city, state, "
                    "postal_code, county, country, valid_from, valid_to, created_at, created_by) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    "itttttttttttt", pid, use, in->line1, in->line2, in->city, in->state,
                    in->postal_code, in->county, in->country, from, to, now, rec_actor(c));
}

static enum folio_rc insert_phone(const struct folio_chart *c, int64_t pid,
                                  const struct folio_phone *in, const char *pfx, const char *now,
                                  struct folio_err *err)
{
    char field[64], num[32];
    const char *use = "home";
    size_t n = 0, digits = 0;
    if (!folio_str_empty(in->use) && !(use = rec_pick(in->use, phone_uses))) {
        if (folio_sv_ieq_cstr(folio_sv_from(in->use), "cell")) {
            use = "mobile";
        } else {
            folio_snprintf(field, sizeof field, "%s.use", pfx);
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "unknown phone use '%s' (home, mobile, work)", in->use);
        }
    }
    folio_snprintf(field, sizeof field, "%s.number", pfx);
    const char *s = in->number ? in->number : "";
    for (const char *p = s; *p; p++) {
        if (*p == '+' && n == 0) {
            num[n++] = '+';
        } else if (*p >= '0' && *p <= '9') {
            if (digits == 20)
                return folio_err_set(err, FOLIO_EINVAL, field,
                                     "phone number '%s' has more than 20 digits", s);
            num[n++] = *p;
            digits++;
        } else if (strchr(" -().x/", *p) == NULL) {
            return folio_err_set(err, FOLIO_EINVAL, field,
                                 "phone number '%s' holds '%c', which is not a digit", s, *p);
        }
    }
    num[n] = '\0';
    if (digits < 3)
        return folio_err_set(err, FOLIO_EINVAL, field, "phone number '%s' has too few digits", s);
    return rec_exec(c, NULL, NULL, err,
                    "INSERT INTO patient_phone (patient_id, phone_use, number, is_current, "
                    "created_at, created_by) VALUES (?,?,?,1,?,?)",
                    "iTTTT", pid, use, num, now, rec_actor(c));
}

/* Demographic values after validation; each has a flag saying whether it was given. */
struct demo {
    char birth[48], deceased[48];
    const char *sex, *marital;
};

static enum folio_rc check_email(const char *e, struct folio_err *err)
{
    if (folio_str_empty(e))
        return FOLIO_OK;
    const char *at = strchr(e, '@');
    if (!at || at == e || !at[1] || strchr(at + 1, '@') || strchr(e, ' ') || strlen(e) > 254)
        return folio_err_set(err, FOLIO_EINVAL, "email", "'%s' is not an email address", e);
    return rec_check_text(e, 254, "email", err);
}

static enum folio_rc check_demo(const char *birth, const char *sex, const char *deceased,
                                const char *language, const char *marital, const char *email,
                                const char *race, const char *ethnicity, struct demo *d,
                                struct folio_err *err)
{
    enum folio_rc rc = rec_norm_date(birth, d->birth, "birth_date", err);
    if (rc)
        return rc;
    rc = rec_norm_time(deceased, d->deceased, "deceased_at", err);
    if (rc)
        return rc;
    d->sex = NULL;
    if (!folio_str_empty(sex) && !(d->sex = folio_sex_normalize(sex)))
        return folio_err_set(err, FOLIO_EINVAL, "sex",
                             "unknown administrative sex '%s' (HL7 table 0001: F, M, O, U, A, N)",
                             sex);
    d->marital = NULL;
    if (!folio_str_empty(marital) && !(d->marital = folio_marital_normalize(marital)))
        return folio_err_set(err, FOLIO_EINVAL, "marital_status",
                             "unknown marital status '%s' (HL7 table 0002)", marital);
    rc = rec_check_text(language, 64, "language", err);
    if (rc == FOLIO_OK)
        rc = check_email(email, err);
    if (rc == FOLIO_OK)
        rc = rec_check_text(race, 200, "race", err);
    if (rc == FOLIO_OK)
        rc = rec_check_text(ethnicity, 200, "ethnicity", err);
    return rc;
}

static enum folio_rc bump_version(const struct folio_chart *c, int64_t pid, int64_t expected,
                                  int64_t *new_version, struct folio_err *err)
{
    char now[32];
    int64_t changes = 0, v = 0;
    rec_now(now);
    enum folio_rc rc;
    if (expected)
        rc = rec_exec(c, &v, &changes, err,
                      "UPDATE patient SET version = version + 1, updated_at = ?, updated_by = ? "
                      "WHERE id = ? AND version = ? RETURNING version",
                      "TTii", now, rec_actor(c), pid, expected);
    else
        rc = rec_exec(c, &v, &changes, err,
                      "UPDATE patient SET version = version + 1, updated_at = ?, updated_by = ? "
                      "WHERE id = ? RETURNING version",
                      "TTi", now, rec_actor(c), pid);
    if (rc)
        return rc;
    if (changes == 0 && v == 0)
        return folio_err_set(err, FOLIO_ECONFLICT, "version",
                             "patient %lld was changed by someone else (expected version %lld)",
                             (long long)pid, (long long)expected);
    if (new_version)
        *new_version = v;
    return FOLIO_OK;
}

/* Loads status and version; ENOTFOUND / ESTATE (merged). */
static enum folio_rc load_state(const struct folio_chart *c, int64_t pid, int64_t *version,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = rec_prepare(c, &st, err, "SELECT version, status FROM patient WHERE id = ?",
                                   "i", pid);
    if (rc)
        goto out;
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (!row) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "patient_id", "no patient with id %lld",
                           (long long)pid);
        goto out;
    }
    if (version)
        *version = folio_stmt_column_i64(st, 0);
    const char *status = folio_stmt_column_text(st, 1);
    if (status && strcmp(status, "merged") == 0)
        rc = folio_err_set(err, FOLIO_ESTATE, "patient_id",
                           "patient %lld was merged into another chart", (long long)pid);
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_patient_create(const struct folio_chart *c, const struct folio_patient_new *in,
                                   int64_t *id_out, struct folio_err *err)
{
    struct demo d;
    char now[32], pfx[48];
    int64_t pid = 0;
    enum folio_rc rc;
    if (!in)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no patient given");
    if (folio_str_empty(in->birth_date))
        return folio_err_set(err, FOLIO_EINVAL, "birth_date", "birth_date is required");
    rc = check_demo(in->birth_date, in->sex, in->deceased_at, in->language, in->marital_status,
                    in->email, in->race, in->ethnicity, &d, err);
    if (rc)
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = rec_exec(c, &pid, NULL, err,
                  "INSERT INTO patient (birth_date, sex, deceased_at, language, marital_status, "
                  "email, race, ethnicity, status, version, created_at, created_by, updated_at, "
                  "updated_by) VALUES (?,?,?,?,?,?,?,?,'active',1,?,?,?,?) RETURNING id",
                  "TTttttttTTTT", d.birth, d.sex ? d.sex : "U", d.deceased, in->language,
                  d.marital, in->email, in->race, in->ethnicity, now, rec_actor(c), now,
                  rec_actor(c));
    if (rc)
        goto out;
    rc = insert_name(c, pid, &in->name, "name", now, NULL, err);
    for (size_t i = 0; rc == FOLIO_OK && i < in->n_other_names; i++) {
        folio_snprintf(pfx, sizeof pfx, "other_names[%zu]", i);
        rc = insert_name(c, pid, &in->other_names[i], pfx, now, NULL, err);
    }
    for (size_t i = 0; rc == FOLIO_OK && i < in->n_ids; i++) {
        folio_snprintf(pfx, sizeof pfx, "identifiers[%zu]", i);
        rc = insert_identifier(c, pid, &in->ids[i], pfx, now, NULL, err);
    }
    for (size_t i = 0; rc == FOLIO_OK && i < in->n_addresses; i++) {
        folio_snprintf(pfx, sizeof pfx, "addresses[%zu]", i);
        rc = insert_address(c, pid, &in->addresses[i], pfx, now, err);
    }
    for (size_t i = 0; rc == FOLIO_OK && i < in->n_phones; i++) {
        folio_snprintf(pfx, sizeof pfx, "phones[%zu]", i);
        rc = insert_phone(c, pid, &in->phones[i], pfx, now, err);
    }
out:
    rc = rec_finish(c, rc, err);
    if (rc == FOLIO_OK && id_out)
        *id_out = pid;
    return rc;
}

/* ---- reading ---- */
static enum folio_rc read_names(const struct folio_chart *c, int64_t pid, struct folio_arena *a,
                                struct folio_patient *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_name *arr = NULL;
    size_t n = 0, cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc = rec_prepare(
        c, &st, err,
        "SELECT id, name_use, family, given, middle, prefix, suffix, valid_from, valid_to "
        "FROM patient_name WHERE patient_id = ? "
        "ORDER BY CASE WHEN valid_to IS NULL THEN 0 ELSE 1 END, id DESC",
        "i", pid);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        if (!(arr = grow(a, arr, &cap, n, sizeof *arr))) {
            oom = true;
            break;
        }
        struct folio_name *nm = &arr[n++];
        nm->id = rec_col_i64(st, 0);
        nm->use = rec_col_str(a, st, 1, &oom);
        nm->family = rec_col_str(a, st, 2, &oom);
        nm->given = rec_col_str(a, st, 3, &oom);
        nm->middle = rec_col_str(a, st, 4, &oom);
        nm->prefix = rec_col_str(a, st, 5, &oom);
        nm->suffix = rec_col_str(a, st, 6, &oom);
        nm->valid_from = rec_col_str(a, st, 7, &oom);
        nm->valid_to = rec_col_str(a, st, 8, &oom);
        nm->current = nm->valid_to == NULL;
    }
    folio_stmt_free(st);
    if (rc)
        return rc;
    if (oom)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    /* the current name: first current official one, else the first current one */
    size_t pick = n;
    for (size_t i = 0; i < n && pick == n; i++)
        if (arr[i].current && strcmp(arr[i].use, "official") == 0)
            pick = i;
    for (size_t i = 0; i < n && pick == n; i++)
        if (arr[i].current)
            pick = i;
    if (pick == n && n)
        pick = 0;
    if (pick < n) {
        out->name = arr[pick];
        memmove(&arr[pick], &arr[pick + 1], (n - pick - 1) * sizeof *arr);
        n--;
    }
    out->names = n ? arr : NULL;
    out->n_names = n;
    return FOLIO_OK;
}

static enum folio_rc read_ids(const struct folio_chart *c, int64_t pid, struct folio_arena *a,
                              struct folio_patient *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_identifier *arr = NULL;
    size_t n = 0, cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc = rec_prepare(c, &st, err,
                                   "SELECT id, kind, assigner, value, active FROM "
                                   "patient_identifier WHERE patient_id = ? "
                                   "ORDER BY active DESC, id",
                                   "i", pid);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        if (!(arr = grow(a, arr, &cap, n, sizeof *arr))) {
            oom = true;
            break;
        }
        struct folio_identifier *x = &arr[n++];
        x->id = rec_col_i64(st, 0);
        x->kind = rec_col_str(a, st, 1, &oom);
        x->assigner = rec_col_str(a, st, 2, &oom);
        x->value = rec_col_str(a, st, 3, &oom);
        x->active = rec_col_i64(st, 4) != 0;
        if (!out->mrn && x->active && x->kind && strcmp(x->kind, "MR") == 0)
            out->mrn = x->value;
    }
    folio_stmt_free(st);
    if (rc)
        return rc;
    if (oom)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    out->ids = arr;
    out->n_ids = n;
    return FOLIO_OK;
}

static enum folio_rc read_addresses(const struct folio_chart *c, int64_t pid,
                                    struct folio_arena *a, struct folio_patient *out,
                                    struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_address *arr = NULL;
    size_t n = 0, cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc = rec_prepare(
        c, &st, err,
        "SELECT id, addr_use, line1, line2, city, state, postal_code, county, country, "
        "valid_from, valid_to FROM patient_address WHERE patient_id = ? "
        "ORDER BY CASE WHEN valid_to IS NULL THEN 0 ELSE 1 END, id DESC",
        "i", pid);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        if (!(arr = grow(a, arr, &cap, n, sizeof *arr))) {
            oom = true;
            break;
        }
        struct folio_address *x = &arr[n++];
        x->id = rec_col_i64(st, 0);
        x->use = rec_col_str(a, st, 1, &oom);
        x->line1 = rec_col_str(a, st, 2, &oom);
        x->line2 = rec_col_str(a, st, 3, &oom);
        x->city = rec_col_str(a, st, 4, &oom);
        x->state = rec_col_str(a, st, 5, &oom);
        x->postal_code = rec_col_str(a, st, 6, &oom);
        x->county = rec_col_str(a, st, 7, &oom);
        x->country = rec_col_str(a, st, 8, &oom);
        x->valid_from = rec_col_str(a, st, 9, &oom);
        x->valid_to = rec_col_str(a, st, 10, &oom);
        x->current = x->valid_to == NULL;
    }
    folio_stmt_free(st);
    if (rc)
        return rc;
    if (oom)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    out->addresses = arr;
    out->n_addresses = n;
    return FOLIO_OK;
}

static enum folio_rc read_phones(const struct folio_chart *c, int64_t pid, struct folio_arena *a,
                                 struct folio_patient *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_phone *arr = NULL;
    size_t n = 0, cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc = rec_prepare(c, &st, err,
                                   "SELECT id, phone_use, number, is_current FROM patient_phone "
                                   "WHERE patient_id = ? ORDER BY is_current DESC, id DESC",
                                   "i", pid);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        if (!(arr = grow(a, arr, &cap, n, sizeof *arr))) {
            oom = true;
            break;
        }
        struct folio_phone *x = &arr[n++];
        x->id = rec_col_i64(st, 0);
        x->use = rec_col_str(a, st, 1, &oom);
        x->number = rec_col_str(a, st, 2, &oom);
        x->current = rec_col_i64(st, 3) != 0;
    }
    folio_stmt_free(st);
    if (rc)
        return rc;
    if (oom)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    out->phones = arr;
    out->n_phones = n;
    return FOLIO_OK;
}

enum folio_rc folio_patient_get(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                struct folio_patient *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    memset(out, 0, sizeof *out);
    enum folio_rc rc = rec_prepare(
        c, &st, err,
        "SELECT id, birth_date, sex, deceased_at, language, marital_status, email, race, "
        "ethnicity, status, merged_into, version, created_at, updated_at, "
        "(SELECT COUNT(*) FROM encounter e WHERE e.patient_id = patient.id) "
        "FROM patient WHERE id = ?",
        "i", id);
    if (rc)
        goto out;
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (!row) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "patient_id", "no patient with id %lld",
                           (long long)id);
        goto out;
    }
    out->id = rec_col_i64(st, 0);
    out->birth_date = rec_col_str(a, st, 1, &oom);
    out->sex = rec_col_str(a, st, 2, &oom);
    out->deceased_at = rec_col_str(a, st, 3, &oom);
    out->language = rec_col_str(a, st, 4, &oom);
    out->marital_status = rec_col_str(a, st, 5, &oom);
    out->email = rec_col_str(a, st, 6, &oom);
    out->race = rec_col_str(a, st, 7, &oom);
    out->ethnicity = rec_col_str(a, st, 8, &oom);
    out->status = rec_col_str(a, st, 9, &oom);
    out->merged_into = rec_col_i64(st, 10);
    out->version = rec_col_i64(st, 11);
    out->created_at = rec_col_str(a, st, 12, &oom);
    out->updated_at = rec_col_str(a, st, 13, &oom);
    out->n_encounters = rec_col_i64(st, 14);
    if (oom) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    folio_stmt_free(st);
    st = NULL;
    rc = read_names(c, id, a, out, err);
    if (rc == FOLIO_OK)
        rc = read_ids(c, id, a, out, err);
    if (rc == FOLIO_OK)
        rc = read_addresses(c, id, a, out, err);
    if (rc == FOLIO_OK)
        rc = read_phones(c, id, a, out, err);
out:
    folio_stmt_free(st);
    return rc;
}

/* ---- update ---- */
enum folio_rc folio_patient_update(const struct folio_chart *c, int64_t id,
                                   const struct folio_patient_update *u, int64_t *new_version,
                                   struct folio_err *err)
{
    static const char *const cols[] = {"birth_date", "sex",   "deceased_at", "language",
                                       "marital_status", "email", "race", "ethnicity"};
    static const char *const sql[] = {
        "UPDATE patient SET birth_date = ? WHERE id = ?",
        "UPDATE patient SET sex = ? WHERE id = ?",
        "UPDATE patient SET deceased_at = ? WHERE id = ?",
        "UPDATE patient SET language = ? WHERE id = ?",
        "UPDATE patient SET marital_status = ? WHERE id = ?",
        "UPDATE patient SET email = ? WHERE id = ?",
        "UPDATE patient SET race = ? WHERE id = ?",
        "UPDATE patient SET ethnicity = ? WHERE id = ?",
    };
    struct demo d;
    char now[32], today[16];
    enum folio_rc rc;
    if (!u)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no update given");
    if (u->birth_date && u->birth_date[0] == '\0')
        return folio_err_set(err, FOLIO_EINVAL, "birth_date", "birth_date cannot be cleared");
    if (u->sex && u->sex[0] == '\0')
        return folio_err_set(err, FOLIO_EINVAL, "sex", "sex cannot be cleared (use U)");
    rc = check_demo(u->birth_date, u->sex, u->deceased_at, u->language, u->marital_status,
                    u->email, u->race, u->ethnicity, &d, err);
    if (rc)
        return rc;
    const char *vals[] = {d.birth, d.sex,  d.deceased, u->language,
                          d.marital, u->email, u->race, u->ethnicity};
    const char *given[] = {u->birth_date, u->sex,   u->deceased_at, u->language,
                           u->marital_status, u->email, u->race, u->ethnicity};
    _Static_assert(FOLIO_ARRAY_LEN(cols) == FOLIO_ARRAY_LEN(sql), "one statement per column");

    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    folio_strlcpy(today, now, 11);
    rc = load_state(c, id, NULL, err);
    for (size_t i = 0; rc == FOLIO_OK && i < FOLIO_ARRAY_LEN(cols); i++) {
        if (!given[i])
            continue;
        rc = rec_exec(c, NULL, NULL, err, sql[i], "ti", vals[i], id);
    }
    if (rc == FOLIO_OK && u->name) {
        const char *use = NULL;
        char from[48], to[48];
        rc = check_name(u->name, "name", &use, from, to, err);
        if (rc == FOLIO_OK)
            rc = rec_exec(c, NULL, NULL, err,
                          "UPDATE patient_name SET valid_to = ?, ended_by = ? WHERE patient_id = ? "
                          "AND name_use = ? AND valid_to IS NULL",
                          "TTiT", today, rec_actor(c), id, use);
        if (rc == FOLIO_OK)
            rc = insert_name(c, id, u->name, "name", now, NULL, err);
    }
    if (rc == FOLIO_OK && u->address) {
        const char *use = folio_str_empty(u->address->use) ? "home"
                                                           : rec_pick(u->address->use, addr_uses);
        if (use)
            rc = rec_exec(c, NULL, NULL, err,
                          "UPDATE patient_address SET valid_to = ?, ended_by = ? WHERE "
                          "patient_id = ? AND addr_use = ? AND valid_to IS NULL",
                          "TTiT", today, rec_actor(c), id, use);
        if (rc == FOLIO_OK)
            rc = insert_address(c, id, u->address, "address", now, err);
    }
    if (rc == FOLIO_OK && u->phone) {
        const char *use = folio_str_empty(u->phone->use) ? "home"
                                                         : rec_pick(u->phone->use, phone_uses);
        if (use)
            rc = rec_exec(c, NULL, NULL, err,
                          "UPDATE patient_phone SET is_current = 0, ended_at = ?, ended_by = ? "
                          "WHERE patient_id = ? AND phone_use = ? AND is_current = 1",
                          "TTiT", now, rec_actor(c), id, use);
        if (rc == FOLIO_OK)
            rc = insert_phone(c, id, u->phone, "phone", now, err);
    }
    if (rc == FOLIO_OK)
        rc = bump_version(c, id, u->expected_version, new_version, err);
    return rec_finish(c, rc, err);
}

enum folio_rc folio_patient_add_name(const struct folio_chart *c, int64_t patient_id,
                                     const struct folio_name *name, int64_t *id_out,
                                     struct folio_err *err)
{
    char now[32];
    if (!name)
        return folio_err_set(err, FOLIO_EINVAL, "name", "no name given");
    enum folio_rc rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = load_state(c, patient_id, NULL, err);
    if (rc == FOLIO_OK)
        rc = insert_name(c, patient_id, name, "name", now, id_out, err);
    if (rc == FOLIO_OK)
        rc = bump_version(c, patient_id, 0, NULL, err);
    return rec_finish(c, rc, err);
}

enum folio_rc folio_patient_add_identifier(const struct folio_chart *c, int64_t patient_id,
                                           const struct folio_identifier *ident, int64_t *id_out,
                                           struct folio_err *err)
{
    char now[32];
    if (!ident)
        return folio_err_set(err, FOLIO_EINVAL, "identifier", "no identifier given");
    enum folio_rc rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = load_state(c, patient_id, NULL, err);
    if (rc == FOLIO_OK)
        rc = insert_identifier(c, patient_id, ident, "identifier", now, id_out, err);
    if (rc == FOLIO_OK)
        rc = bump_version(c, patient_id, 0, NULL, err);
    return rec_finish(c, rc, err);
}

enum folio_rc folio_patient_retire_identifier(const struct folio_chart *c, int64_t identifier_id,
                                              const char *reason, struct folio_err *err)
{
    char now[32];
    int64_t pid = 0, changes = 0;
    bool found = false;
    if (folio_str_empty(reason))
        return folio_err_set(err, FOLIO_EINVAL, "reason", "retiring an identifier needs a reason");
    enum folio_rc rc = rec_check_text(reason, REC_TEXT_MAX, "reason", err);
    if (rc)
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = rec_query_i64(c, &pid, &found, err,
                       "SELECT patient_id FROM patient_identifier WHERE id = ?", "i",
                       identifier_id);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "identifier_id", "no identifier with id %lld",
                           (long long)identifier_id);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, &changes, err,
                      "UPDATE patient_identifier SET active = 0, retired_at = ?, retired_by = ?, "
                      "retired_reason = ? WHERE id = ? AND active = 1",
                      "TTTi", now, rec_actor(c), reason, identifier_id);
    if (rc == FOLIO_OK && changes == 0)
        rc = folio_err_set(err, FOLIO_ESTATE, "identifier_id",
                           "identifier %lld is already inactive", (long long)identifier_id);
    if (rc == FOLIO_OK)
        rc = bump_version(c, pid, 0, NULL, err);
    return rec_finish(c, rc, err);
}

enum folio_rc folio_patient_find_by_identifier(const struct folio_chart *c, const char *kind,
                                               const char *assigner, const char *value,
                                               int64_t *patient_id, struct folio_err *err)
{
    char k[8], digits[10], bidx[FOLIO_SHA256_HEX_LEN + 1];
    enum folio_rc rc = norm_kind(kind, k, "kind", err);
    if (rc)
        return rc;
    struct folio_sv v = folio_sv_trim(folio_sv_from(value));
    if (v.len == 0 || v.len > ID_VALUE_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "value", "identifier value is empty or too long");
    char buf[ID_VALUE_MAX + 1];
    memcpy(buf, v.p, v.len);
    buf[v.len] = '\0';
    const char *match = buf;
    bool found = false;
    if (strcmp(k, "SS") == 0) {
        rc = ssn_digits(buf, digits, "value", err);
        if (rc == FOLIO_OK && !c->key)
            rc = folio_err_set(err, FOLIO_ECRYPTO, "value",
                               "searching by SSN needs the data key, and none was loaded");
        if (rc == FOLIO_OK)
            folio_blind_index(c->key, digits, 9, bidx);
        wipe(digits, sizeof digits);
        match = bidx;
        if (rc)
            goto out;
    }
    if (folio_str_empty(assigner))
        rc = rec_query_i64(c, patient_id, &found, err,
                           "SELECT patient_id FROM patient_identifier WHERE kind = ? AND "
                           "match_key = ? AND active = 1 ORDER BY id LIMIT 1",
                           "TT", k, match);
    else
        rc = rec_query_i64(c, patient_id, &found, err,
                           "SELECT patient_id FROM patient_identifier WHERE kind = ? AND "
                           "assigner = ? AND match_key = ? AND active = 1",
                           "TTT", k, assigner, match);
out:
    wipe(buf, sizeof buf);
    if (rc)
        return rc;
    if (!found)
        return folio_err_set(err, FOLIO_ENOTFOUND, "value", "no patient has that %s identifier",
                             k);
    return FOLIO_OK;
}

enum folio_rc folio_patient_ssn_reveal(const struct folio_chart *c, int64_t patient_id,
                                       struct folio_arena *a, const char **ssn_out,
                                       struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    char *plain = NULL;
    size_t len = 0;
    bool row = false;
    *ssn_out = NULL;
    if (!c->key)
        return folio_err_set(err, FOLIO_ECRYPTO, "key",
                             "revealing an SSN needs the data key, and none was loaded");
    enum folio_rc rc = rec_prepare(c, &st, err,
                                   "SELECT value_sealed FROM patient_identifier WHERE "
                                   "patient_id = ? AND kind = 'SS' AND active = 1 "
                                   "ORDER BY id DESC LIMIT 1",
                                   "i", patient_id);
    if (rc)
        goto out;
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (!row || folio_stmt_column_is_null(st, 0)) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "patient_id", "patient %lld has no SSN on file",
                           (long long)patient_id);
        goto out;
    }
    rc = folio_unseal(c->key, folio_stmt_column_text(st, 0), &plain, &len, err);
    if (rc)
        goto out;
    if (len != 9) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, "value_sealed", "sealed SSN has the wrong length");
        goto out;
    }
    char *s = folio_arena_printf(a, "%.3s-%.2s-%.4s", plain, plain + 3, plain + 5);
    if (!s) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    *ssn_out = s;
out:
    if (plain) {
        wipe(plain, len);
        free(plain);
    }
    folio_stmt_free(st);
    return rc;
}

/* ---- search ---- */
#define MAX_WORDS 6
struct params {
    char *owned[2 * MAX_WORDS + 4];
    size_t n_owned;
    const char *v[2 * MAX_WORDS + 8];
    int n;
};

static const char *own(struct params *p, char *s)
{
    if (s)
        p->owned[p->n_owned++] = s;
    return s;
}

static enum folio_rc build_name_filter(struct params *p, struct folio_buf *w, const char *name,
                                       struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    char *dup = strdup(name);
    if (!dup)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    char *comma = strchr(dup, ',');
    if (comma) {
        *comma = '\0';
        struct folio_sv fam = folio_sv_trim(folio_sv_from(dup));
        struct folio_sv giv = folio_sv_trim(folio_sv_from(comma + 1));
        char fbuf[256], gbuf[256];
        folio_snprintf(fbuf, sizeof fbuf, "%.*s", (int)fam.len, fam.p);
        folio_snprintf(gbuf, sizeof gbuf, "%.*s", (int)giv.len, giv.p);
        const char *fl = own(p, rec_like_prefix(fbuf));
        const char *gl = own(p, rec_like_prefix(gbuf));
        if (!fl || !gl) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        rc = folio_buf_append_str(w, " AND EXISTS (SELECT 1 FROM patient_name x WHERE "
                                     "x.patient_id = p.id AND x.family_fold LIKE ? ESCAPE '\\' "
                                     "AND x.given_fold LIKE ? ESCAPE '\\')");
        p->v[p->n++] = fl;
        p->v[p->n++] = gl;
        goto out;
    }
    int words = 0;
    for (char *s = dup; *s;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        char *e = s;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        char save = *e;
        *e = '\0';
        if (++words > MAX_WORDS) {
            rc = folio_err_set(err, FOLIO_EINVAL, "name",
                               "name search '%s' has more than %d words", name, MAX_WORDS);
            goto out;
        }
        const char *l = own(p, rec_like_prefix(s));
        if (!l) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        rc = folio_buf_append_str(w, " AND EXISTS (SELECT 1 FROM patient_name x WHERE "
                                     "x.patient_id = p.id AND (x.family_fold LIKE ? ESCAPE '\\' "
                                     "OR x.given_fold LIKE ? ESCAPE '\\'))");
        if (rc)
            goto out;
        p->v[p->n++] = l;
        p->v[p->n++] = l;
        *e = save;
        s = e;
    }
out:
    free(dup);
    return rc;
}

enum folio_rc folio_patient_search(const struct folio_chart *c, const struct folio_patient_query *q,
                                   struct folio_arena *a, struct folio_patient_page *out,
                                   struct folio_err *err)
{
    struct params p = {0};
    struct folio_buf where, sql;
    struct folio_stmt *st = NULL;
    char bdate[48], digits[10], bidx[FOLIO_SHA256_HEX_LEN + 1];
    int64_t limit = q ? q->limit : 0, offset = q ? q->offset : 0;
    bool row = false, oom = false;
    enum folio_rc rc = FOLIO_OK;
    memset(out, 0, sizeof *out);
    folio_buf_init(&where, 16384);
    folio_buf_init(&sql, 32768);
    rec_page(&limit, &offset, 50, 1000);

    if (q && !folio_str_empty(q->name)) {
        rc = rec_check_text(q->name, 256, "name", err);
        if (rc == FOLIO_OK)
            rc = build_name_filter(&p, &where, q->name, err);
        if (rc)
            goto out;
    }
    if (q && !folio_str_empty(q->birth_date)) {
        rc = rec_norm_date(q->birth_date, bdate, "birth_date", err);
        if (rc)
            goto out;
        rc = folio_buf_append_str(&where, " AND (p.birth_date = ? OR p.birth_date LIKE ?)");
        if (rc)
            goto out;
        p.v[p.n++] = bdate;
        char *pat = malloc(strlen(bdate) + 3);
        if (!pat) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        memcpy(pat, bdate, strlen(bdate));
        memcpy(pat + strlen(bdate), "-%", 3);
        p.v[p.n++] = own(&p, pat);
    }
    if (q && !folio_str_empty(q->identifier)) {
        rc = rec_check_text(q->identifier, ID_VALUE_MAX, "identifier", err);
        if (rc)
            goto out;
        struct folio_err tmp;
        bool ss = c->key && ssn_digits(q->identifier, digits, "identifier", &tmp) == FOLIO_OK;
        rc = folio_buf_append_str(&where, ss ? " AND EXISTS (SELECT 1 FROM patient_identifier i "
                                               "WHERE i.patient_id = p.id AND i.active = 1 AND "
                                               "(i.match_key = ? OR (i.kind = 'SS' AND "
                                               "i.match_key = ?)))"
                                             : " AND EXISTS (SELECT 1 FROM patient_identifier i "
                                               "WHERE i.patient_id = p.id AND i.active = 1 AND "
                                               "i.match_key = ?)");
        if (rc)
            goto out;
        p.v[p.n++] = q->identifier;
        if (ss) {
            folio_blind_index(c->key, digits, 9, bidx);
            p.v[p.n++] = bidx;
        }
        wipe(digits, sizeof digits);
    }
    if (q && !folio_str_empty(q->sex)) {
        const char *sx = folio_sex_normalize(q->sex);
        if (!sx) {
            rc = folio_err_set(err, FOLIO_EINVAL, "sex", "unknown administrative sex '%s'", q->sex);
            goto out;
        }
        rc = folio_buf_append_str(&where, " AND p.sex = ?");
        if (rc)
            goto out;
        p.v[p.n++] = sx;
    }

    /* total */
    rc = folio_buf_appendf(&sql, "SELECT COUNT(*) FROM patient p WHERE 1 = 1%s", where.data);
    if (rc)
        goto out;
    rc = folio_store_prepare(c->store, sql.data, &st, err);
    for (int i = 0; rc == FOLIO_OK && i < p.n; i++)
        rc = folio_stmt_bind_text(st, i + 1, p.v[i], (size_t)-1);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    out->total = row ? folio_stmt_column_i64(st, 0) : 0;
    folio_stmt_free(st);
    st = NULL;

    folio_buf_reset(&sql);
    rc = folio_buf_appendf(
        &sql,
        "SELECT p.id, n.family, n.given, n.middle, p.birth_date, p.sex, " FOLIO_SQL_PATIENT_MRN(
            "p.id") ", p.status, p.deceased_at FROM patient p LEFT JOIN patient_name n ON n.id = "
        FOLIO_SQL_PATIENT_NAME_ID("p.id") " WHERE 1 = 1%s ORDER BY n.family_fold, n.given_fold, "
        "p.id LIMIT ? OFFSET ?",
        where.data);
    if (rc)
        goto out;
    rc = folio_store_prepare(c->store, sql.data, &st, err);
    for (int i = 0; rc == FOLIO_OK && i < p.n; i++)
        rc = folio_stmt_bind_text(st, i + 1, p.v[i], (size_t)-1);
    if (rc == FOLIO_OK)
        rc = folio_stmt_bind_i64(st, p.n + 1, limit);
    if (rc == FOLIO_OK)
        rc = folio_stmt_bind_i64(st, p.n + 2, offset);
    if (rc)
        goto out;
    out->items = folio_arena_calloc(a, (size_t)limit, sizeof *out->items);
    if (!out->items) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row && out->n < (size_t)limit) {
        struct folio_patient_summary *s = &out->items[out->n++];
        s->id = rec_col_i64(st, 0);
        s->family = rec_col_str(a, st, 1, &oom);
        s->given = rec_col_str(a, st, 2, &oom);
        s->middle = rec_col_str(a, st, 3, &oom);
        s->birth_date = rec_col_str(a, st, 4, &oom);
        s->sex = rec_col_str(a, st, 5, &oom);
        s->mrn = rec_col_str(a, st, 6, &oom);
        s->status = rec_col_str(a, st, 7, &oom);
        s->deceased_at = rec_col_str(a, st, 8, &oom);
    }
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    folio_stmt_free(st);
    for (size_t i = 0; i < p.n_owned; i++)
        free(p.owned[i]);
    folio_buf_release(&where);
    folio_buf_release(&sql);
    return rc;
}
