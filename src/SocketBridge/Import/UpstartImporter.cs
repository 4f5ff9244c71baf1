using System.Collections.Frozen;
using System.Globalization;
using SocketBridge.Configuration;
using SocketBridge.Native;

namespace SocketBridge.Import;

/// <summary>
/// <c>socketbridge import upstart</c>: an Upstart job started <c>on socket</c>
/// (upstart-socket-bridge(8), socket-event(7)) becomes a handoff bridge
/// (SPEC 5): the program gets the listening socket as fd 3 with
/// UPSTART_FDS=3, UPSTART_EVENTS=socket and PROTO, PORT, ADDR or SOCKET_PATH,
/// and runs once per burst of pending connections. A job's
/// <c>NAME.override</c> next to <c>NAME.conf</c> is read after it, as Upstart does.
/// </summary>
internal sealed class UpstartImporter : IJobImporter
{
    public string Format => "upstart";

    public string FileDescription => "Upstart job files (/etc/init/NAME.conf) that start on socket; a NAME.override next to one is read too";

    public ImportedJob Import(string path)
    {
        string text = File.ReadAllText(path);
        string? overridePath = path.EndsWith(".conf", StringComparison.Ordinal) ? path[..^".conf".Length] + ".override" : null;
        string? overrideText = overridePath is not null && File.Exists(overridePath) ? ReadOverride(overridePath) : null;
        return Translate(path, text, overrideText is null ? null : overridePath, overrideText);
    }

