/* Numbered schema migrations, recorded in table schema_migrations (see store.h). */
#include "folio/base.h"

#include "folio/time.h"
#include "store/store_impl.h"

#define MIGRATION_MAX_SQL (16u * 1024 * 1024)

struct known {
    int number;
    const char *name; /* the file name (borrowed from the list) */
    const char *sql;
};

struct applied {
    int64_t number;
    char at[40];
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool ends_with(const char *s, size_t len, const char *suffix, size_t *stem_len)
{
    size_t n = strlen(suffix);
    if (len < n || memcmp(s + len - n, suffix, n) != 0)
        return false;
    *stem_len = len - n;
    return true;
}

/* "NNNN_name.sql" (both backends), "NNNN_name.sqlite.sql", "NNNN_name.pg.sql".
 * Returns false for anything else. *kind is 0 for both. */
static bool parse_name(const char *file, int *number, int *kind)
{
    size_t len = strlen(file), stem, i;

    if (len < 6 || !is_digit(file[0]) || !is_digit(file[1]) || !is_digit(file[2]) ||
        !is_digit(file[3]) || file[4] != '_')
        return false;
    *number = (file[0] - '0') * 1000 + (file[1] - '0') * 100 + (file[2] - '0') * 10 + (file[3] - '0');
    if (*number == 0)
        return false;
    if (ends_with(file, len, ".sqlite.sql", &stem))
        *kind = FOLIO_STORE_SQLITE;
    else if (ends_with(file, len, ".pg.sql", &stem))
        *kind = FOLIO_STORE_PG;
    else if (ends_with(file, len, ".sql", &stem))
        *kind = 0;
    else
        return false;
    if (stem <= 5)
        return false; /* empty name */
    for (i = 5; i < stem; i++) {
        char c = file[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

/* The migrations of list that apply to kind, in order; *out is heap-allocated. */
static enum folio_rc select_known(const struct folio_migration *list, size_t n,
                                  enum folio_store_kind kind, struct known **out, size_t *n_out,
                                  struct folio_err *err)
{
    struct known *k = NULL;
    size_t i, m = 0;
    enum folio_rc rc = FOLIO_OK;

    *out = NULL;
    *n_out = 0;
    if (n > 0) {
        k = calloc(n, sizeof(*k));
        if (k == NULL)
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    for (i = 0; i < n && list[i].name != NULL; i++) {
        int number, which;
        if (!parse_name(list[i].name, &number, &which)) {
            rc = folio_err_set(err, FOLIO_EINTERNAL, "migration",
                               "bad migration file name '%s' (want NNNN_name.sql, "
                               "NNNN_name.sqlite.sql or NNNN_name.pg.sql)",
                               list[i].name);
            goto out;
        }
        if (list[i].sql == NULL) {
            rc = folio_err_set(err, FOLIO_EINTERNAL, "migration", "migration '%s' has no SQL",
                               list[i].name);
            goto out;
        }
        if (which != 0 && which != (int)kind)
            continue;
        if (m > 0 && number <= k[m - 1].number) {
            rc = folio_err_set(err, FOLIO_EINTERNAL, "migration",
                               "migrations '%s' and '%s' are out of order or share a number",
                               k[m - 1].name, list[i].name);
            goto out;
        }
        k[m].number = number;
        k[m].name = list[i].name;
        k[m].sql = list[i].sql;
        m++;
    }
    *out = k;
    *n_out = m;
    k = NULL;
out:
    free(k);
    return rc;
}

enum folio_rc folio_store_migration_render(enum folio_store_kind kind, const char *sql,
                                           struct folio_buf *out, struct folio_err *err)
{
    static const struct {
        const char *token;
        const char *sqlite;
        const char *pg;
    } tokens[] = {
        {"@PK@", "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"},
        {"@INT@", "INTEGER", "BIGINT"},
        {"@BLOB@", "BLOB", "BYTEA"},
        {"@REAL@", "REAL", "DOUBLE PRECISION"},
    };
    const char *p = sql;
    enum folio_rc rc = FOLIO_OK;

    while (*p) {
        const char *at = strchr(p, '@');
        size_t i;
        bool replaced = false;

        if (at == NULL) {
            rc = folio_buf_append_str(out, p);
            break;
        }
        rc = folio_buf_append(out, p, (size_t)(at - p));
        if (rc)
            break;
        for (i = 0; i < FOLIO_ARRAY_LEN(tokens); i++) {
            size_t tl = strlen(tokens[i].token);
            if (strncmp(at, tokens[i].token, tl) == 0) {
                rc = folio_buf_append_str(out, kind == FOLIO_STORE_PG ? tokens[i].pg
                                                                      : tokens[i].sqlite);
                p = at + tl;
                replaced = true;
                break;
            }
        }
        if (rc)
            break;
        if (!replaced) {
            rc = folio_buf_append_ch(out, '@');
            p = at + 1;
        }
        if (rc)
            break;
    }
    if (rc)
        return folio_err_set(err, rc, "migration", "migration SQL too large");
    return FOLIO_OK;
}

static enum folio_rc table_exists(struct folio_store *s, bool *exists, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row = false;

    *exists = false;
    rc = folio_store_prepare(s, s->ops->table_exists_sql, &st, err);
    if (rc)
        goto out;
    rc = folio_stmt_bind_text(st, 1, "schema_migrations", (size_t)-1);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "cannot bind table name");
        goto out;
    }
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    *exists = row && folio_stmt_column_i64(st, 0) > 0;
out:
    folio_stmt_free(st);
    return rc;
}

/* Applied migrations in ascending order (none when the table does not exist yet). */
static enum folio_rc load_applied(struct folio_store *s, struct applied **out, size_t *n_out,
                                  struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct applied *a = NULL;
    size_t n = 0, cap = 0;
    enum folio_rc rc;
    bool exists, row;

    *out = NULL;
    *n_out = 0;
    rc = table_exists(s, &exists, err);
    if (rc || !exists)
        goto out;
    rc = folio_store_prepare(
        s, "SELECT number, applied_at FROM schema_migrations ORDER BY number", &st, err);
    if (rc)
        goto out;
    for (;;) {
        const char *at;
        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16, bytes;
            struct applied *na;
            if (!folio_size_mul(ncap, sizeof(*a), &bytes) || (na = realloc(a, bytes)) == NULL) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            a = na;
            cap = ncap;
        }
        a[n].number = folio_stmt_column_i64(st, 0);
        at = folio_stmt_column_text(st, 1);
        folio_strlcpy(a[n].at, at ? at : "", sizeof(a[n].at));
        n++;
    }
    if (rc)
        goto out;
    *out = a;
    *n_out = n;
    a = NULL;
out:
    folio_stmt_free(st);
    free(a);
    return rc;
}

static const struct applied *find_applied(const struct applied *a, size_t n, int number)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (a[i].number == number)
            return &a[i];
    return NULL;
}

static enum folio_rc begin_locked(struct folio_store *s, struct folio_err *err)
{
    enum folio_rc rc = folio_store_begin(s, err);
    if (rc)
        return rc;
    if (s->ops->migration_lock != NULL) {
        rc = s->ops->migration_lock(s, err);
        if (rc)
            folio_store_rollback(s);
    }
    return rc;
}

static enum folio_rc ensure_table(struct folio_store *s, struct folio_err *err)
{
    struct folio_buf sql;
    enum folio_rc rc;

