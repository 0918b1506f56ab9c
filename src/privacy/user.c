/* Users: add, disable/enable, roles, password reset, get, list. Nothing is deleted. */
#include "folio/base.h"

#include <sodium.h>

#include "privacy/privacy_int.h"

static const char *actor_or_system(const char *actor)
{
    return folio_str_empty(actor) ? "system" : actor;
}

/* Length of the well-formed UTF-8 sequence at s[0..len) (RFC 3629), or 0. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Optional display name: at most 128 bytes of UTF-8 without control characters. */
static enum folio_rc check_display_name(const char *v, struct folio_err *err)
{
    if (!v)
        return FOLIO_OK;
    size_t len = strlen(v);
    if (len > PRIV_DISPLAY_NAME_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "display_name",
                             "display name is too long (%zu bytes, at most %d)", len,
                             PRIV_DISPLAY_NAME_MAX);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)v[i];
        size_t n = utf8_len((const unsigned char *)v + i, len - i);
        if (c < 0x20 || c == 0x7f)
            return folio_err_set(err, FOLIO_EINVAL, "display_name",
                                 "display name holds a control character (0x%02x) at byte %zu", c,
                                 i);
        if (n == 0)
            return folio_err_set(err, FOLIO_EINVAL, "display_name",
                                 "display name is not valid UTF-8 (byte 0x%02x at %zu)", c, i);
        i += n;
    }
    return FOLIO_OK;
}

static enum folio_rc check_roles(uint32_t roles, struct folio_err *err)
{
    if (roles == 0)
        return folio_err_set(err, FOLIO_EINVAL, "roles", "a user needs at least one role");
    if (roles & ~FOLIO_ROLE_ALL)
        return folio_err_set(err, FOLIO_EINVAL, "roles", "unknown role bits 0x%x",
                             (unsigned)(roles & ~FOLIO_ROLE_ALL));
    return FOLIO_OK;
}

/* The message never shows the password itself. */
static enum folio_rc check_password(const char *pw, struct folio_err *err)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < PRIV_PASSWORD_MIN)
        return folio_err_set(err, FOLIO_EINVAL, "password",
                             "password is too short (%zu bytes, at least %d)", n,
                             PRIV_PASSWORD_MIN);
    if (n > PRIV_PASSWORD_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "password",
                             "password is too long (%zu bytes, at most %d)", n, PRIV_PASSWORD_MAX);
    return FOLIO_OK;
}

static enum folio_rc finish(struct folio_store *s, enum folio_rc rc, struct folio_err *err)
{
    if (rc == FOLIO_OK) {
        rc = folio_store_commit(s, err);
        if (rc)
            folio_store_rollback(s);
        return rc;
    }
    folio_store_rollback(s);
    return rc;
}

/* ENOTFOUND (field "username") when there is no such user. */
static enum folio_rc find_user(struct folio_store *s, const char *username, int64_t *id,
                               struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc =
        priv_prepare(s, &st, err, "SELECT id FROM users WHERE username = ?", "T", username);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "username", "no user '%s'", username);
    if (rc == FOLIO_OK)
        *id = folio_stmt_column_i64(st, 0);
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_user_add(struct folio_store *s, const char *actor, const char *username,
                             const char *display_name, uint32_t roles, const char *password,
                             int64_t *id_out, struct folio_err *err)
{
    char name[PRIV_USERNAME_MAX + 1], now[32];
    char hash[crypto_pwhash_STRBYTES];
    int64_t id = 0, existing = 0;
    bool in_tx = false;
    enum folio_rc rc;

    memset(hash, 0, sizeof hash);
    rc = priv_username(username, name, err);
    if (!rc)
        rc = check_display_name(display_name, err);
    if (!rc)
        rc = check_roles(roles, err);
    if (!rc)
        rc = check_password(password, err);
    if (rc)
        goto out;
    rc = folio_store_begin(s, err);
    if (rc)
        goto out;
    in_tx = true;
    rc = find_user(s, name, &existing, err);
    if (rc == FOLIO_OK) {
        rc = folio_err_set(err, FOLIO_ECONFLICT, "username", "username '%s' is taken", name);
        goto out;
    }
    if (rc != FOLIO_ENOTFOUND)
        goto out;
    folio_err_clear(err);
    rc = priv_pw_hash(password, strlen(password), hash, err);
    if (rc)
        goto out;
    priv_time_at(0, now);
    rc = priv_exec(s, &id, NULL, err,
                   "INSERT INTO users (username, display_name, roles, password_hash, disabled, "
                   "failed_count, password_changed_at, created_at, created_by, updated_at, "
                   "updated_by) VALUES (?,?,?,?,0,0,?,?,?,?,?) RETURNING id",
                   "TTiTTTTT"
                   "T",
                   name, folio_str_empty(display_name) ? NULL : display_name, (int64_t)roles, hash,
                   now, now, actor_or_system(actor), now, actor_or_system(actor));
    if (rc == FOLIO_ECONFLICT)
        rc = folio_err_set(err, FOLIO_ECONFLICT, "username", "username '%s' is taken", name);
out:
    sodium_memzero(hash, sizeof hash);
    if (in_tx)
        rc = finish(s, rc, err);
    if (rc == FOLIO_OK && id_out)
        *id_out = id;
    return rc;
}

