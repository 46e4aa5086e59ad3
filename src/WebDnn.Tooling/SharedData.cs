namespace WebDnn.Tooling;

/// <summary>Where the shared inputs (../shared: models, node tests) and the download cache live.</summary>
public static class SharedData
{
    /// <summary>The shared folder: $WEBDNN_SHARED, else the first `shared` folder with a models/ subfolder found walking up from the current directory or the app's folder.</summary>
    public static string Root => s_root.Value;

    private static readonly Lazy<string> s_root = new(() =>
    {
        if (Environment.GetEnvironmentVariable("WEBDNN_SHARED") is { Length: > 0 } env)
        {
            return env;
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "shared");
                if (Directory.Exists(Path.Combine(candidate, "models")))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException("cannot find the shared folder (../shared with models/ and onnx-node-tests/); set WEBDNN_SHARED");
    });

    /// <summary>The download/unpack cache: $WEBDNN_CACHE, else ~/.cache/webdnn.</summary>
    public static string CacheDir
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("WEBDNN_CACHE") is { Length: > 0 } env
                ? env
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "webdnn");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }
}
