using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using WebDnn.Core;

namespace WebDnn.Tooling.Bench;

/// <summary>
/// The peer engines (onnxruntime-web, TensorFlow.js) as npm packages pinned exactly by bench/peers/package.json and
/// its committed package-lock.json. On first use they are installed with <c>npm ci</c> into
/// ~/.cache/webdnn/peers/&lt;hash of the two files&gt;, so a version bump gets a fresh folder and old ones never mix.
/// </summary>
public static class PeerCache
{
    /// <summary>The pinned versions, by package (read from bench/peers/package.json).</summary>
    public static IReadOnlyDictionary<string, string> Versions(string? assetsRoot = null)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(assetsRoot ?? BenchAssets.Root, "peers", "package.json")));
        return doc.RootElement.GetProperty("dependencies").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
    }

    /// <summary>
    /// Returns the folder whose node_modules holds the peers, installing them first if needed (progress says so).
    /// Installs into a temporary folder and renames it into place, so an interrupted install is never used.
    /// </summary>
    /// <exception cref="WebDnnException">npm is missing or the install failed.</exception>
    public static async Task<string> EnsureInstalledAsync(IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        string src = Path.Combine(BenchAssets.Root, "peers");
        byte[] pkg = await File.ReadAllBytesAsync(Path.Combine(src, "package.json"), cancellation).ConfigureAwait(false);
        byte[] lockFile = await File.ReadAllBytesAsync(Path.Combine(src, "package-lock.json"), cancellation).ConfigureAwait(false);
        string hash = Convert.ToHexStringLower(SHA256.HashData([.. pkg, .. lockFile]))[..16];
        string root = Path.Combine(SharedData.CacheDir, "peers");
        string dir = Path.Combine(root, hash);
        string marker = Path.Combine(dir, ".complete");
        if (File.Exists(marker))
        {
            return dir;
        }
        Directory.CreateDirectory(root);
        string tmp = Path.Combine(root, $".{hash}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(tmp, "package.json"), pkg, cancellation).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(tmp, "package-lock.json"), lockFile, cancellation).ConfigureAwait(false);
            var versions = string.Join(", ", Versions().Select(kv => $"{kv.Key} {kv.Value}"));
            progress?.Report($"installing the benchmark peers ({versions}) into {dir} with `npm ci` (once)");
            await RunNpmAsync(tmp, progress, cancellation).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(tmp, ".complete"), DateTime.UtcNow.ToString("O"), cancellation).ConfigureAwait(false);
            try
            {
                Directory.Move(tmp, dir);
            }
            catch (IOException) when (File.Exists(marker))
            {
                // Another process installed the same peers meanwhile; use theirs.
                Directory.Delete(tmp, recursive: true);
            }
            return dir;
        }
        catch
        {
            if (Directory.Exists(tmp))
            {
                try
                {
                    Directory.Delete(tmp, recursive: true);
                }
                catch (IOException)
                {
                }
            }
            throw;
        }
    }

    private static async Task RunNpmAsync(string dir, IProgress<string>? progress, CancellationToken cancellation)
    {
        var psi = new ProcessStartInfo("npm", "ci --no-audit --no-fund --ignore-scripts --loglevel=error")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process? p;
        try
        {
            p = Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new WebDnnException(ExitCodes.Internal, $"`webdnn bench` needs npm (Node.js ≥ 20) to install its peers once: {e.Message}", e);
        }
        if (p is null)
        {
            throw new WebDnnException(ExitCodes.Internal, "cannot start npm");
        }
        using (p)
        {
            var log = new StringBuilder();
            void Forward(object? sender, DataReceivedEventArgs e)
            {
                if (!string.IsNullOrWhiteSpace(e.Data))
                {
                    lock (log)
                    {
                        log.AppendLine(e.Data);
                    }
                }
            }
            p.OutputDataReceived += Forward;
            p.ErrorDataReceived += Forward;
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            await p.WaitForExitAsync(cancellation).ConfigureAwait(false);
            if (p.ExitCode != 0)
            {
                throw new WebDnnException(ExitCodes.Internal, $"`npm ci` of the benchmark peers failed (exit code {p.ExitCode}):\n{log}");
            }
        }
    }
}
