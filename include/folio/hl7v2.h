/* HL7 v2 messages (v2.3 to v2.8): parser, accessors, encoder, ACK builder, JSON tree. Pure: no
 * database, no I/O; everything works on memory the caller hands in. See docs/hl7v2.md.
 *
 * Parsing rules (HL7 v2.5.1 ch. 2, 2.5 "Message construction rules"; v2.7 2.5.5 truncation):
 * - a message starts with MSH (a leading UTF-8 BOM is skipped); batch envelopes (FHS/BHS) and
 *   MLLP framing bytes are not part of a message: split them off first;
 * - MSH-1 is the field separator itself (the byte after "MSH"); MSH-2 is the encoding characters:
 *   component, repetition, escape, subcomponent, and optionally a fifth, the truncation character
 *   (v2.7+, usually '#'). All must be distinct printable ASCII, not alphanumeric, not the field
 *   separator. Fewer than 4 or more than 5 is FOLIO_EPARSE;
 * - segments end with CR; LF and CRLF are accepted too; empty lines are skipped;
 * - a segment id is 3 characters [A-Z][A-Z0-9][A-Z0-9]; unknown and Z-segments are kept as they
 *   are; the id is followed by the field separator or the end of the segment;
 * - field numbering: for MSH, field 1 is the field separator and field 2 the encoding
 *   characters, so MSH-3 is the first field after MSH-2 (as the standard counts); for every other
 *   segment, field 1 is the first after the segment id;
 * - a NUL byte anywhere, or a control character other than CR/LF/TAB inside a segment, is
 *   FOLIO_EPARSE (MLLP start/end bytes 0x0B/0x1C included);
 * - limits (struct folio_hl7_limits) are checked while parsing: over a cap is FOLIO_ETOOBIG.
 * Parse errors fill err with the location in err->field ("PID-5", "OBX(3)-5", "segment 7") and a
 * message naming it; the value itself is never quoted in full (it may be PHI): at most its length.
 *
 * Values: absent (the segment or field is not in the message), empty ("||"), HL7 null (exactly
 * two double quotes, `""`: "delete this value") and valued are four different things; see
 * folio_hl7_presence().
 *
 * Escapes (HL7 v2.5.1 2.7): decoding turns \F\ \S\ \T\ \R\ \E\ into the message's delimiter
 * characters, \P\ (v2.7 truncation) into the truncation char, and \Xhh..\ into the bytes it names
 * (\X0D0A\ is CR LF). Formatting escapes (\H\ \N\ \.br\ \.sp\ \.in\ \.ti\ \.sk\ \.fi\ \.nf\
 * \.ce\), character set escapes (\Cxxyy\ \Mxxyyzz\) and local escapes (\Z..\) are KEPT as written
 * (FOLIO_HL7_DECODE_TEXT, the default), or turned into plain text with FOLIO_HL7_DECODE_PLAIN
 * (\.br\ and \.sp\ become LF, the others are dropped). An escape char without a closing one, or
 * a malformed \X..\, is kept literally. Raw accessors return the bytes as written.
 *
 * Ownership: a struct folio_hl7_msg owns a copy of the input bytes; every struct folio_sv and
 * const char * returned from it is borrowed and valid until folio_hl7_free(). */
#ifndef FOLIO_HL7V2_H
#define FOLIO_HL7V2_H

#include "folio/base.h"
#include <jansson.h>

/* "No segment": returned by folio_hl7_find() when nothing (more) matches. */
#define FOLIO_HL7_NONE ((size_t)-1)

struct folio_hl7_msg; /* opaque; from folio_hl7_parse(), freed by folio_hl7_free() */

struct folio_hl7_delims {
    char field; /* MSH-1, usually '|' */
    char comp;  /* '^' */
    char rep;   /* '~' */
    char esc;   /* '\\' */
    char sub;   /* '&' */
    char trunc; /* '#' when MSH-2 has a fifth character (v2.7+), else '\0' */
};
/* The standard set "|^~\&" without truncation character. */
extern const struct folio_hl7_delims folio_hl7_default_delims;

