/* Network addresses shared by the HTTP and MLLP listeners and the MLLP client (server/net.h). */
#include "folio/base.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "server/net.h"

enum folio_rc folio_net_parse_hostport(const char *s, const char *what, struct sockaddr_storage *ss,
                                    socklen_t *sslen, bool *loopback, char *host_out,
                                    size_t host_cap, struct folio_err *err)
{
    char host[256], port[8];
    const char *colon;
    struct addrinfo hints, *res = NULL;
    size_t hlen;
    int64_t pn;
    int gai;

    if (folio_str_empty(s))
        goto bad;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            goto bad;
        hlen = (size_t)(close - s - 1);
        if (hlen == 0 || hlen >= sizeof(host))
            goto bad;
        memcpy(host, s + 1, hlen);
        host[hlen] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            goto bad;
        hlen = (size_t)(colon - s);
        if (hlen >= sizeof(host) || memchr(s, ':', hlen))
            goto bad;
        if (hlen == 0)
            (void)folio_strlcpy(host, "127.0.0.1", sizeof(host));
        else {
            memcpy(host, s, hlen);
            host[hlen] = '\0';
        }
    }
    if (colon[1] == '-' || folio_sv_to_i64(folio_sv_from(colon + 1), &pn) != FOLIO_OK || pn < 0 ||
        pn > 65535)
        goto bad;
    (void)folio_snprintf(port, sizeof(port), "%lld", (long long)pn);
    if (host_out)
        (void)folio_strlcpy(host_out, host, host_cap);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0 || !res)
        return folio_err_set(err, FOLIO_EUSAGE, what, "cannot resolve address '%s': %s", s,
                             gai_strerror(gai));
    memset(ss, 0, sizeof(*ss));
    *sslen = res->ai_addrlen <= sizeof(*ss) ? (socklen_t)res->ai_addrlen : (socklen_t)sizeof(*ss);
    memcpy(ss, res->ai_addr, *sslen);
    freeaddrinfo(res);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        *loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        *loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
                    (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
    }
    return FOLIO_OK;
bad:
    return folio_err_set(err, FOLIO_EUSAGE, what,
                         "bad address '%s': want HOST:PORT, [IPv6]:PORT or :PORT", s ? s : "");
}

