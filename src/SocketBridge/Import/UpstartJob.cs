namespace SocketBridge.Import;

/// <summary>
/// The stanzas of a job, an override file's after the job file's, with a
/// later stanza replacing an earlier one of the same kind, as Upstart reads
/// them (init(5), "Override File Handling"). <c>exec</c> and <c>script</c>
/// are one kind: the main process.
/// </summary>
internal sealed class UpstartJob
{
    private readonly List<UpstartStanza> _environment = [];
    private readonly List<UpstartStanza> _limits = [];
    private readonly List<UpstartStanza> _others = [];
    private readonly List<ImportNote> _replaced = [];

    private UpstartJob()
    {
    }

    public UpstartStanza? StartOn { get; private set; }

    /// <summary><c>exec</c> or <c>script</c>.</summary>
    public UpstartStanza? Main { get; private set; }

    public UpstartStanza? SetUid { get; private set; }

    public UpstartStanza? SetGid { get; private set; }

    public UpstartStanza? Chdir { get; private set; }

    public UpstartStanza? Console { get; private set; }

    public UpstartStanza? UMask { get; private set; }

    public UpstartStanza? Nice { get; private set; }

    /// <summary><c>limit</c> stanzas, one per resource (a later one replaces an earlier one for the same resource), in order.</summary>
    public IReadOnlyList<UpstartStanza> Limits => _limits;

    /// <summary><c>env</c> stanzas, in order.</summary>
    public IReadOnlyList<UpstartStanza> Environment => _environment;

    /// <summary>Every other stanza, in order.</summary>
    public IReadOnlyList<UpstartStanza> Others => _others;

    /// <summary>One note per stanza that a later one replaced.</summary>
    public IReadOnlyList<ImportNote> Replaced => _replaced;

    public static UpstartJob Collect(IEnumerable<UpstartStanza> stanzas)
    {
        var job = new UpstartJob();
        foreach (UpstartStanza stanza in stanzas)
        {
            switch (stanza.Keyword)
            {
                case "exec" or "script":
                    job.Main = job.Replace(job.Main, stanza);
                    break;
                case "start on":
                    job.StartOn = job.Replace(job.StartOn, stanza);
                    break;
                case "setuid":
                    job.SetUid = job.Replace(job.SetUid, stanza);
                    break;
                case "setgid":
                    job.SetGid = job.Replace(job.SetGid, stanza);
                    break;
                case "chdir":
                    job.Chdir = job.Replace(job.Chdir, stanza);
                    break;
                case "console":
                    job.Console = job.Replace(job.Console, stanza);
                    break;
                case "umask":
                    job.UMask = job.Replace(job.UMask, stanza);
                    break;
                case "nice":
                    job.Nice = job.Replace(job.Nice, stanza);
                    break;
                case "limit":
                    job.ReplaceLimit(stanza);
                    break;
                case "env":
                    job._environment.Add(stanza);
                    break;
                default:
                    job._others.Add(stanza);
                    break;
            }
        }

        return job;
    }

    /// <summary>Upstart keeps one limit per resource, the last one read.</summary>
    private void ReplaceLimit(UpstartStanza stanza)
    {
        string resource = ResourceOf(stanza);
        int earlier = _limits.FindIndex(l => ResourceOf(l) == resource);
        if (earlier >= 0)
        {
            Replace(_limits[earlier], stanza);
            _limits.RemoveAt(earlier);
        }

        _limits.Add(stanza);
    }

    private static string ResourceOf(UpstartStanza limit) =>
        limit.Arguments.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries) is [string resource, ..] ? resource : string.Empty;

    private UpstartStanza Replace(UpstartStanza? earlier, UpstartStanza later)
    {
        if (earlier is not null)
        {
            string where = earlier.File == later.File ? $"line {later.Line}" : $"{later.File}:{later.Line}";
            _replaced.Add(new ImportNote(earlier.File, earlier.Line, earlier.Keyword, $"not translated: replaced by the {later.Keyword} at {where}"));
        }

        return later;
    }
}
