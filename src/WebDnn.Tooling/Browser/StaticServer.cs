using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using WebDnn.Core;

namespace WebDnn.Tooling.Browser;

/// <summary>
/// A small static file server on 127.0.0.1 (DESIGN.md: WebGPU needs a secure context, so pages are served from
/// http://127.0.0.1, never file://). Every response carries the cross-origin-isolation headers
/// (COOP same-origin, COEP require-corp) so that SharedArrayBuffer and wasm threads are available, and by default
/// <c>Cache-Control: no-store</c> so that measured load times include the fetch (<c>webdnn bench</c>, the browser tests).
/// <c>webdnn serve</c> uses <see cref="ServerCaching.ContentAddressed"/> instead: what a page in production would get.
/// </summary>
/// <remarks>
/// Content comes from mounted folders (URL prefix → folder; the longest matching prefix wins) and from in-memory
/// files. A request path that would leave its folder (.., encoded separators, a symbolic link pointing out of it) is
/// answered 404, and so is anything but a regular file. Only GET and HEAD.
/// </remarks>
public sealed partial class StaticServer : IDisposable
{
    private readonly List<(string Prefix, string Dir)> _mounts = [];
    private readonly ConcurrentDictionary<string, (byte[] Bytes, string Type, string ETag)> _files = new(StringComparer.Ordinal);
    private HttpListener? _listener;
    private Task? _loop;
    private CancellationTokenSource? _stop;

    /// <param name="root">Folder served at "/" (null: only what is mounted or added).</param>
    /// <param name="port">TCP port on 127.0.0.1; 0 picks a free one.</param>
    public StaticServer(string? root = null, int port = 0)
    {
        RequestedPort = port;
        if (root is not null)
        {
            Mount("/", root);
        }
    }

    public int RequestedPort { get; }

    /// <summary>The port in use once started.</summary>
    public int Port { get; private set; }

    /// <summary>http://127.0.0.1:PORT/ once started.</summary>
    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    /// <summary>The Cache-Control policy of responses (set before <see cref="Start"/>).</summary>
    public ServerCaching Caching { get; set; } = ServerCaching.NoStore;

    /// <summary>
    /// Whether responses carry the COOP/COEP/CORP headers that make the page cross-origin isolated (SharedArrayBuffer,
    /// wasm threads); default true.
    /// </summary>
    public bool CrossOriginIsolated { get; set; } = true;

