/* Sign-in sessions: login (Argon2id check, lockout), token check (idle and absolute timeouts),
 * logout, CSRF comparison. The database keeps only the SHA-256 of a token. */
#include "folio/base.h"

#include <sodium.h>

#include "folio/crypto.h"
#include "privacy/privacy_int.h"

#define LOGIN_REFUSED  "wrong username or password, or the account is locked or disabled"
#define CHECK_REFUSED  "not signed in, or the session has ended or expired"
#define LAST_SEEN_STEP 60 /* seconds between last_seen_at refreshes */

void folio_auth_policy_defaults(struct folio_auth_policy *p)
{
    p->idle_minutes = 30;
    p->absolute_minutes = 720;
    p->max_failures = 5;
    p->lockout_minutes = 15;
}

/* The policy in force: defaults for NULL or for fields <= 0. */
static struct folio_auth_policy effective(const struct folio_auth_policy *in)
{
    struct folio_auth_policy p;
    folio_auth_policy_defaults(&p);
    if (in) {
        if (in->idle_minutes > 0)
            p.idle_minutes = in->idle_minutes;
        if (in->absolute_minutes > 0)
            p.absolute_minutes = in->absolute_minutes;
        if (in->max_failures > 0)
            p.max_failures = in->max_failures;
        if (in->lockout_minutes > 0)
            p.lockout_minutes = in->lockout_minutes;
    }
    return p;
}

static void random_hex(char out[FOLIO_TOKEN_HEX_LEN + 1])
{
    unsigned char rnd[32];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(out, FOLIO_TOKEN_HEX_LEN + 1, rnd, sizeof rnd);
    sodium_memzero(rnd, sizeof rnd);
}