    /// <summary>The override file's text; failing to read it fails the job, naming the override file.</summary>
    private static string ReadOverride(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"its override file {path}: {(ex is UnauthorizedAccessException ? "permission denied" : ex.Message)}", ex);
        }
    }

    /// <summary>Translates a job from its text (and its override file's); reads no file.</summary>
    public static ImportedJob Translate(string path, string text, string? overridePath = null, string? overrideText = null)
    {
        var syntax = new List<ImportNote>();
        var stanzas = new List<UpstartStanza>(UpstartJobParser.Parse(path, text, syntax));
        if (overridePath is not null && overrideText is not null)
        {
            stanzas.AddRange(UpstartJobParser.Parse(overridePath, overrideText, syntax));
        }

        UpstartJob job = UpstartJob.Collect(stanzas);
        string jobName = JobName(path);
        return new Translation(path, job, syntax).Run(jobName);
    }

    /// <summary>The job's name: its file name without <c>.conf</c>.</summary>
    private static string JobName(string path)
    {
        string name = Path.GetFileName(path);
        return name.EndsWith(".conf", StringComparison.Ordinal) ? name[..^".conf".Length] : name;
    }

    /// <summary>One job's translation, collecting its notes.</summary>
    private sealed class Translation(string path, UpstartJob job, List<ImportNote> syntax)
    {
        /// <summary>The resources of <c>limit</c> (init(5)) with a Limit* key; the others are in <see cref="UpstartStanzaReasons.LimitsNotTranslated"/>.</summary>
        private static readonly FrozenDictionary<string, ResourceKind> Resources = new Dictionary<string, ResourceKind>(StringComparer.Ordinal)
        {
            ["as"] = ResourceKind.AddressSpace,
            ["core"] = ResourceKind.CoreSize,
            ["cpu"] = ResourceKind.CpuTime,
            ["data"] = ResourceKind.Data,
            ["fsize"] = ResourceKind.FileSize,
            ["nofile"] = ResourceKind.OpenFiles,
            ["nproc"] = ResourceKind.Processes,
            ["stack"] = ResourceKind.Stack,
        }.ToFrozenDictionary(StringComparer.Ordinal);

        private readonly List<ImportNote> _notes = [];

        /// <summary>Set once the job is known to start on a socket: from then on every note matters.</summary>
        private bool _socketJob;

        public ImportedJob Run(string jobName)
        {
            List<string>? listens = TranslateStartOn();
            if (listens is null)
            {
                return Skipped();
            }

            IReadOnlyList<string>? exec = TranslateMain();
            if (exec is null)
            {
                return Skipped();
            }

            string name = BridgeNames.FromJobName(jobName);
            string? user = SingleWord(job.SetUid);
            if (user is null)
            {
                // Upstart ran the job as root; a bridge says so explicitly.
                _notes.Add(new ImportNote(path, null, "User", $"\"root\", as Upstart ran the job without setuid; {ImportNote.LessPrivileged}"));
            }

            var bridge = new ImportedBridge
            {
                Name = name,
                File = path,
                Listen = listens[0],
                Mode = "handoff",
                Exec = exec,
                User = user ?? "root",
                Group = SingleWord(job.SetGid),
                WorkingDirectory = SingleWord(job.Chdir),
            };
            bridge = TranslateProcess(TranslateEnvironment(bridge));
            TranslateConsole();
            foreach (UpstartStanza stanza in job.Others)
            {
                TranslateOther(stanza);
            }

            var bridges = new List<ImportedBridge> { bridge };
            for (int i = 1; i < listens.Count; i++)
            {
                bridges.Add(bridge with { Name = $"{name}-{i + 1}", Listen = listens[i] });
            }

            if (bridges.Count > 1)
            {
                _notes.Add(new ImportNote(path, job.StartOn!.Line, "start on", $"{bridges.Count} socket events: {bridges.Count} bridges ({string.Join(", ", bridges.Select(b => b.Name))}), each running its own copy of the program"));
            }

            if (name != jobName)
            {
                _notes.Add(new ImportNote(path, null, "bridge name", $"{name} (UPSTART_JOB={name}), from the job name \"{jobName}\": a bridge name is [a-z0-9][a-z0-9._-]*"));
            }

            return new ImportedJob(path, bridges, Ordered([.. syntax, .. job.Replaced, .. _notes]));
        }

        private ImportedJob Skipped() => new(path, [], Ordered(_socketJob ? [.. syntax, .. _notes] : _notes));

        /// <summary>Notes in file order (the job file, then its override), line by line; whole-file notes last.</summary>
        private IReadOnlyList<ImportNote> Ordered(IEnumerable<ImportNote> notes) =>
            [.. notes.OrderBy(n => n.File == path ? 0 : 1).ThenBy(n => n.Line ?? int.MaxValue)];

        /// <summary>The endpoints of the socket events, or null (the job is skipped, and why is noted).</summary>
        private List<string>? TranslateStartOn()
        {
            UpstartStanza? startOn = job.StartOn;
            if (startOn is null)
            {
                _notes.Add(ImportNote.Skipped(path, "no start on socket stanza: not a socket job"));
                return null;
            }

            if (!UpstartConditionParser.TryParse(startOn.Arguments, out UpstartCondition condition, out string error))
            {
                _notes.Add(ImportNote.NotTranslated(startOn.File, startOn.Line, startOn.Keyword, error));
                _notes.Add(ImportNote.Skipped(path, "its start on condition cannot be read"));
                return null;
            }

            List<UpstartEvent> sockets = [.. condition.Events.Where(e => e.Name == "socket")];
            if (sockets.Count == 0)
            {
                _notes.Add(ImportNote.Skipped(path, $"not a socket job (start on {startOn.Arguments})"));
                return null;
            }

            _socketJob = true;
            List<UpstartEvent> others = [.. condition.Events.Where(e => e.Name != "socket")];
            if (others.Count > 0)
            {
                _notes.Add(ImportNote.NotTranslated(startOn.File, startOn.Line, startOn.Keyword,
                    $"{string.Join(", ", others)}: the bridge starts the program when a connection is pending, whatever else happened"));
            }

            var listens = new List<string>();
            foreach (UpstartEvent socket in sockets)
            {
                if (SocketEventTranslator.TryTranslate(socket, out string endpoint, out string why, out bool olderPathSpelling))
                {
                    listens.Add(endpoint);
                    if (olderPathSpelling)
                    {
                        _notes.Add(new ImportNote(startOn.File, startOn.Line, startOn.Keyword,
                            "PATH= is the older spelling of SOCKET_PATH=: the program gets the path as SOCKET_PATH, and PATH stays the command search path"));
                    }
                }
                else
                {
                    _notes.Add(ImportNote.NotTranslated(startOn.File, startOn.Line, startOn.Keyword, $"{socket}: {why}"));
                }
            }

            if (listens.Count == 0)
            {
                _notes.Add(ImportNote.Skipped(path, "none of its socket events can be translated"));
                return null;
            }

            return listens;
        }

        private IReadOnlyList<string>? TranslateMain()
        {
            UpstartStanza? main = job.Main;
            if (main is null)
            {
                _notes.Add(ImportNote.Skipped(path, "nothing to run: no exec or script stanza"));
                return null;
            }

            if (main.Block is not null)
            {
                if (main.Block.Trim().Length == 0)
                {
                    _notes.Add(ImportNote.NotTranslated(main.File, main.Line, main.Keyword, "the script is empty"));
                    _notes.Add(ImportNote.Skipped(path, "nothing to run"));
                    return null;
                }

                return ExecCommand.ForScript(main.Block);
            }

            if (!ExecCommand.TryTranslate(main.Arguments, out IReadOnlyList<string> argv, out string error))
            {
                _notes.Add(ImportNote.NotTranslated(main.File, main.Line, main.Keyword, error));
                _notes.Add(ImportNote.Skipped(path, "nothing to run"));
                return null;
            }

            return argv;
        }

        /// <summary>The one word of a <c>setuid</c>, <c>setgid</c> or <c>chdir</c>; null (noted) otherwise.</summary>
        private string? SingleWord(UpstartStanza? stanza)
        {
            if (stanza is null)
            {
                return null;
            }

            if (!UpstartTokenizer.TrySplit(stanza.Arguments, parentheses: false, out List<string> words, out string error))
            {
                _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, stanza.Keyword, error));
                return null;
            }

            if (words.Count != 1)
            {
                _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, stanza.Keyword, $"takes one word, not {words.Count}"));
                return null;
            }

            return words[0];
        }

        /// <summary><c>env KEY=VALUE</c> as Environment, <c>env KEY</c> (from init's environment) as PassEnvironment; a later one wins.</summary>
        private ImportedBridge TranslateEnvironment(ImportedBridge bridge)
        {
            var variables = new List<KeyValuePair<string, string>>();
            var passed = new List<string>();
            foreach (UpstartStanza stanza in job.Environment)
            {
                if (!UpstartTokenizer.TrySplit(stanza.Arguments, parentheses: false, out List<string> words, out string error) || words.Count != 1)
                {
                    string why = error.Length > 0 ? error : $"takes one KEY=VALUE word, not {words.Count} (quote a value with blanks)";
                    _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, stanza.Keyword, why));
                    continue;
                }

                int equals = words[0].IndexOf('=', StringComparison.Ordinal);
                string name = equals < 0 ? words[0] : words[0][..equals];
                if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal))
                {
                    _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, stanza.Keyword, $"\"{words[0]}\" names no variable"));
                    continue;
                }

                if (ReservedVariables.Names.Contains(name))
                {
                    _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, stanza.Keyword, $"{name} is set by socketbridge itself for every program"));
                    continue;
                }

                variables.RemoveAll(v => v.Key == name);
                passed.Remove(name);
                if (equals < 0)
                {
                    passed.Add(name);
                }
                else
                {
                    variables.Add(new KeyValuePair<string, string>(name, words[0][(equals + 1)..]));
                }
            }

            return bridge with { Environment = variables, PassEnvironment = passed };
        }

        /// <summary>
        /// <c>umask</c>, <c>nice</c> and <c>limit</c> as UMask, Nice and the
        /// Limit* keys. Upstart set them as root before setuid, as the daemon
        /// does, so a negative nice value and a raised hard limit work the same.
        /// </summary>
        private ImportedBridge TranslateProcess(ImportedBridge bridge)
        {
            var limits = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (UpstartStanza stanza in job.Limits)
            {
                if (TranslateLimit(stanza) is ({ } key, { } value))
                {
                    limits[key] = value;
                }
            }

            string? umask = null;
            if (SingleWord(job.UMask) is { } umaskText && !ImportedUMask.TryFormat(umaskText, out umask))
            {
                _notes.Add(ImportNote.NotTranslated(job.UMask!.File, job.UMask.Line, job.UMask.Keyword, ImportedUMask.Forms));
                umask = null;
            }

            int? nice = null;
            if (SingleWord(job.Nice) is { } niceText)
            {
                if (int.TryParse(niceText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value is >= -20 and <= 19)
                {
                    nice = value;
                }
                else
                {
                    _notes.Add(ImportNote.NotTranslated(job.Nice!.File, job.Nice.Line, job.Nice.Keyword, "takes a nice value from -20 to 19"));
                }
            }

            return bridge with { Limits = limits, UMask = umask, Nice = nice };
        }

        /// <summary><c>limit RESOURCE SOFT HARD</c> as the resource's Limit* key and value; null (noted) for a resource without one.</summary>
        private (string Key, string Value)? TranslateLimit(UpstartStanza stanza)
        {
            if (!UpstartTokenizer.TrySplit(stanza.Arguments, parentheses: false, out List<string> words, out string error))
            {
                _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, stanza.Keyword, error));
                return null;
            }

            if (words is not [string resource, string softText, string hardText])
            {
                _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, stanza.Keyword, "takes a resource, a soft and a hard limit (limit nofile 1024 4096)"));
                return null;
            }

            if (UpstartStanzaReasons.LimitsNotTranslated.TryGetValue(resource, out string? why))
            {
                _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, $"limit {resource}", why));
                return null;
            }

            if (!Resources.TryGetValue(resource, out ResourceKind kind))
            {
                _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, stanza.Keyword, $"{resource} is not a resource Upstart knows ({string.Join(", ", Resources.Keys.Concat(UpstartStanzaReasons.LimitsNotTranslated.Keys).Order(StringComparer.Ordinal))})"));
                return null;
            }

            ResourceLimitKey key = ImportedLimit.KeyFor(kind);
            if (!TryLimitValue(softText, out ulong? soft) || !TryLimitValue(hardText, out ulong? hard))
            {
                _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, $"limit {resource}", "takes two numbers, or unlimited"));
                return null;
            }

            if (!ImportedLimit.TryFormat(key, soft, hard, out string value, out error))
            {
                _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, $"limit {resource}", $"{key.Key.Name} {error}"));
                return null;
            }

            return (key.Key.Name, value);
        }

        /// <summary>A number as Upstart's strtoul reads it (base 10), or <c>unlimited</c> (null).</summary>
        private static bool TryLimitValue(string text, out ulong? value)
        {
            value = null;
            if (text == "unlimited")
            {
                return true;
            }

            if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong number))
            {
                return false;
            }

            value = number;
            return true;
        }

        /// <summary>
        /// A handoff program's stdout and stderr always go to the journal
        /// (SPEC 5), which is <c>console log</c>, Upstart's default.
        /// </summary>
        private void TranslateConsole()
        {
            UpstartStanza? console = job.Console;
            if (console is null || console.Arguments == "log")
            {
                return;
            }

            string why = console.Arguments switch
            {
                "none" => "a handoff program's stdout and stderr go to the journal; to discard them, exec the program from a script with >/dev/null 2>&1",
                "output" or "owner" => "a handoff program's stdout and stderr go to the journal, not to a console",
                "" => "needs log, none, output or owner",
                _ => $"\"{console.Arguments}\" is not log, none, output or owner",
            };
            _notes.Add(ImportNote.NotTranslated(console.File, console.Line, $"console {console.Arguments}".TrimEnd(), why));
        }

        private void TranslateOther(UpstartStanza stanza)
        {
            if (UpstartStanzaReasons.Descriptive.Contains(stanza.Keyword))
            {
                return;
            }

            string why = UpstartStanzaReasons.NotTranslated.TryGetValue(stanza.Keyword, out string? reason)
                ? reason
                : "not an Upstart stanza that import knows";
            _notes.Add(ImportNote.NotTranslated(stanza.File, stanza.Line, stanza.Keyword, why));
        }
    }
}