    folio_buf_init(&sql, 4096);
    rc = folio_store_migration_render(
        s->ops->kind,
        "CREATE TABLE IF NOT EXISTS schema_migrations (number @INT@ PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        &sql, err);
    if (rc)
        goto out;
    rc = begin_locked(s, err);
    if (rc)
        goto out;
    rc = folio_store_exec(s, sql.data, err);
    if (rc == FOLIO_OK)
        rc = folio_store_commit(s, err);
    if (rc)
        folio_store_rollback(s);
out:
    folio_buf_release(&sql);
    if (rc)
        folio_err_prefix(err, "cannot create table schema_migrations");
    return rc;
}

static enum folio_rc check_not_newer(struct folio_store *s, int latest_known,
                                     struct folio_err *err)
{
    int64_t max = 0;
    bool found = false;
    enum folio_rc rc = folio_store_query_i64(
        s, "SELECT COALESCE(MAX(number), 0) FROM schema_migrations", NULL, 0, &max, &found, err);
    if (rc)
        return rc;
    if (found && max > latest_known)
        return folio_err_set(err, FOLIO_ESCHEMA, "schema_migrations",
                             "the database schema (migration %lld) is newer than this program "
                             "(knows up to %d): upgrade Folio",
                             (long long)max, latest_known);
    return FOLIO_OK;
}

/* Applies one migration in its own transaction unless another migrator already did.
 * *done is true when this call applied it. */
static enum folio_rc apply_one(struct folio_store *s, const struct known *k, bool *done,
                               struct folio_err *err)
{
    struct folio_buf sql;
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    int64_t count = 0, num = k->number;
    bool found = false, row = false, in_tx = false;
    char now[32];

