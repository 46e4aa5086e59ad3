using System.IO.Compression;
using System.Xml.Linq;

namespace WebDnn.Tooling.Models;

/// <summary>
/// Finds a NuGet package: first in the global packages folder (a restore may already hold it),
/// else downloads the .nupkg from the flat container (PackageBaseAddress/3.0.0) of each source
/// configured in NuGet.Config, falling back to nuget.org.
/// </summary>
public sealed class NuGetFeed(Downloader downloader)
{
    /// <summary>nuget.org's service index, used when no configured source has the package.</summary>
    public const string DefaultSource = "https://api.nuget.org/v3/index.json";

    /// <summary>The global packages folder: NUGET_PACKAGES or ~/.nuget/packages.</summary>
    public static string GlobalPackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The extracted package folder in the global packages folder, or null when a restore did not put it there.</summary>
    public static string? FindRestored(string id, string version)
    {
        string dir = Path.Combine(GlobalPackagesFolder, id.ToLowerInvariant(), version.ToLowerInvariant());
        // NuGet writes .nupkg.metadata last, so its presence means the extraction completed.
        return File.Exists(Path.Combine(dir, ".nupkg.metadata")) ? dir : null;
    }

    /// <summary>
    /// Package sources from the user's NuGet.Config (honouring &lt;clear/&gt; and disabledPackageSources),
    /// then nuget.org if not already listed.
    /// </summary>
    public static IReadOnlyList<string> ConfiguredSources()
    {
        var sources = new List<string>();
        string config = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "NuGet", "NuGet.Config");
        if (File.Exists(config))
        {
            try
            {
                var doc = XDocument.Load(config);
                var disabled = doc.Root?.Element("disabledPackageSources")?.Elements("add")
                    .Where(e => string.Equals((string?)e.Attribute("value"), "true", StringComparison.OrdinalIgnoreCase))
                    .Select(e => (string?)e.Attribute("key")).ToHashSet() ?? [];
                foreach (var element in doc.Root?.Element("packageSources")?.Elements() ?? [])
                {
                    if (element.Name == "clear")
                    {
                        sources.Clear();
                    }
                    else if (element.Name == "add" && (string?)element.Attribute("value") is { Length: > 0 } value && !disabled.Contains((string?)element.Attribute("key")))
                    {
                        sources.Add(value);
                    }
                }
            }
            catch (System.Xml.XmlException)
            {
                // NOTE: a broken user config must not stop the fallback to nuget.org.
            }
        }
        if (!sources.Contains(DefaultSource, StringComparer.OrdinalIgnoreCase))
        {
            sources.Add(DefaultSource);
        }
        return sources;
    }

    /// <summary>Downloads (or copies from a local feed) the .nupkg to <paramref name="path"/>, trying each source in turn.</summary>
    public async Task DownloadAsync(string id, string version, string path, CancellationToken ct)
    {
        string lower = id.ToLowerInvariant();
        string file = $"{lower}.{version.ToLowerInvariant()}.nupkg";
        var errors = new List<string>();
        foreach (var source in ConfiguredSources())
        {
            try
            {
                if (!source.StartsWith("http", StringComparison.OrdinalIgnoreCase))
                {
                    // A local folder feed: flat ({id}.{version}.nupkg) or hierarchical ({id}/{version}/...).
                    foreach (var candidate in new[] { Path.Combine(source, file), Path.Combine(source, lower, version, file), Path.Combine(source, $"{id}.{version}.nupkg") })
                    {
                        if (File.Exists(candidate))
                        {
                            await AtomicFile.WriteAsync(path, async (o, t) =>
                            {
                                var input = File.OpenRead(candidate);
                                await using (input.ConfigureAwait(false))
                                {
                                    await input.CopyToAsync(o, t).ConfigureAwait(false);
                                }
                            }, null, ct).ConfigureAwait(false);
                            return;
                        }
                    }
                    errors.Add($"{source}: not there");
                    continue;
                }
                var flat = await FlatContainerAsync(new Uri(source), ct).ConfigureAwait(false);
                await downloader.DownloadAsync(new Uri(flat, $"{lower}/{version.ToLowerInvariant()}/{file}"), path, null, ct).ConfigureAwait(false);
                return;
            }
            catch (ModelFetchException e)
            {
                errors.Add($"{source}: {e.Message}");
            }
        }
        throw new ModelFetchException($"NuGet package {id} {version} could not be fetched from any source:\n  " + string.Join("\n  ", errors));
    }

    /// <summary>Resolves a v3 service index to its flat container base address (with a trailing slash).</summary>
    private async Task<Uri> FlatContainerAsync(Uri serviceIndex, CancellationToken ct)
    {
        if (!serviceIndex.AbsolutePath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelFetchException($"{serviceIndex} is not a NuGet v3 service index");
        }
        using var doc = await downloader.GetJsonAsync(serviceIndex, ct).ConfigureAwait(false);
        foreach (var resource in doc.RootElement.GetProperty("resources").EnumerateArray())
        {
            if (resource.TryGetProperty("@type", out var type) && type.GetString()?.StartsWith("PackageBaseAddress/3.0.0", StringComparison.Ordinal) == true
                && resource.GetProperty("@id").GetString() is { } baseAddress)
            {
                return new Uri(baseAddress.EndsWith('/') ? baseAddress : baseAddress + "/");
            }
        }
        throw new ModelFetchException($"{serviceIndex} lists no PackageBaseAddress/3.0.0 resource");
    }

    /// <summary>Opens a file of a package that is either an extracted folder or a .nupkg (zip).</summary>
    public static Stream OpenEntry(string packagePath, string entryPath, out long length)
    {
        if (Directory.Exists(packagePath))
        {
            string full = Path.Combine(packagePath, entryPath);
            if (!File.Exists(full))
            {
                throw new ModelFetchException($"{full} is missing from the restored package");
            }
            length = new FileInfo(full).Length;
            return File.OpenRead(full);
        }
        var zip = ZipFile.OpenRead(packagePath);
        var entry = zip.GetEntry(entryPath.Replace('\\', '/'));
        if (entry is null)
        {
            zip.Dispose();
            throw new ModelFetchException($"{Path.GetFileName(packagePath)} has no entry {entryPath}");
        }
        length = entry.Length;
        return new OwningStream(entry.Open(), zip);
    }

    /// <summary>A read stream that also disposes the archive it came from.</summary>
    private sealed class OwningStream(Stream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
