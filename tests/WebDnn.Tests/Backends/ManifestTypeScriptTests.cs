using System.Runtime.CompilerServices;
using WebDnn.Backends.Common;

namespace WebDnn.Tests.Backends;

public sealed class ManifestTypeScriptTests
{
    /// <summary>runtime/src/manifest.generated.ts must be what the C# records generate (set WEBDNN_UPDATE_GENERATED=1 to rewrite it).</summary>
    [Fact]
    public void Checked_in_typescript_matches_the_csharp_records()
    {
        string path = Path.Combine(RepoRoot(), "runtime", "src", "manifest.generated.ts");
        string fresh = ManifestTypeScript.Generate();
        if (Environment.GetEnvironmentVariable("WEBDNN_UPDATE_GENERATED") == "1")
        {
            File.WriteAllText(path, fresh);
        }
        Assert.True(File.ReadAllText(path) == fresh, $"{path} is stale: regenerate with WEBDNN_UPDATE_GENERATED=1 dotnet test --filter ManifestTypeScriptTests");
    }

    internal static string RepoRoot([CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source) ?? "." })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "WebDnn.slnx")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("repository root (WebDnn.slnx) not found");
    }
}
