namespace WebDnn.Tooling.Bench;

/// <summary>
/// Where the benchmark's browser assets (bench/page, bench/peers, bench/results.html) and our runtime module are.
/// The build copies bench/ next to the tool (bin/.../bench); a source checkout is found by walking up.
/// </summary>
public static class BenchAssets
{
    /// <summary>The bench folder: $WEBDNN_BENCH_ASSETS, else bench/ next to the assembly, else the repository's bench/.</summary>
    public static string Root => s_root.Value;

    private static readonly Lazy<string> s_root = new(() =>
    {
        if (Environment.GetEnvironmentVariable("WEBDNN_BENCH_ASSETS") is { Length: > 0 } env)
        {
            return env;
        }
        string local = Path.Combine(AppContext.BaseDirectory, "bench");
        if (File.Exists(Path.Combine(local, "page", "bench.js")))
        {
            return local;
        }
        return FindUp(Path.Combine("bench", "page", "bench.js")) is { } f
            ? Path.GetDirectoryName(Path.GetDirectoryName(f))!
            : throw new DirectoryNotFoundException("cannot find the bench assets (bench/page/bench.js); set WEBDNN_BENCH_ASSETS");
    });

    /// <summary>Our runtime module: $WEBDNN_RUNTIME, runtime/webdnn.mjs next to the tool, or the checkout's runtime/dist/webdnn.mjs; null when not built.</summary>
    public static string? RuntimeScript()
    {
        if (Environment.GetEnvironmentVariable("WEBDNN_RUNTIME") is { Length: > 0 } env)
        {
            return File.Exists(env) ? env : null;
        }
        foreach (var candidate in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "runtime", "webdnn.mjs"),
            Path.Combine(AppContext.BaseDirectory, "runtime", "dist", "webdnn.mjs"),
        })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return FindUp(Path.Combine("runtime", "dist", "webdnn.mjs"));
    }

    private static string? FindUp(string relative)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string f = Path.Combine(d.FullName, relative);
                if (File.Exists(f))
                {
                    return f;
                }
            }
        }
        return null;
    }
}
