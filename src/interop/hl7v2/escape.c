/* HL7 v2 escape sequences. HL7 v2.5.1 2.7 "Use of escape sequences in text fields"; v2.7 2.7
 * adds \P\ for the truncation character. */
#include "folio/base.h"
#include "folio/hl7v2.h"

#include "hl7v2_int.h"

static const char hexdig[] = "0123456789ABCDEF";

static bool is_ctl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

enum folio_rc folio_hl7_escape(const struct folio_hl7_delims *d, const char *s, size_t len,
                               struct folio_buf *out)
{
    size_t i = 0, start_len = out->len;
    enum folio_rc rc = FOLIO_OK;
    while (i < len) {
        size_t run = i;
        char c = s[i], code = 0;
        /* copy a run of ordinary bytes at once */
        while (run < len && !is_ctl((unsigned char)s[run]) && s[run] != d->field &&
               s[run] != d->comp && s[run] != d->rep && s[run] != d->esc && s[run] != d->sub &&
               !(d->trunc && s[run] == d->trunc))
            run++;
        if (run > i) {
            rc = folio_buf_append(out, s + i, run - i);
            if (rc)
                goto out;
            i = run;
            continue;
        }
        if (is_ctl((unsigned char)c)) {
            rc = folio_buf_append_ch(out, d->esc);
            if (!rc)
                rc = folio_buf_append_ch(out, 'X');
            while (!rc && i < len && is_ctl((unsigned char)s[i])) {
                unsigned char b = (unsigned char)s[i++];
                char hx[2] = {hexdig[b >> 4], hexdig[b & 15]};
                rc = folio_buf_append(out, hx, 2);
            }
            if (!rc)
                rc = folio_buf_append_ch(out, d->esc);
            if (rc)
                goto out;
            continue;
        }
        if (c == d->field)
            code = 'F';
        else if (c == d->comp)
            code = 'S';
        else if (c == d->sub)
            code = 'T';
        else if (c == d->rep)
            code = 'R';
        else if (c == d->esc)
            code = 'E';
        else
            code = 'P';
        {
            char e[3] = {d->esc, code, d->esc};
            rc = folio_buf_append(out, e, 3);
            if (rc)
                goto out;
        }
        i++;
    }
out:
    if (rc && out->len > start_len) {
        out->len = start_len;
        out->data[start_len] = '\0';
    }
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool seq_is(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

/* Formatting sequences (2.7.6, FT): \H\ \N\ \.br\ \.sp<n>\ \.fi\ \.nf\ \.in<n>\ \.ti<n>\
 * \.sk<n>\ \.ce\. */
static bool is_format(const char *p, size_t n)
{
    if (seq_is(p, n, "H") || seq_is(p, n, "N"))
        return true;
    if (n >= 2 && p[0] == '.')
        return (n >= 3 &&
                (memcmp(p, ".br", 3) == 0 || memcmp(p, ".sp", 3) == 0 || memcmp(p, ".fi", 3) == 0 ||
                 memcmp(p, ".nf", 3) == 0 || memcmp(p, ".in", 3) == 0 || memcmp(p, ".ti", 3) == 0 ||
                 memcmp(p, ".sk", 3) == 0 || memcmp(p, ".ce", 3) == 0));
    return false;
}

/* Character set (\Cxxyy\ \Mxxyyzz\) and local (\Z..\) escapes. */
static bool is_other_known(const char *p, size_t n)
{
    return n >= 1 && (p[0] == 'C' || p[0] == 'M' || p[0] == 'Z');
}

enum folio_rc folio_hl7_unescape(const struct folio_hl7_delims *d, const char *raw, size_t len,
                                 enum folio_hl7_decode mode, struct folio_buf *out)
{
    size_t i = 0, start_len = out->len;
    enum folio_rc rc = FOLIO_OK;
    while (i < len) {
        const char *q;
        const char *seq;
        size_t n, close;
        char one = 0;
        q = memchr(raw + i, d->esc, len - i);
        if (!q) {
            rc = folio_buf_append(out, raw + i, len - i);
            break;
        }
        if (q > raw + i) {
            rc = folio_buf_append(out, raw + i, (size_t)(q - (raw + i)));
            if (rc)
                break;
            i = (size_t)(q - raw);
        }
        /* raw[i] is the escape character */
        q = i + 1 < len ? memchr(raw + i + 1, d->esc, len - i - 1) : NULL;
        if (!q) { /* no closing escape: the rest is literal */
            rc = folio_buf_append(out, raw + i, len - i);
            break;
        }
        close = (size_t)(q - raw);
        seq = raw + i + 1;
        n = close - i - 1;
        if (seq_is(seq, n, "F"))
            one = d->field;
        else if (seq_is(seq, n, "S"))
            one = d->comp;
        else if (seq_is(seq, n, "T"))
            one = d->sub;
        else if (seq_is(seq, n, "R"))
            one = d->rep;
        else if (seq_is(seq, n, "E"))
            one = d->esc;
        else if (seq_is(seq, n, "P") && d->trunc)
            one = d->trunc;
        if (one) {
            rc = folio_buf_append_ch(out, one);
        } else if (n >= 3 && seq[0] == 'X' && (n - 1) % 2 == 0) {
            size_t k;
            bool ok = true;
            for (k = 1; k < n; k++)
                if (hexval(seq[k]) < 0)
                    ok = false;
            if (ok) {
                for (k = 1; k < n && !rc; k += 2) {
                    char b = (char)(unsigned char)(hexval(seq[k]) * 16 + hexval(seq[k + 1]));
                    rc = folio_buf_append_ch(out, b);
                }
            } else {
                rc = folio_buf_append(out, raw + i, n + 2);
            }
        } else if (mode == FOLIO_HL7_DECODE_PLAIN && is_format(seq, n)) {
            if (n >= 3 && memcmp(seq, ".br", 3) == 0) {
                rc = folio_buf_append_ch(out, '\n');
            } else if (n >= 3 && memcmp(seq, ".sp", 3) == 0) {
                /* \.sp<n>\: end the line and skip n (default 1) lines; at most 20 */
                unsigned lines = 0, k2;
                size_t k;
                for (k = 3; k < n && seq[k] >= '0' && seq[k] <= '9' && lines < 1000; k++)
                    lines = lines * 10 + (unsigned)(seq[k] - '0');
                if (lines == 0)
                    lines = 1;
                if (lines > 20)
                    lines = 20;
                for (k2 = 0; k2 < lines && !rc; k2++)
                    rc = folio_buf_append_ch(out, '\n');
            }
            /* other formatting sequences are dropped */
        } else if (mode == FOLIO_HL7_DECODE_PLAIN && is_other_known(seq, n)) {
            /* character set and local escapes: dropped in plain text */
        } else {
            /* formatting, character set, local, unknown: kept as written */
            rc = folio_buf_append(out, raw + i, n + 2);
        }
        if (rc)
            break;
        i = close + 1;
    }
    if (rc && out->len > start_len) {
        out->len = start_len;
        out->data[start_len] = '\0';
    }
    return rc;
}
