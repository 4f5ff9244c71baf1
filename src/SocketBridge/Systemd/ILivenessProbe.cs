namespace SocketBridge.Systemd;

/// <summary>
/// Loops of the daemon that the watchdog asks, each interval, to show they
/// still turn (<see cref="WatchdogService"/>): WATCHDOG=1 is sent only when
/// every one answered the previous question.
/// </summary>
internal interface ILivenessProbe
{
    /// <summary>Asks every loop this probe covers to answer; never waits for them.</summary>
    void Ask();

    /// <summary>The name of a loop that has not answered the last <see cref="Ask"/>, or null when all have.</summary>
    string? Unanswered();
}
