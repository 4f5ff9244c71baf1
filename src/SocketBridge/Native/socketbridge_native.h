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
};

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
