/*
 * socketbridge_native.h: what the helper's C files share, and everything
 * managed code mirrors: the structs (SocketBridge.Native.SpawnRequest,
 * EpollEvent), the launch steps (SpawnStep), the socket options
 * (SocketOption) and the descriptor limits (ProcessSpawner): keep those in
 * step with their C# twins.
 *
 * The helper is split by domain, as dotnet/runtime's native shims are:
 *   sb_process.c  vfork + exec of a program, waiting for and reaping children,
 *                 the signal settings the daemon inherits
 *   sb_accounts.c users and groups (NSS)
 *   sb_files.c    file status, FIFOs, descriptor flags, pipes, reading
 *                 configuration files, the open-file limit
 *   sb_net.c      Unix socket credentials and diagnostics, connecting,
 *                 refusing a pending connection, sd_notify with descriptors
 *   sb_relay.c    the forward relay's event loop (epoll, eventfd, splice)
 *   sb_sockopt.c  the socket options of listening sockets (ReusePort...)
 *   sb_journal.c  journald's native protocol for large entries
 * Functions return -errno instead of setting errno unless they say otherwise.
 * A descriptor that managed code passes as a SafeHandle arrives as an
 * intptr_t (the handle's value; the marshaller holds the handle for the
 * call), as in dotnet/runtime's System.Native shims.
 */
#ifndef SOCKETBRIDGE_NATIVE_H
#define SOCKETBRIDGE_NATIVE_H

#include <stdint.h>

/* Listening sockets a launch passes at most (a handoff program gets every
 * socket of its bridge from fd 3 on), and all the descriptors with stdin,
 * stdout and stderr. Mirrored by SocketBridge.Native.ProcessSpawner. */
#define SB_MAX_LISTEN_FDS 64
#define SB_MAX_FDS (3 + SB_MAX_LISTEN_FDS)

/* A resource limit a launch sets, by meaning: sb_process.c maps each to
 * its RLIMIT_ number. Mirrored by SocketBridge.Native.ResourceKind and
 * ResourceLimitEntry; keep them in step. SB_LIMIT_INFINITY is
 * RLIM64_INFINITY. */
enum {
    SB_LIMIT_NOFILE = 0,
    SB_LIMIT_NPROC = 1,
    SB_LIMIT_AS = 2,
    SB_LIMIT_DATA = 3,
    SB_LIMIT_CPU = 4,
    SB_LIMIT_CORE = 5,
    SB_LIMIT_FSIZE = 6,
    SB_LIMIT_STACK = 7,
    SB_LIMIT_COUNT = 8,
};
#define SB_LIMIT_INFINITY UINT64_MAX

typedef struct {
    int32_t kind;              /* SB_LIMIT_* */
    int32_t reserved;
    uint64_t soft;
    uint64_t hard;
} sb_resource_limit;

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
    const sb_resource_limit *limits; /* set in the child before the credentials change */
    int32_t limit_count;       /* at most SB_LIMIT_COUNT */
    int32_t set_nice;          /* setpriority(PRIO_PROCESS, 0, nice) */
    int32_t nice;              /* -20..19 */
    int32_t umask;             /* the program's umask, or -1 to inherit the daemon's */
    int32_t no_new_privileges; /* prctl(PR_SET_NO_NEW_PRIVS) */
    int32_t private_tmp;       /* a mount namespace with an empty tmpfs on /tmp and /var/tmp */
    int32_t private_network;   /* a network namespace with only loopback, up */
} sb_spawn_request;

/* Which step of a launch failed (sb_spawn's *failed_step), so the daemon
 * can name the call. Mirrored by SocketBridge.Native.SpawnStep; keep the
 * two in step. */
enum {
    SB_STEP_NONE = 0,        /* vfork itself, or nothing failed */
    SB_STEP_FDS = 1,         /* dup2 of the descriptors to pass */
    SB_STEP_SETSID = 2,
    SB_STEP_CREDENTIALS = 3, /* setgroups, setresgid, setresuid */
    SB_STEP_CHDIR = 4,
    SB_STEP_EXEC = 5,
    SB_STEP_LIMITS = 6,      /* prlimit64 of a resource limit */
    SB_STEP_NICE = 7,        /* setpriority */
    SB_STEP_NAMESPACES = 8,  /* unshare of the mount or network namespace */
    SB_STEP_PRIVATE_TMP = 9, /* mounting /, /tmp and /var/tmp */
    SB_STEP_LOOPBACK = 10,   /* bringing lo up in the private network */
    SB_STEP_NO_NEW_PRIVS = 11,
};

/* What a reaped program used (wait4(2)'s struct rusage): CPU time in
 * microseconds, the largest resident set in KiB. Mirrors
 * SocketBridge.Native.ResourceUsage. */
typedef struct {
    int64_t user_usec;
    int64_t system_usec;
    int64_t max_rss_kib;
} sb_usage;

/* Mirrors SocketBridge.Native.EpollEvent; keep the two in step. */
typedef struct {
    uint64_t data;
    uint32_t events;
    uint32_t reserved;
} sb_epoll_event;

/* The socket options sb_set_socket_option and sb_get_socket_option know,
 * by meaning (sb_sockopt.c maps each to its level and name). Mirrored by
 * SocketBridge.Native.SocketOption; keep the two in step. */
enum {
    SB_SOCKOPT_REUSEADDR = 1,
    SB_SOCKOPT_REUSEPORT = 2,
    SB_SOCKOPT_FREEBIND = 3,
    SB_SOCKOPT_V6ONLY = 4,
    SB_SOCKOPT_DEFER_ACCEPT = 5,
    SB_SOCKOPT_RCVBUF = 6,
    SB_SOCKOPT_SNDBUF = 7,
    SB_SOCKOPT_MARK = 8,
    SB_SOCKOPT_KEEPALIVE = 9,
    SB_SOCKOPT_KEEPIDLE = 10,
    SB_SOCKOPT_KEEPINTVL = 11,
    SB_SOCKOPT_KEEPCNT = 12,
    SB_SOCKOPT_PASSCRED = 13,
};

/* Writes value in decimal at digits, NUL-terminated; async-signal-safe. */
void sb_write_decimal(char *digits, long value);

#endif
