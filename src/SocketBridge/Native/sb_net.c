/*
 * sb_net.c: Unix socket credentials (SO_PEERCRED) and diagnostics
 * (sock_diag(7)), and the socket calls of the forward relay: connecting,
 * sending, half-closing, resetting; and sd_notify(3) messages that pass a
 * descriptor to the service manager (its file-descriptor store).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "socketbridge_native.h"

/* SO_PEERCRED on a connected Unix socket. */
int32_t sb_peer_credentials(intptr_t fd, int32_t *pid, uint32_t *uid, uint32_t *gid)
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
 * device, or receiving datagrams at it? Asks the kernel through
 * sock_diag(7) (NETLINK_SOCK_DIAG, UNIX_DIAG_VFS), as ss(8) does, rather
 * than connecting, which would hand the other listener a connection. A
 * stream or seqpacket socket counts while it listens (the connections it
 * accepted share its file and outlive it); a datagram socket bound to the
 * file counts in any state. Returns 1, 0, or -errno when the kernel cannot say.
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
    request.req.udiag_states = ~0u;
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
            if (msg->udiag_state != 10 /* TCP_LISTEN */ && msg->udiag_type != SOCK_DGRAM)
                continue;
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

/* Waits until one of fds is readable (a connection is pending on a listening
 * socket: a handoff bridge watches all of its sockets at once) or timeout_ms
 * passes. Returns the index of the first readable one plus 1, 0 on timeout,
 * or -errno. */
int32_t sb_wait_any_readable(const int32_t *fds, int32_t count, int32_t timeout_ms)
{
    struct pollfd p[SB_MAX_LISTEN_FDS];
    if (count < 1 || count > SB_MAX_LISTEN_FDS)
        return -EINVAL;
    for (int i = 0; i < count; i++) {
        p[i].fd = fds[i];
        p[i].events = POLLIN;
        p[i].revents = 0;
    }
    int rc = poll(p, (nfds_t)count, timeout_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < count; i++) {
        if (p[i].revents & POLLNVAL)
            return -EBADF;
        if (p[i].revents)
            return i + 1;
    }
    return 0;
}

