/*
 * sb_net.c: Unix socket credentials (SO_PEERCRED) and diagnostics
 * (sock_diag(7)), and the socket calls of the forward relay: connecting,
 * sending, half-closing, resetting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "socketbridge_native.h"

/* SO_PEERCRED on a connected Unix socket. */
int32_t sb_peer_credentials(int32_t fd, int32_t *pid, uint32_t *uid, uint32_t *gid)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -errno;
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
}

/*
 * Is some process listening on the Unix socket file with this inode and
 * device? Asks the kernel through sock_diag(7) (NETLINK_SOCK_DIAG,
 * UNIX_DIAG_VFS), as ss(8) does, rather than connecting, which would hand
 * the other listener a connection. Returns 1, 0, or -errno when the kernel
 * cannot say.
 */
int32_t sb_unix_listener_exists(uint64_t ino, uint32_t major_dev, uint32_t minor_dev)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return -errno;

    struct {
        struct nlmsghdr nlh;
        struct unix_diag_req req;
    } request;
    memset(&request, 0, sizeof request);
    request.nlh.nlmsg_len = sizeof request;
    request.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    request.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.req.sdiag_family = AF_UNIX;
    request.req.udiag_states = 1u << 10; /* TCP_LISTEN */
    request.req.udiag_show = UDIAG_SHOW_VFS;

    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(fd, &request, sizeof request, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }

    int found = 0;
    long buffer[8192 / sizeof(long)];
    for (;;) {
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return -e;
        }
        struct nlmsghdr *h = (struct nlmsghdr *)buffer;
        for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                close(fd);
                return found;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *err = NLMSG_DATA(h);
                close(fd);
                return err->error < 0 ? err->error : -EIO;
            }
            struct unix_diag_msg *msg = NLMSG_DATA(h);
            struct rtattr *attr = (struct rtattr *)(msg + 1);
            int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *msg));
            for (; RTA_OK(attr, len); attr = RTA_NEXT(attr, len)) {
                if (attr->rta_type != UNIX_DIAG_VFS)
                    continue;
                struct unix_diag_vfs *vfs = RTA_DATA(attr);
                /* udiag_vfs_dev is the kernel's dev_t: major << 20 | minor. */
                if (vfs->udiag_vfs_ino == (uint32_t)ino
                    && (vfs->udiag_vfs_dev >> 20) == major_dev
                    && (vfs->udiag_vfs_dev & 0xfffff) == minor_dev)
                    found = 1;
            }
        }
    }
}

/* Waits until fd is readable (a connection is pending on a listening socket)
 * or timeout_ms passes. Returns 1 when readable, 0 on timeout, or -errno. */
int32_t sb_wait_readable(int32_t fd, int32_t timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int rc = poll(&p, 1, timeout_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : -errno;
    if (rc == 0)
        return 0;
    if (p.revents & POLLNVAL)
        return -EBADF;
    return 1;
}

int32_t sb_send(int32_t fd, const uint8_t *buffer, int32_t length)
{
    ssize_t n;
    do
        n = send(fd, buffer, (size_t)length, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (int32_t)n;
}

/* shutdown(fd, SHUT_WR): the relay passes an EOF on as a half-close.
 * Returns 0 or -errno. */
int32_t sb_shutdown_write(int32_t fd)
{
    return shutdown(fd, SHUT_WR) < 0 ? -errno : 0;
}

/* SO_LINGER with a zero timeout: closing the socket then resets the
 * connection (RST) instead of ending it (FIN). Returns 0 or -errno. */
int32_t sb_reset_on_close(int32_t fd)
{
    struct linger l = { .l_onoff = 1, .l_linger = 0 };
    return setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0 ? -errno : 0;
}

/* SO_ERROR: the pending error of a socket (how a non-blocking connect
 * ended), 0 for none. Returns the errno value, or -errno when it cannot
 * be read. */
int32_t sb_socket_error(int32_t fd)
{
    int error = 0;
    socklen_t length = sizeof(error);
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0 ? -errno : error;
}

/* A non-blocking, close-on-exec stream socket connecting to `address` (a
 * struct sockaddr of `length` bytes, as .NET's SocketAddress holds it; its
 * family is the socket's). Returns 0 when connected at once or -EINPROGRESS when the
 * connection is under way (either way *fd is the socket), or -errno, the
 * socket closed. A Unix socket whose listener's queue is full gives
 * -EAGAIN: try again later. */
int32_t sb_connect(const uint8_t *address, int32_t length, int32_t *fd)
{
    *fd = -1;
    if ((size_t)length < sizeof(sa_family_t))
        return -EINVAL;
    sa_family_t family;
    memcpy(&family, address, sizeof(family));
    int s = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    int rc;
    do
        rc = connect(s, (const struct sockaddr *)address, (socklen_t)length);
    while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno == EINPROGRESS) {
        /* To a local address the handshake has usually finished by now:
         * one look spares the caller a wait for writability. */
        struct pollfd p = { .fd = s, .events = POLLOUT };
        if (poll(&p, 1, 0) == 1) {
            int error = 0;
            socklen_t length = sizeof(error);
            if (getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &length) < 0)
                error = errno;
            if (error == 0) {
                *fd = s;
                return 0;
            }
            errno = error;
        }
    }
    if (rc < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(s);
        return -e;
    }
    *fd = s;
    return rc < 0 ? -EINPROGRESS : 0;
}


/* Takes one pending connection off a listening socket and closes it at
 * once, so a client the daemon cannot serve is told so (its connection
 * ends) instead of waiting in the backlog. Returns 0, or -errno: -EAGAIN
 * when none is pending, -EMFILE or -ENFILE when there is no descriptor to
 * take it with. */
int32_t sb_accept_and_close(int32_t listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return -errno;
    close(fd);
    return 0;
}
