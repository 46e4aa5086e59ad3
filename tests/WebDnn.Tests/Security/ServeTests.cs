using System.Net;
using WebDnn.Backends.Common;
using WebDnn.Tests.Support;
using WebDnn.Tooling.Browser;

namespace WebDnn.Tests.Security;

/// <summary>
/// `webdnn serve` answers only regular files inside its folder: links out of it and FIFOs are not served. Its caching
/// (<see cref="ServerCaching.ContentAddressed"/>): content-addressed package files immutable, model.json revalidated by ETag.
/// </summary>
public sealed class ServeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Links_pointing_outside_the_folder_are_not_served_and_links_inside_are()
    {
        var site = Directory.CreateDirectory(_dir.File("site")).FullName;
        File.WriteAllText(_dir.File("secret.txt"), "root:x:0:0:root");
        File.WriteAllText(Path.Combine(site, "index.html"), "hello");
        File.WriteAllText(Path.Combine(site, "empty.txt"), "");
        File.CreateSymbolicLink(Path.Combine(site, "passwd.txt"), _dir.File("secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(site, "up"), _dir.Path);
        File.CreateSymbolicLink(Path.Combine(site, "alias.html"), "index.html");
        Posix.MakeFifo(Path.Combine(site, "pipe.txt"));
        using var server = new StaticServer(site);
        var uri = server.Start();
        using var http = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromMinutes(1) };

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("passwd.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("up/secret.txt")).StatusCode);
        Assert.Equal("hello", await http.GetStringAsync("alias.html"));
        Assert.Equal("hello", await http.GetStringAsync(""));
        Assert.Equal("", await http.GetStringAsync("empty.txt"));
        // A FIFO reports size 0: answered empty without opening it (opening would block the response).
        Assert.Equal("", await http.GetStringAsync("pipe.txt"));
    }

    [Fact]
    public async Task Content_addressed_files_are_immutable_and_the_manifest_is_revalidated()
    {
        string pkg = _dir.File("pkg");
        var m = PackageWriter.Write(Runtime.TinyModel.Build().Program, pkg, ["js"]);
        using var server = new StaticServer(pkg) { Caching = ServerCaching.ContentAddressed };
        server.AddFile("/webdnn.mjs", "export {};"u8.ToArray(), "text/javascript");
        var uri = server.Start();
        using var http = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromMinutes(1) };

        foreach (var file in m.Shards.Select(s => s.File).Concat(m.Backends["js"].Files.Select(f => f.File)))
        {
            using var res = await http.GetAsync(file);
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            var cc = res.Headers.CacheControl ?? throw new InvalidOperationException($"{file}: no Cache-Control");
            Assert.True(cc.Public && cc.MaxAge == TimeSpan.FromSeconds(31_536_000) && cc.Extensions.Any(e => e.Name == "immutable"), $"{file}: Cache-Control {cc}");
        }
        foreach (var file in new[] { "model.json", "webdnn.mjs" })
        {
            using var res = await http.GetAsync(file);
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            Assert.True(res.Headers.CacheControl?.NoCache, $"{file}: Cache-Control {res.Headers.CacheControl}");
            var etag = res.Headers.ETag ?? throw new InvalidOperationException($"{file}: no ETag");
            using var again = new HttpRequestMessage(HttpMethod.Get, file) { Headers = { IfNoneMatch = { etag } } };
            using var revalidated = await http.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
            Assert.Empty(await revalidated.Content.ReadAsByteArrayAsync());
        }
        // A changed manifest gets a new ETag: the old one no longer matches.
        var first = (await http.GetAsync("model.json")).Headers.ETag!;
        File.SetLastWriteTimeUtc(Path.Combine(pkg, "model.json"), DateTime.UtcNow.AddMinutes(1));
        using var stale = new HttpRequestMessage(HttpMethod.Get, "model.json") { Headers = { IfNoneMatch = { first } } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(stale)).StatusCode);
    }

    [Fact]
    public async Task The_default_policy_stores_nothing()
    {
        File.WriteAllText(_dir.File("weights-0.0123456789abcdef.bin"), "w");
        using var server = new StaticServer(_dir.Path);
        using var http = new HttpClient { BaseAddress = server.Start(), Timeout = TimeSpan.FromMinutes(1) };
        using var res = await http.GetAsync("weights-0.0123456789abcdef.bin");
        Assert.True(res.Headers.CacheControl?.NoStore);
        Assert.Null(res.Headers.ETag);
    }
}