/* The same for one descriptor: 1 when readable, 0 on timeout, or -errno. */
int32_t sb_wait_readable(intptr_t fd, int32_t timeout_ms)
{
    int32_t one = (int32_t)fd;
    return sb_wait_any_readable(&one, 1, timeout_ms);
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
int32_t sb_socket_error(intptr_t fd)
{
    int error = 0;
    socklen_t length = sizeof(error);
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0 ? -errno : error;
}

/* A non-blocking, close-on-exec socket of `type` (SOCK_STREAM, or
 * SOCK_SEQPACKET for a unix-seqpacket Target) connecting to `address` (a
 * struct sockaddr of `length` bytes, as .NET's SocketAddress holds it; its
 * family is the socket's). Returns 0 when connected at once or -EINPROGRESS when the
 * connection is under way (either way *fd is the socket), or -errno, the
 * socket closed. A Unix socket whose listener's queue is full gives
 * -EAGAIN: try again later. */
int32_t sb_connect(const uint8_t *address, int32_t length, int32_t type, int32_t *fd)
{
    *fd = -1;
    if ((size_t)length < sizeof(sa_family_t))
        return -EINVAL;
    sa_family_t family;
    memcpy(&family, address, sizeof(family));
    if (type != SOCK_STREAM && type != SOCK_SEQPACKET)
        return -EINVAL;
    int s = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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


/* Sends one sock_diag request on a new NETLINK_SOCK_DIAG socket. Returns the
 * socket, or -errno. */
static int diag_request(const void *request, size_t length)
{
    int diag = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (diag < 0)
        return -errno;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(diag, request, length, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        int e = errno;
        close(diag);
        return -e;
    }
    return diag;
}

/* Asks sock_diag about the one Unix socket fd is, by its own inode
 * (*inode), for what show names (UDIAG_SHOW_*). Returns the netlink socket
 * to read the single reply from, or -errno. */
static int unix_diag_exact(int fd, uint32_t show, uint32_t *inode)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    *inode = (uint32_t)st.st_ino;
    struct {
        struct nlmsghdr nlh;
        struct unix_diag_req req;
    } request;
    memset(&request, 0, sizeof request);
    request.nlh.nlmsg_len = sizeof request;
    request.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    request.nlh.nlmsg_flags = NLM_F_REQUEST;
    request.req.sdiag_family = AF_UNIX;
    request.req.udiag_states = ~0u;
    request.req.udiag_ino = *inode;
    request.req.udiag_show = show;
    request.req.udiag_cookie[0] = ~0u; /* INET_DIAG_NOCOOKIE: any */
    request.req.udiag_cookie[1] = ~0u;
    return diag_request(&request, sizeof request);
}

/* Unix: the inodes of the clients' sockets of the pending connections
 * (UNIX_DIAG_ICONS), asked for the listener's own inode. */
static int32_t unix_queued(int fd, uint64_t *ids, int32_t capacity)
{
    uint32_t inode;
    int diag = unix_diag_exact(fd, UDIAG_SHOW_ICONS, &inode);
    if (diag < 0)
        return diag;

    /* One reply, 4 bytes a pending connection: its size first (MSG_TRUNC). */
    ssize_t n;
    do
        n = recv(diag, NULL, 0, MSG_PEEK | MSG_TRUNC);
    while (n < 0 && errno == EINTR);
    long *buffer = n > 0 ? malloc((size_t)n + sizeof(long)) : NULL;
    if (buffer == NULL) {
        int e = n < 0 ? errno : ENOMEM;
        close(diag);
        return -e;
    }
    do
        n = recv(diag, buffer, (size_t)n, 0);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(diag);
    if (n < 0) {
        free(buffer);
        return -e;
    }

    int32_t result = -EIO;

    for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type == NLMSG_ERROR) {
            struct nlmsgerr *err = NLMSG_DATA(h);
            result = err->error < 0 ? err->error : -EIO;
            break;
        }
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
            continue;
        struct unix_diag_msg *msg = NLMSG_DATA(h);
        struct rtattr *attr = (struct rtattr *)(msg + 1);
        int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *msg));
        result = 0; /* no UNIX_DIAG_ICONS: nothing pending */
        for (; RTA_OK(attr, len); attr = RTA_NEXT(attr, len)) {
            if (attr->rta_type != UNIX_DIAG_ICONS)
                continue;
            const uint32_t *inodes = RTA_DATA(attr);
            result = (int32_t)(RTA_PAYLOAD(attr) / sizeof(uint32_t));
            for (int32_t i = 0; i < result && i < capacity; i++)
                ids[i] = inodes[i];
        }
        break;
    }
    free(buffer);
    return result;
}

/* TCP: the listener's established children that no process holds yet
 * (inode 0: accept(2) has not given them a file), by socket cookie. A dump
 * of the established sockets of the listener's port (a bytecode filter, as
 * ss(8) sends), matched to its address. */