    *done = false;
    folio_buf_init(&sql, MIGRATION_MAX_SQL);
    rc = folio_store_migration_render(s->ops->kind, k->sql, &sql, err);
    if (rc)
        goto out;
    rc = begin_locked(s, err);
    if (rc)
        goto out;
    in_tx = true;
    /* re-check under the lock: a concurrent migrator may have applied it meanwhile */
    rc = folio_store_query_i64(s, "SELECT COUNT(*) FROM schema_migrations WHERE number = ?", &num,
                               1, &count, &found, err);
    if (rc)
        goto out;
    if (count == 0) {
        rc = folio_store_exec(s, sql.data, err);
        if (rc)
            goto out;
        rc = folio_store_prepare(
            s, "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)", &st,
            err);
        if (rc)
            goto out;
        folio_time_now_utc(now);
        if ((rc = folio_stmt_bind_i64(st, 1, num)) != FOLIO_OK ||
            (rc = folio_stmt_bind_text(st, 2, k->name, (size_t)-1)) != FOLIO_OK ||
            (rc = folio_stmt_bind_text(st, 3, now, (size_t)-1)) != FOLIO_OK) {
            rc = folio_err_set(err, rc, NULL, "cannot bind migration record");
            goto out;
        }
        rc = folio_stmt_step(st, &row, err);
        if (rc)
            goto out;
    }
    rc = folio_store_commit(s, err);
    if (rc)
        goto out;
    in_tx = false;
    *done = count == 0;
out:
    folio_stmt_free(st);
    if (in_tx)
        folio_store_rollback(s);
    folio_buf_release(&sql);
    if (rc)
        folio_err_prefix(err, "migration %s", k->name);
    return rc;
}

enum folio_rc folio_store_migrate_list(struct folio_store *s, const struct folio_migration *list,
                                       size_t n, size_t *applied, struct folio_err *err)
{
    struct known *known = NULL;
    struct applied *have = NULL;
    size_t n_known = 0, n_have = 0, i, count = 0;
    enum folio_rc rc;

    if (applied != NULL)
        *applied = 0;
    if (s->depth != 0) {
        rc = folio_err_set(err, FOLIO_ESTATE, NULL, "cannot migrate inside a transaction");
        goto out;
    }
    rc = select_known(list, n, s->ops->kind, &known, &n_known, err);
    if (rc)
        goto out;
    rc = ensure_table(s, err);
    if (rc)
        goto out;
    rc = check_not_newer(s, n_known ? known[n_known - 1].number : 0, err);
    if (rc)
        goto out;
    rc = load_applied(s, &have, &n_have, err);
    if (rc)
        goto out;
    for (i = 0; i < n_known; i++) {
        bool done = false;
        if (find_applied(have, n_have, known[i].number) != NULL)
            continue;
        rc = apply_one(s, &known[i], &done, err);
        if (rc)
            goto out;
        if (done)
            count++;
    }
out:
    if (applied != NULL)
        *applied = count;
    free(known);
    free(have);
    return rc;
}

enum folio_rc folio_store_migration_status_list(struct folio_store *s,
                                                const struct folio_migration *list, size_t n,
                                                struct folio_migration_status *st,
                                                struct folio_err *err)
{
    struct known *known = NULL;
    struct applied *have = NULL;
    size_t n_known = 0, n_have = 0, i;
    enum folio_rc rc;

    memset(st, 0, sizeof(*st));
    rc = select_known(list, n, s->ops->kind, &known, &n_known, err);
    if (rc)
        goto out;
    rc = load_applied(s, &have, &n_have, err);
    if (rc)
        goto out;
    st->latest_known = n_known ? known[n_known - 1].number : 0;
    for (i = 0; i < n_have; i++)
        if (have[i].number > st->current && have[i].number <= INT32_MAX)
            st->current = (int)have[i].number;
    for (i = 0; i < n_known; i++)
        if (find_applied(have, n_have, known[i].number) == NULL)
            st->n_pending++;
out:
    free(known);
    free(have);
    return rc;
}

enum folio_rc folio_store_migration_list_list(struct folio_store *s,
                                              const struct folio_migration *list, size_t n,
                                              folio_migration_visit_fn fn, void *ctx,
                                              struct folio_err *err)
{
    struct known *known = NULL;
    struct applied *have = NULL;
    size_t n_known = 0, n_have = 0, i;
    enum folio_rc rc;

    rc = select_known(list, n, s->ops->kind, &known, &n_known, err);
    if (rc)
        goto out;
    rc = load_applied(s, &have, &n_have, err);
    if (rc)
        goto out;
    for (i = 0; i < n_known; i++) {
        const struct applied *a = find_applied(have, n_have, known[i].number);
        fn(ctx, known[i].number, known[i].name, a ? a->at : NULL);
    }
out:
    free(known);
    free(have);
    return rc;
}

enum folio_rc folio_store_migrate(struct folio_store *s, size_t *applied, struct folio_err *err)
{
    return folio_store_migrate_list(s, folio_migrations, folio_migrations_count, applied, err);
}

enum folio_rc folio_store_migration_status(struct folio_store *s, struct folio_migration_status *st,
                                           struct folio_err *err)
{
    return folio_store_migration_status_list(s, folio_migrations, folio_migrations_count, st, err);
}

enum folio_rc folio_store_migration_list(struct folio_store *s, folio_migration_visit_fn fn,
                                         void *ctx, struct folio_err *err)
{
    return folio_store_migration_list_list(s, folio_migrations, folio_migrations_count, fn, ctx,
                                           err);
}
