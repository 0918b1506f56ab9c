/* Replays a fuzz corpus without libFuzzer: every regular file of each directory (or each file)
 * named on the command line goes once through LLVMFuzzerTestOneInput, in name order. A crash or
 * sanitizer report fails the run; so does a return value other than 0 or -1, and so does an
 * empty or missing corpus (a replay that runs nothing proves nothing). */
#include "folio/base.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads path into an exactly sized heap block, so out-of-bounds reads hit ASan's redzone. */
static int run_file(const char *path, size_t *passed, size_t *failed)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    unsigned char *data = NULL;
    size_t size;
    int ret = -1;

    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
        fprintf(stderr, "replay: cannot stat %s\n", path);
        goto out;
    }
    size = (size_t)st.st_size;
    data = malloc(size ? size : 1);
    if (data == NULL || fread(data, 1, size, f) != size) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        goto out;
    }
    int r = LLVMFuzzerTestOneInput(size ? data : (const uint8_t *)"", size);
    if (r == 0 || r == -1) {
        (*passed)++;
    } else {
        fprintf(stderr, "replay: %s: LLVMFuzzerTestOneInput returned %d\n", path, r);
        (*failed)++;
    }
    ret = 0;
out:
    free(data);
    fclose(f);
    return ret;
}

static int not_hidden(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static int run_path(const char *path, size_t *passed, size_t *failed)
{
    struct stat st;
    struct dirent **names = NULL;
    int n, ret = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path, passed, failed);
    n = scandir(path, &names, not_hidden, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: cannot list %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char full[4096];
        struct stat fst;
        if (!folio_snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name) ||
            stat(full, &fst) != 0) {
            ret = -1;
        } else if (S_ISREG(fst.st_mode) && run_file(full, passed, failed) != 0) {
            ret = -1;
        }
        free(names[i]);
    }
    free(names);
    return ret;
}

int main(int argc, char **argv)
{
    size_t passed = 0, failed = 0;
    int status = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (run_path(argv[i], &passed, &failed) != 0)
            status = 1;
    }
    printf("%s: %zu passed, %zu failed\n", argv[0], passed, failed);
    if (passed + failed == 0) {
        fprintf(stderr, "replay: no corpus files found\n");
        status = 1;
    }
    return failed ? 1 : status;
}
