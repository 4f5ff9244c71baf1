/*
 * socketbridge_native.c: the few things the daemon cannot do safely from
 * managed code.
 *
 * sb_spawn launches a program for a connection. A .NET process is
 * multithreaded, so the child must run no managed code between fork and
 * exec; like glibc's posix_spawn(3) (and .NET's own Process.Start) it uses
 * vfork(2) and does only async-signal-safe system calls in the child. Unlike
 * posix_spawn it can also put the child's own pid in LISTEN_PID
 * (sd_listen_fds(3)), drop privileges and start a new session, so the
 * program is set up with exactly one exec and no shell shim.
 *
 * Credentials are changed with raw system calls: glibc's setuid() family
 * broadcasts to every thread of the calling process, which in a vfork child
 * are the daemon's threads.
 *
 * sb_journal_send_memfd passes a journal entry too large for one datagram
 * to journald as a sealed memfd (systemd's native journal protocol).
 *
 * The sb_epoll_*, sb_splice and socket calls serve the forward relay's
 * event loop: they return -errno instead of setting errno, and struct
 * epoll_event (packed on x86-64, not elsewhere) is given to managed code in
 * one fixed layout.
 *
 * The rest are thin wrappers whose C structs (struct stat, struct passwd,
 * siginfo_t, struct ucred) differ between architectures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define SB_MAX_FDS 8

/* Mirrors SocketBridge.Native.SpawnRequest; keep the two in step. */
typedef struct {
    const char *path;          /* absolute path of the program */
    char *const *argv;         /* NULL-terminated */
    char *const *envp;         /* NULL-terminated */
    char *listen_pid_digits;   /* inside an envp string, 11 bytes, or NULL */
    const int32_t *fds;        /* child fd i becomes a copy of fds[i] */
    int32_t fd_count;          /* at most SB_MAX_FDS */
    int32_t new_session;       /* setsid() in the child */
    const char *working_directory; /* or NULL */
    int32_t set_credentials;   /* change uid, gid and groups */
    uint32_t uid;
    uint32_t gid;
    const uint32_t *groups;
    int32_t group_count;
    int32_t open_files_soft_limit; /* RLIMIT_NOFILE soft limit for the program, 0 to inherit */
} sb_spawn_request;

/* Which step of the child failed, so the daemon can name the call. */
enum {
    SB_STEP_NONE = 0,
    SB_STEP_FDS = 1,
    SB_STEP_SETSID = 2,
    SB_STEP_CREDENTIALS = 3,
    SB_STEP_CHDIR = 4,
    SB_STEP_EXEC = 5,
};

static void write_decimal(char *digits, long value)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && n < (int)sizeof tmp);
    for (int i = 0; i < n; i++)
        digits[i] = tmp[n - 1 - i];
    digits[n] = '\0';
}

static int close_from(int first)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0)
        return 0;
#endif
    /* Older kernels: close what could be open. */
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 1048576)
        max = 1048576;
    for (long fd = first; fd < max; fd++)
        close((int)fd);
    return 0;
}

/*
 * Runs in the vfork child: may only call async-signal-safe functions, must
 * not return, and reports a failure through *error and *step (memory shared
 * with the suspended parent).
 */
static void child(const sb_spawn_request *r, volatile int *error, volatile int *step)
{
    /* The runtime's handlers and ignored signals (SIGPIPE) must not leak
     * into the program. The raw system call, because glibc's sigaction()
     * refuses its own internal signals (32, 33), which can be inherited as
     * ignored too. An all-zero kernel struct sigaction is SIG_DFL, no flags,
     * empty mask, whatever the architecture's field order. */
    unsigned long dfl[4] = { 0, 0, 0, 0 };
    for (int s = 1; s <= 64; s++)
        syscall(SYS_rt_sigaction, s, dfl, NULL, (size_t)8);

    int high[SB_MAX_FDS];
    *step = SB_STEP_FDS;
    /* Move every source above the target range first, so a source that is
     * itself 0..3 is not clobbered by an earlier dup2. */
    for (int i = 0; i < r->fd_count; i++) {
        high[i] = fcntl(r->fds[i], F_DUPFD_CLOEXEC, r->fd_count);
        if (high[i] < 0)
            goto fail;
    }
    for (int i = 0; i < r->fd_count; i++) {
        if (dup2(high[i], i) < 0)
            goto fail;
        /* The daemon's sockets are non-blocking; the program expects the
         * ordinary blocking descriptors inetd gives. */
        int flags = fcntl(i, F_GETFL);
        if (flags >= 0 && (flags & O_NONBLOCK))
            fcntl(i, F_SETFL, flags & ~O_NONBLOCK);
    }
    close_from(r->fd_count);

    if (r->open_files_soft_limit > 0) {
        /* The runtime raised its own soft limit to the hard one; programs get
         * the conventional one back (select(2) cannot see fds >= 1024), as
         * systemd gives its services. prlimit64 is the plain system call. */
        struct rlimit limit;
        if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &limit) == 0) {
            rlim_t wanted = (rlim_t)r->open_files_soft_limit;
            limit.rlim_cur = wanted < limit.rlim_max ? wanted : limit.rlim_max;
            syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &limit, NULL);
        }
    }

    if (r->new_session) {
        *step = SB_STEP_SETSID;
        if (setsid() < 0)
            goto fail;
    }

    if (r->set_credentials) {
        *step = SB_STEP_CREDENTIALS;
        if (syscall(SYS_setgroups, (size_t)r->group_count, r->groups) < 0)
            goto fail;
        if (syscall(SYS_setresgid, r->gid, r->gid, r->gid) < 0)
            goto fail;
        if (syscall(SYS_setresuid, r->uid, r->uid, r->uid) < 0)
            goto fail;
    }

    if (r->working_directory) {
        *step = SB_STEP_CHDIR;
        if (chdir(r->working_directory) < 0)
            goto fail;
    }

    if (r->listen_pid_digits)
        write_decimal(r->listen_pid_digits, (long)syscall(SYS_getpid));

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    *step = SB_STEP_EXEC;
    execve(r->path, r->argv, r->envp);

