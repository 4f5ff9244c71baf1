/* netbench: the small clients and servers bench/forward.sh measures relays with.
 * An ADDR is tcp:HOST:PORT (IPv4) or unix:/path.
 *
 *   netbench echo ADDR COUNTFILE      echo server (epoll); COUNTFILE always holds
 *                                     the number of connections it has open
 *   netbench sink ADDR                reads and discards, one connection at a time;
 *                                     prints the bytes of each connection on stdout
 *   netbench send ADDR BYTES          sends BYTES, half-closes, waits for EOF;
 *                                     prints "SECONDS GBIT_PER_S"
 *   netbench rtt ADDR COUNT           COUNT sequential 1-byte round trips on one
 *                                     connection; prints "MEDIAN_US P99_US"
 *   netbench rttmix COUNT ADDR...     one connection to each ADDR, then COUNT
 *                                     rounds of one round trip on each, taking
 *                                     the connections in a new random order
 *                                     each round, so every ADDR meets the
 *                                     machine in the same states; prints
 *                                     "MEDIAN_US P99_US" per ADDR
 *   netbench connrate ADDR COUNT W    COUNT short connections (connect, 1 byte
 *                                     there and back, close) by W threads;
 *                                     prints "CONNS_PER_S ERRORS"
 *   netbench hold ADDR COUNT          opens COUNT idle connections, prints
 *                                     "ready", keeps them until killed
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage addr;
static socklen_t addrlen;
static int family;

static void die(const char *what)
{
    fprintf(stderr, "netbench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void parse_addr(const char *s)
{
    memset(&addr, 0, sizeof addr);
    if (strncmp(s, "tcp:", 4) == 0) {
        char host[256];
        const char *colon = strrchr(s + 4, ':');
        if (!colon || (size_t)(colon - (s + 4)) >= sizeof host) {
            fprintf(stderr, "netbench: bad address %s\n", s);
            exit(2);
        }
        memcpy(host, s + 4, colon - (s + 4));
        host[colon - (s + 4)] = '\0';
        struct sockaddr_in *in = (struct sockaddr_in *)&addr;
        in->sin_family = AF_INET;
        in->sin_port = htons((unsigned short)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &in->sin_addr) != 1) {
            fprintf(stderr, "netbench: bad IPv4 address %s\n", host);
            exit(2);
        }
        addrlen = sizeof *in;
        family = AF_INET;
    } else if (strncmp(s, "unix:", 5) == 0) {
        struct sockaddr_un *un = (struct sockaddr_un *)&addr;
        un->sun_family = AF_UNIX;
        if (strlen(s + 5) >= sizeof un->sun_path) {
            fprintf(stderr, "netbench: path too long %s\n", s + 5);
            exit(2);
        }
        strcpy(un->sun_path, s + 5);
        addrlen = sizeof *un;
        family = AF_UNIX;
    } else {
        fprintf(stderr, "netbench: address must be tcp:HOST:PORT or unix:/path, not %s\n", s);
        exit(2);
    }
}

static void nodelay(int fd)
{
    int one = 1;
    if (family == AF_INET)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* -1 with errno on failure */
static int dial(void)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&addr, addrlen) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    nodelay(fd);
    return fd;
}

static int listen_on(void)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_UNIX)
        unlink(((struct sockaddr_un *)&addr)->sun_path);
    if (bind(fd, (struct sockaddr *)&addr, addrlen) < 0)
        die("bind");
    if (listen(fd, 4096) < 0)
        die("listen");
    return fd;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- echo ---- */
static int count_fd;
static int live;

static void publish(void)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%10d\n", live);
    if (pwrite(count_fd, buf, (size_t)n, 0) < 0)
        die("pwrite count file");
}

_Noreturn static void echo_server(const char *countfile)
{
    count_fd = open(countfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (count_fd < 0)
        die(countfile);
    publish();
    int lfd = listen_on();
    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    static char buf[65536];
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        int changed = 0;
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                for (;;) {
                    int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                    if (c < 0)
                        break;
                    nodelay(c);
                    struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                    live++;
                    changed = 1;
                }
                continue;
            }
            /* accepted sockets are blocking: readable means read() returns at once */
            ssize_t r = read(fd, buf, sizeof buf);
            if (r > 0 && write_all(fd, buf, (size_t)r) == 0)
                continue;
            epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            close(fd);
            live--;
            changed = 1;
        }
        if (changed)
            publish();
    }
}

/* ---- sink ---- */
_Noreturn static void sink_server(void)
{
    int lfd = listen_on();
    static char buf[256 * 1024];
    for (;;) {
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }
        long long total = 0;
        for (;;) {
            ssize_t r = read(c, buf, sizeof buf);
            if (r > 0) {
                total += r;
                continue;
            }
            if (r < 0 && errno == EINTR)
                continue;
            break;
        }
        close(c);
        printf("%lld\n", total);
        fflush(stdout);
    }
}

/* ---- send ---- */
static int send_client(long long bytes)
{
    static char buf[128 * 1024];
    memset(buf, 'x', sizeof buf);
    double t0 = now();
    int fd = dial();
    if (fd < 0)
        die("connect");
    long long left = bytes;
    while (left > 0) {
        size_t n = left < (long long)sizeof buf ? (size_t)left : sizeof buf;
        if (write_all(fd, buf, n) < 0)
            die("write");
        left -= (long long)n;
    }
    shutdown(fd, SHUT_WR);
    /* the sink closes after EOF: that is the end of the transfer */
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r > 0)
            continue;
        if (r < 0 && errno == EINTR)
            continue;
        break;
    }
    double t = now() - t0;
    close(fd);
    printf("%.4f %.3f\n", t, bytes * 8.0 / t / 1e9);
    return 0;
}