static int32_t tcp_queued(const struct sockaddr_storage *local, uint64_t *ids, int32_t capacity)
{
    uint16_t port = local->ss_family == AF_INET
        ? ntohs(((const struct sockaddr_in *)local)->sin_port)
        : ntohs(((const struct sockaddr_in6 *)local)->sin6_port);
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
        struct rtattr bytecode;
        struct inet_diag_bc_op ops[4];
    } request;
    memset(&request, 0, sizeof request);
    request.nlh.nlmsg_len = sizeof request;
    request.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    request.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.req.sdiag_family = local->ss_family;
    request.req.sdiag_protocol = IPPROTO_TCP;
    request.req.idiag_states = 1u << 1; /* TCP_ESTABLISHED */
    request.bytecode.rta_type = INET_DIAG_REQ_BYTECODE;
    request.bytecode.rta_len = RTA_LENGTH(sizeof request.ops);
    /* sport >= port and sport <= port; "no" jumps past the end: reject. */
    request.ops[0] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_GE, 8, 16 + 4 };
    request.ops[1] = (struct inet_diag_bc_op){ 0, 0, port };
    request.ops[2] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_LE, 8, 8 + 4 };
    request.ops[3] = (struct inet_diag_bc_op){ 0, 0, port };
    int diag = diag_request(&request, sizeof request);
    if (diag < 0)
        return diag;

    const struct sockaddr_in *in4 = (const struct sockaddr_in *)local;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)local;
    int any = local->ss_family == AF_INET ? in4->sin_addr.s_addr == htonl(INADDR_ANY)
                                          : IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
    int32_t count = 0;
    long buffer[16384 / sizeof(long)];
    for (;;) {
        ssize_t n = recv(diag, buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(diag);
            return -e;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                close(diag);
                return count;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *err = NLMSG_DATA(h);
                close(diag);
                return err->error < 0 ? err->error : -EIO;
            }
            const struct inet_diag_msg *msg = NLMSG_DATA(h);
            if (msg->idiag_inode != 0 || ntohs(msg->id.idiag_sport) != port)
                continue;
            if (!any && (local->ss_family == AF_INET
                    ? msg->id.idiag_src[0] != in4->sin_addr.s_addr
                    : memcmp(msg->id.idiag_src, &in6->sin6_addr, 16) != 0))
                continue;
            if (count < capacity)
                ids[count] = ((uint64_t)msg->id.idiag_cookie[1] << 32) | msg->id.idiag_cookie[0];
            count++;
        }
    }
}

/*
 * The connections waiting in a listening socket's accept queue, by an
 * identity that stays the same while they wait, asked of the kernel
 * (sock_diag(7)) without accepting any: so a handoff bridge can tell a
 * program that took connections from one that left the same ones queued.
 * Writes at most capacity ids; returns how many are queued (possibly more
 * than capacity), or -errno when the kernel cannot say.
 */
int32_t sb_queued_connections(intptr_t fd, uint64_t *ids, int32_t capacity)
{
    struct sockaddr_storage local;
    socklen_t length = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &length) < 0)
        return -errno;
    switch (local.ss_family) {
    case AF_UNIX:
        return unix_queued(fd, ids, capacity);
    case AF_INET:
    case AF_INET6:
        return tcp_queued(&local, ids, capacity);
    default:
        return -EAFNOSUPPORT;
    }
}

/*
 * The file a bound Unix socket made: its inode and the major and minor
 * numbers of its device, asked of the kernel through sock_diag(7) for this
 * one socket (by its own inode, UDIAG_SHOW_VFS). Lets the daemon make sure
 * that the file it is about to give an owner and a mode is the one its
 * bind(2) created, not something put at that name since. Returns 0, or
 * -errno (-ENOENT when the socket has no file).
 */
int32_t sb_unix_socket_file(intptr_t sock, uint64_t *ino, uint32_t *major_dev, uint32_t *minor_dev)
{
    uint32_t own;
    int diag = unix_diag_exact(sock, UDIAG_SHOW_VFS, &own);
    if (diag < 0)
        return diag;

    long buffer[8192 / sizeof(long)];
    ssize_t n;
    do
        n = recv(diag, buffer, sizeof buffer, 0);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(diag);
    if (n < 0)
        return -e;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type == NLMSG_ERROR) {
            struct nlmsgerr *err = NLMSG_DATA(h);
            return err->error < 0 ? err->error : -EIO;
        }
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
            continue;
        struct unix_diag_msg *msg = NLMSG_DATA(h);
        if (msg->udiag_ino != own)
            continue;
        struct rtattr *attr = (struct rtattr *)(msg + 1);
        int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *msg));
        for (; RTA_OK(attr, len); attr = RTA_NEXT(attr, len)) {
            if (attr->rta_type != UNIX_DIAG_VFS)
                continue;
            struct unix_diag_vfs *vfs = RTA_DATA(attr);
            /* udiag_vfs_dev is the kernel's dev_t: major << 20 | minor. */
            *ino = vfs->udiag_vfs_ino;
            *major_dev = vfs->udiag_vfs_dev >> 20;
            *minor_dev = vfs->udiag_vfs_dev & 0xfffff;
            return 0;
        }
        return -ENOENT;
    }
    return -EIO;
}

