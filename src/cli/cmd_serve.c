/* folio serve: the web application and JSON API (src/server/, docs/server.md). Prints exactly one
 * line on stdout when ready ("listening on http://HOST:PORT/"), runs until SIGTERM or SIGINT,
 * then stops accepting, lets requests in flight finish and exits 0. */
#include "folio/base.h"

#include <signal.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "folio/log.h"
#include "server/mllp.h"
#include "server/server.h"

static const char serve_usage[] =
    "usage: folio serve [--listen HOST:PORT] [--tls-cert PEM --tls-key PEM] [--insecure-http]\n"
    "                   [--threads N] [--web-root DIR] [--idle-minutes N] [--absolute-minutes N]\n"
    "                   [--max-body-mb N] [--no-audit]\n"
    "                   [--mllp HOST:PORT [--mllp-tls-cert PEM --mllp-tls-key PEM\n"
    "                    [--mllp-tls-ca PEM]] [--insecure-mllp] [--mllp-max-kb N]\n"
    "                    [--mllp-idle-seconds N] [--mllp-max-connections N]]\n"
    "\n"
    "Runs the web application and JSON API until SIGTERM or SIGINT (docs/server.md).\n"
    "  --listen HOST:PORT    address (default 127.0.0.1:8080; port 0 = any free port;\n"
    "                        IPv6 as [::1]:8080). A non-loopback address needs TLS.\n"
    "  --tls-cert, --tls-key PEM files: serve HTTPS\n"
    "  --insecure-http       allow plain HTTP on a non-loopback address (TLS proxy in front)\n"
    "  --threads N           worker threads, one database connection each (default 4)\n"
    "  --web-root DIR        static files of the web UI ($FOLIO_WEB_ROOT, default: web/ of the\n"
    "                        source tree)\n"
    "  --idle-minutes N      session idle timeout (default 30)\n"
    "  --absolute-minutes N  session absolute lifetime (default 720)\n"
    "  --max-body-mb N       request body limit in MiB (default 16)\n"
    "  --no-audit            benchmark comparison only: write no audit entries\n"
    "  --mllp HOST:PORT      also receive HL7 v2 over MLLP (docs/mllp.md); port 0 = any free\n"
    "                        port. A non-loopback address needs TLS or --insecure-mllp\n"
    "  --mllp-tls-cert, --mllp-tls-key PEM files: MLLP over TLS (1.2+)\n"
    "  --mllp-tls-ca PEM     require client certificates issued by these CAs (mutual TLS)\n"
    "  --mllp-max-kb N       largest message accepted, in KiB (default 1024)\n"
    "  --mllp-idle-seconds N close MLLP connections silent this long (default 600)\n"
    "  --mllp-max-connections N  concurrent MLLP connections (default 256)\n";

/* Formats the URL announced on stdout; IPv6 hosts get brackets. */
static void listen_url(const char *listen, bool tls, unsigned port, char *out, size_t cap)
{
    const char *scheme = tls ? "https" : "http";
    const char *colon;
    size_t hlen;

    if (listen[0] == '[') {
        colon = strchr(listen, ']');
        hlen = colon ? (size_t)(colon - listen) + 1 : strlen(listen);
    } else {
        colon = strrchr(listen, ':');
        hlen = colon ? (size_t)(colon - listen) : strlen(listen);
    }
    if (hlen == 0)
        (void)folio_snprintf(out, cap, "%s://127.0.0.1:%u/", scheme, port);
    else
        (void)folio_snprintf(out, cap, "%s://%.*s:%u/", scheme, (int)hlen, listen, port);
}

