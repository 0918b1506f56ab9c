/* Operational log: event names, numbers and literals only, never PHI. */
#include "folio/base.h"
#include "folio/log.h"
#include "folio/time.h"

#include <pthread.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum folio_log_level log_min = FOLIO_LOG_INFO;
static FILE *log_file; /* NULL = stderr */

void folio_log_set_level(enum folio_log_level min)
{
    pthread_mutex_lock(&log_lock);
    log_min = min;
    pthread_mutex_unlock(&log_lock);
}

void folio_log_set_file(FILE *f)
{
    pthread_mutex_lock(&log_lock);
    log_file = f;
    pthread_mutex_unlock(&log_lock);
}

static const char *level_name(enum folio_log_level l)
{
    switch (l) {
    case FOLIO_LOG_DEBUG:
        return "debug";
    case FOLIO_LOG_INFO:
        return "info";
    case FOLIO_LOG_WARN:
        return "warn";
    case FOLIO_LOG_ERROR:
        return "error";
    }
    return "unknown";
}

/* A literal with a space, quote or '=' is quoted so lines stay key=value parseable. */
static bool needs_quotes(const char *s)
{
    if (*s == '\0')
        return true;
    for (; *s; s++) {
        if (*s == ' ' || *s == '"' || *s == '=' || (unsigned char)*s < 0x20)
            return true;
    }
    return false;
}

static void append_lit(char *line, size_t cap, size_t *n, const char *s)
{
    if (*n >= cap - 1)
        return;
    if (!needs_quotes(s)) {
        (void)folio_snprintf(line + *n, cap - *n, "%s", s);
    } else {
        if (*n + 3 > cap) /* no room for both quotes and the NUL: cut the line here */
            return;
        size_t i = *n;
        line[i++] = '"';
        for (; *s && i < cap - 2; s++) {
            char ch = *s;
            if (ch == '"' || (unsigned char)ch < 0x20)
                ch = '\'';
            line[i++] = ch;
        }
        line[i++] = '"';
        line[i] = '\0';
    }
    *n = strlen(line);
}

void folio_log_(enum folio_log_level level, const char *event, ...)
{
    char line[2048];
    char ts[32];
    size_t n;
    va_list ap;

    pthread_mutex_lock(&log_lock);
    bool on = level >= log_min;
    pthread_mutex_unlock(&log_lock);
    if (!on)
        return;

    folio_time_now_utc(ts);
    (void)folio_snprintf(line, sizeof(line), "%s level=%s event=%s", ts, level_name(level),
                         event ? event : "-");
    n = strlen(line);
    va_start(ap, event);
    for (;;) {
        struct folio_log_field f = va_arg(ap, struct folio_log_field);
        if (f.kind == FOLIO_LOGF_END || n >= sizeof(line) - 1)
            break;
        (void)folio_snprintf(line + n, sizeof(line) - n, " %s=", f.key ? f.key : "?");
        n = strlen(line);
        switch (f.kind) {
        case FOLIO_LOGF_INT:
            (void)folio_snprintf(line + n, sizeof(line) - n, "%lld", (long long)f.i);
            n = strlen(line);
            break;
        case FOLIO_LOGF_LIT:
            append_lit(line, sizeof(line), &n, f.lit ? f.lit : "");
            break;
        case FOLIO_LOGF_RC:
            (void)folio_snprintf(line + n, sizeof(line) - n, "%s",
                                 folio_rc_name((enum folio_rc)f.i));
            n = strlen(line);
            break;
        case FOLIO_LOGF_END:
            break;
        }
    }
    va_end(ap);

    pthread_mutex_lock(&log_lock);
    FILE *out = log_file ? log_file : stderr;
    fputs(line, out);
    fputc('\n', out);
    fflush(out);
    pthread_mutex_unlock(&log_lock);
}
