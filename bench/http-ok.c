/* http-ok: the smallest inetd-style HTTP responder, for spawn benchmarks.
 * Reads the request head from fd 0 and answers 200 on fd 1. */
#include <string.h>
#include <unistd.h>

int main(void)
{
    char buf[4096];
    size_t have = 0;
    while (have < sizeof buf - 1) {
        ssize_t n = read(0, buf + have, sizeof buf - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
    (void)!write(1, reply, sizeof reply - 1);
    return 0;
}
