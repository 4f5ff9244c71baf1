/*
 * sb_relay.c: the forward relay's event loop (epoll(7), eventfd(2),
 * splice(2)), and the messages of a seqpacket relay. struct epoll_event is packed on x86-64 and not elsewhere, so
 * it reaches managed code in one fixed layout (sb_epoll_event).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "socketbridge_native.h"

#define SB_EPOLL_BATCH 256

/* epoll_create1(EPOLL_CLOEXEC). Returns the descriptor or -errno. */
int32_t sb_epoll_create(void)
{
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* epoll_ctl(2) with the event's data as a 64-bit number. Returns 0 or -errno. */
int32_t sb_epoll_ctl(int32_t epfd, int32_t op, int32_t fd, uint32_t events, uint64_t data)
{
    struct epoll_event e = { .events = events, .data.u64 = data };
    return epoll_ctl(epfd, op, fd, &e) < 0 ? -errno : 0;
}

/* epoll_wait(2) into at most SB_EPOLL_BATCH sb_epoll_events. Returns how
 * many are ready (0 on timeout or EINTR) or -errno. */
int32_t sb_epoll_wait(int32_t epfd, sb_epoll_event *out, int32_t max, int32_t timeout_ms)
{
    struct epoll_event events[SB_EPOLL_BATCH];
    if (max > SB_EPOLL_BATCH)
        max = SB_EPOLL_BATCH;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        out[i].data = events[i].data.u64;
        out[i].events = events[i].events;
        out[i].reserved = 0;
    }
    return n;
}

/* eventfd(2), non-blocking, close-on-exec: how other threads wake the loop.
 * Returns the descriptor or -errno. */
int32_t sb_eventfd(void)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

/* Adds one to an eventfd (wakes a loop waiting on it). Returns 0 or -errno. */
int32_t sb_eventfd_signal(intptr_t fd)
{
    uint64_t one = 1;
    while (write(fd, &one, sizeof(one)) < 0) {
        if (errno == EAGAIN)
            return 0; /* the counter is full: a wake-up is pending anyway */
        if (errno != EINTR)
            return -errno;
    }
    return 0;
}

/* Resets an eventfd to zero. Returns 0 or -errno (-EAGAIN when it was zero). */
int32_t sb_eventfd_reset(int32_t fd)
{
    uint64_t value;
    while (read(fd, &value, sizeof(value)) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return 0;
}

/* splice(2) without offsets, never blocking on the pipe (the sockets are
 * non-blocking themselves). Returns the bytes moved, 0 at EOF, or -errno. */
int32_t sb_splice(int32_t fd_in, int32_t fd_out, int32_t length)
{
    ssize_t n;
    do
        n = splice(fd_in, NULL, fd_out, NULL, (size_t)length, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (int32_t)n;
}

/* read(2) and write(2) for the relay's copying fallback. Return the bytes
 * moved, 0 at EOF (read), or -errno. */
int32_t sb_read(int32_t fd, uint8_t *buffer, int32_t length)
{
    ssize_t n;
    do
        n = read(fd, buffer, (size_t)length);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (int32_t)n;
}

/* write(2) into the relay's pipe (what a socket could not take yet).
 * Returns the bytes written or -errno. */
int32_t sb_write(int32_t fd, const uint8_t *buffer, int32_t length)
{
    ssize_t n;
    do
        n = write(fd, buffer, (size_t)length);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : (int32_t)n;
}


/* The length of the next message waiting on a seqpacket socket, without
 * taking it (recv with MSG_PEEK | MSG_TRUNC and no buffer), so the relay
 * can read it whole into a buffer that holds it: a read into a smaller one
 * would drop the rest of the message. Returns the length (0 for an empty
 * message), or -errno (-EAGAIN when none waits); *end is 1 instead when the
 * peer has shut down its side and nothing is left (an empty message sent
 * just before that cannot be told from the end). */
int32_t sb_message_peek(int32_t fd, int32_t *end)
{
    *end = 0;
    ssize_t n;
    do
        n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0) {
        struct pollfd p = { .fd = fd, .events = POLLRDHUP };
        if (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP)))
            *end = 1;
    }
    return (int32_t)n;
}