/* Caps checked while parsing; 0 selects the default shown. */
struct folio_hl7_limits {
    size_t max_message;  /* bytes of the whole message; 0 = 8 MiB */
    size_t max_segments; /* segments per message; 0 = 20000 */
    size_t max_fields;   /* fields per segment; 0 = 512 */
    size_t max_field;    /* bytes per field (all its repetitions); 0 = 4 MiB */
    size_t max_reps;     /* repetitions per field; 0 = 1000 */
};

/* A position inside one parsed message, by numbers. All numbers are 1-based.
 *   field 0          the whole segment (raw accessors only)
 *   rep 0            the whole field, every repetition as written (raw); for decoded access and
 *                    whenever comp > 0, rep 0 means the first repetition
 *   comp 0           the whole repetition;  sub 0  the whole component
 * MSH-1 and MSH-2 are single values (the separator, the encoding characters): they have no
 * repetitions or components and are never unescaped. */
struct folio_hl7_ref {
    size_t seg; /* segment index in the message, 0-based (folio_hl7_find, folio_hl7_path) */
    unsigned field, rep, comp, sub;
};

/* A location for errors and ERR-2 (ERL data type: segment id ^ sequence ^ field ^ repetition ^
 * component ^ subcomponent). seq is the 1-based occurrence of that segment id in the message
 * ("the 3rd OBX" = 3). seg_index is the 0-based index among all segments, or FOLIO_HL7_NONE when
 * not known. Numbers 0 = not applicable. seg "" = the message as a whole. */
struct folio_hl7_loc {
    char seg[4];
    unsigned seq;
    size_t seg_index;
    unsigned field, rep, comp, sub;
};

/* ---- parsing ---- */

/* Parses data (len bytes, borrowed; copied into the message). limits may be NULL (defaults).
 * On success *out is a new message the caller frees with folio_hl7_free(). On failure *out is
 * NULL; EPARSE (malformed: no MSH, bad MSH-2, bad segment id, NUL byte, ...) or ETOOBIG (a cap),
 * ENOMEM; err->field names the place; loc (may be NULL) gets the same place as numbers. */
enum folio_rc folio_hl7_parse(const char *data, size_t len, const struct folio_hl7_limits *limits,
                              struct folio_hl7_msg **out, struct folio_hl7_loc *loc,
                              struct folio_err *err) FOLIO_MUST_USE;
/* Parses only the first segment, which must be MSH: for answering (AR/AE) a message that the
 * full parse refused. Same rules and errors for the MSH segment, except that max_message is not
 * checked; the rest of data is ignored and not copied (folio_hl7_bytes() covers the MSH segment
 * only). */
enum folio_rc folio_hl7_parse_msh(const char *data, size_t len,
                                  const struct folio_hl7_limits *limits, struct folio_hl7_msg **out,
                                  struct folio_hl7_loc *loc, struct folio_err *err) FOLIO_MUST_USE;
void folio_hl7_free(struct folio_hl7_msg *m); /* NULL ok */

/* The original bytes as handed to parse (BOM and line ends as they were). */
struct folio_sv folio_hl7_bytes(const struct folio_hl7_msg *m);
const struct folio_hl7_delims *folio_hl7_delims(const struct folio_hl7_msg *m);

/* ---- segments ---- */

size_t folio_hl7_segment_count(const struct folio_hl7_msg *m);
/* Segment id of segment i ("PID"), NUL-terminated, borrowed; "" when i is out of range. */
const char *folio_hl7_segment_id(const struct folio_hl7_msg *m, size_t i);
/* 1-based occurrence of segment i's id up to and including i (the ERL "sequence"); 0 if out of
 * range. */