static bool token_shape_ok(const char *t)
{
    if (!t || strlen(t) != FOLIO_TOKEN_HEX_LEN)
        return false;
    for (size_t i = 0; i < FOLIO_TOKEN_HEX_LEN; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
            return false;
    return true;
}

static enum folio_rc finish(struct folio_store *s, enum folio_rc rc, struct folio_err *err)
{
    /* EPERM from a login keeps its write (failed_count, lockout): commit that too */
    if (rc == FOLIO_OK || rc == FOLIO_EPERM) {
        struct folio_err cerr = {0};
        enum folio_rc crc = folio_store_commit(s, &cerr);
        if (crc) {
            folio_store_rollback(s);
            if (err)
                *err = cerr;
            return crc;
        }
        return rc;
    }
    folio_store_rollback(s);
    return rc;
}

struct urow {
    int64_t id;
    char username[PRIV_USERNAME_MAX + 1];
    char display_name[PRIV_DISPLAY_NAME_MAX + 1];
    uint32_t roles;
    char hash[crypto_pwhash_STRBYTES];
    bool disabled;
    int64_t failed;
    char locked_until[32];
};

static enum folio_rc load_user(struct folio_store *s, const char *name, struct urow *u, bool *found,
                               struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc = priv_prepare(s, &st, err,
                                    "SELECT id, username, display_name, roles, password_hash, "
                                    "disabled, failed_count, locked_until FROM users "
                                    "WHERE username = ?",
                                    "T", name);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, found, err);
    if (rc == FOLIO_OK && *found) {
        const char *v;
        u->id = folio_stmt_column_i64(st, 0);
        folio_strlcpy(u->username, folio_stmt_column_text(st, 1), sizeof u->username);
        v = folio_stmt_column_text(st, 2);
        folio_strlcpy(u->display_name, v ? v : "", sizeof u->display_name);
        u->roles = (uint32_t)folio_stmt_column_i64(st, 3);
        v = folio_stmt_column_text(st, 4);
        folio_strlcpy(u->hash, v ? v : "", sizeof u->hash);
        u->disabled = folio_stmt_column_i64(st, 5) != 0;
        u->failed = folio_stmt_column_i64(st, 6);
        v = folio_stmt_column_text(st, 7);
        folio_strlcpy(u->locked_until, v ? v : "", sizeof u->locked_until);
    }
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_auth_login_from(struct folio_store *s, const struct folio_auth_policy *policy,
                                    const char *username, const char *password, bool cookie,
                                    const char *client, char token_out[FOLIO_TOKEN_HEX_LEN + 1],
                                    struct folio_session *out, const char **reason,
                                    struct folio_err *err)
{
    struct folio_auth_policy pol = effective(policy);
    char name[PRIV_USERNAME_MAX + 1], now[32], until[32], expires[32];
    char token[FOLIO_TOKEN_HEX_LEN + 1], sha[FOLIO_SHA256_HEX_LEN + 1];
    char csrf[FOLIO_TOKEN_HEX_LEN + 1];
    struct urow u;
    const char *why = NULL;
    size_t pwlen = password ? strlen(password) : 0;
    bool found = false, in_tx = false, ok;
    int64_t sid = 0;
    enum folio_rc rc;

    memset(&u, 0, sizeof u);
    token[0] = csrf[0] = '\0';
    if (token_out)
        token_out[0] = '\0';
    if (!password)
        password = "";
    if (pwlen > PRIV_PASSWORD_MAX)
        pwlen = PRIV_PASSWORD_MAX; /* bounded work; such a password can never have been set */
    if (sodium_init() < 0) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL, "libsodium failed to start");
        goto out;
    }
    if (priv_username(username, name, NULL) != FOLIO_OK) {
        priv_pw_dummy_verify(password, pwlen);
        why = "unknown_user";
        rc = folio_err_set(err, FOLIO_EPERM, NULL, LOGIN_REFUSED);
        goto out;
    }
    rc = folio_store_begin(s, err);
    if (rc)
        goto out;
    in_tx = true;
    rc = load_user(s, name, &u, &found, err);
    if (rc)
        goto out;
    if (!found) {
        priv_pw_dummy_verify(password, pwlen);
        why = "unknown_user";
        rc = folio_err_set(err, FOLIO_EPERM, NULL, LOGIN_REFUSED);
        goto out;
    }
    /* the same work whatever the outcome: the real hash is always checked */
    ok = priv_pw_verify(u.hash, password, pwlen) && strlen(password) <= PRIV_PASSWORD_MAX;
    priv_time_at(0, now);
    if (u.disabled) {
        why = "disabled";
        rc = folio_err_set(err, FOLIO_EPERM, NULL, LOGIN_REFUSED);
        goto out;
    }
    if (u.locked_until[0] && strcmp(u.locked_until, now) > 0) {
        why = "locked";
        rc = folio_err_set(err, FOLIO_EPERM, NULL, LOGIN_REFUSED);
        goto out;
    }
    if (!ok) {
        /* a lockout that has run out starts a new count */
        int64_t failed = (u.locked_until[0] ? 0 : u.failed) + 1;
        until[0] = '\0';
        if (failed >= pol.max_failures)
            priv_time_at((int64_t)pol.lockout_minutes * 60, until);
        rc = priv_exec(s, NULL, NULL, err,
                       "UPDATE users SET failed_count = ?, locked_until = ? WHERE id = ?", "iTi",
                       failed, until[0] ? until : NULL, u.id);
        if (rc)
            goto out;
        why = "bad_password";
        rc = folio_err_set(err, FOLIO_EPERM, NULL, LOGIN_REFUSED);
        goto out;
    }
    if (priv_pw_needs_rehash(u.hash)) {
        char nh[crypto_pwhash_STRBYTES];
        rc = priv_pw_hash(password, pwlen, nh, err);
        if (rc == FOLIO_OK)
            rc = priv_exec(s, NULL, NULL, err, "UPDATE users SET password_hash = ? WHERE id = ?",
                           "Ti", nh, u.id);
        sodium_memzero(nh, sizeof nh);
        if (rc)
            goto out;
    }
    rc = priv_exec(s, NULL, NULL, err,
                   "UPDATE users SET failed_count = 0, locked_until = NULL, last_login_at = ? "
                   "WHERE id = ?",
                   "Ti", now, u.id);
    if (rc)
        goto out;
    random_hex(token);
    if (cookie)
        random_hex(csrf);
    folio_sha256_hex(token, FOLIO_TOKEN_HEX_LEN, sha);
    priv_time_at((int64_t)pol.absolute_minutes * 60, expires);
    rc = priv_exec(s, &sid, NULL, err,
                   "INSERT INTO sessions (token_sha256, user_id, cookie, csrf, created_at, "
                   "last_seen_at, expires_at, client) VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                   "TiiTTTT"
                   "T",
                   sha, u.id, (int64_t)(cookie ? 1 : 0), cookie ? csrf : NULL, now, now, expires,
                   folio_str_empty(client) ? NULL : client);
    if (rc)
        goto out;
    if (out) {
        memset(out, 0, sizeof *out);
        out->id = sid;
        out->user_id = u.id;
        folio_strlcpy(out->username, u.username, sizeof out->username);
        folio_strlcpy(out->display_name, u.display_name, sizeof out->display_name);
        out->roles = u.roles;
        out->cookie = cookie;
        folio_strlcpy(out->csrf, cookie ? csrf : "", sizeof out->csrf);
        folio_strlcpy(out->expires_at, expires, sizeof out->expires_at);
    }
    if (token_out)
        folio_strlcpy(token_out, token, FOLIO_TOKEN_HEX_LEN + 1);
