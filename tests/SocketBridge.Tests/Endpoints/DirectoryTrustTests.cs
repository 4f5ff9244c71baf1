using SocketBridge.Endpoints;
using SocketBridge.Native;

namespace SocketBridge.Tests.Endpoints;

/// <summary>The StrictModes rule for the directories on a socket's path, on its own.</summary>
[Trait("Category", "Unit")]
public sealed class DirectoryTrustTests
{
    private const uint Directory = 0x4000;

    [Theory]
    [InlineData(0u, "0755", null, true)]
    [InlineData(1000u, "0755", null, true)]     // the daemon's own user
    [InlineData(2000u, "0750", 2000u, true)]    // SocketUser
    [InlineData(2000u, "0755", null, false)]    // someone else
    [InlineData(0u, "1777", null, true)]        // /tmp
    [InlineData(0u, "0777", null, false)]
    [InlineData(0u, "0775", null, false)]
    [InlineData(0u, "3775", null, true)]        // setgid and sticky
    [InlineData(1000u, "0757", null, false)]
    public void A_directory_is_trusted_when_a_trusted_user_owns_it_and_no_one_else_may_write_it_unless_sticky(uint owner, string mode, uint? socketUser, bool trusted)
    {
        var trust = new DirectoryTrust(daemonUid: 1000, socketUid: socketUser);
        var status = new FileStatus(Directory | Convert.ToUInt32(mode, 8), owner, 0, 1, 1);

        Assert.Equal(trusted, trust.Problem(status, "/d") is null);
    }

    [Theory]
    [InlineData(0u, true)]
    [InlineData(1000u, true)]
    [InlineData(2000u, false)]
    public void A_symbolic_link_is_followed_only_when_root_or_the_daemons_user_made_it(uint owner, bool followed)
    {
        var trust = new DirectoryTrust(daemonUid: 1000, socketUid: 2000);

        Assert.Equal(followed, trust.MayFollow(new FileStatus(0xA000 | 0x1FF, owner, 0, 1, 1)));
    }
}
