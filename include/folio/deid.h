/* De-identification of free text: finds the PHI spans of a clinical note (pure: no database, no
 * I/O) and writes the note with each span replaced by a tag such as [DATE].
 *
 * Rules, not a model: context cues (titles, "patient", "seen by", labels such as "MRN:"), shapes
 * (dates, phones, SSN, e-mail, URLs, IPs, Luhn-valid card numbers) and compact lists of common
 * US given and family names. Measured recall and precision: docs/deid.md. */
#ifndef FOLIO_DEID_H
#define FOLIO_DEID_H

#include "folio/base.h"

/* The 18 Safe Harbor identifiers, 45 CFR 164.514(b)(2)(i)(A)-(R), in the rule's order. The
 * numbers and the names of folio_deid_type_name() are stable (JSON, reports). */
enum folio_deid_type {
    FOLIO_DEID_NAME = 0,        /* (A) names */
    FOLIO_DEID_GEOGRAPHIC = 1,  /* (B) subdivisions smaller than a state: street, city, ZIP */
    FOLIO_DEID_DATE = 2,        /* (C) dates except year; ages over 89 */
    FOLIO_DEID_PHONE = 3,       /* (D) telephone numbers */
    FOLIO_DEID_FAX = 4,         /* (E) fax numbers */
    FOLIO_DEID_EMAIL = 5,       /* (F) e-mail addresses */
    FOLIO_DEID_SSN = 6,         /* (G) social security numbers */
    FOLIO_DEID_MRN = 7,         /* (H) medical record numbers */
    FOLIO_DEID_HEALTH_PLAN = 8, /* (I) health plan beneficiary numbers */
    FOLIO_DEID_ACCOUNT = 9,     /* (J) account numbers (and card numbers) */
    FOLIO_DEID_LICENSE = 10,    /* (K) certificate/license numbers */
    FOLIO_DEID_VEHICLE = 11,    /* (L) vehicle identifiers, serial numbers, plates */
    FOLIO_DEID_DEVICE = 12,     /* (M) device identifiers and serial numbers */
    FOLIO_DEID_URL = 13,        /* (N) web URLs (and bare domain names) */
    FOLIO_DEID_IP = 14,         /* (O) IP addresses */
    FOLIO_DEID_BIOMETRIC = 15,  /* (P) biometric identifiers */
    FOLIO_DEID_PHOTO = 16,      /* (Q) full-face photographs */
    FOLIO_DEID_OTHER = 17,      /* (R) any other unique identifying number or code */
    FOLIO_DEID_NTYPES = 18
};

/* "name", "geographic", "date", ... "other"; "unknown" out of range. Never NULL. */
const char *folio_deid_type_name(enum folio_deid_type t);
/* The replacement tag without brackets: "NAME", "GEOGRAPHIC", "DATE", ... Never NULL. */
const char *folio_deid_type_tag(enum folio_deid_type t);
/* Parses a stable name back; false when unknown. */
bool folio_deid_type_from_name(const char *name, enum folio_deid_type *out);

/* Notes larger than this are refused (FOLIO_ETOOBIG). */
#define FOLIO_DEID_TEXT_MAX ((size_t)1 << 20)

/* One span: bytes [start, end) of the input. */
struct folio_deid_span {
    size_t start;
    size_t end;
    enum folio_deid_type type;
};

/* Spans sorted by start, non-overlapping. Heap-owned: release with folio_deid_spans_release. */
struct folio_deid_spans {
    struct folio_deid_span *v;
    size_t n;
    size_t cap;
};
void folio_deid_spans_release(struct folio_deid_spans *s); /* accepts NULL; struct reusable */

/* Finds the PHI spans of text[0..len) (UTF-8) into out (which must be empty or released).
 * EINVAL for invalid UTF-8 (the message names the byte offset) or a NUL byte, ETOOBIG over
 * FOLIO_DEID_TEXT_MAX, ENOMEM. On error out is empty. */
enum folio_rc folio_deid_text_find(const char *text, size_t len, struct folio_deid_spans *out,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* What was removed: spans per type. */
struct folio_deid_report {
    size_t count[FOLIO_DEID_NTYPES];
    size_t total;
};

/* Appends text with every span of spans replaced by "[TAG]" to out and, when report is not
 * NULL, fills it. spans must come from folio_deid_text_find on the same text. */
enum folio_rc folio_deid_text_apply(const char *text, size_t len,
                                    const struct folio_deid_spans *spans, struct folio_buf *out,
                                    struct folio_deid_report *report) FOLIO_MUST_USE;

/* find + apply in one call. Same errors as folio_deid_text_find, plus the buffer's ETOOBIG. */
enum folio_rc folio_deid_text_redact(const char *text, size_t len, struct folio_buf *out,
                                     struct folio_deid_report *report,
                                     struct folio_err *err) FOLIO_MUST_USE;

/* Appends [{"start":N,"end":N,"type":"name"},...] (no newline) to out. */
enum folio_rc folio_deid_spans_json(const struct folio_deid_spans *spans,
                                    struct folio_buf *out) FOLIO_MUST_USE;

/* Name lists (src/deid/names.c): ASCII case-insensitive membership of a word (ptr, len). */
bool folio_deid_is_given_name(const char *p, size_t len);
bool folio_deid_is_family_name(const char *p, size_t len);

#endif