out:
    sodium_memzero(token, sizeof token);
    sodium_memzero(u.hash, sizeof u.hash);
    if (in_tx)
        rc = finish(s, rc, err);
    if (rc && token_out)
        token_out[0] = '\0';
    if (reason)
        *reason = why;
    return rc;
}

enum folio_rc folio_auth_login(struct folio_store *s, const struct folio_auth_policy *pol,
                               const char *username, const char *password, bool cookie,
                               char token_out[FOLIO_TOKEN_HEX_LEN + 1], struct folio_session *out,
                               const char **reason, struct folio_err *err)
{
    return folio_auth_login_from(s, pol, username, password, cookie, NULL, token_out, out, reason,
                                 err);
}

enum folio_rc folio_auth_check(struct folio_store *s, const struct folio_auth_policy *policy,
                               const char *token, struct folio_session *out, struct folio_err *err)
{
    struct folio_auth_policy pol = effective(policy);
    char sha[FOLIO_SHA256_HEX_LEN + 1], now[32], idle_since[32], refresh_before[32];
    struct folio_stmt *st = NULL;
    bool row = false, refresh = false;
    int64_t sid = 0;
    enum folio_rc rc;

    if (!token_shape_ok(token)) {
        rc = folio_err_set(err, FOLIO_EPERM, NULL, CHECK_REFUSED);
        goto out;
    }
    folio_sha256_hex(token, FOLIO_TOKEN_HEX_LEN, sha);
    rc = priv_prepare(s, &st, err,
                      "SELECT s.id, s.user_id, s.cookie, s.csrf, s.last_seen_at, s.expires_at, "
                      "s.ended_at, u.username, u.display_name, u.roles, u.disabled "
                      "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_sha256 = ?",
                      "T", sha);
    if (rc)
        goto out;
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    priv_time_at(0, now);
    priv_time_at(-(int64_t)pol.idle_minutes * 60, idle_since);
    priv_time_at(-LAST_SEEN_STEP, refresh_before);
    {
        const char *last_seen = row ? folio_stmt_column_text(st, 4) : NULL;
        const char *expires = row ? folio_stmt_column_text(st, 5) : NULL;
        if (!row || !folio_stmt_column_is_null(st, 6) || folio_stmt_column_i64(st, 10) != 0 ||
            !last_seen || !expires || strcmp(expires, now) <= 0 ||
            strcmp(last_seen, idle_since) < 0) {
            rc = folio_err_set(err, FOLIO_EPERM, NULL, CHECK_REFUSED);
            goto out;
        }
        refresh = strcmp(last_seen, refresh_before) < 0;
        sid = folio_stmt_column_i64(st, 0);
        if (out) {
            const char *v;
            memset(out, 0, sizeof *out);
            out->id = sid;
            out->user_id = folio_stmt_column_i64(st, 1);
            out->cookie = folio_stmt_column_i64(st, 2) != 0;
            v = folio_stmt_column_text(st, 3);
            folio_strlcpy(out->csrf, (out->cookie && v) ? v : "", sizeof out->csrf);
            folio_strlcpy(out->expires_at, expires, sizeof out->expires_at);
            v = folio_stmt_column_text(st, 7);
            folio_strlcpy(out->username, v ? v : "", sizeof out->username);
            v = folio_stmt_column_text(st, 8);
            folio_strlcpy(out->display_name, v ? v : "", sizeof out->display_name);
            out->roles = (uint32_t)folio_stmt_column_i64(st, 9);
        }
    }
    folio_stmt_free(st);
    st = NULL;
    if (refresh)
        rc = priv_exec(s, NULL, NULL, err, "UPDATE sessions SET last_seen_at = ? WHERE id = ?",
                       "Ti", now, sid);
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_auth_logout(struct folio_store *s, const char *token, struct folio_err *err)
{
    char sha[FOLIO_SHA256_HEX_LEN + 1], now[32];
    if (!token_shape_ok(token))
        return folio_err_set(err, FOLIO_EPERM, NULL, CHECK_REFUSED);
    folio_sha256_hex(token, FOLIO_TOKEN_HEX_LEN, sha);
    priv_time_at(0, now);
    return priv_exec(s, NULL, NULL, err,
                     "UPDATE sessions SET ended_at = ?, ended_reason = 'logout' "
                     "WHERE token_sha256 = ? AND ended_at IS NULL",
                     "TT", now, sha);
}

bool folio_auth_csrf_ok(const struct folio_session *sess, const char *presented)
{
    if (!sess || !sess->cookie || strlen(sess->csrf) != FOLIO_TOKEN_HEX_LEN || !presented ||
        strlen(presented) != FOLIO_TOKEN_HEX_LEN)
        return false;
    return sodium_memcmp(sess->csrf, presented, FOLIO_TOKEN_HEX_LEN) == 0;
}
