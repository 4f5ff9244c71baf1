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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
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
