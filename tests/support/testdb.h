/* Test support: every test gets an empty, migrated database of the backend under test.
 *
 * FOLIO_TEST_DB selects the backend:
 *   unset or "sqlite"        a new SQLite file in a fresh temporary directory;
 *   "postgresql://..."       an admin URL of a running server: a new database is created for
 *                            each call (CREATE DATABASE folio_t_<pid>_<n>) and dropped on close.
 * scripts/test-postgres.sh starts a throwaway cluster and sets FOLIO_TEST_DB for a command. */
#ifndef FOLIO_TESTDB_H
#define FOLIO_TESTDB_H

#include "folio/base.h"
#include "folio/store.h"

/* Opens and migrates; fails the current cmocka test (fail_msg) on any error. */
struct folio_store *folio_test_store_open(void);
/* The URL of the database behind the last folio_test_store_open() (borrowed). */
const char *folio_test_store_url(void);
/* Closes the store and drops/removes the database. */
void folio_test_store_close(struct folio_store *s);
/* True when the backend under test is PostgreSQL. */
bool folio_test_backend_is_pg(void);
/* Path of ../shared/data (from FOLIO_SHARED) joined with rel, or NULL when absent: tests that
 * need shared data call skip() with a clear message then. Returns a static buffer. */
const char *folio_test_shared_path(const char *rel);

#endif
