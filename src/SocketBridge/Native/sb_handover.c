/* The re-exec of the daemon into its own program (issue 17): the sealed
 * memfd that carries the handover state across execve(2), the descriptors
 * that must survive it, and the execve itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "socketbridge_native.h"

/* A memfd holding data, sealed against any change (write, grow, shrink,
 * further seals), close-on-exec until the caller says otherwise. Returns
 * the descriptor or -errno. */
int32_t sb_memfd_sealed(const char *name, const uint8_t *data, int32_t length)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    int32_t done = 0;
    while (done < length) {
        ssize_t n = write(fd, data + done, (size_t)(length - done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int saved = errno;
            close(fd);
            return -saved;
        }
        done += (int32_t)n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
        int saved = errno;
        close(fd);
        return -saved;
    }
    return fd;
}

/* The seals of a memfd (F_GET_SEALS), or -errno (EINVAL: not a memfd). */
int32_t sb_memfd_seals(int32_t fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    return seals < 0 ? -errno : seals;
}

/* Reads up to length bytes of fd from offset, or -errno. */
int32_t sb_pread_all(int32_t fd, uint8_t *buffer, int32_t length, int64_t offset)
{
    int32_t done = 0;
    while (done < length) {
        ssize_t n = pread(fd, buffer + done, (size_t)(length - done), offset + done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        done += (int32_t)n;
    }
    return done;
}

/* The size of the file open at fd, or -errno. */
int64_t sb_file_size(int32_t fd)
{
    off_t end = lseek(fd, 0, SEEK_END);
    return end < 0 ? -errno : (int64_t)end;
}

/* Clears FD_CLOEXEC: the descriptor survives the coming execve. */
int32_t sb_clear_cloexec(int32_t fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
        return -errno;
    return 0;
}

/* execve(2) of path in this process. The signal mask of the calling thread
 * is emptied first (it survives execve, and the new image expects none
 * blocked); dispositions are reset by execve itself, except ignored ones,
 * which the new image sets as it wants. Returns only on failure: -errno. */
int32_t sb_reexec(const char *path, char *const argv[], char *const envp[])
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, argv, envp);
    return -errno;
}

/* A copy of fd numbered 3 or above that survives execve (F_DUPFD leaves
 * FD_CLOEXEC clear). Returns it or -errno. */
int32_t sb_dup_inheritable(int32_t fd)
{
    int copy = fcntl(fd, F_DUPFD, 3);
    return copy < 0 ? -errno : copy;
}
