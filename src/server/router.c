/* Route matching over the API route table (folio_api_route): method + pattern, with numeric
 * ({id}, {n}, {..._id}) and word ({username}, ...) path parameters. No allocation except the
 * copies of word parameters. */
#include "folio/base.h"

#include "server/core_int.h"

#define MAX_ID_DIGITS 18 /* keeps every accepted id inside int64 */

/* Is the placeholder name (between the braces) numeric? */
static bool placeholder_numeric(const char *name, size_t len)
{
    if ((len == 2 && memcmp(name, "id", 2) == 0) || (len == 1 && name[0] == 'n'))
        return true;
    return len > 3 && memcmp(name + len - 3, "_id", 3) == 0;
}

/* Matches path against pattern; fills ids/word views. Returns false on any mismatch. */
static bool pattern_match(const char *pat, const char *path, int64_t ids[3],
                          struct folio_sv words[2])
{
    size_t n_ids = 0, n_words = 0;

    while (*pat && *path) {
        if (*pat == '{') {
            const char *close = strchr(pat, '}');
            size_t seg = strcspn(path, "/");
            size_t nlen;

            if (!close)
                return false;
            nlen = (size_t)(close - pat - 1);
            if (seg == 0)
                return false;
            if (placeholder_numeric(pat + 1, nlen)) {
                int64_t v = 0;
                size_t i;

                if (seg > MAX_ID_DIGITS || n_ids >= 3)
                    return false;
                for (i = 0; i < seg; i++) {
                    if (path[i] < '0' || path[i] > '9')
                        return false;
                    v = v * 10 + (path[i] - '0');
                }
                if (v <= 0)
                    return false;
                ids[n_ids++] = v;
            } else {
                if (n_words >= 2)
                    return false;
                words[n_words].p = path;
                words[n_words].len = seg;
                n_words++;
            }
            pat = close + 1;
            path += seg;
            continue;
        }
        if (*pat != *path)
            return false;
        pat++;
        path++;
    }
    return *pat == '\0' && *path == '\0';
}

enum core_match core_route_find(const char *method, const char *path, struct folio_arena *a,
                                const struct folio_route **route, int64_t ids[3],
                                const char *words[2], char *allow, size_t allow_cap)
{
    size_t i, n = folio_api_route_count();
    size_t alen = 0;
    bool path_known = false;

    *route = NULL;
    if (allow_cap)
        allow[0] = '\0';
    for (i = 0; i < n; i++) {
        const struct folio_route *r = folio_api_route(i);
        int64_t tids[3] = {0, 0, 0};
        struct folio_sv tw[2] = {{NULL, 0}, {NULL, 0}};
        size_t k;

        if (!r || !r->pattern || !r->method)
            continue;
        if (!pattern_match(r->pattern, path, tids, tw))
            continue;
        if (strcmp(r->method, method) == 0) {
            for (k = 0; k < 3; k++)
                ids[k] = tids[k];
            for (k = 0; k < 2; k++) {
                words[k] = NULL;
                if (tw[k].p) {
                    words[k] = folio_arena_sv(a, tw[k]);
                    if (!words[k])
                        return CORE_NO_PATH; /* out of memory: answered as 404 */
                }
            }
            *route = r;
            return CORE_MATCHED;
        }
        path_known = true;
        /* Allow: each method once. */
        if (allow_cap && !strstr(allow, r->method)) {
            bool ok = folio_snprintf(allow + alen, allow_cap - alen, "%s%s", alen ? ", " : "",
                                     r->method);
            if (ok)
                alen += strlen(allow + alen);
        }
    }
    return path_known ? CORE_WRONG_METHOD : CORE_NO_PATH;
}
