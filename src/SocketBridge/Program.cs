namespace SocketBridge;

public static class Program
{
    public static int Main(string[] args) => Cli.CommandLine.Invoke(args);
}
