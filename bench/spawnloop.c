/* spawnloop: the native ceiling of spawn mode on this machine. Launches
 * PROGRAM (bench/http-ok) COUNT times with vfork() and execv() and waits for
 * each, in LOOPS parallel loops (processes), and prints the launches per
 * second of them all. Each program gets a socketpair as fds 0 and 1 with a
 * request already written into it, reads it, answers, exits: what a launcher
 * does for one connection, less the accept and the client.
 *
 *   spawnloop PROGRAM COUNT LOOPS
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char request[] = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";

/* The vfork in a function of its own: the child execs or exits in it, and
 * the parent's loop variables are not live across it. */
static pid_t launch(const char *program, int fd)
{
    char *argv[] = {(char *)program, NULL};
    char *envp[] = {NULL};
    pid_t pid = vfork();
    if (pid == 0) {
        /* dup2 clears FD_CLOEXEC on the copies; fd itself closes at exec. */
        if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
            _exit(126);
        execve(program, argv, envp);
        _exit(127);
    }
    return pid;
}

static int loop(const char *program, long count)
{
    char reply[256];
    for (long i = 0; i < count; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
            return perror("socketpair"), 1;
        if (write(sv[0], request, sizeof request - 1) < 0)
            return perror("write"), 1;
        pid_t pid = launch(program, sv[1]);
        if (pid < 0)
            return perror("vfork"), 1;
        close(sv[1]);
        int status;
        if (waitpid(pid, &status, 0) < 0)
            return perror("waitpid"), 1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            return fprintf(stderr, "spawnloop: %s failed (status %d)\n", program, status), 1;
        if (read(sv[0], reply, sizeof reply) <= 0)
            return fprintf(stderr, "spawnloop: no reply from %s\n", program), 1;
        close(sv[0]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: spawnloop PROGRAM COUNT LOOPS\n");
        return 2;
    }
    const char *program = argv[1];
    long count = atol(argv[2]);
    int loops = atoi(argv[3]);
    if (count < 1 || loops < 1)
        return fprintf(stderr, "spawnloop: COUNT and LOOPS must be positive\n"), 2;
    long each = count / loops;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int l = 0; l < loops; l++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(loop(program, each));
        if (pid < 0)
            return perror("fork"), 1;
    }
    int failed = 0, status;
    while (wait(&status) > 0)
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (failed)
        return 1;
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%.2f\n", (double)(each * loops) / seconds);
    return 0;
}
