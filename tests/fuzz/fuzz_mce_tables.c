/* libFuzzer target: the MCE table loader (folio_mce_load). The first byte picks which of the four
 * table files gets the fuzzed bytes; the other three are small valid tables. Whatever the bytes:
 * no crash, no out-of-bounds access, an error always has a message, and tables that load edit a
 * claim without trouble. */
#include "folio/base.h"
#include "folio/edits.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *file, *valid;
} files[] = {
    {"mce_i10_dx_master.tsv", "code\teffective_from\teffective_to\tmce_attributes\n"
                              "E119\t2015-10-01\t2030-09-30\t\n"
                              "F0280\t2015-10-01\t2030-09-30\tMANIF\n"
                              "Z3800\t2015-10-01\t2030-09-30\tNEWBORN\n"},
    {"mce_i10_pr_master.tsv", "code\teffective_from\teffective_to\tmce_attributes\n"
                              "0016070\t2015-10-01\t2030-09-30\t\n"
                              "5A1955Z\t2015-10-01\t2030-09-30\tLOS\n"},
    {"mce_age_ranges.tsv", "key\tstart_age\tend_age\teffective_from\teffective_to\n"
                           "ADULT\t15\t124\t1984-03-01\t2030-09-30\n"
                           "NEWBORN\t0\t0\t1984-03-01\t2030-09-30\n"},
    {"mce_discharge_status.tsv", "key\teffective_from\teffective_to\trow\n"
                                 "1\t1980-10-01\t2030-09-30\tDischargeStatRow{}\n"},
};

static char dir[64];

static void put(const char *name, const void *p, size_t n)
{
    char path[128];
    FILE *f;
    if (!folio_snprintf(path, sizeof path, "%s/%s", dir, name))
        FOLIO_BUG("path too long");
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        FOLIO_BUG("cannot write a scratch table");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct folio_mce *m = NULL;
    struct folio_err err = {0};
    size_t k, i;

    if (size < 1)
        return 0;
    if (!dir[0] && (!folio_snprintf(dir, sizeof dir, "/tmp/fuzz_mce.%ld", (long)getpid()) ||
                    (mkdir(dir, 0700) != 0 && errno != EEXIST)))
        FOLIO_BUG("cannot make the scratch directory");
    k = data[0] % FOLIO_ARRAY_LEN(files);
    for (i = 0; i < FOLIO_ARRAY_LEN(files); i++) {
        if (i == k)
            put(files[i].file, data + 1, size - 1);
        else
            put(files[i].file, files[i].valid, strlen(files[i].valid));
    }
    if (folio_mce_load(dir, &m, &err) == FOLIO_OK) {
        struct folio_claim c;
        struct folio_mce_result r;
        memset(&c, 0, sizeof c);
        folio_strlcpy(c.id, "x", sizeof c.id);
        c.age = 40;
        c.sex = 'F';
        c.discharge_status = 1;
        folio_strlcpy(c.pdx.code, "E119", sizeof c.pdx.code);
        c.pdx.poa = 'Y';
        c.nsdx = 1;
        folio_strlcpy(c.sdx[0].code, "F0280", sizeof c.sdx[0].code);
        c.npr = 1;
        folio_strlcpy(c.pr[0], "5A1955Z", sizeof c.pr[0]);
        if (folio_mce_edit(m, &c, 20200101, 3, &r, &err) == FOLIO_OK &&
            r.n > FOLIO_MCE_MAX_CODE_EDITS)
            FOLIO_BUG("more per-code edits than the result holds");
        folio_mce_free(m);
    } else if (err.msg[0] == '\0') {
        FOLIO_BUG("an error without a message");
    }
    return 0;
}