/* Takes one pending connection off a listening socket and closes it at
 * once, so a client the daemon cannot serve is told so (its connection
 * ends) instead of waiting in the backlog. Returns 0, or -errno: -EAGAIN
 * when none is pending, -EMFILE or -ENFILE when there is no descriptor to
 * take it with. */
int32_t sb_accept_and_close(intptr_t listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return -errno;
    close(fd);
    return 0;
}

/*
 * What waits in a datagram socket's receive queue, asked without taking
 * anything: recvfrom(2) with MSG_PEEK | MSG_TRUNC and no buffer gives the
 * first datagram's length and its sender, not one byte of it copied, and
 * SO_MEMINFO the memory the queue holds (SK_MEMINFO_RMEM_ALLOC: a UDP
 * socket's datagrams; a Unix datagram socket's are charged to their
 * senders, so 0 there). Lets a handoff bridge tell a program that read the
 * datagrams from one that left them. *sender_length holds the capacity of
 * sender on entry and the sender's length on return. Returns 1 with the
 * first datagram described, 0 when none waits, or -errno.
 */
int32_t sb_datagram_queue(intptr_t fd, int32_t *length, uint8_t *sender, int32_t *sender_length, int64_t *queued_bytes)
{
    uint32_t meminfo[SK_MEMINFO_VARS];
    socklen_t meminfo_length = sizeof meminfo;
    memset(meminfo, 0, sizeof meminfo);
    *queued_bytes = getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &meminfo_length) == 0
        ? (int64_t)meminfo[SK_MEMINFO_RMEM_ALLOC] : -1;

    socklen_t address_length = *sender_length > 0 ? (socklen_t)*sender_length : 0;
    ssize_t n;
    do
        n = recvfrom(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT,
                     address_length > 0 ? (struct sockaddr *)sender : NULL,
                     address_length > 0 ? &address_length : NULL);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        *length = 0;
        *sender_length = 0;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
    }
    *length = (int32_t)n;
    *sender_length = (int32_t)address_length;
    return 1;
}

/*
 * The wire protocol of sd_pid_notify_with_fds(3): one datagram to the
 * service manager's NOTIFY_SOCKET (a path, or '@' for the abstract
 * namespace) holding the message, with the descriptor (when pass_fd is not
 * -1) in an SCM_RIGHTS control message. MSG_DONTWAIT: a full queue at the
 * service manager is EAGAIN, never a daemon blocked on it.
 */
static int32_t notify(const char *address, const uint8_t *message, int32_t length, int pass_fd)
{
    struct sockaddr_un sa;
    size_t n = strlen(address);
    if (length < 0 || n < 2 || n >= sizeof sa.sun_path || (address[0] != '/' && address[0] != '@'))
        return -EINVAL;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, address, n);
    if (address[0] == '@')
        sa.sun_path[0] = '\0';
    /* A path counts its terminating NUL, an abstract name does not (as sd_notify's sockaddr_un_set_path). */
    socklen_t sa_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (address[0] == '/' ? 1 : 0));

    struct iovec iov = { .iov_base = (void *)message, .iov_len = (size_t)length };
    union {
        struct cmsghdr header;
        char buffer[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = { .msg_name = &sa, .msg_namelen = sa_length, .msg_iov = &iov, .msg_iovlen = 1 };
    if (pass_fd >= 0) {
        msg.msg_control = control.buffer;
        msg.msg_controllen = sizeof control.buffer;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }

    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    ssize_t sent;
    do
        sent = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    int32_t rc = sent < 0 ? -errno : 0;
    close(fd);
    return rc;
}

/* A notification without a descriptor (FDSTOREREMOVE=1...). Returns 0 or -errno. */
int32_t sb_notify(const char *address, const uint8_t *message, int32_t length)
{
    return notify(address, message, length, -1);
}

/* A notification passing fd along (FDSTORE=1). Returns 0 or -errno. */
int32_t sb_notify_with_fd(const char *address, const uint8_t *message, int32_t length, intptr_t fd)
{
    return fd < 0 || fd > INT32_MAX ? -EBADF : notify(address, message, length, (int)fd);
}
