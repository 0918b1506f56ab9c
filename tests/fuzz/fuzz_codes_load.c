/* libFuzzer target: the code-set loaders that need a database (ICD-10-CM tabular and index XML,
 * valid-code lists, ICD-10-PCS definitions, the customer CPT CSV, POA-exempt lists), through folio_codes_load into
 * an in-memory SQLite store, rolled back after each input. The first byte picks the loader, the
 * rest is the file. Whatever the bytes: no crash, no out-of-bounds access, an error always has a
 * message naming where, and a refused file writes nothing. */
#include "folio/base.h"
#include "folio/codes.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct folio_store *store;
static char dir[64];

static const struct {
    enum folio_codes_load_kind kind;
    const char *file;
} kinds[] = {
    {FOLIO_LOAD_ICD10CM_TABULAR, "icd10cm_tabular_2030.xml"},
    {FOLIO_LOAD_ICD10CM_INDEX, "icd10cm_index_2030.xml"},
    {FOLIO_LOAD_ICD10CM_VALID, "icd10cm_valid_2030.txt"},
    {FOLIO_LOAD_ICD10PCS_DEFINITIONS, "icd10pcs_definitions_2030.xml"},
    {FOLIO_LOAD_CPT, "cpt_2030.csv"},
    {FOLIO_LOAD_POA_EXEMPT, "poa_exempt_2030.txt"},
};

static void once(void)
{
    struct folio_err err = {0};
    if (store)
        return;
    if (!folio_snprintf(dir, sizeof dir, "/tmp/fuzz_codes_load.%ld", (long)getpid()) ||
        (mkdir(dir, 0700) != 0 && errno != EEXIST))
        FOLIO_BUG("cannot make the scratch directory");
    if (folio_store_open("sqlite::memory:", &store, &err) != FOLIO_OK ||
        folio_store_migrate(store, NULL, &err) != FOLIO_OK)
        FOLIO_BUG("cannot open the scratch store");
}

static int64_t count_versions(void)
{
    struct folio_stmt *st = NULL;
    struct folio_err err = {0};
    bool row = false;
    int64_t n = -1;
    if (folio_store_prepare(store, "SELECT COUNT(*) FROM code_set_version", &st, &err) ==
            FOLIO_OK &&
        folio_stmt_step(st, &row, &err) == FOLIO_OK && row)
        n = folio_stmt_column_i64(st, 0);
    folio_stmt_free(st);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128];
    struct folio_codes_load_opts o = {0};
    struct folio_codes_load_result res;
    struct folio_err err = {0};
    enum folio_rc rc;
    FILE *f;
    size_t k;

    if (size < 1)
        return 0;
    once();
    k = data[0] % FOLIO_ARRAY_LEN(kinds);
    if (!folio_snprintf(path, sizeof path, "%s/%s", dir, kinds[k].file))
        FOLIO_BUG("path too long");
    f = fopen(path, "wb");
    if (!f || fwrite(data + 1, 1, size - 1, f) != size - 1 || fclose(f) != 0)
        FOLIO_BUG("cannot write the scratch file");
    o.kind = kinds[k].kind;
    o.path = path;
    o.fiscal_year = 2030;
    if (folio_store_begin(store, &err) != FOLIO_OK)
        FOLIO_BUG("begin failed");
    rc = folio_codes_load(store, &o, &res, &err);
    if (rc != FOLIO_OK) {
        if (err.msg[0] == '\0')
            FOLIO_BUG("an error without a message");
        if (count_versions() != 0)
            FOLIO_BUG("a refused file left a version behind");
    }
    folio_store_rollback(store);
    (void)unlink(path);
    return 0;
}
