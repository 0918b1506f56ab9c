/* Internal contract between the encoder's files (encoder.c, encoder_files.c, synonyms.c,
 * pcs_builder.c). Not installed; nothing outside src/coding includes it. */
#ifndef FOLIO_ENCODER_INT_H
#define FOLIO_ENCODER_INT_H

#include "folio/base.h"
#include "folio/encoder.h"

/* Lower-case word splitter shared by the index and the queries: ASCII letters and digits (and any
 * byte >= 0x80) form words; an apostrophe inside a word is dropped ("Alzheimer's" ->
 * "alzheimers"); everything else separates. Calls fn for each word (at most 63 bytes: longer
 * words are cut). fn returns non-zero to stop, which is returned. */
typedef int (*enc_word_fn)(void *ctx, const char *w, size_t len, size_t index);
int enc_split_words(const char *s, size_t len, enc_word_fn fn, void *ctx);

/* Words too common to index or to require ("of", "and", "with", ...). */
bool enc_is_stopword(const char *w, size_t len);

#define ENC_MAX_WORD 63

/* Every code the PCS tables expand to, with its composed title, in table order (pcs_builder.c). */
typedef enum folio_rc (*enc_pcs_code_fn)(void *ctx, const char *code, const char *title,
                                         struct folio_err *err);
enum folio_rc enc_pcs_expand(const struct folio_pcs_tables *t, enc_pcs_code_fn fn, void *ctx,
                             struct folio_err *err) FOLIO_MUST_USE;

#endif