    /// <summary>Called for every request with "METHOD path status" (null: quiet).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Content types by file extension (lower case, with the dot).</summary>
    public static IReadOnlyDictionary<string, string> MimeTypes { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".htm"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".map"] = "application/json; charset=utf-8",
        [".wasm"] = "application/wasm",
        [".bin"] = "application/octet-stream",
        [".onnx"] = "application/octet-stream",
        [".npy"] = "application/octet-stream",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".svg"] = "image/svg+xml",
        [".ico"] = "image/x-icon",
        [".txt"] = "text/plain; charset=utf-8",
        [".md"] = "text/plain; charset=utf-8",
        [".wgsl"] = "text/plain; charset=utf-8",
    };

    public static string ContentType(string path) =>
        MimeTypes.TryGetValue(Path.GetExtension(path), out var t) ? t : "application/octet-stream";

    /// <summary>Serves <paramref name="directory"/> under the URL prefix <paramref name="urlPrefix"/> (e.g. "/peers/").</summary>
    public void Mount(string urlPrefix, string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new UsageException($"'{directory}' is not a folder");
        }
        string prefix = "/" + urlPrefix.Trim('/');
        prefix = prefix == "/" ? "/" : prefix + "/";
        lock (_mounts)
        {
            _mounts.RemoveAll(m => m.Prefix == prefix);
            _mounts.Add((prefix, SafePath.RealPath(directory) ?? Path.GetFullPath(directory)));
            _mounts.Sort((a, b) => b.Prefix.Length.CompareTo(a.Prefix.Length));
        }
    }

    /// <summary>Serves <paramref name="content"/> at <paramref name="urlPath"/> (replaces an earlier one).</summary>
    public void AddFile(string urlPath, byte[] content, string? contentType = null)
    {
        string path = "/" + urlPath.TrimStart('/');
        _files[path] = (content, contentType ?? ContentType(path), $"\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content))[..16]}\"");
    }

    /// <summary>Starts listening; returns <see cref="BaseUri"/>.</summary>
    /// <exception cref="UsageException">The requested port is taken.</exception>
    public Uri Start()
    {
        if (_listener is not null)
        {
            return BaseUri;
        }
        for (int attempt = 0; ; attempt++)
        {
            int port = RequestedPort != 0 ? RequestedPort : FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
            }
            catch (Exception e) when (e is HttpListenerException or SocketException)
            {
                // Another process may take the port between FreePort() and Start(): pick again.
                try
                {
                    listener.Close();
                }
                catch (ObjectDisposedException)
                {
                }
                if (RequestedPort != 0)
                {
                    throw new UsageException($"cannot listen on 127.0.0.1:{port} ({e.Message}); pick another --port");
                }
                if (attempt < 10)
                {
                    continue;
                }
                throw;
            }
            _listener = listener;
            Port = port;
            break;
        }
        _stop = new CancellationTokenSource();
        var listenerRef = _listener;
        _loop = Task.Run(() => AcceptLoop(listenerRef, _stop.Token));
        return BaseUri;
    }

    /// <summary>Stops listening (idempotent).</summary>
    public void Stop()
    {
        var listener = _listener;
        if (listener is null)
        {
            return;
        }
        _listener = null;
        _stop?.Cancel();
        try
        {
            listener.Stop();
            listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
        _stop?.Dispose();
        _stop = null;
    }

    public void Dispose() => Stop();

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago (the OS's pick).</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task AcceptLoop(HttpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(ctx), CancellationToken.None);
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        var res = ctx.Response;
        int status = 200;
        try
        {
            if (CrossOriginIsolated)
            {
                res.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
                res.Headers["Cross-Origin-Embedder-Policy"] = "require-corp";
                res.Headers["Cross-Origin-Resource-Policy"] = "same-origin";
            }
            if (req.HttpMethod is not ("GET" or "HEAD"))
            {
                status = 405;
                res.StatusCode = status;
                res.Headers["Allow"] = "GET, HEAD";
                return;
            }
            string path = Uri.UnescapeDataString(req.Url?.AbsolutePath ?? "/");
            if (_files.TryGetValue(path, out var mem) || (path.EndsWith('/') && _files.TryGetValue(path + "index.html", out mem)))
            {
                if (NotModified(req, res, path, mem.ETag))
                {
                    status = 304;
                    return;
                }
                res.ContentType = mem.Type;
                res.ContentLength64 = mem.Bytes.Length;
                if (req.HttpMethod == "GET")
                {
                    await res.OutputStream.WriteAsync(mem.Bytes).ConfigureAwait(false);
                }
                return;
            }
            string? file = Resolve(path);
            if (file is null)
            {
                res.Headers["Cache-Control"] = "no-store";
                status = 404;
                res.StatusCode = status;
                byte[] body = "not found"u8.ToArray();
                res.ContentType = "text/plain; charset=utf-8";
                res.ContentLength64 = body.Length;
                await res.OutputStream.WriteAsync(body).ConfigureAwait(false);
                return;
            }
            var info = new FileInfo(file);
            if (NotModified(req, res, path, $"W/\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}\""))
            {
                status = 304;
                return;
            }
            res.ContentType = ContentType(file);
            if (info.Length == 0)
            {
                // Empty, or a FIFO/device (they report size 0): answered without opening, which could block forever.
                res.ContentLength64 = 0;
                return;
            }
            await using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
            res.ContentLength64 = fs.Length;
            if (req.HttpMethod == "GET")
            {
                await fs.CopyToAsync(res.OutputStream, 1 << 20).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            // The client went away or the file vanished mid-response; nothing useful to tell it.
            status = 500;
        }
        finally
        {
            Log?.Invoke($"{req.HttpMethod} {req.Url?.AbsolutePath} {status}");
            try
            {
                res.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
            {
            }
        }
    }

    /// <summary>
    /// Sets Cache-Control and ETag for a found file by <see cref="Caching"/>; answers 304 (true) when the request's
    /// If-None-Match names the current ETag.
    /// </summary>
    private bool NotModified(HttpListenerRequest req, HttpListenerResponse res, string path, string etag)
    {
        if (Caching == ServerCaching.NoStore)
        {
            res.Headers["Cache-Control"] = "no-store";
            return false;
        }
        // Content-addressed names (weights-0.HASH.bin, kernels.HASH.js) never change content: a year, immutable.
        // Everything else (model.json, pages, webdnn.mjs) may be cached but is revalidated each time (ETag).
        res.Headers["Cache-Control"] = ContentAddressedName().IsMatch(path) ? "public, max-age=31536000, immutable" : "no-cache";
        res.Headers["ETag"] = etag;
        string? given = req.Headers["If-None-Match"];
        if (given is null || !given.Split(',').Select(t => t.Trim()).Any(t => t == etag || t == "*" || (t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : "W/" + t) == etag))
        {
            return false;
        }
        res.StatusCode = 304;
        return true;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\.[0-9a-f]{16}(\.[^./]*)?$")]
    private static partial System.Text.RegularExpressions.Regex ContentAddressedName();

    /// <summary>The file a URL path maps to, or null (not mounted, missing, or outside its folder).</summary>
    private string? Resolve(string path)
    {
        if (path.Contains('\0') || path.Contains('\\'))
        {
            return null;
        }
        (string Prefix, string Dir)[] mounts;
        lock (_mounts)
        {
            mounts = [.. _mounts];
        }
        foreach (var (prefix, dir) in mounts)
        {
            if (!path.StartsWith(prefix, StringComparison.Ordinal) && path + "/" != prefix)
            {
                continue;
            }
            string rel = path.Length > prefix.Length ? path[prefix.Length..] : "";
            string full = Path.GetFullPath(Path.Combine(dir, rel));
            if (!SafePath.IsInside(full, dir))
            {
                return null;
            }
            // Links are resolved and must stay inside the mounted folder: a link to /etc/passwd in it is not served.
            if (SafePath.ResolveInside(dir, Path.GetRelativePath(dir, full)) is not { } real)
            {
                return null;
            }
            if (Directory.Exists(real))
            {
                real = SafePath.ResolveInside(dir, Path.GetRelativePath(dir, Path.Combine(real, "index.html"))) ?? "";
            }
            if (File.Exists(real))
            {
                return real;
            }
        }
        return null;
    }
}

/// <summary>Cache-Control policies of <see cref="StaticServer"/>.</summary>
public enum ServerCaching
{
    /// <summary><c>no-store</c> everywhere: every load fetches everything (benchmarks, tests).</summary>
    NoStore,

    /// <summary>
    /// Content-addressed file names (NAME.HASH.EXT with 16 hex digits) get <c>public, max-age=31536000, immutable</c>;
    /// everything else <c>no-cache</c> with an ETag, answered 304 when unchanged.
    /// </summary>
    ContentAddressed,
}