int cmd_serve(struct folio_cli *cli, int argc, char **argv)
{
    struct folio_server_opts o;
    struct folio_server *srv = NULL;
    struct folio_mllp_opts mo;
    struct folio_mllp *mllp = NULL;
    const char *mllp_listen = NULL, *mllp_cert = NULL, *mllp_key = NULL, *mllp_ca = NULL;
    bool insecure_mllp = false;
    int64_t mllp_max_kb = 0, mllp_idle = 0, mllp_max_conn = 0;
    const char *listen = NULL, *cert = NULL, *key = NULL, *web = NULL;
    bool insecure = false, no_audit = false, help = false;
    int64_t threads = 0, idle = 0, absolute = 0, max_body_mb = 0;
    struct cli_args args;
    struct cli_opt opts[] = {
        {"listen", CLI_OPT_STR, &listen},
        {"tls-cert", CLI_OPT_STR, &cert},
        {"tls-key", CLI_OPT_STR, &key},
        {"insecure-http", CLI_OPT_FLAG, &insecure},
        {"threads", CLI_OPT_I64, &threads},
        {"web-root", CLI_OPT_STR, &web},
        {"no-audit", CLI_OPT_FLAG, &no_audit},
        {"idle-minutes", CLI_OPT_I64, &idle},
        {"absolute-minutes", CLI_OPT_I64, &absolute},
        {"max-body-mb", CLI_OPT_I64, &max_body_mb},
        {"mllp", CLI_OPT_STR, &mllp_listen},
        {"mllp-tls-cert", CLI_OPT_STR, &mllp_cert},
        {"mllp-tls-key", CLI_OPT_STR, &mllp_key},
        {"mllp-tls-ca", CLI_OPT_STR, &mllp_ca},
        {"insecure-mllp", CLI_OPT_FLAG, &insecure_mllp},
        {"mllp-max-kb", CLI_OPT_I64, &mllp_max_kb},
        {"mllp-idle-seconds", CLI_OPT_I64, &mllp_idle},
        {"mllp-max-connections", CLI_OPT_I64, &mllp_max_conn},
    };
    sigset_t set;
    char url[320];
    enum folio_rc rc;
    int sig = 0;

    rc = cli_parse(cli, "serve", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args, &help);
    if (rc)
        return (int)rc;
    if (help) {
        fputs(serve_usage, stdout);
        return FOLIO_OK;
    }
    if (threads > 256)
        return (int)cli_usage(cli, "serve: --threads must be between 1 and 256");
    if (idle > 100000 || absolute > 1000000 || max_body_mb > 4096)
        return (int)cli_usage(cli, "serve: a time or size option is out of range");
    if (mllp_max_kb > 1048576 || mllp_idle > 1000000 || mllp_max_conn > 65536)
        return (int)cli_usage(cli, "serve: an --mllp-* option is out of range");
    if (!mllp_cert != !mllp_key)
        return (int)cli_usage(cli, "serve: give both --mllp-tls-cert and --mllp-tls-key");
    if (mllp_ca && !mllp_cert)
        return (int)cli_usage(cli, "serve: --mllp-tls-ca needs --mllp-tls-cert and --mllp-tls-key");
    if (!mllp_listen && (mllp_cert || mllp_key || mllp_ca || insecure_mllp || mllp_max_kb ||
                         mllp_idle || mllp_max_conn))
        return (int)cli_usage(cli, "serve: --mllp-* options need --mllp HOST:PORT");

    folio_server_opts_defaults(&o);
    o.db_url = cli->db_url;
    o.key_path = cli->key_path;
    if (listen)
        o.listen = listen;
    o.tls_cert = cert;
    o.tls_key = key;
    o.insecure_http = insecure;
    o.web_root = web;
    if (threads > 0)
        o.threads = (unsigned)threads;
    if (idle > 0)
        o.auth.idle_minutes = (int)idle;
    if (absolute > 0)
        o.auth.absolute_minutes = (int)absolute;
    if (max_body_mb > 0)
        o.max_body = (size_t)max_body_mb << 20;
    o.audit = !no_audit;
    if (no_audit)
        fputs("folio: WARNING: --no-audit: accesses are NOT recorded in the audit trail "
              "(benchmark comparison only)\n",
              stderr);

    /* Block the stop signals in every thread (libmicrohttpd's inherit the mask) and wait for
     * them here. SIGPIPE is ignored: a client closing early must not kill the server. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return folio_err_set(&cli->err, FOLIO_EINTERNAL, NULL, "cannot block signals");
    (void)signal(SIGPIPE, SIG_IGN);

    rc = folio_server_start(&o, &srv, &cli->err);
    if (rc)
        return (int)rc;
    if (mllp_listen) {
        folio_mllp_opts_defaults(&mo);
        mo.db_url = cli->db_url;
        mo.key_path = cli->key_path;
        mo.listen = mllp_listen;
        mo.insecure = insecure_mllp;
        mo.tls_cert = mllp_cert;
        mo.tls_key = mllp_key;
        mo.tls_ca = mllp_ca;
        mo.max_message = (size_t)mllp_max_kb << 10;
        mo.idle_seconds = (unsigned)mllp_idle;
        mo.max_connections = (unsigned)mllp_max_conn;
        rc = folio_mllp_start(&mo, &mllp, &cli->err);
        if (rc) {
            folio_server_stop(srv);
            return (int)rc;
        }
    }
    listen_url(o.listen, folio_server_tls(srv), folio_server_port(srv), url, sizeof(url));
    printf("listening on %s\n", url);
    if (mllp) {
        /* a second line for scripts: the MLLP address with the port actually bound */
        listen_url(mllp_listen, false, folio_mllp_port(mllp), url, sizeof(url));
        url[strlen(url) - 1] = '\0'; /* no trailing '/' */
        printf("mllp listening on %s\n", strstr(url, "://") + 3);
    }
    fflush(stdout);

    while (sigwait(&set, &sig) != 0)
        ;
    folio_log(FOLIO_LOG_INFO, "serve.signal", FOLIO_LOG_INT("signal", sig), FOLIO_LOG_END);
    folio_mllp_stop(mllp);
    folio_server_stop(srv);
    return FOLIO_OK;
}
