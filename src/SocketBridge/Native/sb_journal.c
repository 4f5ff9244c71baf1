/*
 * sb_journal.c: the native journal protocol's path for entries too large
 * for one datagram (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "socketbridge_native.h"

/* The native journal protocol's path for large entries
 * (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/): the entry is written to a
 * memfd, sealed so it cannot change under journald, and its descriptor sent
 * alone (SCM_RIGHTS, no payload) to the journal socket at `path`.
 * Returns 0 or -errno. */
int32_t sb_journal_send_memfd(intptr_t sock, const char *path, const uint8_t *data, uint64_t length)
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

