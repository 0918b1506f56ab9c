/* Internal: the SQL migrations embedded at build time (cmake/embed_migrations.cmake). */
#ifndef FOLIO_STORE_MIGRATIONS_H
#define FOLIO_STORE_MIGRATIONS_H

#include <stddef.h>

struct folio_migration {
    const char *name; /* file name, e.g. "0001_chart.sql" or "0003_x.pg.sql"; sorted */
    const char *sql;  /* NUL-terminated file contents, tokens not yet replaced */
};
extern const struct folio_migration folio_migrations[];
extern const size_t folio_migrations_count;

#endif
