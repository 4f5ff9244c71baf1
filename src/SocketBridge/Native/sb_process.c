/*
 * sb_process.c: launching a program for a connection, and waiting for
 * children.
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
 * The sandbox a bridge asks for (systemd.exec(5)'s names) is set up in the
 * same child, in systemd's order: namespaces and mounts while still root,
 * then nice and resource limits (a hard limit can only be raised with
 * privileges; RLIMIT_NPROC set before setresuid makes the kernel refuse the
 * exec when the new user already has that many processes), then the
 * credentials, the directory, the umask, and no_new_privs last.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "socketbridge_native.h"

void sb_write_decimal(char *digits, long value)
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

/* SB_LIMIT_* to the kernel's RLIMIT_* (which differ between architectures). */
static int resource_of(int32_t kind)
{
    switch (kind) {
    case SB_LIMIT_NOFILE: return RLIMIT_NOFILE;
    case SB_LIMIT_NPROC: return RLIMIT_NPROC;
    case SB_LIMIT_AS: return RLIMIT_AS;
    case SB_LIMIT_DATA: return RLIMIT_DATA;
    case SB_LIMIT_CPU: return RLIMIT_CPU;
    case SB_LIMIT_CORE: return RLIMIT_CORE;
    case SB_LIMIT_FSIZE: return RLIMIT_FSIZE;
    case SB_LIMIT_STACK: return RLIMIT_STACK;
    default: return -1;
    }
}

/*
 * A private /tmp and /var/tmp: in a mount namespace of the child's own,
 * first made a slave of the host's (mounts from here on do not propagate
 * back, as they would under a shared / as systemd mounts it), then an
 * empty tmpfs on each. Freed by the kernel when the last process in the
 * namespace exits. A missing /var/tmp is left alone.
 */
static int mount_private_tmp(void)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return -1;
    const unsigned long flags = MS_NOSUID | MS_NODEV;
    if (mount("tmpfs", "/tmp", "tmpfs", flags, "mode=1777") < 0)
        return -1;
    if (mount("tmpfs", "/var/tmp", "tmpfs", flags, "mode=1777") < 0 && errno != ENOENT)
        return -1;
    return 0;
}

/* A new network namespace has lo, down: up it, so the program can still
 * talk to itself (127.0.0.1) while nothing outside is reachable. */
static int loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    memcpy(request.ifr_name, "lo", 3);
    int rc = ioctl(s, SIOCGIFFLAGS, &request);
    if (rc == 0) {
        request.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &request);
    }
    int saved = errno;
    close(s);
    errno = saved;
    return rc;
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

    if (r->private_tmp || r->private_network) {
        *step = SB_STEP_NAMESPACES;
        int flags = (r->private_tmp ? CLONE_NEWNS : 0) | (r->private_network ? CLONE_NEWNET : 0);
        if (unshare(flags) < 0)
            goto fail;
        *step = SB_STEP_PRIVATE_TMP;
        if (r->private_tmp && mount_private_tmp() < 0)
            goto fail;
        *step = SB_STEP_LOOPBACK;
        if (r->private_network && loopback_up() < 0)
            goto fail;
    }

    if (r->set_nice) {
        *step = SB_STEP_NICE;
        if (setpriority(PRIO_PROCESS, 0, r->nice) < 0)
            goto fail;
    }

    *step = SB_STEP_LIMITS;
    for (int i = 0; i < r->limit_count; i++) {
        int resource = resource_of(r->limits[i].kind);
        struct rlimit64 limit = { r->limits[i].soft, r->limits[i].hard };
        if (resource < 0) {
            errno = EINVAL;
            goto fail;
        }
        if (syscall(SYS_prlimit64, 0, resource, &limit, NULL) < 0)
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

    if (r->umask >= 0)
        umask((mode_t)(r->umask & 0777));

    if (r->no_new_privileges) {
        *step = SB_STEP_NO_NEW_PRIVS;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            goto fail;
    }

    if (r->listen_pid_digits)
        sb_write_decimal(r->listen_pid_digits, (long)syscall(SYS_getpid));

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

/* The calling process's limit of an SB_LIMIT_* resource. 0 or -errno. */
int32_t sb_get_resource_limit(int32_t kind, uint64_t *soft, uint64_t *hard)
{
    int resource = resource_of(kind);
    struct rlimit64 limit;
    if (resource < 0)
        return -EINVAL;
    if (syscall(SYS_prlimit64, 0, resource, NULL, &limit) < 0)
        return -errno;
    *soft = limit.rlim_cur;
    *hard = limit.rlim_max;
    return 0;
}

/*
 * Undoes what the daemon's parent may have set that would hide its
 * children or its signals: SIGCHLD ignored (or SA_NOCLDWAIT) makes the
 * kernel reap every child itself, so waitid(2) never reports an exit; a
 * blocked SIGCHLD, SIGHUP, SIGTERM, SIGUSR1 or SIGUSR2 would never reach the
 * runtime's handlers. Called first thing, before any child or thread of the
 * daemon's own exists; the mask is the calling (main) thread's, which is
 * enough for a process-directed signal to be delivered. SIGINT and SIGQUIT
 * keep their disposition: a job started in the background by a shell
 * inherits them ignored on purpose. Returns 0 or -errno.
 */
int32_t sb_reset_inherited_signals(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    if (sigaction(SIGCHLD, &dfl, NULL) < 0)
        return -errno;

    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGCHLD);
    sigaddset(&wanted, SIGHUP);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGUSR1);
    sigaddset(&wanted, SIGUSR2);
    int rc = pthread_sigmask(SIG_UNBLOCK, &wanted, NULL);
    return rc == 0 ? 0 : -rc;
}

