/* HL7 v2 internals shared by the files of src/interop/hl7v2. */
#ifndef FOLIO_HL7V2_INT_H
#define FOLIO_HL7V2_INT_H

#include "folio/base.h"
#include "folio/hl7v2.h"

/* One field: offset and length into msg->bytes. */
struct hl7_field {
    size_t off, len;
};

struct hl7_seg {
    char id[4];
    unsigned seq;       /* 1-based occurrence of this id */
    size_t off, len;    /* the segment without terminator */
    size_t first_field; /* index into msg->fields of field 1 */
    unsigned nfields;   /* number of the last field present */
};

struct folio_hl7_msg {
    char *bytes; /* owned copy of the input, NUL-terminated */
    size_t len;
    struct folio_hl7_delims d;
    struct hl7_seg *segs;
    size_t nsegs, cap_segs;
    struct hl7_field *fields;
    size_t nfields, cap_fields;
    struct folio_hl7_msh msh;
    struct folio_arena arena; /* MSH strings */
};

/* Splits v at sep and returns the n-th piece (1-based); {NULL,0} when there are fewer. */
struct folio_sv hl7_piece(struct folio_sv v, char sep, unsigned n);
/* Number of pieces of v split at sep (0 when v is absent or empty). */
unsigned hl7_piece_count(struct folio_sv v, char sep);

#endif
