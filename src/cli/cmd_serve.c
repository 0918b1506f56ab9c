/* folio serve: the web application and JSON API (src/server/, docs/server.md). Prints exactly one
 * line on stdout when ready ("listening on http://HOST:PORT/"), runs until SIGTERM or SIGINT,
 * then stops accepting, lets requests in flight finish and exits 0. */
#include "folio/base.h"

#include <signal.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "folio/log.h"
#include "server/drg_cache.h"
#include "server/mllp.h"
#include "server/server.h"

#define DRG_SUBDIR CLI_DRG_SUBDIR

static const char serve_usage[] =
    "usage: folio serve [--listen HOST:PORT] [--tls-cert PEM --tls-key PEM] [--insecure-http]\n"
    "                   [--threads N] [--web-root DIR] [--idle-minutes N] [--absolute-minutes N]\n"
    "                   [--max-body-mb N] [--no-audit]\n"
    "                   [--mllp HOST:PORT [--mllp-tls-cert PEM --mllp-tls-key PEM\n"
    "                    [--mllp-tls-ca PEM]] [--insecure-mllp] [--mllp-max-kb N]\n"
    "                    [--mllp-idle-seconds N] [--mllp-max-connections N]]\n"
    "                   [--drg DIR]... [--no-drg] [--drg-fallback] [--table5 FILE]...\n"
    "                   [--base-rate DOLLARS [--labor-share F --wage-index W]]\n"
    "                   [--facility-name NAME] [--facility-address TEXT]\n"
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
    "  --mllp-max-connections N  concurrent MLLP connections (default 256)\n"
    "  --drg DIR             MS-DRG grouper tables (msdrg_vNNN_*.tsv), one version per\n"
    "                        directory; repeat for more versions (picked by discharge date).\n"
    "                        Default $FOLIO_SHARED/" DRG_SUBDIR ", then\n"
    "                        ../shared/" DRG_SUBDIR " when present\n"
    "  --no-drg              load no grouper tables (the DRG routes answer 409)\n"
    "  --drg-fallback        group a stay no loaded version covers with the newest version,\n"
    "                        labelled as such (for demo data from other years)\n"
    "  --table5 FILE         CMS Table 5 (relative weights, GMLOS, AMLOS) of a fiscal year;\n"
    "                        repeatable. Without one the DRG shows no weight or payment\n"
    "  --base-rate DOLLARS   the hospital's operating standardized amount: with Table 5, the\n"
    "                        DRG shows an expected payment (weight x wage-adjusted base rate)\n"
    "  --labor-share F       labor-related share of the base rate, 0-1 (with --wage-index)\n"
    "  --wage-index W        the hospital's wage index (default 1: no wage adjustment)\n"
    "  --facility-name NAME  letterhead of release-of-information packets and accounting\n"
    "                        letters (default \"" FOLIO_SERVER_FACILITY_DEFAULT "\")\n"
    "  --facility-address TEXT  the facility's address under the name; a line break\n"
    "                        (or \"\\n\") starts a new line\n";

#define FACILITY_NAME_MAX    200
#define FACILITY_ADDRESS_MAX 1000

/* Checks a --facility-* value into out (cap > max): 1..max bytes, no control characters
 * except line breaks when multiline (a literal "\\n" becomes one; CR is dropped). */
static enum folio_rc facility_opt(struct folio_cli *cli, const char *opt, const char *v,
                                  size_t max, bool multiline, char *out)
{
    size_t i, n = 0, len = strlen(v);

    if (len == 0 || len > max)
        return cli_usage(cli, "serve: --%s must be 1 to %zu bytes", opt, max);
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)v[i];

        if (multiline && ch == '\\' && v[i + 1] == 'n') {
            out[n++] = '\n';
            i++;
            continue;
        }
        if (ch == '\r')
            continue;
        if ((ch < 0x20 && !(multiline && ch == '\n')) || ch == 0x7f)
            return cli_usage(cli, "serve: --%s has a control character", opt);
        out[n++] = (char)ch;
    }
    out[n] = '\0';
    return FOLIO_OK;
}

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


