/* Static files of the web UI, from the server's web root: safe path resolution (no "..", no
 * symlink leading outside the root: realpath check), index.html for directories' "/", content
 * types by extension, ETag / If-None-Match, no directory listing, plain 404 page. */
#include "folio/base.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/core_int.h"

#define MAX_URL_PATH 1024

struct ctype {
    const char *ext;
    const char *type;
};
static const struct ctype ctypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".ico", "image/x-icon"},
    {".webp", "image/webp"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

static const char *content_type_for(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    size_t i;

    if (dot && (!slash || dot > slash)) {
        for (i = 0; i < FOLIO_ARRAY_LEN(ctypes); i++) {
            if (strcmp(dot, ctypes[i].ext) == 0)
                return ctypes[i].type;
        }
    }
    return "application/octet-stream";
}

enum MHD_Result core_queue_text(struct MHD_Connection *conn, unsigned status, const char *text,
                                bool api)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
                                        MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    (void)MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    core_add_security_headers(r, api);
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The URL path is acceptable: starts with '/', no "." or ".." segment, no backslash, no
 * control characters, not too long. */
static bool path_ok(const char *p)
{
    const char *seg;

    if (p[0] != '/' || strlen(p) > MAX_URL_PATH)
        return false;
    for (seg = p; *seg; seg++) {
        unsigned char ch = (unsigned char)*seg;
        if (ch < 0x20 || ch == 0x7f || ch == '\\')
            return false;
    }
    seg = p;
    while (*seg) {
        size_t len;
        seg++; /* past '/' */
        len = strcspn(seg, "/");
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return false;
        if (len > 0 && seg[0] == '.') /* hidden files (.git, .env) are never served */
            return false;
        seg += len;
    }
    return true;
}

enum MHD_Result core_static_serve(struct folio_server *srv, struct MHD_Connection *conn,
                                  const char *method, const char *path)
{
    char joined[PATH_MAX], real[PATH_MAX], etag[64];
    struct MHD_Response *r;
    struct stat st;
    const char *inm;
    enum MHD_Result ret;
    int fd;

    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        r = MHD_create_response_from_buffer(strlen("method not allowed\n"),
                                            (void *)(uintptr_t) "method not allowed\n",
                                            MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        (void)MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
        (void)MHD_add_response_header(r, "Allow", "GET, HEAD");
        core_add_security_headers(r, false);
        ret = MHD_queue_response(conn, 405, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (!srv->have_web_root || !path_ok(path))
        return core_queue_text(conn, 404, "not found\n", false);
    if (!folio_snprintf(joined, sizeof(joined), "%s%s%s", srv->web_root, path,
                        path[strlen(path) - 1] == '/' ? "index.html" : ""))
        return core_queue_text(conn, 404, "not found\n", false);
    if (!realpath(joined, real))
        return core_queue_text(conn, 404, "not found\n", false);
    /* The resolved file must be inside the root (a symlink may not lead out of it). */
    if (strncmp(real, srv->web_root, srv->web_root_len) != 0 || real[srv->web_root_len] != '/')
        return core_queue_text(conn, 404, "not found\n", false);
    fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return core_queue_text(conn, 404, "not found\n", false);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { /* no directory listing */
        close(fd);
        return core_queue_text(conn, 404, "not found\n", false);
    }
    (void)folio_snprintf(etag, sizeof(etag), "\"%llx-%llx-%lx\"", (unsigned long long)st.st_size,
                         (unsigned long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
        close(fd);
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        (void)MHD_add_response_header(r, "ETag", etag);
        core_add_security_headers(r, false);
        ret = MHD_queue_response(conn, 304, r);
        MHD_destroy_response(r);
        return ret;
    }
    r = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* takes the fd */
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    (void)MHD_add_response_header(r, "Content-Type", content_type_for(real));
    (void)MHD_add_response_header(r, "ETag", etag);
    (void)MHD_add_response_header(r, "Cache-Control", "no-cache");
    core_add_security_headers(r, false);
    ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}