unsigned folio_hl7_segment_seq(const struct folio_hl7_msg *m, size_t i);
/* The whole segment as written, without its terminator. */
struct folio_sv folio_hl7_segment_raw(const struct folio_hl7_msg *m, size_t i);
/* Index of the first segment >= from whose id is id (3 chars), or FOLIO_HL7_NONE. Iterate:
 *   for (i = folio_hl7_find(m, "OBX", 0); i != FOLIO_HL7_NONE; i = folio_hl7_find(m, "OBX", i + 1))
 * Group context (which OBR an OBX belongs to) is the caller's: walk the indices in order. */
size_t folio_hl7_find(const struct folio_hl7_msg *m, const char *id, size_t from);
/* Number of the last field present in segment i (for MSH at least 2); 0 if none. */
unsigned folio_hl7_field_count(const struct folio_hl7_msg *m, size_t i);
/* Repetitions in a field (0 when the field is absent or empty), components in a repetition,
 * subcomponents in a component (0 when absent or empty; otherwise >= 1). */
unsigned folio_hl7_rep_count(const struct folio_hl7_msg *m, size_t seg, unsigned field);
unsigned folio_hl7_comp_count(const struct folio_hl7_msg *m, size_t seg, unsigned field,
                              unsigned rep);
unsigned folio_hl7_sub_count(const struct folio_hl7_msg *m, size_t seg, unsigned field,
                             unsigned rep, unsigned comp);

/* ---- values ---- */

enum folio_hl7_presence {
    FOLIO_HL7_ABSENT = 0, /* not in the message (segment, field, rep or component missing) */
    FOLIO_HL7_EMPTY = 1,  /* present but empty: "||" */
    FOLIO_HL7_NULL = 2,   /* HL7 null: exactly "" (two double quotes): delete the value */
    FOLIO_HL7_VALUED = 3, /* anything else */
};
enum folio_hl7_presence folio_hl7_presence(const struct folio_hl7_msg *m,
                                           const struct folio_hl7_ref *ref);

/* Raw bytes at ref (no unescaping). Absent: {NULL, 0}; empty: non-NULL pointer, len 0. */
struct folio_sv folio_hl7_raw(const struct folio_hl7_msg *m, const struct folio_hl7_ref *ref);

enum folio_hl7_decode {
    FOLIO_HL7_DECODE_TEXT = 0,  /* delimiter and \X..\ escapes decoded, formatting kept */
    FOLIO_HL7_DECODE_PLAIN = 1, /* as TEXT, and \.br\ \.sp\ -> LF, other formatting dropped */
};
/* Appends the decoded value at ref to out (absent or empty append nothing; HL7 null appends
 * `""` as written: test with folio_hl7_presence()). ETOOBIG over out's cap, ENOMEM. Decoded
 * bytes may contain anything \X..\ named, including NUL. */
enum folio_rc folio_hl7_get_buf(const struct folio_hl7_msg *m, const struct folio_hl7_ref *ref,
                                enum folio_hl7_decode mode, struct folio_buf *out,
                                struct folio_err *err) FOLIO_MUST_USE;
/* Decoded value as a NUL-terminated string in arena (absent and empty give ""). EPARSE when the
 * decoded value holds a NUL byte (from \X00\), err naming the place; ENOMEM. */
enum folio_rc folio_hl7_get_str(const struct folio_hl7_msg *m, const struct folio_hl7_ref *ref,
                                struct folio_arena *arena, const char **out,
                                struct folio_err *err) FOLIO_MUST_USE;

/* Position paths: SEG[(n)]-F[[r]][.C[.S]]
 *   "PID-5"         first PID, field 5      "PID-5[2].1.1"  2nd repetition, comp 1, sub 1
 *   "OBX(3)-5"      3rd OBX segment         "MSH-9.2"       trigger event
 * Fills ref. EINVAL for bad syntax or numbers (0, over 99999); ENOTFOUND when the message has no
 * such segment occurrence (ref->seg is then FOLIO_HL7_NONE, and accessors treat it as absent). */