/* Takes the repeatable options (--drg, --table5) out of argv, before "--": *rest is argv
 * without them (heap, the caller frees the array; the strings are argv's). Options of opts
 * that take a value keep it, so a value is never taken for an option. */
static enum folio_rc take_repeated(struct folio_cli *cli, int argc, char **argv,
                                   const struct cli_opt *opts, size_t nopts, const char **drg,
                                   size_t *ndrg, const char **t5, size_t *nt5, char ***rest,
                                   int *nrest)
{
    char **out = calloc((size_t)argc + 1, sizeof *out);
    int i, n = 0;
    bool only_pos = false;

    if (!out)
        return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
    *ndrg = *nt5 = 0;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *eq;
        size_t len, k;
        bool is_drg, is_t5, takes = false;

        if (only_pos || i == 0 || strncmp(a, "--", 2) != 0) {
            out[n++] = argv[i];
            continue;
        }
        if (a[2] == '\0') {
            only_pos = true;
            out[n++] = argv[i];
            continue;
        }
        eq = strchr(a + 2, '=');
        len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        is_drg = len == 3 && strncmp(a + 2, "drg", 3) == 0;
        is_t5 = len == 6 && strncmp(a + 2, "table5", 6) == 0;
        if (is_drg || is_t5) {
            const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);

            if (!val || !val[0]) {
                free(out);
                return cli_usage(cli, "serve: option '--%s' needs a value",
                                 is_drg ? "drg" : "table5");
            }
            if ((is_drg ? *ndrg : *nt5) >= FOLIO_DRG_CACHE_MAX) {
                free(out);
                return cli_usage(cli, "serve: at most %d --%s options", FOLIO_DRG_CACHE_MAX,
                                 is_drg ? "drg" : "table5");
            }
            if (is_drg)
                drg[(*ndrg)++] = val;
            else
                t5[(*nt5)++] = val;
            continue;
        }
        for (k = 0; k < nopts; k++)
            if (strlen(opts[k].name) == len && strncmp(opts[k].name, a + 2, len) == 0)
                takes = opts[k].kind != CLI_OPT_FLAG && !eq;
        out[n++] = argv[i];
        if (takes && i + 1 < argc)
            out[n++] = argv[++i];
    }
    *rest = out;
    *nrest = n;
    return FOLIO_OK;
}

static enum folio_rc parse_amount(struct folio_cli *cli, const char *opt, const char *v,
                                  double *out)
{
    if (folio_sv_to_double(folio_sv_from(v), out) != FOLIO_OK)
        return cli_usage(cli, "serve: --%s needs a number, got '%s'", opt, v);
    return FOLIO_OK;
}

