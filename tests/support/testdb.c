/* Test support: a fresh, migrated database of the backend under test (see testdb.h). */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testdb.h"

#define MAX_OPEN 32

struct open_db {
    struct folio_store *store;
    bool pg;
    char dir[512];  /* SQLite: the temporary directory */
    char name[64];  /* PostgreSQL: the database name */
};

static struct open_db open_dbs[MAX_OPEN];
static char last_url[2048];
static unsigned db_counter;

static const char *test_db_env(void)
{
    const char *v = getenv("FOLIO_TEST_DB");
    return v ? v : "";
}

bool folio_test_backend_is_pg(void)
{
    const char *v = test_db_env();
    return strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0;
}

static void discard_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Runs one admin statement on the admin URL; returns false with msg filled on failure. */
static bool pg_admin(const char *admin_url, const char *sql, char *msg, size_t cap)
{
    PGconn *conn = PQconnectdb(admin_url);
    PGresult *res = NULL;
    bool ok = false;

    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        folio_snprintf(msg, cap, "cannot connect to FOLIO_TEST_DB: %s",
                       conn ? PQerrorMessage(conn) : "out of memory");
        goto out;
    }
    PQsetNoticeProcessor(conn, discard_notice, NULL);
    res = PQexec(conn, sql);
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        folio_snprintf(msg, cap, "%s: %s", sql, PQerrorMessage(conn));
        goto out;
    }
    ok = true;
out:
    PQclear(res);
    PQfinish(conn);
    return ok;
}

/* admin URL with its database path replaced by dbname (the query string is kept). */
static bool pg_url_with_db(const char *admin, const char *dbname, char *out, size_t cap)
{
    const char *auth = strstr(admin, "://");
    const char *path, *query;

    if (auth == NULL)
        return false;
    auth += 3;
    path = auth + strcspn(auth, "/?#");
    query = path;
    if (*query == '/')
        query += strcspn(query, "?#");
    return folio_snprintf(out, cap, "%.*s/%s%s", (int)(path - admin), admin, dbname, query);
}

static struct open_db *slot_for(struct folio_store *s)
{
    size_t i;
    for (i = 0; i < MAX_OPEN; i++)
        if (open_dbs[i].store == s)
            return &open_dbs[i];
    return NULL;
}

static void remove_sqlite_dir(const char *dir)
{
    static const char *const files[] = {"test.db", "test.db-wal", "test.db-shm",
                                        "test.db-journal"};
    char path[600];
    size_t i;

    for (i = 0; i < FOLIO_ARRAY_LEN(files); i++) {
        if (folio_snprintf(path, sizeof(path), "%s/%s", dir, files[i]))
            (void)unlink(path);
    }
    (void)rmdir(dir);
}

static void release_slot(struct open_db *slot);

/* Tests that forget to close still leave no databases or directories behind. */
static void cleanup_at_exit(void)
{
    size_t i;
    for (i = 0; i < MAX_OPEN; i++) {
        if (open_dbs[i].store != NULL) {
            folio_store_close(open_dbs[i].store);
            release_slot(&open_dbs[i]);
        }
    }
}

struct folio_store *folio_test_store_open(void)
{
    static bool registered;
    struct open_db *slot = slot_for(NULL);
    struct folio_store *s = NULL;
    struct folio_err err;
    const char *env = test_db_env();
    char msg[1024];

    memset(&err, 0, sizeof(err));
    if (!registered) {
        registered = true;
        (void)atexit(cleanup_at_exit);
    }
    if (slot == NULL)
        fail_msg("testdb: more than %d test databases open at once", MAX_OPEN);
    memset(slot, 0, sizeof(*slot));
    if (folio_test_backend_is_pg()) {
        char sql[128];
        slot->pg = true;
        folio_snprintf(slot->name, sizeof(slot->name), "folio_t_%ld_%u", (long)getpid(),
                       ++db_counter);
        if (!pg_url_with_db(env, slot->name, last_url, sizeof(last_url)))
            fail_msg("testdb: cannot build a URL from FOLIO_TEST_DB");
        folio_snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", slot->name);
        (void)pg_admin(env, sql, msg, sizeof(msg));
        folio_snprintf(sql, sizeof(sql), "CREATE DATABASE %s", slot->name);
        if (!pg_admin(env, sql, msg, sizeof(msg)))
            fail_msg("testdb: %s", msg);
    } else {
        const char *tmp = getenv("TMPDIR");
        if (env[0] != '\0' && strcmp(env, "sqlite") != 0)
            fail_msg("testdb: FOLIO_TEST_DB must be unset, \"sqlite\" or a postgresql:// URL");
        if (folio_str_empty(tmp))
            tmp = "/tmp";
        if (!folio_snprintf(slot->dir, sizeof(slot->dir), "%s/folio-test-XXXXXX", tmp))
            fail_msg("testdb: TMPDIR too long");
        if (mkdtemp(slot->dir) == NULL)
            fail_msg("testdb: mkdtemp in %s failed", tmp);
        folio_snprintf(last_url, sizeof(last_url), "sqlite:%s/test.db", slot->dir);
    }
    if (folio_store_open(last_url, &s, &err) != FOLIO_OK) {
        release_slot(slot);
        fail_msg("testdb: open %s: %s", last_url, err.msg);
    }
    slot->store = s;
    if (folio_store_migrate(s, NULL, &err) != FOLIO_OK) {
        folio_test_store_close(s);
        fail_msg("testdb: migrate: %s", err.msg);
    }
    return s;
}

const char *folio_test_store_url(void)
{
    return last_url;
}

static void release_slot(struct open_db *slot)
{
    if (slot->pg && slot->name[0] != '\0') {
        char sql[128], msg[1024];
        folio_snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", slot->name);
        (void)pg_admin(test_db_env(), sql, msg, sizeof(msg));
    } else if (slot->dir[0] != '\0') {
        remove_sqlite_dir(slot->dir);
    }
    memset(slot, 0, sizeof(*slot));
}

void folio_test_store_close(struct folio_store *s)
{
    struct open_db *slot;

    if (s == NULL)
        return;
    slot = slot_for(s);
    folio_store_close(s);
    if (slot != NULL)
        release_slot(slot);
}

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *folio_test_shared_path(const char *rel)
{
    static char path[4096];
    char shared[4096];
    const char *env = getenv("FOLIO_SHARED");
    struct stat sb;

    shared[0] = '\0';
    if (!folio_str_empty(env) && is_dir(env)) {
        folio_strlcpy(shared, env, sizeof(shared));
    } else {
        const char *src = getenv("FOLIO_SOURCE_DIR");
        if (folio_str_empty(src) ||
            !folio_snprintf(shared, sizeof(shared), "%s/../shared", src) || !is_dir(shared))
            return NULL;
    }
    if (!folio_snprintf(path, sizeof(path), "%s/data/%s", shared, rel ? rel : ""))
        return NULL;
    if (stat(path, &sb) != 0)
        return NULL;
    return path;
}
