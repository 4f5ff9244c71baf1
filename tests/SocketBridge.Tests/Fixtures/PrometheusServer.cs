using System.Globalization;
using System.Net.Http;
using System.Text.Json;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// A real Prometheus server (Debian's package <c>prometheus</c>) for one
/// test: its own loopback port, its own data directory, and a generated
/// prometheus.yml that scrapes one target every second. Its HTTP API is
/// queried as a dashboard would (<c>/api/v1/query</c>). Disposing it stops
/// it and removes its directory.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Program = "/usr/bin/prometheus";

    private readonly ServerProcess _process;
    private readonly TempDirectory _directory;
    private readonly HttpClient _http;

    private PrometheusServer(ServerProcess process, TempDirectory directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int Port { get; }

    /// <summary>Starts Prometheus scraping http://127.0.0.1:<paramref name="targetPort"/>/metrics each second, and waits until it is ready (/-/ready).</summary>
    public static async Task<PrometheusServer> StartAsync(int targetPort)
    {
        if (!File.Exists(Program))
        {
            throw new Xunit.Sdk.XunitException($"{Program} is missing: install the Debian package prometheus (one of the test tools) to run this test");
        }

        var directory = new TempDirectory();
        try
        {
            string config = directory.Write("prometheus.yml", $"""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: socketbridge
                    static_configs:
                      - targets: ['127.0.0.1:{targetPort}']
                """);
            int port = Ports.Free();
            ServerProcess process = await ServerProcess.StartAsync(
                Program,
                [$"--config.file={config}", $"--storage.tsdb.path={directory["data"]}", $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                port);
            var server = new PrometheusServer(process, directory, port);
            try
            {
                await server.WaitReadyAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }

            return server;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>An instant query's result: (labels, value) per series of the vector, or one unlabelled value for a scalar.</summary>
    public async Task<List<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string expression)
    {
        using HttpResponseMessage response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(expression));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Prometheus answered {(int)response.StatusCode} to {expression}: {body}");
        JsonElement data = JsonDocument.Parse(body).RootElement.GetProperty("data");
        JsonElement result = data.GetProperty("result");
        if (data.GetProperty("resultType").GetString() == "scalar")
        {
            return [([], Number(result[1]))];
        }

        return [.. result.EnumerateArray().Select(series => (
            series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            Number(series.GetProperty("value")[1])))];
    }

    /// <summary>
    /// Queries <paramref name="expression"/> until it gives exactly one value
    /// that <paramref name="accept"/> takes (Prometheus scrapes once a second,
    /// so a value appears after a scrape or two), and returns it.
    /// </summary>
    public async Task<double> WaitForValueAsync(string expression, Func<double, bool> accept, string what, TimeSpan? timeout = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(20);
        List<(Dictionary<string, string> Labels, double Value)> last = [];
        while (true)
        {
            last = await QueryAsync(expression);
            if (last.Count == 1 && accept(last[0].Value))
            {
                return last[0].Value;
            }

            if (clock.Elapsed > limit)
            {
                string targets = await _http.GetStringAsync("api/v1/targets");
                throw new TimeoutException($"timed out after {limit.TotalSeconds:0} s waiting for {what} from Prometheus's {expression}; its last answer: "
                    + string.Join("; ", last.Select(r => $"{{{string.Join(',', r.Labels.Select(l => $"{l.Key}={l.Value}"))}}} {r.Value.ToString(CultureInfo.InvariantCulture)}"))
                    + $"\ntargets: {targets}\nPrometheus's output:\n{_process.Output}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
        _directory.Dispose();
    }

    private async Task WaitReadyAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using HttpResponseMessage ready = await _http.GetAsync("-/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Prometheus was not ready within 30 s (exited: {_process.HasExited}):\n{_process.Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A value of the API's [time, "value"] pair: a string, so that NaN and ±Inf survive JSON.</summary>
    private static double Number(JsonElement value) => value.GetString() switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        string text => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        null => double.NaN,
    };
}