/* The DRG tables and rates from the options, installed for the server's requests. */
static enum folio_rc load_drg(struct folio_cli *cli, const char **drg, size_t ndrg,
                              const char **t5, size_t nt5, bool no_drg, bool fallback,
                              const char *base_rate, const char *labor_share,
                              const char *wage_index)
{
    struct folio_drg_cache_opts o;
    struct folio_drg_cache *c = NULL;
    char dir[4096], tried[4200];
    const char *def[1];
    enum folio_rc rc;

    memset(&o, 0, sizeof o);
    if (no_drg && ndrg)
        return cli_usage(cli, "serve: --no-drg and --drg exclude each other");
    if ((labor_share || wage_index) && !base_rate)
        return cli_usage(cli, "serve: --labor-share and --wage-index go with --base-rate");
    if (wage_index && !labor_share)
        return cli_usage(cli, "serve: --wage-index needs --labor-share (the share it applies to)");
    if (base_rate) {
        o.have_rates = true;
        o.rates.wage_index = 1.0;
        rc = parse_amount(cli, "base-rate", base_rate, &o.rates.base_rate);
        rc = rc ? rc
                : labor_share ? parse_amount(cli, "labor-share", labor_share, &o.rates.labor_share)
                              : FOLIO_OK;
        rc = rc ? rc
                : wage_index ? parse_amount(cli, "wage-index", wage_index, &o.rates.wage_index)
                             : FOLIO_OK;
        if (rc)
            return rc;
    }
    if (!no_drg && !ndrg) {
        if (cli_shared_dir(DRG_SUBDIR, cli_has_drg, dir, sizeof dir, tried, sizeof tried)) {
            def[0] = dir;
            drg = def;
            ndrg = 1;
        } else {
            cli_note(cli, "folio: serve: no MS-DRG tables (looked in %s): the DRG features are "
                          "off; give --drg DIR",
                     tried);
        }
    }
    o.drg_dirs = drg;
    o.n_drg_dirs = no_drg ? 0 : ndrg;
    o.table5_files = t5;
    o.n_table5 = nt5;
    o.fallback_newest = fallback;
    rc = folio_drg_cache_load(&o, &c, &cli->err);
    if (rc)
        return rc;
    if (c->n_versions == 0 && (nt5 || base_rate))
        cli_note(cli, "folio: serve: --table5 and --base-rate need grouper tables (--drg DIR)");
    folio_drg_cache_install(c);
    return FOLIO_OK;
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
    const char *drg[FOLIO_DRG_CACHE_MAX], *t5[FOLIO_DRG_CACHE_MAX];
    const char *base_rate = NULL, *labor_share = NULL, *wage_index = NULL;
    size_t ndrg = 0, nt5 = 0;
    bool no_drg = false, drg_fallback = false;
    const char *fac_name = NULL, *fac_addr = NULL;
    static char fac_name_v[FACILITY_NAME_MAX + 1], fac_addr_v[FACILITY_ADDRESS_MAX + 1];
    char **rest = NULL;
    int nrest = 0;
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
        {"no-drg", CLI_OPT_FLAG, &no_drg},
        {"drg-fallback", CLI_OPT_FLAG, &drg_fallback},
        {"base-rate", CLI_OPT_STR, &base_rate},
        {"labor-share", CLI_OPT_STR, &labor_share},
        {"wage-index", CLI_OPT_STR, &wage_index},
        {"facility-name", CLI_OPT_STR, &fac_name},
        {"facility-address", CLI_OPT_STR, &fac_addr},
    };
    sigset_t set;
    char url[320];
    enum folio_rc rc;
    int sig = 0;

    rc = take_repeated(cli, argc, argv, opts, FOLIO_ARRAY_LEN(opts), drg, &ndrg, t5, &nt5, &rest,
                       &nrest);
    if (rc)
        return (int)rc;
    rc = cli_parse(cli, "serve", nrest, rest, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args, &help);
    free(rest); /* the strings are argv's */
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

    rc = fac_name ? facility_opt(cli, "facility-name", fac_name, FACILITY_NAME_MAX, false,
                                 fac_name_v)
                  : FOLIO_OK;
    rc = rc ? rc
            : fac_addr ? facility_opt(cli, "facility-address", fac_addr, FACILITY_ADDRESS_MAX,
                                      true, fac_addr_v)
                       : FOLIO_OK;
    if (rc)
        return (int)rc;

    folio_server_opts_defaults(&o);
    o.facility_name = fac_name ? fac_name_v : NULL;
    o.facility_address = fac_addr ? fac_addr_v : NULL;
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

    rc = load_drg(cli, drg, ndrg, t5, nt5, no_drg, drg_fallback, base_rate, labor_share,
                  wage_index);
    if (rc)
        return (int)rc;
    rc = folio_server_start(&o, &srv, &cli->err);
    if (rc) {
        folio_drg_cache_install(NULL);
        return (int)rc;
    }
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
            folio_drg_cache_install(NULL);
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
    folio_drg_cache_install(NULL);
    return FOLIO_OK;
}
