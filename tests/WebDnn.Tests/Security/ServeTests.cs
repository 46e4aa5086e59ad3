using System.Net;
using WebDnn.Tests.Support;
using WebDnn.Tooling.Browser;

namespace WebDnn.Tests.Security;

/// <summary>`webdnn serve` answers only regular files inside its folder: links out of it and FIFOs are not served.</summary>
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
}
