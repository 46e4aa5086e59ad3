using System.Net;
using System.Net.Sockets;
using WebDnn.Tooling.Models;

namespace WebDnn.Tests.Tooling;

/// <summary>The cache never holds half-written files and failures say what went wrong.</summary>
public sealed class ModelCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("webdnn-cache-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Atomic_write_that_fails_midway_leaves_nothing_behind()
    {
        string target = Path.Combine(_dir, "m.onnx");
        await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync(target, async (s, ct) =>
        {
            await s.WriteAsync(new byte[1000], ct);
            throw new IOException("connection reset");
        }, null, CancellationToken.None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Atomic_write_with_wrong_hash_leaves_nothing_and_keeps_an_older_file()
    {
        string target = Path.Combine(_dir, "m.onnx");
        await File.WriteAllTextAsync(target, "old");
        var e = await Assert.ThrowsAsync<ModelFetchException>(() => AtomicFile.WriteAsync(target,
            (s, ct) => s.WriteAsync(new byte[] { 1, 2, 3 }, ct).AsTask(), new string('0', 64), CancellationToken.None));
        Assert.Contains("SHA-256", e.Message, StringComparison.Ordinal);
        Assert.Equal(["m.onnx"], Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName));
        Assert.Equal("old", await File.ReadAllTextAsync(target));
    }

    [Fact]
    public async Task Atomic_write_with_matching_hash_publishes_the_file()
    {
        string target = Path.Combine(_dir, "sub", "m.onnx");
        // SHA-256 of the bytes 1, 2, 3.
        const string sha = "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81";
        await AtomicFile.WriteAsync(target, (s, ct) => s.WriteAsync(new byte[] { 1, 2, 3 }, ct).AsTask(), sha, CancellationToken.None);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(target));
        Assert.Single(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public async Task Download_from_an_unreachable_host_is_a_clear_error_and_leaves_nothing_behind()
    {
        // A loopback port that nobody listens on: connection refused, like being offline.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var log = new StringWriter();
        var downloader = new Downloader(log);
        string target = Path.Combine(_dir, "pkg.tgz");
        var e = await Assert.ThrowsAsync<ModelFetchException>(() =>
            downloader.DownloadAsync(new Uri($"http://127.0.0.1:{port}/pkg.tgz"), target, null, CancellationToken.None));
        Assert.Contains("cannot download", e.Message, StringComparison.Ordinal);
        Assert.Contains("network access", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Zoo_model_is_decompressed_into_the_given_cache()
    {
        var zoo = new ModelZoo(cacheDir: _dir);
        string path = await zoo.GetPathAsync("squeezenet1_1");
        Assert.Equal(Path.Combine(_dir, "squeezenet1_1.onnx"), path);
        Assert.True(new FileInfo(path).Length > 1_000_000);
        // A second call is a cache hit on the same file.
        var written = File.GetLastWriteTimeUtc(path);
        Assert.Equal(path, await zoo.GetPathAsync("squeezenet1_1"));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Single(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void Unknown_model_names_list_the_catalog()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Get("resnet1000"));
        Assert.Contains("resnet18", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nuget_sources_include_nuget_org()
    {
        Assert.Contains(NuGetFeed.DefaultSource, NuGetFeed.ConfiguredSources(), StringComparer.OrdinalIgnoreCase);
    }
}
