using System.Diagnostics;
using WebDnn.Core;

namespace WebDnn.Tooling.Browser;

/// <summary>
/// Debian's Chromium, the one browser the tools and tests drive (DESIGN.md "Testing/Browser"): where it is,
/// installing it when it is missing, its version, and the command-line flags every launch uses.
/// </summary>
public static class Chromium
{
    /// <summary>Where Debian's package puts the browser.</summary>
    public const string DefaultPath = "/usr/bin/chromium";

    /// <summary>
    /// Flags of every launch: no sandbox (we run as root in containers), WebGPU on SwiftShader (a CPU Vulkan: the
    /// machines have no GPU), and no background traffic that would add noise to timings.
    /// </summary>
    public static IReadOnlyList<string> Flags { get; } =
    [
        "--no-sandbox",
        "--enable-unsafe-webgpu",
        "--enable-features=Vulkan",
        "--use-webgpu-adapter=swiftshader",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ];

    private static readonly SemaphoreSlim s_installLock = new(1, 1);

    /// <summary>The browser executable: $WEBDNN_CHROMIUM, else <see cref="DefaultPath"/>.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("WEBDNN_CHROMIUM") is { Length: > 0 } env ? env : DefaultPath;

    /// <summary>
    /// Returns the executable, installing Debian's <c>chromium</c> package with apt-get first when it is missing
    /// (and saying so on <paramref name="progress"/>: the install downloads ~100 MB once).
    /// </summary>
    /// <exception cref="WebDnnException">Chromium is missing and apt-get could not install it.</exception>
    public static async Task<string> EnsureInstalledAsync(IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        string path = ExecutablePath;
        if (File.Exists(path))
        {
            return path;
        }
        await s_installLock.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (File.Exists(path))
            {
                return path;
            }
            if (path != DefaultPath)
            {
                throw new WebDnnException(ExitCodes.Usage, $"WEBDNN_CHROMIUM points to '{path}', which does not exist");
            }
            progress?.Report($"{path} is missing: running `apt-get update && apt-get install -y chromium` (once, ~100 MB download)");
            await RunAsync("apt-get", "update -q", progress, cancellation).ConfigureAwait(false);
            await RunAsync("apt-get", "install -y -q chromium", progress, cancellation).ConfigureAwait(false);
            if (!File.Exists(path))
            {
                throw new WebDnnException(ExitCodes.Internal, $"apt-get finished but {path} still does not exist; install Chromium by hand (`apt-get install -y chromium`) or set WEBDNN_CHROMIUM");
            }
            progress?.Report($"installed {Version(path)}");
            return path;
        }
        finally
        {
            s_installLock.Release();
        }
    }

    /// <summary>The browser's own version line, e.g. "Chromium 156.0.8078.108 built on Debian GNU/Linux 12 (bookworm)".</summary>
    public static string Version(string? path = null)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(path ?? ExecutablePath, "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (p is null)
            {
                return "unknown";
            }
            string line = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(10_000);
            return line.Length > 0 ? line : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static async Task RunAsync(string file, string args, IProgress<string>? progress, CancellationToken cancellation)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        Process? p;
        try
        {
            p = Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new WebDnnException(ExitCodes.Internal, $"cannot run {file} to install Chromium ({e.Message}); install it by hand (`apt-get install -y chromium`)", e);
        }
        if (p is null)
        {
            throw new WebDnnException(ExitCodes.Internal, $"cannot start {file}");
        }
        using (p)
        {
            void Forward(object? sender, DataReceivedEventArgs e)
            {
                if (!string.IsNullOrWhiteSpace(e.Data))
                {
                    progress?.Report($"  {file}: {e.Data}");
                }
            }
            p.OutputDataReceived += Forward;
            p.ErrorDataReceived += Forward;
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            await p.WaitForExitAsync(cancellation).ConfigureAwait(false);
            if (p.ExitCode != 0)
            {
                throw new WebDnnException(ExitCodes.Internal, $"`{file} {args}` failed with exit code {p.ExitCode}; install Chromium by hand (`apt-get install -y chromium`, as root)");
            }
        }
    }
}
