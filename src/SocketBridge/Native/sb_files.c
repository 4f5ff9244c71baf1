/*
 * sb_files.c: file status (struct stat differs between architectures),
 * FIFOs (fifo(7)), descriptor flags and pipe sizes, and the *at(2) calls
 * through which the daemon makes socket files and FIFOs: every one works
 * from a directory descriptor the caller opened and checked once, and
 * none follows a symbolic link in the last component (openat(2) with
 * O_NOFOLLOW, fstatat(2) with AT_SYMLINK_NOFOLLOW), so a name swapped by
 * whoever can write that directory never redirects a change made as root.
 * Also: opening a configuration file, and the open-file limit.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
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

/* Opens for writing the very FIFO that read_fd reads, through
 * /proc/self/fd, whatever has become of its path since. Returns the
 * descriptor or -errno. */
int32_t sb_reopen_fifo_writer(intptr_t read_fd)
{
    char path[40] = "/proc/self/fd/";
    sb_write_decimal(path + 14, read_fd);
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* Sets or clears O_NONBLOCK. Returns 0 or -errno. */
int32_t sb_set_nonblocking(intptr_t fd, int32_t on)
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

static void fill_status(const struct stat *st, uint32_t *mode, uint32_t *uid, uint32_t *gid, uint64_t *dev, uint64_t *ino)
{
    *mode = st->st_mode;
    *uid = st->st_uid;
    *gid = st->st_gid;
    *dev = st->st_dev;
    *ino = st->st_ino;
}

/* fstatat(2) of name in dirfd without following a final symbolic link, or,
 * with an empty name, fstat(2) of dirfd itself (also an O_PATH
 * descriptor). Returns 0 or -errno. */
int32_t sb_stat_at(intptr_t dirfd, const char *name, uint32_t *mode, uint32_t *uid, uint32_t *gid, uint64_t *dev, uint64_t *ino)
{
    struct stat st;
    int rc = name[0] == '\0' ? fstat(dirfd, &st) : fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW);
    if (rc < 0)
        return -errno;
    fill_status(&st, mode, uid, gid, dev, ino);
    return 0;
}

/* An O_PATH descriptor of name in dirfd (AT_FDCWD for an absolute name):
 * directory: O_DIRECTORY too, so it is one, and never a symbolic link
 * (O_NOFOLLOW). An O_PATH descriptor opens nothing: it only names the
 * inode, for fstat and as the directory of other *at calls, and needs no
 * read permission. Returns the descriptor or -errno. */
int32_t sb_open_path_at(intptr_t dirfd, const char *name, int32_t directory)
{
    int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
    return fd < 0 ? -errno : fd;
}

/* readlinkat(2), NUL-terminated. Returns the length or -errno
 * (-ENAMETOOLONG when it does not fit). */
int32_t sb_readlink_at(intptr_t dirfd, const char *name, char *buffer, int32_t size)
{
    ssize_t n = readlinkat(dirfd, name, buffer, (size_t)size);
    if (n < 0)
        return -errno;
    if (n >= size)
        return -ENAMETOOLONG;
    buffer[n] = '\0';
    return (int32_t)n;
}

/* Makes directory name in dirfd with exactly mode, whatever the umask:
 * mkdirat(2) applies the umask, so the new directory is opened (never
 * through a symbolic link), checked to be a directory owned by the
 * daemon, which only the one just made can be, and given its mode with
 * fchmod(2). Returns an O_PATH descriptor of it, or -errno (-EEXIST when
 * the name exists already). */
int32_t sb_make_directory_at(intptr_t dirfd, const char *name, uint32_t mode)
{
    if (mkdirat(dirfd, name, 0700) < 0)
        return -errno;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
        int e = errno ? errno : EEXIST;
        close(fd);
        return -e;
    }
    if (fchmod(fd, (mode_t)mode) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    int path = openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int e = errno;
    close(fd);
    return path < 0 ? -e : path;
}

/* mknodat(2) of a FIFO with no permissions at all: a FIFO the daemon
 * makes is open to no one until it has its owner and mode. Returns 0 or
 * -errno (-EEXIST when the name exists). */
int32_t sb_make_fifo_at(intptr_t dirfd, const char *name)
{
    return mknodat(dirfd, name, S_IFIFO | 0, 0) < 0 ? -errno : 0;
}

/* Opens FIFO name in dirfd non-blocking and close-on-exec, never through a
 * symbolic link; *mode, *uid, *gid, *dev and *ino say what was opened
 * (fstat), so the caller refuses what is not a FIFO, or not the one it
 * expects, before using it. Opening a regular file or a device without
 * O_CREAT or O_TRUNC does not change it. Returns the descriptor or -errno. */
