namespace SocketBridge.Native;

/// <summary>User and group look-ups through NSS (getpwnam_r(3), getgrnam_r(3), getgrouplist(3)).</summary>
internal static unsafe class Accounts
{
    /// <summary>A user by name or number: its uid and primary gid, or null when there is no such user.</summary>
    public static (uint Uid, uint Gid)? FindUser(string nameOrNumber)
    {
        if (uint.TryParse(nameOrNumber, out uint number))
        {
            string? name = UserName(number);
            if (name is null)
            {
                return (number, number);
            }

            return NativeMethods.LookupUser(name, out _, out uint primary) == 0 ? (number, primary) : (number, number);
        }

        int rc = NativeMethods.LookupUser(nameOrNumber, out uint uid, out uint gid);
        if (rc == -Errno.ENOENT)
        {
            return null;
        }

        if (rc < 0)
        {
            throw new NativeCallException("getpwnam_r", nameOrNumber, -rc);
        }

        return (uid, gid);
    }

    /// <summary>A group by name or number, or null when there is no such group.</summary>
    public static uint? FindGroup(string nameOrNumber)
    {
        if (uint.TryParse(nameOrNumber, out uint number))
        {
            return number;
        }

        int rc = NativeMethods.LookupGroup(nameOrNumber, out uint gid);
        if (rc == -Errno.ENOENT)
        {
            return null;
        }

        if (rc < 0)
        {
            throw new NativeCallException("getgrnam_r", nameOrNumber, -rc);
        }

        return gid;
    }

    /// <summary>The name of a uid, or null when it has none.</summary>
    public static string? UserName(uint uid)
    {
        byte* buffer = stackalloc byte[256];
        return NativeMethods.UserName(uid, buffer, 256) == 0 ? System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)buffer) : null;
    }

    /// <summary>The name of a gid, or null when it has none.</summary>
    public static string? GroupName(uint gid)
    {
        byte* buffer = stackalloc byte[256];
        return NativeMethods.GroupName(gid, buffer, 256) == 0 ? System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)buffer) : null;
    }

    /// <summary>The groups a user belongs to, as login would set them (initgroups(3)).</summary>
    public static uint[] SupplementaryGroups(uint uid, uint primaryGid)
    {
        string? name = UserName(uid);
        if (name is null)
        {
            return [primaryGid];
        }

        const int Capacity = 65536;
        uint[] groups = new uint[Capacity];
        fixed (uint* p = groups)
        {
            int n = NativeMethods.UserGroups(name, primaryGid, p, Capacity);
            if (n < 0)
            {
                throw new NativeCallException("getgrouplist", name, -n);
            }

            return groups[..n];
        }
    }
}
