/* Tiny HTTP/1.1 client for tests (see http_client.h). */
#include "folio/base.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_client.h"

#define TIMEOUT_MS 15000

static int connect_to(const char *host, unsigned port)
{
    struct addrinfo hints, *res = NULL, *ai;
    char portbuf[16];
    int fd = -1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    (void)folio_snprintf(portbuf, sizeof(portbuf), "%u", port);
    if (getaddrinfo(host ? host : "127.0.0.1", portbuf, &hints, &res) != 0)
        return -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Sends all of (p, len) unless the server starts answering; *answered set then. */
static int send_all(int fd, const char *p, size_t len, bool *answered)
{
    while (len > 0 && !*answered) {
        struct pollfd pfd = {fd, POLLIN | POLLOUT, 0};
        ssize_t n;

        if (poll(&pfd, 1, TIMEOUT_MS) <= 0)
            return -1;
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            *answered = true;
            break;
        }
        n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            *answered = true; /* reset: read whatever came back */
            break;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int http_do(const char *host, unsigned port, const struct http_req *req, struct http_resp *out)
{
    struct folio_buf head, in;
    bool answered = false;
    char *split;
    int fd, rc = -1;
    size_t body_len = req->body ? req->body_len : 0;

    memset(out, 0, sizeof(*out));
    folio_buf_init(&head, 1u << 22);
    folio_buf_init(&in, (size_t)64 << 20);
    fd = connect_to(host, port);
    if (fd < 0)
        goto out;
    if (folio_buf_appendf(&head, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s",
                          req->method, req->path, req->headers ? req->headers : "") != FOLIO_OK)
        goto out;
    if (req->content_length != -2 && (req->content_length >= 0 || body_len > 0 || strcmp(req->method, "POST") == 0 ||
        strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0)) {
        long long cl = req->content_length >= 0 ? req->content_length : (long long)body_len;
        if (folio_buf_appendf(&head, "Content-Length: %lld\r\n", cl) != FOLIO_OK)
            goto out;
    }
    if (folio_buf_append_str(&head, "\r\n") != FOLIO_OK)
        goto out;
    if (send_all(fd, head.data, head.len, &answered) != 0)
        goto out;
    if (body_len && send_all(fd, req->body, body_len, &answered) != 0)
        goto out;
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        char chunk[16384];
        ssize_t n;

        if (poll(&pfd, 1, TIMEOUT_MS) <= 0)
            break; /* timeout: parse what we have */
        n = recv(fd, chunk, sizeof(chunk), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (folio_buf_append(&in, chunk, (size_t)n) != FOLIO_OK)
            break;
    }
    split = strstr(in.data, "\r\n\r\n");
    if (!split || strncmp(in.data, "HTTP/1.", 7) != 0 || in.len < 12)
        goto out;
    out->status = (in.data[9] - '0') * 100 + (in.data[10] - '0') * 10 + (in.data[11] - '0');
    out->head = malloc((size_t)(split - in.data) + 1);
    out->body_len = in.len - (size_t)(split + 4 - in.data);
    out->body = malloc(out->body_len + 1);
    if (!out->head || !out->body) {
        http_resp_free(out);
        goto out;
    }
    memcpy(out->head, in.data, (size_t)(split - in.data));
    out->head[split - in.data] = '\0';
    memcpy(out->body, split + 4, out->body_len);
    out->body[out->body_len] = '\0';
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    folio_buf_release(&head);
    folio_buf_release(&in);
    return rc;
}

int http_simple(unsigned port, const char *method, const char *path, const char *bearer,
                const char *body, struct http_resp *out)
{
    struct http_req r;
    char hdr[160] = "";

    memset(&r, 0, sizeof(r));
    if (bearer)
        (void)folio_snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s\r\n", bearer);
    if (body)
        (void)folio_strlcpy(hdr + strlen(hdr), "Content-Type: application/json\r\n",
                            sizeof(hdr) - strlen(hdr));
    r.method = method;
    r.path = path;
    r.headers = hdr;
    r.body = body;
    r.body_len = body ? strlen(body) : 0;
    r.content_length = -1;
    return http_do(NULL, port, &r, out);
}

const char *http_header(const struct http_resp *r, const char *name, char *buf, size_t cap)
{
    const char *p;
    size_t nlen = strlen(name);

    if (!r->head)
        return NULL;
    p = strstr(r->head, "\r\n");
    while (p) {
        p += 2;
        if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1, *end;
            while (*v == ' ')
                v++;
            end = strstr(v, "\r\n");
            if (!end)
                end = v + strlen(v);
            if ((size_t)(end - v) >= cap)
                return NULL;
            memcpy(buf, v, (size_t)(end - v));
            buf[end - v] = '\0';
            return buf;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

void http_resp_free(struct http_resp *r)
{
    if (!r)
        return;
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

/* ---- fixture ---- */
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "folio/records.h"
#include "server/server.h"
#include "testdb.h"

#define FIX_PASSWORD "fixture-password-1"

static void fix_check(enum folio_rc rc, const struct folio_err *err, const char *what)
{
    if (rc != FOLIO_OK)
        fail_msg("fixture: %s: %s (%s)", what, err->msg, folio_rc_name(rc));
}

static void fix_chart(struct http_fixture *f)
{
    struct folio_chart c = {f->db, &f->key, "fixture"};
    struct folio_patient_new p;
    struct folio_identifier mrn = {0, "MR", "MAIN", "FIX-0001", false};
    struct folio_encounter_new e;
    struct folio_document_new d;
    struct folio_observation o;
    struct folio_err err;
    int64_t fac;
    static const char note[] = "Discharge summary: fixture patient did well.";

    memset(&err, 0, sizeof(err));
    fix_check(folio_facility_ensure(&c, "MAIN", "Main Hospital", &fac, &err), &err, "facility");
    memset(&p, 0, sizeof(p));
    p.name.family = "Fixture";
    p.name.given = "Fran";
    p.birth_date = "1961-04-12";
    p.sex = "F";
    p.ids = &mrn;
    p.n_ids = 1;
    fix_check(folio_patient_create(&c, &p, &f->patient_id, &err), &err, "patient");
    memset(&e, 0, sizeof(e));
    e.patient_id = f->patient_id;
    e.facility_code = "MAIN";
    e.enc_class = "inpatient";
    e.admit_at = "2024-03-01T08:00Z";
    e.discharge_at = "2024-03-05T12:00Z";
    fix_check(folio_encounter_create(&c, &e, &f->encounter_id, &err), &err, "encounter");
    memset(&d, 0, sizeof(d));
    d.patient_id = f->patient_id;
    d.encounter_id = f->encounter_id;
    d.type_code = "18842-5";
    d.type_title = "Discharge summary";
    d.status = "final";
    d.content = note;
    d.content_len = sizeof(note) - 1;
    fix_check(folio_document_create(&c, &d, &f->document_id, NULL, &err), &err, "document");
    memset(&o, 0, sizeof(o));
    o.patient_id = f->patient_id;
    o.encounter_id = f->encounter_id;
    o.code = "2345-7";
    o.title = "Glucose";
    o.value_text = "105";
    o.units = "mg/dL";
    o.observed_at = "2024-03-02T06:00Z";
    fix_check(folio_observation_create(&c, &o, &f->observation_id, &err), &err, "observation");
}

void http_fixture_start(struct http_fixture *f, bool audit)
{
    struct folio_server_opts o;
    struct folio_auth_policy pol;
    struct folio_session sess;
    struct folio_err err;
    int64_t uid;
    int i;

    memset(f, 0, sizeof(*f));
    memset(&err, 0, sizeof(err));
    (void)folio_strlcpy(f->dir, "/tmp/folio-fix-XXXXXX", sizeof(f->dir));
    if (!mkdtemp(f->dir))
        fail_msg("mkdtemp failed");
    (void)folio_snprintf(f->key_path, sizeof(f->key_path), "%s/key", f->dir);
    fix_check(folio_key_create(f->key_path, &err), &err, "key");
    fix_check(folio_key_load(f->key_path, &f->key, &err), &err, "key");
    f->db = folio_test_store_open();
    fix_chart(f);
    folio_auth_policy_defaults(&pol);
    for (i = 0; i < HTTP_FIX_USERS; i++) {
        uint32_t roles = i < 10 ? (1u << i) : FOLIO_ROLE_ALL;
        const char *reason = NULL;

        f->roles[i] = roles;
        (void)folio_snprintf(f->usernames[i], sizeof(f->usernames[i]), "u_%s",
                             i < 10 ? folio_role_name(roles) : "all");
        fix_check(folio_user_add(f->db, "fixture", f->usernames[i], f->usernames[i], roles,
                                 FIX_PASSWORD, &uid, &err),
                  &err, "user add");
        fix_check(folio_auth_login(f->db, &pol, f->usernames[i], FIX_PASSWORD, false, f->tokens[i],
                                   &sess, &reason, &err),
                  &err, "login");
    }
    fix_check(folio_user_add(f->db, "fixture", "victim", "Victim", FOLIO_ROLE_CLINICIAN,
                             FIX_PASSWORD, &uid, &err),
              &err, "user add");
    folio_server_opts_defaults(&o);
    o.db_url = folio_test_store_url();
    o.key_path = f->key_path;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.audit = audit;
    fix_check(folio_server_start(&o, &f->srv, &err), &err, "server start");
    f->port = folio_server_port(f->srv);
}

void http_fixture_stop(struct http_fixture *f)
{
    char cmd[400];

    folio_server_stop(f->srv);
    f->srv = NULL;
    folio_test_store_close(f->db);
    f->db = NULL;
    folio_key_wipe(&f->key);
    (void)folio_snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fail_msg("cannot remove %s", f->dir);
}

void http_fixture_path(const struct http_fixture *f, const char *pattern, char *out, size_t cap)
{
    struct folio_buf b;
    const char *p = pattern;

    folio_buf_init(&b, 4096);
    while (*p) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t nlen = close ? (size_t)(close - p - 1) : 0;
            long long v = 1;
            bool word = false;

            if (!close)
                break;
            if ((nlen == 2 && memcmp(p + 1, "id", 2) == 0) ||
                (nlen > 3 && memcmp(close - 3, "_id", 3) == 0)) {
                const char *prev = b.data;
                if (b.len >= 11 && strcmp(prev + b.len - 11, "/documents/") == 0)
                    v = f->document_id;
                else if (b.len >= 14 && strcmp(prev + b.len - 14, "/observations/") == 0)
                    v = f->observation_id;
                else if (b.len >= 12 && strcmp(prev + b.len - 12, "/encounters/") == 0)
                    v = f->encounter_id;
                else
                    v = f->patient_id;
            } else if (!(nlen == 1 && p[1] == 'n')) {
                word = true;
            }
            if (word ? folio_buf_append_str(&b, "victim") : folio_buf_appendf(&b, "%lld", v))
                fail_msg("path too long");
            p = close + 1;
            continue;
        }
        if (folio_buf_append_ch(&b, *p))
            fail_msg("path too long");
        p++;
    }
    (void)folio_strlcpy(out, b.data, cap);
    folio_buf_release(&b);
}