fail:
    *error = errno;
    _exit(127);
}

/*
 * Returns the child's pid, or -errno with *failed_step set. On failure the
 * child has already exited and has been reaped.
 */
int32_t sb_spawn(const sb_spawn_request *r, int32_t *failed_step)
{
    if (r->fd_count < 0 || r->fd_count > SB_MAX_FDS)
        return -EINVAL;

    volatile int error = 0;
    volatile int step = SB_STEP_NONE;

    /* Block every signal so that no handler of the runtime runs in the
     * child on the parent's stack before the child resets them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);

    pid_t pid = vfork();
    if (pid == 0)
        child(r, &error, &step);

    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (pid < 0) {
        *failed_step = SB_STEP_NONE;
        return -saved;
    }
    if (error != 0) {
        /* The child wrote error before _exit, and vfork returns only after
         * the child exited or exec'd: it is gone, reap it here. */
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        *failed_step = step;
        return -error;
    }
    *failed_step = SB_STEP_NONE;
    return pid;
}

/*
 * Waits until some child has exited without reaping it (WNOWAIT), so the
 * daemon can still signal its process group until it decides to reap.
 * Returns the pid, or -errno (-ECHILD when there are no children).
 */
int32_t sb_wait_any_exited(void)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    for (;;) {
        if (waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) == 0)
            return info.si_pid;
        if (errno != EINTR)
            return -errno;
    }
}

