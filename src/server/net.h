/* Internal: network addresses shared by the HTTP and MLLP listeners and the MLLP client. */
#ifndef FOLIO_SERVER_NET_H
#define FOLIO_SERVER_NET_H

#include "folio/base.h"

#include <sys/socket.h>

/* Parses "HOST:PORT", "[IPv6]:PORT" or ":PORT" (127.0.0.1) and resolves it numerically for the
 * port: *ss and *sslen get the first address, *loopback whether it is a loopback address (127/8,
 * ::1, ::ffff:127.x), host_out (may be NULL) the host part. FOLIO_EUSAGE with field `what`
 * naming the bad value. */
enum folio_rc folio_net_parse_hostport(const char *s, const char *what, struct sockaddr_storage *ss,
                                       socklen_t *sslen, bool *loopback, char *host_out,
                                       size_t host_cap, struct folio_err *err) FOLIO_MUST_USE;

#endif
