/* Internal helpers shared by the files of src/privacy. Not a public contract. */
#ifndef FOLIO_PRIVACY_INT_H
#define FOLIO_PRIVACY_INT_H

#include "folio/base.h"
#include "folio/privacy.h"
#include "folio/store.h"

#define PRIV_USERNAME_MAX     64
#define PRIV_DISPLAY_NAME_MAX 128
#define PRIV_PASSWORD_MIN     12
#define PRIV_PASSWORD_MAX     1024

/* folio_store_prepare_fmt / folio_store_exec_fmt (store.h: the format characters; 'T' for text
 * where "" stays ""). priv_exec: *id_out and *changes may be NULL. */
#define priv_prepare(s, st, err, sql, ...) folio_store_prepare_fmt(s, st, err, sql, __VA_ARGS__)
#define priv_exec(s, id_out, changes, err, sql, ...)                                               \
    folio_store_exec_fmt(s, id_out, NULL, changes, err, sql, __VA_ARGS__)

/* Canonical UTC text (second precision) of now + delta_seconds. */
void priv_time_at(int64_t delta_seconds, char out[32]);

/* Lower-cases and checks a username into out; EINVAL (field "username") names the value. */
enum folio_rc priv_username(const char *in, char out[PRIV_USERNAME_MAX + 1],
                            struct folio_err *err) FOLIO_MUST_USE;

/* Argon2id through crypto_pwhash_str with the limits in force (interactive, or the minimum
 * when FOLIO_PWHASH_FAST=1). out is crypto_pwhash_STRBYTES. */
enum folio_rc priv_pw_hash(const char *pw, size_t len, char *out,
                           struct folio_err *err) FOLIO_MUST_USE;
/* True when pw matches hash. */
bool priv_pw_verify(const char *hash, const char *pw, size_t len);
/* True when hash was made with other limits than those in force. */
bool priv_pw_needs_rehash(const char *hash);
/* Verifies pw against a dummy hash made with the limits in force: the same work as a real
 * check, for unknown users (no timing difference to probe usernames). */
void priv_pw_dummy_verify(const char *pw, size_t len);

/* Ends every open session of a user (ended_at now, ended_reason reason). */
enum folio_rc priv_end_sessions(struct folio_store *s, int64_t user_id, const char *reason,
                                struct folio_err *err) FOLIO_MUST_USE;

#endif
