/* MLLP throughput and ACK latency (docs/mllp.md, bench/mllp/README.md).
 *
 * Sends generated ADT^A01 (a new patient and visit each) and ORU^R01 (a glucose result for a
 * patient this connection admitted before) messages, half and half, with unique MSH-10s, over
 * C connections, each keeping up to W messages in flight (W = 1: strict send/wait). An AA (or
 * CA) comes back only after the message's transaction committed (synchronous=FULL on SQLite).
 * Prints messages/s and the ACK latency (send -> ACK) p50/p99 per run.
 *
 *   bench_mllp [--to HOST:PORT] [--messages N] [--connections C[,C...]] [--window W]
 *
 * Without --to it starts an MLLP listener in this process on a new SQLite database in a
 * temporary directory (the same code as `folio serve --mllp`). Benchmarks never fail on time;
 * exit 1 only when a message is not answered. */
#include "folio/base.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio/crypto.h"
#include "folio/store.h"
#include "server/mllp.h"

struct worker {
    int idx;
    const char *to;
    int n; /* messages to send */
    int window;
    int run;     /* run number (unique ids across runs) */
    double *lat; /* seconds, per message */
    int ok, bad, lost;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Message i of worker w: even = ADT^A01 admitting patient i/2, odd = ORU^R01 for that patient. */
static size_t make_msg(const struct worker *w, int i, char *out, size_t cap)
{
    int p = i / 2;
    char id[64];

    (void)folio_snprintf(id, sizeof(id), "R%dC%dP%d", w->run, w->idx, p);
    if (i % 2 == 0)
        (void)folio_snprintf(
            out, cap,
            "MSH|^~\\&|BENCH|FAC|FOLIO|HOSP|20240305120000||ADT^A01^ADT_A01|%s-%d|P|2.5.1\r"
            "EVN|A01|20240305120000\r"
            "PID|1||%s^^^FAC^MR||Bench^Patient%d||19610412|F|||1 Main St^^Springfield^IL^62701\r"
            "PV1|1|I|W1^101^A||||1234567893^Attend^Ann||||||||||||V%s^^^FAC^VN|||||||||||||||||||"
            "||||||20240305110000\r",
            id, i, id, p, id);
    else
        (void)folio_snprintf(
            out, cap,
            "MSH|^~\\&|BENCHLAB|FAC|FOLIO|HOSP|20240305120000||ORU^R01^ORU_R01|%s-%d|P|2.5.1\r"
            "PID|1||%s^^^FAC^MR||Bench^Patient%d||19610412|F\r"
            "PV1|1|I|W1^101^A||||||||||||||||V%s^^^FAC^VN\r"
            "OBR|1|PL%s|FL%s|2345-7^Glucose^LN|||20240305113000\r"
            "OBX|1|NM|2345-7^Glucose^LN||%d|mg/dL|70-99|N|||F|||20240305113000\r",
            id, i, id, p, id, id, id, 70 + p % 60);
    return strlen(out);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct folio_mllp_client *c = calloc(1, sizeof(*c));
    struct folio_err err;
    struct folio_buf ack;
    double *sent = calloc((size_t)w->n + 1, sizeof(double));
    char msg[2048];
    int next = 0, done = 0;

    memset(&err, 0, sizeof(err));
    folio_buf_init(&ack, 1u << 20);
    if (!c || !sent || folio_mllp_client_connect(c, w->to, &err) != FOLIO_OK) {
        fprintf(stderr, "bench_mllp: connect: %s\n", err.msg);
        w->lost = w->n;
        goto out;
    }
    while (done < w->n) {
        while (next < w->n && next - done < w->window) {
            size_t len = make_msg(w, next, msg, sizeof(msg));
            sent[next] = now_s();
            if (folio_mllp_client_send(c, msg, len, &err) != FOLIO_OK) {
                w->lost = w->n - done;
                goto out;
            }
            next++;
        }
        if (folio_mllp_client_recv(c, &ack, 60000, &err) != FOLIO_OK) {
            fprintf(stderr, "bench_mllp: %s\n", err.msg);
            w->lost = w->n - done;
            goto out;
        }
        w->lat[done] = now_s() - sent[done];
        if (strstr(ack.data, "MSA|AA|") || strstr(ack.data, "MSA|CA|"))
            w->ok++;
        else
            w->bad++;
        done++;
    }
out:
    if (c)
        folio_mllp_client_close(c);
    free(c);
    free(sent);
    folio_buf_release(&ack);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int run(const char *to, int conns, int total, int window, int run_no)
{
    struct worker *ws = calloc((size_t)conns, sizeof(*ws));
    pthread_t *th = calloc((size_t)conns, sizeof(*th));
    double *all = calloc((size_t)total + 1, sizeof(double));
    int per = total / conns, i, ok = 0, bad = 0, lost = 0;
    size_t n = 0;
    double t0, t1;

    if (!ws || !th || !all)
        return 1;
    per -= per % 2;
    for (i = 0; i < conns; i++) {
        ws[i].idx = i;
        ws[i].to = to;
        ws[i].n = per;
        ws[i].window = window;
        ws[i].run = run_no;
        ws[i].lat = calloc((size_t)per + 1, sizeof(double));
    }
    t0 = now_s();
    for (i = 0; i < conns; i++)
        (void)pthread_create(&th[i], NULL, worker_main, &ws[i]);
    for (i = 0; i < conns; i++)
        pthread_join(th[i], NULL);
    t1 = now_s();
    for (i = 0; i < conns; i++) {
        int k;
        ok += ws[i].ok;
        bad += ws[i].bad;
        lost += ws[i].lost;
        for (k = 0; k < ws[i].ok + ws[i].bad; k++)
            all[n++] = ws[i].lat[k];
        free(ws[i].lat);
    }
    qsort(all, n, sizeof(double), cmp_double);
    printf("mllp connections=%d window=%d messages=%zu  %.0f msg/s  ack p50 %.2f ms  p99 %.2f ms"
           "  (AA/CA %d, other %d, unanswered %d)\n",
           conns, window, n, (double)n / (t1 - t0), n ? all[n / 2] * 1e3 : 0.0,
           n ? all[(size_t)((double)n * 0.99)] * 1e3 : 0.0, ok, bad, lost);
    fflush(stdout);
    free(all);
    free(ws);
    free(th);
    return lost ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *to = NULL, *conn_list = "1,8";
    int total = 20000, window = 32, i, status = 0, run_no = (int)getpid();
    struct folio_mllp *m = NULL;
    char dir[] = "/tmp/folio-bench-mllp-XXXXXX", url[256], keyp[256], addr[64];
    struct folio_err err;

    memset(&err, 0, sizeof(err));
    for (i = 1; i < argc; i++) {
        int64_t v = 0;
        if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else if (strcmp(argv[i], "--messages") == 0 && i + 1 < argc &&
                 folio_sv_to_i64(folio_sv_from(argv[++i]), &v) == FOLIO_OK && v > 0)
            total = (int)v;
        else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc &&
                 folio_sv_to_i64(folio_sv_from(argv[++i]), &v) == FOLIO_OK && v > 0)
            window = (int)v;
        else if (strcmp(argv[i], "--connections") == 0 && i + 1 < argc)
            conn_list = argv[++i];
        else {
            /* scripts/run-bench.sh passes its own arguments to every benchmark: ignore them */
        }
    }
    if (!to) {
        struct folio_mllp_opts o;

        if (!mkdtemp(dir) || folio_crypto_init(&err) != FOLIO_OK) {
            fprintf(stderr, "bench_mllp: cannot make a temporary directory\n");
            return 1;
        }
        (void)folio_snprintf(url, sizeof(url), "sqlite:%s/bench.db", dir);
        (void)folio_snprintf(keyp, sizeof(keyp), "%s/key", dir);
        if (folio_key_create(keyp, &err) != FOLIO_OK) {
            fprintf(stderr, "bench_mllp: key: %s\n", err.msg);
            return 1;
        }
        folio_mllp_opts_defaults(&o);
        o.db_url = url;
        o.key_path = keyp;
        o.listen = "127.0.0.1:0";
        if (folio_mllp_start(&o, &m, &err) != FOLIO_OK) {
            fprintf(stderr, "bench_mllp: listener: %s\n", err.msg);
            return 1;
        }
        (void)folio_snprintf(addr, sizeof(addr), "127.0.0.1:%u", folio_mllp_port(m));
        to = addr;
        printf("mllp: in-process listener, SQLite %s (synchronous=FULL)\n", url);
    }
    {
        struct folio_sv list = folio_sv_from(conn_list), item;
        int k = 0;
        while (folio_sv_next_field(&list, ',', &item)) {
            int64_t c = 0;
            if (folio_sv_to_i64(item, &c) != FOLIO_OK || c < 1 || c > 256)
                continue;
            status |= run(to, (int)c, total, window, run_no * 16 + k++);
        }
    }
    if (m) {
        struct folio_mllp_stats st;
        folio_mllp_get_stats(m, &st);
        printf("mllp: %llu messages in %llu transactions (%.1f per commit)\n",
               (unsigned long long)st.messages, (unsigned long long)st.batches,
               st.batches ? (double)st.messages / (double)st.batches : 0.0);
        folio_mllp_stop(m);
        {
            char p[300];
            (void)folio_snprintf(p, sizeof(p), "%s/bench.db", dir);
            (void)unlink(p);
            (void)folio_snprintf(p, sizeof(p), "%s/bench.db-wal", dir);
            (void)unlink(p);
            (void)folio_snprintf(p, sizeof(p), "%s/bench.db-shm", dir);
            (void)unlink(p);
            (void)unlink(keyp);
            (void)rmdir(dir);
        }
    }
    return status;
}
