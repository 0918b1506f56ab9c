/* Hashing, keys, sealing and blind indexes through libsodium. */
#include "folio/base.h"
#include "folio/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEAL_PREFIX     "v1:"
#define SEAL_PREFIX_LEN (sizeof(SEAL_PREFIX) - 1)
#define SEAL_NONCE      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG        crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_B64        sodium_base64_VARIANT_ORIGINAL

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = -1;

static void sodium_init_once(void)
{
    sodium_status = sodium_init() < 0 ? -1 : 0;
}

static bool crypto_ready(void)
{
    pthread_once(&sodium_once, sodium_init_once);
    return sodium_status == 0;
}

enum folio_rc folio_crypto_init(struct folio_err *err)
{
    if (!crypto_ready())
        return folio_err_set(err, FOLIO_ECRYPTO, NULL, "libsodium failed to initialise");
    return FOLIO_OK;
}

void folio_sha256_hex(const void *p, size_t len, char out[FOLIO_SHA256_HEX_LEN + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    (void)crypto_ready();
    crypto_hash_sha256(h, len ? p : (const void *)"", len);
    sodium_bin2hex(out, FOLIO_SHA256_HEX_LEN + 1, h, sizeof(h));
}

/* ---- keys ---- */

static enum folio_rc write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return FOLIO_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return FOLIO_OK;
}

enum folio_rc folio_key_create(const char *path, struct folio_err *err)
{
    unsigned char k[FOLIO_KEY_LEN];
    enum folio_rc rc = FOLIO_OK;
    int fd = -1;
    bool created = false;

    if (!crypto_ready())
        return folio_err_set(err, FOLIO_ECRYPTO, NULL, "libsodium failed to initialise");
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST) /* never overwrite a key: data sealed with it would be lost */
            return FOLIO_OK;
        return folio_err_set(err, FOLIO_ECRYPTO, NULL, "cannot create key file %s: %s", path,
                             strerror(e));
    }
    created = true;
    randombytes_buf(k, sizeof(k));
    if (fchmod(fd, 0600) != 0 || write_all(fd, k, sizeof(k)) != FOLIO_OK || fsync(fd) != 0) {
        int e = errno;
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL, "cannot write key file %s: %s", path,
                           strerror(e));
        goto out;
    }
out:
    sodium_memzero(k, sizeof(k));
    if (fd >= 0 && close(fd) != 0 && rc == FOLIO_OK) {
        int e = errno;
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL, "cannot write key file %s: %s", path,
                           strerror(e));
    }
    if (rc && created)
        (void)unlink(path);
    return rc;
}

enum folio_rc folio_key_load(const char *path, struct folio_key *key, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    struct stat st;
    size_t got = 0;
    int fd;

    sodium_memzero(key, sizeof(*key));
    if (!crypto_ready())
        return folio_err_set(err, FOLIO_ECRYPTO, NULL, "libsodium failed to initialise");
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        return folio_err_set(err, FOLIO_ECRYPTO, NULL, "cannot open key file %s: %s", path,
                             strerror(e));
    }
    if (fstat(fd, &st) != 0) {
        int e = errno;
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL, "cannot stat key file %s: %s", path,
                           strerror(e));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL, "key file %s is not a regular file", path);
        goto out;
    }
    if (st.st_mode & 077) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL,
                           "key file %s has mode %04o: it must be readable by its owner only "
                           "(chmod 600)",
                           path, (unsigned)(st.st_mode & 07777));
        goto out;
    }
    if (st.st_size != FOLIO_KEY_LEN) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL,
                           "key file %s has %lld bytes: a key is exactly %d bytes", path,
                           (long long)st.st_size, FOLIO_KEY_LEN);
        goto out;
    }
    while (got < FOLIO_KEY_LEN) {
        ssize_t n = read(fd, key->k + got, FOLIO_KEY_LEN - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = folio_err_set(err, FOLIO_ECRYPTO, NULL, "cannot read key file %s", path);
            goto out;
        }
        got += (size_t)n;
    }
out:
    close(fd);
    if (rc)
        sodium_memzero(key, sizeof(*key));
    return rc;
}

void folio_key_wipe(struct folio_key *key)
{
    if (key)
        sodium_memzero(key, sizeof(*key));
}

/* ---- sealing: "v1:" + base64(nonce || XChaCha20-Poly1305 ciphertext and tag) ---- */

