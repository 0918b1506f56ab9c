/* Hashing and encryption at rest, through libsodium.
 *
 * The data key (32 random bytes) lives in a file outside the database, mode 0600; a key file that
 * other users could read is refused. Sealed values are text: "v1:" + base64(nonce || ciphertext),
 * XChaCha20-Poly1305 (crypto_secretbox_xchacha20poly1305... or crypto_secretbox_easy). A blind
 * index (keyed BLAKE2b of the normalised value) allows exact look-up without decrypting. */
#ifndef FOLIO_CRYPTO_H
#define FOLIO_CRYPTO_H

#include "folio/base.h"

#define FOLIO_SHA256_HEX_LEN 64
#define FOLIO_KEY_LEN        32

/* Must be called once before any other function here (idempotent, thread-safe). */
enum folio_rc folio_crypto_init(struct folio_err *err) FOLIO_MUST_USE;

/* Lowercase hex SHA-256 of (p, len) into out[65]. */
void folio_sha256_hex(const void *p, size_t len, char out[FOLIO_SHA256_HEX_LEN + 1]);

struct folio_key {
    unsigned char k[FOLIO_KEY_LEN];
};
/* Create path with a new random key (mode 0600, O_EXCL) if it does not exist. */
enum folio_rc folio_key_create(const char *path, struct folio_err *err) FOLIO_MUST_USE;
/* Load; refuses a file whose mode allows group/other access, or of the wrong size. */
enum folio_rc folio_key_load(const char *path, struct folio_key *key,
                             struct folio_err *err) FOLIO_MUST_USE;
void folio_key_wipe(struct folio_key *key);

/* Seal plaintext into a NUL-terminated heap string (caller frees). */
enum folio_rc folio_seal(const struct folio_key *key, const char *plain, size_t len, char **out,
                         struct folio_err *err) FOLIO_MUST_USE;
/* Open a sealed string into a NUL-terminated heap string (caller frees; wipe when done). */
enum folio_rc folio_unseal(const struct folio_key *key, const char *sealed, char **out,
                           size_t *len_out, struct folio_err *err) FOLIO_MUST_USE;
/* Blind index: lowercase hex of keyed BLAKE2b-256 over (p, len), into out[65]. */
void folio_blind_index(const struct folio_key *key, const void *p, size_t len,
                       char out[FOLIO_SHA256_HEX_LEN + 1]);

#endif