enum folio_rc folio_user_set_disabled(struct folio_store *s, const char *actor,
                                      const char *username, bool disabled, struct folio_err *err)
{
    char name[PRIV_USERNAME_MAX + 1], now[32];
    int64_t id = 0;
    bool in_tx = false;
    enum folio_rc rc = priv_username(username, name, err);
    if (rc)
        goto out;
    rc = folio_store_begin(s, err);
    if (rc)
        goto out;
    in_tx = true;
    rc = find_user(s, name, &id, err);
    if (rc)
        goto out;
    priv_time_at(0, now);
    rc = priv_exec(s, NULL, NULL, err,
                   "UPDATE users SET disabled = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                   "iTTi", (int64_t)(disabled ? 1 : 0), now, actor_or_system(actor), id);
    if (rc == FOLIO_OK && disabled)
        rc = priv_end_sessions(s, id, "disabled", err);
out:
    if (in_tx)
        rc = finish(s, rc, err);
    return rc;
}

enum folio_rc folio_user_set_roles(struct folio_store *s, const char *actor, const char *username,
                                   uint32_t roles, struct folio_err *err)
{
    char name[PRIV_USERNAME_MAX + 1], now[32];
    int64_t id = 0;
    bool in_tx = false;
    enum folio_rc rc = priv_username(username, name, err);
    if (!rc)
        rc = check_roles(roles, err);
    if (rc)
        goto out;
    rc = folio_store_begin(s, err);
    if (rc)
        goto out;
    in_tx = true;
    rc = find_user(s, name, &id, err);
    if (rc)
        goto out;
    priv_time_at(0, now);
    /* open sessions read the roles from users on every check, so the change applies at once */
    rc = priv_exec(s, NULL, NULL, err,
                   "UPDATE users SET roles = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                   "iTTi", (int64_t)roles, now, actor_or_system(actor), id);
out:
    if (in_tx)
        rc = finish(s, rc, err);
    return rc;
}

/* The provider is checked by the users.provider_id foreign key (0014), not by reading the
 * provider table: privacy knows nothing of the chart's tables (docs/ARCHITECTURE.md). */
enum folio_rc folio_user_set_provider(struct folio_store *s, const char *actor,
                                      const char *username, int64_t provider_id,
                                      struct folio_err *err)
{
    char name[PRIV_USERNAME_MAX + 1], now[32];
    int64_t id = 0;
    bool in_tx = false;
    enum folio_rc rc = priv_username(username, name, err);
    if (rc)
        goto out;
    if (provider_id < 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "provider_id", "provider_id: %lld is not an id",
                           (long long)provider_id);
        goto out;
    }
    rc = folio_store_begin(s, err);
    if (rc)
        goto out;
    in_tx = true;
    rc = find_user(s, name, &id, err);
    if (rc)
        goto out;
    priv_time_at(0, now);
    rc = priv_exec(s, NULL, NULL, err,
                   "UPDATE users SET provider_id = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                   "ITTi", provider_id, now, actor_or_system(actor), id);
    if (rc == FOLIO_ECONFLICT)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "provider_id", "no provider with id %lld",
                           (long long)provider_id);
out:
    if (in_tx)
        rc = finish(s, rc, err);
    return rc;
}

enum folio_rc folio_user_reset_password(struct folio_store *s, const char *actor,
                                        const char *username, const char *password,
                                        struct folio_err *err)
{
    char name[PRIV_USERNAME_MAX + 1], now[32];
    char hash[crypto_pwhash_STRBYTES];
    int64_t id = 0;
    bool in_tx = false;
    enum folio_rc rc;

    memset(hash, 0, sizeof hash);
    rc = priv_username(username, name, err);
    if (!rc)
        rc = check_password(password, err);
    if (rc)
        goto out;
    rc = folio_store_begin(s, err);
    if (rc)
        goto out;
    in_tx = true;
    rc = find_user(s, name, &id, err);
    if (rc)
        goto out;
    rc = priv_pw_hash(password, strlen(password), hash, err);
    if (rc)
        goto out;
    priv_time_at(0, now);
    rc = priv_exec(s, NULL, NULL, err,
                   "UPDATE users SET password_hash = ?, password_changed_at = ?, failed_count = 0, "
                   "locked_until = NULL, updated_at = ?, updated_by = ? WHERE id = ?",
                   "TTTTi", hash, now, now, actor_or_system(actor), id);
    if (rc == FOLIO_OK)
        rc = priv_end_sessions(s, id, "password_reset", err);
out:
    sodium_memzero(hash, sizeof hash);
    if (in_tx)
        rc = finish(s, rc, err);
    return rc;
}

#define USER_COLS                                                                                  \
    "SELECT id, username, display_name, roles, disabled, failed_count, locked_until, "             \
    "last_login_at, created_at, password_changed_at, provider_id, family_name, "                   \
    "home_postal_code, home_street FROM users "

static const char *col_str(struct folio_arena *a, struct folio_stmt *st, int idx, bool *oom)
{
    const char *v = folio_stmt_column_text(st, idx);
    char *d;
    if (!v)
        return NULL;
    d = folio_arena_strdup(a, v);
    if (!d)
        *oom = true;
    return d;
}

static bool read_user(struct folio_stmt *st, const char *now, struct folio_arena *a,
                      struct folio_user *u)
{
    bool oom = false;
    memset(u, 0, sizeof *u);
    u->id = folio_stmt_column_i64(st, 0);
    u->username = col_str(a, st, 1, &oom);
    u->display_name = col_str(a, st, 2, &oom);
    u->roles = (uint32_t)folio_stmt_column_i64(st, 3);
    u->disabled = folio_stmt_column_i64(st, 4) != 0;
    u->failed_count = (int)folio_stmt_column_i64(st, 5);
    const char *lu = folio_stmt_column_text(st, 6);
    if (lu && strcmp(lu, now) > 0)
        u->locked_until = col_str(a, st, 6, &oom);
    u->last_login_at = col_str(a, st, 7, &oom);
    u->created_at = col_str(a, st, 8, &oom);
    u->password_changed_at = col_str(a, st, 9, &oom);
    u->provider_id = folio_stmt_column_is_null(st, 10) ? 0 : folio_stmt_column_i64(st, 10);
    u->family_name = col_str(a, st, 11, &oom);
    u->home_postal_code = col_str(a, st, 12, &oom);
    u->home_street = col_str(a, st, 13, &oom);
    return !oom;
}

enum folio_rc folio_user_get(struct folio_store *s, const char *username, struct folio_arena *a,
                             struct folio_user *out, struct folio_err *err)
{
    char name[PRIV_USERNAME_MAX + 1], now[32];
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = priv_username(username, name, err);
    if (rc)
        goto out;
    rc = priv_prepare(s, &st, err, USER_COLS "WHERE username = ?", "T", name);
    if (rc)
        goto out;
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (!row) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "username", "no user '%s'", name);
        goto out;
    }
    priv_time_at(0, now);
    if (!read_user(st, now, a, out))
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_user_list(struct folio_store *s, struct folio_arena *a, struct folio_user **out,
                              size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_user *items = NULL;
    size_t count = 0, cap = 0;
    char now[32];
    bool row = false;
    enum folio_rc rc;

    *out = NULL;
    *n = 0;
    priv_time_at(0, now);
    rc = priv_prepare(s, &st, err, USER_COLS "ORDER BY username", "");
    if (rc)
        goto out;
    for (;;) {
        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct folio_user *p = folio_arena_calloc(a, ncap, sizeof *p);
            if (!p) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            if (count)
                memcpy(p, items, count * sizeof *p);
            items = p;
            cap = ncap;
        }
        if (!read_user(st, now, a, &items[count])) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        count++;
    }
    if (rc == FOLIO_OK) {
        *out = items;
        *n = count;
    }
out:
    folio_stmt_free(st);
    return rc;
}
