/*
 * sb_files.c: file status (struct stat differs between architectures),
 * FIFOs (fifo(7)), descriptor flags and pipe sizes, opening a
 * configuration file, and the open-file limit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>
#include "socketbridge_native.h"

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
    sb_write_decimal(path + 14, read_fd);
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

/* fcntl(F_GETPIPE_SZ): what a pipe holds. Returns the size or -errno. */
int32_t sb_get_pipe_size(int32_t fd)
{
    int rc = fcntl(fd, F_GETPIPE_SZ);
    return rc < 0 ? -errno : rc;
}

/* Opens a file to read it whole (a configuration file) without ever
 * blocking in open(2): O_NONBLOCK makes a FIFO open at once, with or without
 * a writer, and does nothing to a regular file. *mode and *size come from
 * fstat(2) of what was opened, so the caller refuses anything that is not a
 * regular file before reading a byte. Symbolic links are followed: a
 * configuration file linked from elsewhere is usual in /etc, and reading
 * through a link changes nothing. Returns the descriptor or -errno. */
int32_t sb_open_for_reading(const char *path, uint32_t *mode, uint32_t *uid, uint32_t *gid, uint64_t *dev, uint64_t *ino, int64_t *size)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    *mode = st.st_mode;
    *uid = st.st_uid;
    *gid = st.st_gid;
    *dev = st.st_dev;
    *ino = st.st_ino;
    *size = st.st_size;
    return fd;
}

/* getrlimit(RLIMIT_NOFILE): one more than the highest descriptor number the
 * process may open (the soft limit). Returns 0 or -errno. */
int32_t sb_open_files_limit(uint64_t *soft, uint64_t *hard)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) < 0)
        return -errno;
    *soft = limit.rlim_cur;
    *hard = limit.rlim_max;
    return 0;
}

/* Whether one more descriptor could be opened now: 0, or -EMFILE (the
 * process's limit) or -ENFILE (the system's), so a failure elsewhere can be
 * named precisely. */
int32_t sb_descriptor_shortage(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    close(fd);
    return 0;
}
