namespace WebDnn.Tests.Support;

/// <summary>Lines worth seeing after a test run (conformance counts); scripts/test.sh prints artifacts/test-summary.txt at the end.</summary>
internal static class TestSummary
{
    private static readonly Lock s_lock = new();

    public static void Add(string line)
    {
        Console.WriteLine(line);
        var dir = Path.Combine(Conformance.ReferenceNodeTests.FindRepoRoot(), "artifacts");
        Directory.CreateDirectory(dir);
        lock (s_lock)
        {
            File.AppendAllText(Path.Combine(dir, "test-summary.txt"), line + Environment.NewLine);
        }
    }
}