/* Reaps one exited child. Returns 1 with *status (as waitpid) or -errno. */
int32_t sb_reap(int32_t pid, int32_t *status)
{
    int s = 0;
    for (;;) {
        pid_t r = waitpid(pid, &s, WNOHANG);
        if (r == pid) {
            *status = s;
            return 1;
        }
        if (r == 0)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

/* lstat(2) reduced to what the daemon needs. Returns 0 or -errno. */
int32_t sb_lstat(const char *path, uint32_t *mode, uint32_t *uid, uint32_t *gid, uint64_t *dev, uint64_t *ino)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return -errno;
    *mode = st.st_mode;
    *uid = st.st_uid;
    *gid = st.st_gid;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
}

/* getpwnam_r(3). Returns 0, -ENOENT when there is no such user, or -errno. */
int32_t sb_lookup_user(const char *name, uint32_t *uid, uint32_t *gid)
{
    char buffer[16384];
    struct passwd pw, *result = NULL;
    int rc = getpwnam_r(name, &pw, buffer, sizeof buffer, &result);
    if (rc != 0)
        return -rc;
    if (result == NULL)
        return -ENOENT;
    *uid = pw.pw_uid;
    *gid = pw.pw_gid;
    return 0;
}

/* getpwuid_r(3): the name of a uid, for messages. */
int32_t sb_user_name(uint32_t uid, char *name, int32_t size)
{
    char buffer[16384];
    struct passwd pw, *result = NULL;
    int rc = getpwuid_r(uid, &pw, buffer, sizeof buffer, &result);
    if (rc != 0)
        return -rc;
    if (result == NULL)
        return -ENOENT;
    size_t n = strlen(pw.pw_name);
    if ((int32_t)n >= size)
        return -ERANGE;
    memcpy(name, pw.pw_name, n + 1);
    return 0;
}

/* getgrnam_r(3). */
int32_t sb_lookup_group(const char *name, uint32_t *gid)
{
    char buffer[65536];
    struct group gr, *result = NULL;
    int rc = getgrnam_r(name, &gr, buffer, sizeof buffer, &result);
    if (rc != 0)
        return -rc;
    if (result == NULL)
        return -ENOENT;
    *gid = gr.gr_gid;
    return 0;
}

/* getgrouplist(3): the supplementary groups a user gets at login
 * (initgroups semantics). Returns the count, or -ERANGE when capacity is too
 * small. */
int32_t sb_user_groups(const char *name, uint32_t gid, uint32_t *groups, int32_t capacity)
{
    int n = capacity;
    if (getgrouplist(name, gid, (gid_t *)groups, &n) < 0)
        return -ERANGE;
    return n;
}

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

/* The major and minor numbers of a st_dev, as glibc encodes it. */
void sb_split_device(uint64_t dev, uint32_t *major_dev, uint32_t *minor_dev)
{
    *major_dev = major(dev);
    *minor_dev = minor(dev);
}

/* fcntl(F_SETFD, FD_CLOEXEC) on an inherited descriptor. */
int32_t sb_set_cloexec(int32_t fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
        return -errno;
    return 0;
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

/* Opens a FIFO (fifo(7)) non-blocking and close-on-exec, never following a
 * symbolic link. *mode, *dev and *ino describe what was opened (fstat), so
 * the caller can refuse anything that is not a FIFO without having changed
 * it: opening a regular file or device for reading or writing without
 * O_CREAT/O_TRUNC does not modify it. for_writing: O_WRONLY, which fails
 * with ENXIO while no process has the FIFO open for reading. Returns the
 * descriptor or -errno. */
int32_t sb_open_fifo(const char *path, int32_t for_writing, uint32_t *mode, uint64_t *dev, uint64_t *ino)
{
    int flags = (for_writing ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
    int fd = open(path, flags);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    *mode = st.st_mode;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return fd;
}

/* Opens for writing the very FIFO that read_fd reads, through
 * /proc/self/fd, whatever has become of its path since. Returns the
 * descriptor or -errno. */
int32_t sb_reopen_fifo_writer(int32_t read_fd)
{
    char path[40] = "/proc/self/fd/";
    write_decimal(path + 14, read_fd);
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* Sets or clears O_NONBLOCK. Returns 0 or -errno. */
int32_t sb_set_nonblocking(int32_t fd, int32_t on)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return -errno;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, flags) < 0 ? -errno : 0;
}

/* fcntl(F_SETPIPE_SZ): a larger kernel buffer for splice(2) relays. Returns
 * the size granted or -errno. */
int32_t sb_set_pipe_size(int32_t fd, int32_t size)
{
    int rc = fcntl(fd, F_SETPIPE_SZ, size);
    return rc < 0 ? -errno : rc;
}

/* The native journal protocol's path for large entries
 * (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/): the entry is written to a
 * memfd, sealed so it cannot change under journald, and its descriptor sent
 * alone (SCM_RIGHTS, no payload) to the journal socket at `path`.
 * Returns 0 or -errno. */
int32_t sb_journal_send_memfd(int32_t sock, const char *path, const uint8_t *data, uint64_t length)
{
    int fd = memfd_create("journal-entry", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    int rc = 0;
    for (uint64_t done = 0; done < length;) {
        ssize_t n = write(fd, data + done, length - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            goto out;
        }
        done += (uint64_t)n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
        rc = -errno;
        goto out;
    }

    struct sockaddr_un address = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(address.sun_path)) {
        rc = -ENAMETOOLONG;
        goto out;
    }
    strcpy(address.sun_path, path);
    union {
        struct cmsghdr header;
        char buffer[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message = {
        .msg_name = &address,
        .msg_namelen = sizeof(address),
        .msg_control = control.buffer,
        .msg_controllen = sizeof(control.buffer),
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    while (sendmsg(sock, &message, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR) {
            rc = -errno;
            break;
        }
    }
out:
    close(fd);
    return rc;
}

/* ---- The forward relay's event loop (epoll(7), splice(2)) ---- */

/* Mirrors SocketBridge.Native.EpollEvent; keep the two in step. */
typedef struct {
    uint64_t data;
    uint32_t events;
    uint32_t reserved;
} sb_epoll_event;

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
int32_t sb_eventfd_signal(int32_t fd)
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

/* fcntl(F_GETPIPE_SZ): what a pipe holds. Returns the size or -errno. */
int32_t sb_get_pipe_size(int32_t fd)
{
    int rc = fcntl(fd, F_GETPIPE_SZ);
    return rc < 0 ? -errno : rc;
}
