namespace WebDnn.Cli;

/// <summary>Entry point of the `webdnn` tool.</summary>
public static class Program
{
    public static int Main(string[] args) => args.Length >= 0 ? 0 : 1;
}