/*
 * The daemon's own signals back from SIG_IGN to SIG_DFL, before the runtime
 * registers its handlers: .NET leaves a signal that was ignored at start
 * ignored, so a daemon started under nohup(1), or by a supervisor that
 * ignores SIGHUP or SIGTERM, would never reload on SIGHUP, stop on SIGTERM
 * or re-execute on SIGUSR2. SIGINT and SIGQUIT keep theirs (see
 * sb_reset_inherited_signals). Returns which of them were ignored, as a
 * mask of 1 << (signal - 1), or -errno.
 */
int32_t sb_take_back_daemon_signals(void)
{
    static const int signals[] = { SIGHUP, SIGTERM, SIGUSR1, SIGUSR2 };
    int32_t ignored = 0;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction current;
        if (sigaction(signals[i], NULL, &current) < 0)
            return -errno;
        if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_IGN)
            continue;
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        if (sigaction(signals[i], &dfl, NULL) < 0)
            return -errno;
        ignored |= 1 << (signals[i] - 1);
    }
    return ignored;
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

/*
 * Reaps one exited child (wait4, so the kernel's account of what it used
 * comes with it). Returns 1 with *status (as waitpid) and *usage, 0 while it
 * still runs, or -errno.
 */
int32_t sb_reap(int32_t pid, int32_t *status, sb_usage *usage)
{
    int s = 0;
    struct rusage ru;
    for (;;) {
        memset(&ru, 0, sizeof ru);
        pid_t r = wait4(pid, &s, WNOHANG, &ru);
        if (r == pid) {
            *status = s;
            usage->user_usec = (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
            usage->system_usec = (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
            usage->max_rss_kib = ru.ru_maxrss; /* KiB on Linux */
            return 1;
        }
        if (r == 0)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

/*
 * The bytes execve(2) takes for a program's argument and environment
 * strings and their pointers together: sysconf(_SC_ARG_MAX), which glibc
 * derives from the stack limit (a quarter of it, at least 128 KiB), capped
 * as the kernel caps it at three quarters of _STK_LIM, 6 MiB (fs/exec.c,
 * bprm_stack_limits).
 */
int64_t sb_argument_space(void)
{
    long n = sysconf(_SC_ARG_MAX);
    const long cap = 6L * 1024 * 1024;
    if (n < 0 || n > cap)
        n = n < 0 ? 131072 : cap;
    return n;
}
