/* Hashing and encryption at rest, through libsodium.
 *
 * The data key (32 random bytes) lives in a file outside the database, mode 0600; a key file that
 * other users could read is refused. Sealed values are text: "v1:" + base64 (standard alphabet,
 * padded) of nonce (24 bytes) || ciphertext || tag (16 bytes), sealed with the XChaCha20-Poly1305
 * IETF AEAD (crypto_aead_xchacha20poly1305_ietf_encrypt, random nonce, no associated data).
 * A blind index (BLAKE2b-256 of the normalised value, keyed with a subkey derived from the data
 * key by crypto_kdf, context "foliobix", so the index never uses the sealing key; the caller
 * normalises) allows exact
 * look-up without decrypting. All errors here are FOLIO_ECRYPTO unless stated. */
#ifndef FOLIO_CRYPTO_H
#define FOLIO_CRYPTO_H

#include "folio/base.h"

#define FOLIO_SHA256_HEX_LEN 64
#define FOLIO_KEY_LEN        32

/* Call once at start-up (idempotent, thread-safe); the functions below also initialise on
 * first use, so this only reports a libsodium start-up failure early. */
enum folio_rc folio_crypto_init(struct folio_err *err) FOLIO_MUST_USE;

/* Lowercase hex SHA-256 of (p, len) into out[65]. */
void folio_sha256_hex(const void *p, size_t len, char out[FOLIO_SHA256_HEX_LEN + 1]);

struct folio_key {
    unsigned char k[FOLIO_KEY_LEN];
};
/* Create path with a new random key (mode 0600, O_EXCL, fsync'd) if it does not exist. When it
 * already exists it is left untouched and FOLIO_OK is returned (a key is never overwritten:
 * folio_key_load then checks it). The directory must exist. */
enum folio_rc folio_key_create(const char *path, struct folio_err *err) FOLIO_MUST_USE;
/* Load; refuses (ECRYPTO, message naming the path, and the mode with "chmod 600") a file whose
 * mode allows group/other access, that is not a regular file, or that is not exactly 32 bytes.
 * key is zeroed on failure. */
enum folio_rc folio_key_load(const char *path, struct folio_key *key,
                             struct folio_err *err) FOLIO_MUST_USE;
void folio_key_wipe(struct folio_key *key);

/* Seal plaintext (len bytes, may hold NULs; plain may be NULL when len is 0) into a
 * NUL-terminated heap string (caller frees). Two seals of one value differ (random nonce). */
enum folio_rc folio_seal(const struct folio_key *key, const char *plain, size_t len, char **out,
                         struct folio_err *err) FOLIO_MUST_USE;
/* Open a sealed string into a NUL-terminated heap string (caller frees; wipe when done).
 * len_out may be NULL. ECRYPTO (and *out NULL) on a bad prefix, bad base64, truncation, a wrong
 * key or any alteration. */
enum folio_rc folio_unseal(const struct folio_key *key, const char *sealed, char **out,
                           size_t *len_out, struct folio_err *err) FOLIO_MUST_USE;
/* Blind index: lowercase hex of keyed BLAKE2b-256 over (p, len), into out[65]. */
void folio_blind_index(const struct folio_key *key, const void *p, size_t len,
                       char out[FOLIO_SHA256_HEX_LEN + 1]);

#endif