enum folio_rc folio_seal(const struct folio_key *key, const char *plain, size_t len, char **out,
                         struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    unsigned char *bin = NULL;
    char *text = NULL;
    size_t bin_len, b64_len, text_len;

    *out = NULL;
    if (!crypto_ready())
        return folio_err_set(err, FOLIO_ECRYPTO, NULL, "libsodium failed to initialise");
    if (len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX ||
        !folio_size_add(len, SEAL_NONCE + SEAL_TAG, &bin_len) || bin_len > SIZE_MAX / 4 - 8)
        return folio_err_set(err, FOLIO_ETOOBIG, NULL, "value too large to seal");
    b64_len = sodium_base64_ENCODED_LEN(bin_len, SEAL_B64);
    if (!folio_size_add(b64_len, SEAL_PREFIX_LEN, &text_len))
        return folio_err_set(err, FOLIO_ETOOBIG, NULL, "value too large to seal");

    bin = malloc(bin_len);
    text = malloc(text_len);
    if (bin == NULL || text == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory sealing a value");
        goto out;
    }
    randombytes_buf(bin, SEAL_NONCE);
    unsigned long long clen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(bin + SEAL_NONCE, &clen,
                                                   (const unsigned char *)(len ? plain : ""), len,
                                                   NULL, 0, NULL, bin, key->k) != 0) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL, "encryption failed");
        goto out;
    }
    memcpy(text, SEAL_PREFIX, SEAL_PREFIX_LEN);
    sodium_bin2base64(text + SEAL_PREFIX_LEN, b64_len, bin, bin_len, SEAL_B64);
    *out = text;
    text = NULL;
out:
    free(bin);
    free(text);
    return rc;
}

enum folio_rc folio_unseal(const struct folio_key *key, const char *sealed, char **out,
                           size_t *len_out, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    unsigned char *bin = NULL;
    unsigned char *plain = NULL;
    size_t b64_len, bin_len = 0, plen = 0;
    const char *end = NULL;

    *out = NULL;
    if (len_out)
        *len_out = 0;
    if (!crypto_ready())
        return folio_err_set(err, FOLIO_ECRYPTO, NULL, "libsodium failed to initialise");
    if (sealed == NULL || strncmp(sealed, SEAL_PREFIX, SEAL_PREFIX_LEN) != 0)
        return folio_err_set(err, FOLIO_ECRYPTO, NULL,
                             "sealed value has an unknown format (expected \"v1:\")");
    sealed += SEAL_PREFIX_LEN;
    b64_len = strlen(sealed);
    bin = malloc(b64_len / 4 * 3 + 3);
    if (bin == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory opening a sealed value");
        goto out;
    }
    if (sodium_base642bin(bin, b64_len / 4 * 3 + 3, sealed, b64_len, NULL, &bin_len, &end,
                          SEAL_B64) != 0 ||
        end != sealed + b64_len) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL, "sealed value is not valid base64");
        goto out;
    }
    if (bin_len < SEAL_NONCE + SEAL_TAG) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL, "sealed value is truncated");
        goto out;
    }
    plen = bin_len - SEAL_NONCE - SEAL_TAG;
    plain = malloc(plen + 1);
    if (plain == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory opening a sealed value");
        goto out;
    }
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &mlen, NULL, bin + SEAL_NONCE,
                                                   bin_len - SEAL_NONCE, NULL, 0, bin,
                                                   key->k) != 0 ||
        mlen != plen) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, NULL,
                           "sealed value failed authentication (wrong key or altered data)");
        goto out;
    }
    plain[plen] = '\0';
    *out = (char *)plain;
    plain = NULL;
    if (len_out)
        *len_out = plen;
out:
    free(bin);
    if (plain) {
        sodium_memzero(plain, plen + 1);
        free(plain);
    }
    return rc;
}

void folio_blind_index(const struct folio_key *key, const void *p, size_t len,
                       char out[FOLIO_SHA256_HEX_LEN + 1])
{
    /* A subkey of its own, so the index key is never the sealing key. */
    static const char context[8] = {'f', 'o', 'l', 'i', 'o', 'b', 'i', 'x'};
    unsigned char subkey[crypto_generichash_KEYBYTES];
    unsigned char h[32];
    (void)crypto_ready();
    crypto_kdf_derive_from_key(subkey, sizeof(subkey), 1, context, key->k);
    crypto_generichash(h, sizeof(h), len ? p : (const void *)"", len, subkey, sizeof(subkey));
    sodium_bin2hex(out, FOLIO_SHA256_HEX_LEN + 1, h, sizeof(h));
    sodium_memzero(h, sizeof(h));
    sodium_memzero(subkey, sizeof(subkey));
}
