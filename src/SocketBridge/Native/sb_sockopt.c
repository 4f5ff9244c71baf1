/*
 * sb_sockopt.c: the socket options a bridge sets on its listening sockets
 * (systemd.socket(5)'s ReusePort=, FreeBind=, BindToDevice=, BindIPv6Only=,
 * DeferAcceptSec=, ReceiveBuffer=, SendBuffer=, Mark=, KeepAlive*=,
 * PassCredentials=), named by what they mean: the level and name of each
 * come from the system's headers here, so managed code carries no kernel
 * constants (socket(7), ip(7), ipv6(7), tcp(7), unix(7)).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "socketbridge_native.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78 /* linux/in6.h, Linux 4.15 */
#endif

static int32_t set_int(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof value) < 0 ? -errno : 0;
}

static int32_t get_int(int fd, int level, int name, int32_t *value)
{
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0)
        return -errno;
    *value = v;
    return 0;
}

/* The level and name of option for a socket of family; -ENOPROTOOPT when the
 * option has none there. */
static int32_t level_and_name(int32_t option, int family, int *level, int *name)
{
    switch (option) {
    case SB_SOCKOPT_REUSEADDR:    *level = SOL_SOCKET;  *name = SO_REUSEADDR; return 0;
    case SB_SOCKOPT_REUSEPORT:    *level = SOL_SOCKET;  *name = SO_REUSEPORT; return 0;
    case SB_SOCKOPT_FREEBIND:
        if (family == AF_INET6) {
            *level = IPPROTO_IPV6;
            *name = IPV6_FREEBIND;
        } else {
            *level = IPPROTO_IP;
            *name = IP_FREEBIND;
        }
        return 0;
    case SB_SOCKOPT_V6ONLY:       *level = IPPROTO_IPV6; *name = IPV6_V6ONLY; return 0;
    case SB_SOCKOPT_DEFER_ACCEPT: *level = IPPROTO_TCP; *name = TCP_DEFER_ACCEPT; return 0;
    case SB_SOCKOPT_RCVBUF:       *level = SOL_SOCKET;  *name = SO_RCVBUF; return 0;
    case SB_SOCKOPT_SNDBUF:       *level = SOL_SOCKET;  *name = SO_SNDBUF; return 0;
    case SB_SOCKOPT_MARK:         *level = SOL_SOCKET;  *name = SO_MARK; return 0;
    case SB_SOCKOPT_KEEPALIVE:    *level = SOL_SOCKET;  *name = SO_KEEPALIVE; return 0;
    case SB_SOCKOPT_KEEPIDLE:     *level = IPPROTO_TCP; *name = TCP_KEEPIDLE; return 0;
    case SB_SOCKOPT_KEEPINTVL:    *level = IPPROTO_TCP; *name = TCP_KEEPINTVL; return 0;
    case SB_SOCKOPT_KEEPCNT:      *level = IPPROTO_TCP; *name = TCP_KEEPCNT; return 0;
    case SB_SOCKOPT_PASSCRED:     *level = SOL_SOCKET;  *name = SO_PASSCRED; return 0;
    default:                      return -ENOPROTOOPT;
    }
}

static int socket_family(int fd)
{
    int family = AF_UNSPEC;
    socklen_t len = sizeof family;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0)
        return AF_UNSPEC;
    return family;
}

/*
 * Sets option (an SB_SOCKOPT_*) on fd to value. Buffer sizes go first
 * through SO_RCVBUFFORCE/SO_SNDBUFFORCE, which net.core.rmem_max and
 * wmem_max do not cap but which need CAP_NET_ADMIN, and then, without it,
 * through SO_RCVBUF/SO_SNDBUF, which the kernel caps there (systemd does the
 * same). IPv6's FreeBind falls back to IP_FREEBIND on kernels before 4.15,
 * which honour that on IPv6 sockets too. Returns 0 or -errno.
 */
int32_t sb_set_socket_option(intptr_t fd, int32_t option, int32_t value)
{
    if (option == SB_SOCKOPT_RCVBUF || option == SB_SOCKOPT_SNDBUF) {
        int32_t rc = set_int(fd, SOL_SOCKET, option == SB_SOCKOPT_RCVBUF ? SO_RCVBUFFORCE : SO_SNDBUFFORCE, value);
        if (rc != -EPERM)
            return rc;
    }
    int family = option == SB_SOCKOPT_FREEBIND ? socket_family(fd) : AF_UNSPEC;
    int level, name;
    int32_t rc = level_and_name(option, family, &level, &name);
    if (rc < 0)
        return rc;
    rc = set_int(fd, level, name, value);
    if (rc == -ENOPROTOOPT && option == SB_SOCKOPT_FREEBIND && family == AF_INET6)
        rc = set_int(fd, IPPROTO_IP, IP_FREEBIND, value);
    return rc;
}

/* Reads option (an SB_SOCKOPT_*) of fd into *value, as the kernel reports
 * it (a buffer size doubled, a defer-accept time rounded to its SYN-ACK
 * retransmissions). Returns 0 or -errno. */
int32_t sb_get_socket_option(intptr_t fd, int32_t option, int32_t *value)
{
    int level, name;
    int32_t rc = level_and_name(option, option == SB_SOCKOPT_FREEBIND ? socket_family(fd) : AF_UNSPEC, &level, &name);
    return rc < 0 ? rc : get_int(fd, level, name, value);
}

/* SO_BINDTODEVICE: only packets that came in through the interface name
 * reach the socket (an empty name unbinds it). Returns 0 or -errno. */
int32_t sb_bind_to_device(intptr_t fd, const char *name)
{
    return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name)) < 0 ? -errno : 0;
}

/* if_nametoindex(3): the index of network interface name, or 0 when there
 * is none. */
uint32_t sb_interface_index(const char *name)
{
    return if_nametoindex(name);
}