enum folio_rc folio_hl7_path(const struct folio_hl7_msg *m, const char *path,
                             struct folio_hl7_ref *ref, struct folio_err *err) FOLIO_MUST_USE;
/* folio_hl7_path + folio_hl7_get_str in one: a missing segment gives "" (not an error); bad path
 * syntax is EINVAL. */
enum folio_rc folio_hl7_path_str(const struct folio_hl7_msg *m, const char *path,
                                 struct folio_arena *arena, const char **out,
                                 struct folio_err *err) FOLIO_MUST_USE;

/* Location of ref (ERL numbers) for errors and ERR-2. */
void folio_hl7_loc_of(const struct folio_hl7_msg *m, const struct folio_hl7_ref *ref,
                      struct folio_hl7_loc *loc);
/* "PID-5", "OBX(3)-5[2].1", "MSH", "segment 7" (no id known) or "message". Returns false if
 * truncated (cap >= 40 always suffices). */
bool folio_hl7_loc_format(const struct folio_hl7_loc *loc, char *out, size_t cap);

/* ---- MSH convenience ---- */

/* Decoded values of the header (first component where the type has components), filled at
 * parse time; every pointer non-NULL ("" when absent), borrowed from the message. */
struct folio_hl7_msh {
    const char *sending_app;        /* MSH-3.1 */
    const char *sending_facility;   /* MSH-4.1 */
    const char *receiving_app;      /* MSH-5.1 */
    const char *receiving_facility; /* MSH-6.1 */
    const char *datetime;           /* MSH-7.1, as written (HL7 DTM; parse with folio/time.h) */
    const char *msg_type;           /* MSH-9.1, e.g. "ADT" */
    const char *trigger;            /* MSH-9.2, e.g. "A01" */
    const char *structure;          /* MSH-9.3, e.g. "ADT_A01" ("" before v2.3.1) */
    const char *control_id;         /* MSH-10 */
    const char *processing_id;      /* MSH-11.1: P, D, T */
    const char *version;            /* MSH-12.1, e.g. "2.5.1" */
    const char *accept_ack;         /* MSH-15: AL, NE, ER, SU ("" = original mode) */
    const char *app_ack;            /* MSH-16 */
    const char *charset;            /* MSH-18, first repetition, e.g. "UNICODE UTF-8", "8859/1" */
};
const struct folio_hl7_msh *folio_hl7_msh(const struct folio_hl7_msg *m);

/* ---- escaping ---- */

/* Appends s (len bytes) escaped for d: field, comp, rep, sub, esc (and trunc when set) become
 * \F\ \S\ \R\ \T\ \E\ (\P\); CR and LF become \X0D\ \X0A\ (one \X0D0A\ for CRLF); other
 * control bytes \Xhh\. Any UTF-8 passes through. ETOOBIG over out's cap. */
enum folio_rc folio_hl7_escape(const struct folio_hl7_delims *d, const char *s, size_t len,
                               struct folio_buf *out) FOLIO_MUST_USE;
/* Appends raw (as written in a message with delimiters d) decoded per mode. ETOOBIG, ENOMEM. */
enum folio_rc folio_hl7_unescape(const struct folio_hl7_delims *d, const char *raw, size_t len,
                                 enum folio_hl7_decode mode, struct folio_buf *out) FOLIO_MUST_USE;

/* ---- building messages ---- */

/* A builder holds one message under construction. Segments are added in order; within the
 * current segment values are set by position in any order (setting a position twice replaces
 * it); unset positions are left empty and trailing delimiters are not written. Output segments
 * end with CR. */
struct folio_hl7_builder;
/* d NULL = folio_hl7_default_delims. max_bytes caps the encoded message (0 = 8 MiB). */
enum folio_rc folio_hl7_builder_new(const struct folio_hl7_delims *d, size_t max_bytes,
                                    struct folio_hl7_builder **out,
                                    struct folio_err *err) FOLIO_MUST_USE;
