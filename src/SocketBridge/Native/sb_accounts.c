/*
 * sb_accounts.c: users and groups through NSS (getpwnam_r(3) and friends),
 * whose struct passwd and struct group differ between architectures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include "socketbridge_native.h"

/* getpwnam_r(3). Returns 0, -ENOENT when there is no such user, or -errno. */
int32_t sb_lookup_user(const char *name, uint32_t *uid, uint32_t *gid)
{
    char buffer[16384];
    struct passwd pw, *result = NULL;
    int rc = getpwnam_r(name, &pw, buffer, sizeof buffer, &result);
    if (rc != 0)
        return -rc;
    if (result == NULL)
        return -ENOENT;
    *uid = pw.pw_uid;
    *gid = pw.pw_gid;
    return 0;
}

/* getpwuid_r(3): the name of a uid, for messages. */
int32_t sb_user_name(uint32_t uid, char *name, int32_t size)
{
    char buffer[16384];
    struct passwd pw, *result = NULL;
    int rc = getpwuid_r(uid, &pw, buffer, sizeof buffer, &result);
    if (rc != 0)
        return -rc;
    if (result == NULL)
        return -ENOENT;
    size_t n = strlen(pw.pw_name);
    if ((int32_t)n >= size)
        return -ERANGE;
    memcpy(name, pw.pw_name, n + 1);
    return 0;
}

/* getgrnam_r(3). */
int32_t sb_lookup_group(const char *name, uint32_t *gid)
{
    char buffer[65536];
    struct group gr, *result = NULL;
    int rc = getgrnam_r(name, &gr, buffer, sizeof buffer, &result);
    if (rc != 0)
        return -rc;
    if (result == NULL)
        return -ENOENT;
    *gid = gr.gr_gid;
    return 0;
}

/* getgrouplist(3): the supplementary groups a user gets at login
 * (initgroups semantics). Returns the count, or -ERANGE when capacity is too
 * small. */
int32_t sb_user_groups(const char *name, uint32_t gid, uint32_t *groups, int32_t capacity)
{
    int n = capacity;
    if (getgrouplist(name, gid, (gid_t *)groups, &n) < 0)
        return -ERANGE;
    return n;
}

/* getgrgid_r(3): the name of a gid, for messages. */
int32_t sb_group_name(uint32_t gid, char *name, int32_t size)
{
    char buffer[65536];
    struct group gr, *result = NULL;
    int rc = getgrgid_r(gid, &gr, buffer, sizeof buffer, &result);
    if (rc != 0)
        return -rc;
    if (result == NULL)
        return -ENOENT;
    size_t n = strlen(gr.gr_name);
    if ((int32_t)n >= size)
        return -ERANGE;
    memcpy(name, gr.gr_name, n + 1);
    return 0;
}
