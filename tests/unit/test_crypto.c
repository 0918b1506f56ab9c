/* Unit tests: SHA-256, key files, sealing, blind indexes. */
#include "folio/base.h"
#include "folio/crypto.h"

#include <setjmp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

struct fixture {
    char dir[64];
    char key_path[128];
    struct folio_key key;
};

static int setup(void **state)
{
    struct folio_err err;
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (fx == NULL)
        return -1;
    if (folio_crypto_init(&err) != FOLIO_OK)
        goto fail;
    folio_strlcpy(fx->dir, "/tmp/folio_test_crypto_XXXXXX", sizeof(fx->dir));
    if (mkdtemp(fx->dir) == NULL)
        goto fail;
    folio_snprintf(fx->key_path, sizeof(fx->key_path), "%s/folio.key", fx->dir);
    if (folio_key_create(fx->key_path, &err) != FOLIO_OK ||
        folio_key_load(fx->key_path, &fx->key, &err) != FOLIO_OK)
        goto fail;
    *state = fx;
    return 0;
fail:
    free(fx);
    return -1;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[256];
    folio_key_wipe(&fx->key);
    /* the directory holds only files this test made */
    folio_snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static void test_init_idempotent(void **state)
{
    (void)state;
    struct folio_err err;
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    assert_int_equal(folio_crypto_init(NULL), FOLIO_OK);
}

static void test_sha256(void **state)
{
    (void)state;
    char out[FOLIO_SHA256_HEX_LEN + 1];
    folio_sha256_hex("abc", 3, out);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    folio_sha256_hex("", 0, out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    folio_sha256_hex(NULL, 0, out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_key_create_mode(void **state)
{
    struct fixture *fx = *state;
    struct stat st;
    assert_int_equal(stat(fx->key_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, FOLIO_KEY_LEN);

    /* an existing key is never overwritten */
    struct folio_err err;
    struct folio_key again;
    assert_int_equal(folio_key_create(fx->key_path, &err), FOLIO_OK);
    assert_int_equal(folio_key_load(fx->key_path, &again, &err), FOLIO_OK);
    assert_memory_equal(again.k, fx->key.k, FOLIO_KEY_LEN);

    /* a key is not all zeroes, and two keys differ */
    unsigned char zero[FOLIO_KEY_LEN] = {0};
    assert_memory_not_equal(fx->key.k, zero, FOLIO_KEY_LEN);
    char p2[160];
    struct folio_key k2;
    folio_snprintf(p2, sizeof(p2), "%s/second.key", fx->dir);
    assert_int_equal(folio_key_create(p2, &err), FOLIO_OK);
    assert_int_equal(folio_key_load(p2, &k2, &err), FOLIO_OK);
    assert_memory_not_equal(k2.k, fx->key.k, FOLIO_KEY_LEN);

    folio_key_wipe(&k2);
    assert_memory_equal(k2.k, zero, FOLIO_KEY_LEN);
    folio_key_wipe(NULL);
    folio_key_wipe(&again);

    /* a directory that does not exist */
    char p3[200];
    folio_snprintf(p3, sizeof(p3), "%s/no/such/dir/k", fx->dir);
    assert_int_equal(folio_key_create(p3, &err), FOLIO_ECRYPTO);
    assert_non_null(strstr(err.msg, p3));
}

static void test_key_load_refused(void **state)
{
    struct fixture *fx = *state;
    struct folio_err err;
    struct folio_key k;

    /* group/other readable */
    assert_int_equal(chmod(fx->key_path, 0644), 0);
    folio_err_clear(&err);
    assert_int_equal(folio_key_load(fx->key_path, &k, &err), FOLIO_ECRYPTO);
    assert_non_null(strstr(err.msg, fx->key_path));
    assert_non_null(strstr(err.msg, "0644"));
    assert_non_null(strstr(err.msg, "chmod 600"));
    unsigned char zero[FOLIO_KEY_LEN] = {0};
    assert_memory_equal(k.k, zero, FOLIO_KEY_LEN);
    assert_int_equal(chmod(fx->key_path, 0640), 0);
    assert_int_equal(folio_key_load(fx->key_path, &k, &err), FOLIO_ECRYPTO);
    assert_int_equal(chmod(fx->key_path, 0604), 0);
    assert_int_equal(folio_key_load(fx->key_path, &k, &err), FOLIO_ECRYPTO);
    assert_int_equal(chmod(fx->key_path, 0400), 0);
    assert_int_equal(folio_key_load(fx->key_path, &k, &err), FOLIO_OK);
    assert_memory_equal(k.k, fx->key.k, FOLIO_KEY_LEN);
    assert_int_equal(chmod(fx->key_path, 0600), 0);

    /* wrong size */
    char p[160];
    folio_snprintf(p, sizeof(p), "%s/short.key", fx->dir);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs("too short", f);
    fclose(f);
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(folio_key_load(p, &k, &err), FOLIO_ECRYPTO);
    assert_non_null(strstr(err.msg, p));

    /* not a regular file */
    char d[160];
    folio_snprintf(d, sizeof(d), "%s/dir.key", fx->dir);
    assert_int_equal(mkdir(d, 0700), 0);
    assert_int_equal(folio_key_load(d, &k, &err), FOLIO_ECRYPTO);
    assert_non_null(strstr(err.msg, "regular"));

    /* missing */
    folio_snprintf(p, sizeof(p), "%s/missing.key", fx->dir);
    assert_int_equal(folio_key_load(p, &k, &err), FOLIO_ECRYPTO);
    assert_non_null(strstr(err.msg, p));
}

static void test_seal_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct folio_err err;
    static const char *const values[] = {"", "a", "123-45-6789", "Ödön Müller-Lüdenscheidt",
                                         ("a much longer value that spans several blocks of the "
                                          "stream cipher, repeated: 0123456789abcdef0123456789")};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(values); i++) {
        char *sealed = NULL, *plain = NULL;
        size_t len = 99;
        assert_int_equal(folio_seal(&fx->key, values[i], strlen(values[i]), &sealed, &err),
                         FOLIO_OK);
        assert_true(strncmp(sealed, "v1:", 3) == 0);
        if (strlen(values[i]) > 4) /* the plaintext does not show through */
            assert_null(strstr(sealed, values[i]));
        assert_int_equal(folio_unseal(&fx->key, sealed, &plain, &len, &err), FOLIO_OK);
        assert_int_equal(len, strlen(values[i]));
        assert_string_equal(plain, values[i]);
        free(plain);
        free(sealed);
    }
    /* binary with NUL bytes */
    const char bin[5] = {'a', '\0', 'b', '\0', 'c'};
    char *sealed = NULL, *plain = NULL;
    size_t len = 0;
    assert_int_equal(folio_seal(&fx->key, bin, sizeof(bin), &sealed, &err), FOLIO_OK);
    assert_int_equal(folio_unseal(&fx->key, sealed, &plain, &len, &err), FOLIO_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(plain, bin, 5);
    assert_int_equal(plain[5], '\0');
    free(plain);
    /* len_out is optional */
    assert_int_equal(folio_unseal(&fx->key, sealed, &plain, NULL, &err), FOLIO_OK);
    free(plain);
    free(sealed);

    /* random nonce: sealing twice gives different text */
    char *s1 = NULL, *s2 = NULL;
    assert_int_equal(folio_seal(&fx->key, "same", 4, &s1, &err), FOLIO_OK);
    assert_int_equal(folio_seal(&fx->key, "same", 4, &s2, &err), FOLIO_OK);
    assert_string_not_equal(s1, s2);
    free(s1);
    free(s2);
}

static void test_unseal_rejects(void **state)
{
    struct fixture *fx = *state;
    struct folio_err err;
    char *sealed = NULL, *plain = NULL;
    assert_int_equal(folio_seal(&fx->key, "123-45-6789", 11, &sealed, &err), FOLIO_OK);
    size_t n = strlen(sealed);

    /* tamper with each position of the base64 text in turn (a few of them) */
    for (size_t pos = 3; pos < n; pos += 5) {
        char *t = strdup(sealed);
        assert_non_null(t);
        t[pos] = t[pos] == 'A' ? 'B' : 'A';
        plain = (char *)0x1;
        assert_int_equal(folio_unseal(&fx->key, t, &plain, NULL, &err), FOLIO_ECRYPTO);
        assert_null(plain);
        free(t);
    }

    /* wrong key */
    struct folio_key other;
    memcpy(&other, &fx->key, sizeof(other));
    other.k[0] ^= 1;
    assert_int_equal(folio_unseal(&other, sealed, &plain, NULL, &err), FOLIO_ECRYPTO);
    assert_non_null(strstr(err.msg, "authentication"));
    assert_null(plain);

    /* format errors */
    assert_int_equal(folio_unseal(&fx->key, "v2:AAAA", &plain, NULL, &err), FOLIO_ECRYPTO);
    assert_int_equal(folio_unseal(&fx->key, "", &plain, NULL, &err), FOLIO_ECRYPTO);
    assert_int_equal(folio_unseal(&fx->key, NULL, &plain, NULL, &err), FOLIO_ECRYPTO);
    assert_int_equal(folio_unseal(&fx->key, "v1:", &plain, NULL, &err), FOLIO_ECRYPTO);
    assert_int_equal(folio_unseal(&fx->key, "v1:AAAA", &plain, NULL, &err), FOLIO_ECRYPTO);
    assert_int_equal(folio_unseal(&fx->key, "v1:!!!!", &plain, NULL, &err), FOLIO_ECRYPTO);
    char *trunc = strdup(sealed);
    assert_non_null(trunc);
    trunc[n - 4] = '\0';
    assert_int_equal(folio_unseal(&fx->key, trunc, &plain, NULL, &err), FOLIO_ECRYPTO);
    free(trunc);
    char ext[512];
    folio_snprintf(ext, sizeof(ext), "%s ", sealed);
    assert_int_equal(folio_unseal(&fx->key, ext, &plain, NULL, &err), FOLIO_ECRYPTO);
    assert_null(plain);
    free(sealed);
}

static void test_blind_index(void **state)
{
    struct fixture *fx = *state;
    char a[FOLIO_SHA256_HEX_LEN + 1], b[FOLIO_SHA256_HEX_LEN + 1], c[FOLIO_SHA256_HEX_LEN + 1];
    folio_blind_index(&fx->key, "123456789", 9, a);
    folio_blind_index(&fx->key, "123456789", 9, b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 64);
    for (size_t i = 0; i < 64; i++)
        assert_non_null(strchr("0123456789abcdef", a[i]));
    folio_blind_index(&fx->key, "123456788", 9, c);
    assert_string_not_equal(a, c);
    struct folio_key other;
    memcpy(&other, &fx->key, sizeof(other));
    other.k[31] ^= 0x80;
    folio_blind_index(&other, "123456789", 9, c);
    assert_string_not_equal(a, c);
    /* not the plain SHA-256 of the value */
    folio_sha256_hex("123456789", 9, c);
    assert_string_not_equal(a, c);

    /* a fixed key gives a fixed index (keyed BLAKE2b-256) */
    struct folio_key fixed;
    for (int i = 0; i < FOLIO_KEY_LEN; i++)
        fixed.k[i] = (unsigned char)i;
    folio_blind_index(&fixed, "", 0, a);
    folio_blind_index(&fixed, NULL, 0, b);
    assert_string_equal(a, b);
    /* key 00..1f, empty input: subkey = BLAKE2b-256(key, salt=id 1, person="foliobix") as
     * crypto_kdf derives it, then BLAKE2b-256 keyed with the subkey (Python hashlib agrees) */
    assert_string_equal(a, "593bf0329d6e9d70e87e23b4df7db1c3624c9ebaf633235f49c4734cb21ebcaf");
    folio_blind_index(&fixed, "x", 1, c);
    assert_string_not_equal(a, c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_idempotent),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test_setup_teardown(test_key_create_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_load_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seal_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unseal_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_index, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