/* ---- rtt ---- */
static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static int rtt_client(int count)
{
    int fd = dial();
    if (fd < 0)
        die("connect");
    long long *v = malloc(sizeof *v * (size_t)count);
    char c = 'x';
    int warm = count / 20 < 200 ? 200 : count / 20;
    for (int i = -warm; i < count; i++) {
        long long t0 = now_ns();
        if (write(fd, &c, 1) != 1)
            die("write");
        ssize_t r;
        do
            r = read(fd, &c, 1);
        while (r < 0 && errno == EINTR);
        if (r != 1) {
            fprintf(stderr, "netbench: rtt: connection ended after %d round trips\n", i + warm);
            exit(1);
        }
        if (i >= 0)
            v[i] = now_ns() - t0;
    }
    close(fd);
    qsort(v, (size_t)count, sizeof *v, cmp_ll);
    int p99 = (int)((count * 99 + 99) / 100) - 1; /* ceil(0.99 n) - 1 */
    printf("%.1f %.1f\n", v[count / 2] / 1e3, v[p99] / 1e3);
    return 0;
}

/* ---- rttmix ---- */
static int rttmix_client(int count, int n, char **addrs)
{
    int *fds = malloc(sizeof *fds * (size_t)n);
    long long **v = malloc(sizeof *v * (size_t)n);
    for (int k = 0; k < n; k++) {
        parse_addr(addrs[k]);
        fds[k] = dial();
        if (fds[k] < 0)
            die(addrs[k]);
        v[k] = malloc(sizeof **v * (size_t)count);
    }
    int warm = count / 20 < 200 ? 200 : count / 20;
    int *order = malloc(sizeof *order * (size_t)n);
    for (int k = 0; k < n; k++)
        order[k] = k;
    unsigned seed = 12345;
    char c = 'x';
    for (int i = -warm; i < count; i++) {
        for (int j = n - 1; j > 0; j--) { /* Fisher-Yates */
            seed = seed * 1103515245u + 12345u;
            int r = (int)((seed >> 16) % (unsigned)(j + 1)), t = order[j];
            order[j] = order[r];
            order[r] = t;
        }
        for (int j = 0; j < n; j++) {
            int k = order[j];
            long long t0 = now_ns();
            if (write(fds[k], &c, 1) != 1)
                die("write");
            ssize_t r;
            do
                r = read(fds[k], &c, 1);
            while (r < 0 && errno == EINTR);
            if (r != 1) {
                fprintf(stderr, "netbench: rttmix: %s ended after %d round trips\n", addrs[k], i + warm);
                exit(1);
            }
            if (i >= 0)
                v[k][i] = now_ns() - t0;
        }
    }
    int p99 = (int)((count * 99 + 99) / 100) - 1; /* ceil(0.99 n) - 1 */
    for (int k = 0; k < n; k++) {
        close(fds[k]);
        qsort(v[k], (size_t)count, sizeof **v, cmp_ll);
        printf("%.1f %.1f\n", v[k][count / 2] / 1e3, v[k][p99] / 1e3);
    }
    return 0;
}

/* ---- connrate ---- */
struct worker {
    pthread_t t;
    int count;
    int errors;
};

static void *conn_worker(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < w->count; i++) {
        int fd = dial();
        if (fd < 0) {
            w->errors++;
            continue;
        }
        char c = 'x';
        ssize_t r = -1;
        if (write(fd, &c, 1) == 1) {
            do
                r = read(fd, &c, 1);
            while (r < 0 && errno == EINTR);
        }
        if (r != 1)
            w->errors++;
        close(fd);
    }
    return NULL;
}

static int connrate_client(int count, int workers)
{
    struct worker *w = calloc((size_t)workers, sizeof *w);
    double t0 = now();
    for (int i = 0; i < workers; i++) {
        w[i].count = count / workers + (i < count % workers);
        pthread_create(&w[i].t, NULL, conn_worker, &w[i]);
    }
    int errors = 0;
    for (int i = 0; i < workers; i++) {
        pthread_join(w[i].t, NULL);
        errors += w[i].errors;
    }
    double t = now() - t0;
    printf("%.0f %d\n", count / t, errors);
    return errors ? 1 : 0;
}

/* ---- hold ---- */
_Noreturn static void hold_client(int count)
{
    for (int i = 0; i < count; i++) {
        int fd = dial();
        if (fd < 0) {
            fprintf(stderr, "netbench: hold: connection %d: %s\n", i + 1, strerror(errno));
            exit(1);
        }
    }
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 4 && strcmp(argv[1], "rttmix") == 0 && atoi(argv[2]) > 0)
        return rttmix_client(atoi(argv[2]), argc - 3, argv + 3);
    if (argc >= 3)
        parse_addr(argv[2]);
    if (argc == 4 && strcmp(argv[1], "echo") == 0)
        echo_server(argv[3]);
    if (argc == 3 && strcmp(argv[1], "sink") == 0)
        sink_server();
    if (argc == 4 && strcmp(argv[1], "send") == 0)
        return send_client(atoll(argv[3]));
    if (argc == 4 && strcmp(argv[1], "rtt") == 0 && atoi(argv[3]) > 0)
        return rtt_client(atoi(argv[3]));
    if (argc == 5 && strcmp(argv[1], "connrate") == 0 && atoi(argv[3]) > 0 && atoi(argv[4]) > 0)
        return connrate_client(atoi(argv[3]), atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "hold") == 0)
        hold_client(atoi(argv[3]));
    fprintf(stderr, "usage: netbench echo|sink|send|rtt|rttmix|connrate|hold ADDR [ARGS] (see the source)\n");
    return 2;
}
