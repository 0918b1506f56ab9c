/* Shared helpers of the privacy module: binding, times, usernames, password hashing. */
#include "folio/base.h"

#include <pthread.h>
#include <sodium.h>

#include "privacy/privacy_int.h"

void priv_time_at(int64_t delta_seconds, char out[32])
{
    time_t t = time(NULL) + (time_t)delta_seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        folio_strlcpy(out, "1970-01-01T00:00:00Z", 32);
}

enum folio_rc priv_username(const char *in, char out[PRIV_USERNAME_MAX + 1], struct folio_err *err)
{
    size_t n = in ? strlen(in) : 0;
    if (n == 0)
        return folio_err_set(err, FOLIO_EINVAL, "username", "username is empty");
    if (n > PRIV_USERNAME_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "username",
                             "username '%.64s...' is too long (%zu characters, at most %d)", in, n,
                             PRIV_USERNAME_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-')) {
            if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
                return folio_err_set(err, FOLIO_EINVAL, "username",
                                     "username holds byte 0x%02x at %zu: only a-z, 0-9, '.', '_' "
                                     "and '-' are allowed",
                                     (unsigned char)c, i);
            return folio_err_set(err, FOLIO_EINVAL, "username",
                                 "username '%s' holds '%c': only a-z, 0-9, '.', '_' and '-' are "
                                 "allowed",
                                 in, c);
        }
        out[i] = c;
    }
    out[n] = '\0';
    return FOLIO_OK;
}

/* ---- password hashing ---- */

static bool pw_fast(void)
{
    const char *e = getenv("FOLIO_PWHASH_FAST");
    return e && strcmp(e, "1") == 0;
}

static void pw_limits(unsigned long long *ops, size_t *mem)
{
    if (pw_fast()) {
        *ops = crypto_pwhash_OPSLIMIT_MIN;
        *mem = crypto_pwhash_MEMLIMIT_MIN;
    } else {
        *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    }
}

enum folio_rc priv_pw_hash(const char *pw, size_t len, char *out, struct folio_err *err)
{
    unsigned long long ops;
    size_t mem;
    if (sodium_init() < 0)
        return folio_err_set(err, FOLIO_ECRYPTO, NULL, "libsodium failed to start");
    pw_limits(&ops, &mem);
    if (crypto_pwhash_str(out, pw, len, ops, mem) != 0)
        return folio_err_set(err, FOLIO_ENOMEM, "password",
                             "out of memory while hashing the password");
    return FOLIO_OK;
}

bool priv_pw_verify(const char *hash, const char *pw, size_t len)
{
    if (!hash || sodium_init() < 0)
        return false;
    return crypto_pwhash_str_verify(hash, pw, len) == 0;
}

bool priv_pw_needs_rehash(const char *hash)
{
    unsigned long long ops;
    size_t mem;
    pw_limits(&ops, &mem);
    return crypto_pwhash_str_needs_rehash(hash, ops, mem) != 0;
}

/* One dummy hash per limit set, made on first use. */
static pthread_mutex_t dummy_lock = PTHREAD_MUTEX_INITIALIZER;
static char dummy_hash[2][crypto_pwhash_STRBYTES];

void priv_pw_dummy_verify(const char *pw, size_t len)
{
    int k = pw_fast() ? 1 : 0;
    char hash[crypto_pwhash_STRBYTES];

    pthread_mutex_lock(&dummy_lock);
    if (dummy_hash[k][0] == '\0') {
        unsigned char rnd[32];
        char hex[65];
        if (sodium_init() >= 0) {
            randombytes_buf(rnd, sizeof rnd);
            sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
            if (priv_pw_hash(hex, 64, hash, NULL) == FOLIO_OK)
                memcpy(dummy_hash[k], hash, sizeof hash);
        }
    }
    memcpy(hash, dummy_hash[k], sizeof hash);
    pthread_mutex_unlock(&dummy_lock);
    if (hash[0])
        (void)priv_pw_verify(hash, pw, len);
}

enum folio_rc priv_end_sessions(struct folio_store *s, int64_t user_id, const char *reason,
                                struct folio_err *err)
{
    char now[32];
    priv_time_at(0, now);
    return priv_exec(s, NULL, NULL, err,
                     "UPDATE sessions SET ended_at = ?, ended_reason = ? "
                     "WHERE user_id = ? AND ended_at IS NULL",
                     "TTi", now, reason, user_id);
}