void folio_hl7_builder_free(struct folio_hl7_builder *b); /* NULL ok */
/* Starts a new segment (ends the current one). id: 3 chars [A-Z][A-Z0-9]{2}, else EINVAL.
 * For "MSH", MSH-1 and MSH-2 are written from the delimiters; set from MSH-3 on. */
enum folio_rc folio_hl7_build_segment(struct folio_hl7_builder *b, const char *id,
                                      struct folio_err *err) FOLIO_MUST_USE;
/* Sets the value at field/rep/comp/sub (1-based; 0 is taken as 1) of the current segment,
 * escaped. EINVAL without a current segment, for MSH-1/MSH-2, or a position over 9999.
 * value NULL = empty. */
enum folio_rc folio_hl7_build_set(struct folio_hl7_builder *b, unsigned field, unsigned rep,
                                  unsigned comp, unsigned sub, const char *value, size_t len,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* Same, NUL-terminated value (NULL = empty). */
enum folio_rc folio_hl7_build_set_str(struct folio_hl7_builder *b, unsigned field, unsigned rep,
                                      unsigned comp, unsigned sub, const char *value,
                                      struct folio_err *err) FOLIO_MUST_USE;
/* Same, written as is (already encoded with the builder's delimiters, e.g. a raw field copied
 * from a received message with the same delimiters). Only CR, LF and NUL are refused (EINVAL). */
enum folio_rc folio_hl7_build_set_raw(struct folio_hl7_builder *b, unsigned field, unsigned rep,
                                      unsigned comp, unsigned sub, const char *raw, size_t len,
                                      struct folio_err *err) FOLIO_MUST_USE;
/* Writes the HL7 null `""` at the position. */
enum folio_rc folio_hl7_build_set_null(struct folio_hl7_builder *b, unsigned field, unsigned rep,
                                       unsigned comp, unsigned sub,
                                       struct folio_err *err) FOLIO_MUST_USE;
/* Appends the whole message (every segment CR-terminated) to out; the builder stays usable and
 * unchanged. ETOOBIG over max_bytes or out's cap; EINVAL when no segment was added. */
enum folio_rc folio_hl7_build_finish(struct folio_hl7_builder *b, struct folio_buf *out,
                                     struct folio_err *err) FOLIO_MUST_USE;

/* ---- acknowledgements ---- */

/* One ERR segment (HL7 table 0357 codes; severity table 0516). */
struct folio_hl7_ack_error {
    struct folio_hl7_loc loc; /* ERR-2 (ERL); loc.seg "" = no location */
    int code;                 /* ERR-3.1, table 0357: FOLIO_HL7_E_* */
    char severity;            /* ERR-4: 'E', 'W' or 'I'; 0 = 'E' */
    const char *user_msg;     /* ERR-8 (and ERR-3.2 text of the code is added); may be NULL */
    const char *diagnostic;   /* ERR-7 diagnostic information; may be NULL */
};

/* HL7 table 0357, message error condition codes. */
enum folio_hl7_error_code {
    FOLIO_HL7_E_ACCEPTED = 0,
    FOLIO_HL7_E_SEGMENT_SEQUENCE = 100,
    FOLIO_HL7_E_REQUIRED_MISSING = 101,
    FOLIO_HL7_E_DATA_TYPE = 102,
    FOLIO_HL7_E_TABLE_VALUE = 103,
    FOLIO_HL7_E_VALUE_TOO_LONG = 104,
    FOLIO_HL7_E_UNSUPPORTED_TYPE = 200,
    FOLIO_HL7_E_UNSUPPORTED_EVENT = 201,
    FOLIO_HL7_E_UNSUPPORTED_PROCESSING_ID = 202,
    FOLIO_HL7_E_UNSUPPORTED_VERSION = 203,
    FOLIO_HL7_E_UNKNOWN_KEY = 204,
    FOLIO_HL7_E_DUPLICATE_KEY = 205,
    FOLIO_HL7_E_RECORD_LOCKED = 206,
    FOLIO_HL7_E_INTERNAL = 207,
};
/* Text of a table 0357 code ("Required field missing"); "Unknown error" otherwise. */
const char *folio_hl7_error_text(int code);

struct folio_hl7_ack_opts {
    const char *code;       /* MSA-1: "AA" "AE" "AR" (original) or "CA" "CE" "CR" (enhanced) */
    const char *control_id; /* MSH-10 of the ACK: required, non-empty */
    const char *datetime;   /* MSH-7 (HL7 DTM); required, non-empty */
    const char *text;       /* MSA-3 text message; may be NULL */
    const char *accept_ack; /* MSH-15 / MSH-16 of the ACK; may be NULL (enhanced-mode rules */
    const char *app_ack;    /*   of what to ask for are the caller's) */
    const struct folio_hl7_ack_error *errors; /* ERR segments, in order; may be NULL */
    size_t n_errors;
};
/* Appends an ACK answering received to out, with received's delimiters:
 *   MSH: MSH-3/4 <- received MSH-5/6, MSH-5/6 <- received MSH-3/4 (as written), MSH-7 datetime,
 *        MSH-9 ACK^<received trigger>^ACK (no third component for v2.3 and older), MSH-10
 *        control_id, MSH-11 and MSH-12 and MSH-18 copied from received, MSH-15/16 from opts;
 *   MSA: MSA-1 code, MSA-2 received MSH-10 (as written), MSA-3 text;
 *   ERR: one per error; for v2.5 and later ERR-2 location, ERR-3 code^text^HL70357, ERR-4
 *        severity, ERR-7, ERR-8; before v2.5 ERR-1 (ELD: seg^seq^field^code&text&HL70357).
 * received may come from folio_hl7_parse_msh(). EINVAL for a bad code or missing
 * control_id/datetime; ETOOBIG over out's cap. */
enum folio_rc folio_hl7_ack(const struct folio_hl7_msg *received,
                            const struct folio_hl7_ack_opts *opts, struct folio_buf *out,
                            struct folio_err *err) FOLIO_MUST_USE;

/* ---- tree for the interface analyst UI ---- */

/* Field name for common segments (MSH EVN PID PV1 PV2 NK1 IN1 DG1 PR1 OBR OBX TXA MRG ORC NTE
 * ERR MSA), e.g. ("PID", 5) -> "Patient Name"; NULL when unknown. */
const char *folio_hl7_field_name(const char *seg, unsigned field);

/* Renders m as a JSON tree (new reference in *out):
 *   {"delimiters": "|^~\\&", "version": "2.5.1", "type": "ADT^A01",
 *    "segments": [{"index": 0, "id": "PID", "seq": 1,
 *       "fields": [{"pos": "PID-5", "name": "Patient Name", "raw": "...", "value": "...",
 *                   "null": true (only for HL7 null),
 *                   "reps": [{"rep": 1, "value": "...",
 *                             "components": [{"pos": "PID-5.1", "value": "...",
 *                                             "subs": [{"pos": "PID-5.1.1", "value":
 * "..."}]}]}]}]}]} Only non-empty fields are listed; "name" only when known; "reps" only when the
 * field has more than one repetition or a component or subcomponent separator; "components" only
 * when the repetition has more than one component or a subcomponent separator; "subs" only with
 * more than one subcomponent. Values are decoded (FOLIO_HL7_DECODE_TEXT); bytes that are not valid
 * UTF-8 are read as ISO 8859-1 so the JSON stays valid. At most 200,000 fields, repetitions,
 * components and subcomponents are listed; past that the rest is left out and the root has
 * "truncated": true. ENOMEM. */
enum folio_rc folio_hl7_tree(const struct folio_hl7_msg *m, json_t **out,
                             struct folio_err *err) FOLIO_MUST_USE;

#endif