int32_t sb_open_fifo_at(intptr_t dirfd, const char *name, int32_t for_writing, uint32_t *mode, uint32_t *uid, uint32_t *gid, uint64_t *dev, uint64_t *ino)
{
    int flags = (for_writing ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
    int fd = openat(dirfd, name, flags);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    fill_status(&st, mode, uid, gid, dev, ino);
    return fd;
}

/* unlinkat(2) of name in dirfd. Returns 0 or -errno. */
int32_t sb_unlink_at(intptr_t dirfd, const char *name)
{
    return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
}

/* Changes the owner of the inode fd names (an open file, a socket, or an
 * O_PATH descriptor): fchownat(2) with AT_EMPTY_PATH, which never
 * resolves a path. -1 leaves uid or gid as they are. Returns 0 or -errno. */
int32_t sb_chown_node(intptr_t fd, uint32_t uid, uint32_t gid)
{
    return fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) < 0 ? -errno : 0;
}

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* Changes the mode of the inode fd names. fchmod(2) takes an open file or
 * a socket, and refuses an O_PATH descriptor (EBADF); for that there is
 * fchmodat2(2) with AT_EMPTY_PATH (Linux 6.6), and before it chmod(2) on
 * /proc/self/fd/N, which reaches the very inode the descriptor names
 * without walking any directory. Returns 0 or -errno. */
int32_t sb_chmod_node(intptr_t fd, uint32_t mode)
{
    if (fchmod(fd, (mode_t)mode) == 0)
        return 0;
    if (errno != EBADF)
        return -errno;
    if (syscall(SYS_fchmodat2, (int)fd, "", (mode_t)mode, AT_EMPTY_PATH) == 0)
        return 0;
    if (errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
        return -errno;
    char path[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", (int)fd);
    return chmod(path, (mode_t)mode) < 0 ? -errno : 0;
}

/* Reads at most size bytes from the start of a regular file (the "#!" of a
 * script), never following a symbolic link and never waiting: O_NONBLOCK,
 * so a FIFO put in the file's place cannot hang the caller, and anything
 * but a regular file is refused with -EINVAL. Returns the count or -errno. */
int32_t sb_read_head(const char *path, uint8_t *buffer, int32_t size)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat st;
    int e = fstat(fd, &st) < 0 ? errno : S_ISREG(st.st_mode) ? 0 : EINVAL;
    if (e != 0) {
        close(fd);
        return -e;
    }
    ssize_t n;
    do
        n = read(fd, buffer, (size_t)size);
    while (n < 0 && errno == EINTR);
    e = errno;
    close(fd);
    return n < 0 ? -e : (int32_t)n;
}

/* Whether a file has a POSIX access ACL (acl(5)), in which case its group
 * permission bits are the ACL's mask, not the owning group's entry.
 * Returns 1, 0, or -errno. */
int32_t sb_has_access_acl(const char *path)
{
    ssize_t n = lgetxattr(path, "system.posix_acl_access", NULL, 0);
    if (n >= 0)
        return n > 0;
    return errno == ENODATA || errno == ENOTSUP ? 0 : -errno;
}

/* ioctl(FIONREAD): the bytes waiting in a pipe or FIFO. Returns the count
 * or -errno. */
int32_t sb_bytes_readable(intptr_t fd)
{
    int n = 0;
    return ioctl(fd, FIONREAD, &n) < 0 ? -errno : n;
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
    fill_status(&st, mode, uid, gid, dev, ino);
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

/* The descriptors the process has open: the entries of /proc/self/fd (or
 * /dev/fd), less the one the count itself uses. For the metrics endpoint,
 * which asks at every scrape: no allocation in the runtime, however many
 * connections are open. Returns the count or -errno. */
int32_t sb_open_descriptor_count(void)
{
#ifdef __linux__
    DIR *directory = opendir("/proc/self/fd");
#else
    DIR *directory = opendir("/dev/fd");
#endif
    if (directory == NULL)
        return -errno;
    int32_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] != '.')
            count++;
    }
    closedir(directory);
    return count > 0 ? count - 1 : 0;
}

/* Raises the soft RLIMIT_NOFILE to the hard one, as systemd asks of daemons
 * that need many descriptors (it keeps the soft limit at 1024 for select(2))
 * and as the .NET runtime does by itself where it has a JIT; programs the
 * daemon launches get 1024 back. Returns 0 or -errno. */
int32_t sb_raise_open_files_limit(void)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) < 0)
        return -errno;
    if (limit.rlim_cur == limit.rlim_max)
        return 0;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) < 0)
        return -errno;
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
