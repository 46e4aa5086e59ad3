using Microsoft.Playwright;

namespace WebDnn.Tooling.Browser;

/// <summary>
/// Headless Chromium driven by Microsoft.Playwright (the browser is Debian's, not Playwright's download):
/// launched with <see cref="Chromium.Flags"/>, installed on first use when missing.
/// </summary>
public sealed class HeadlessBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    private HeadlessBrowser(IPlaywright playwright, IBrowser browser, string version)
    {
        _playwright = playwright;
        Browser = browser;
        Version = version;
    }

    public IBrowser Browser { get; }

    /// <summary>The browser's version line (e.g. "Chromium 156.0.8078.108 built on Debian ...").</summary>
    public string Version { get; }

    /// <summary>Launches headless Chromium. <paramref name="extraFlags"/> are appended to <see cref="Chromium.Flags"/>.</summary>
    public static async Task<HeadlessBrowser> LaunchAsync(IProgress<string>? progress = null, IEnumerable<string>? extraFlags = null, CancellationToken cancellation = default)
    {
        string exe = await Chromium.EnsureInstalledAsync(progress, cancellation).ConfigureAwait(false);
        var playwright = await Playwright.CreateAsync().ConfigureAwait(false);
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = exe,
                Headless = true,
                Args = [.. Chromium.Flags, .. extraFlags ?? []],
            }).ConfigureAwait(false);
            return new HeadlessBrowser(playwright, browser, Chromium.Version(exe));
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A fresh page in its own context. Console messages and page errors go to <paramref name="console"/>
    /// (prefixed with their type), so failures inside the page are not silent.
    /// </summary>
    public async Task<IPage> NewPageAsync(Action<string>? console = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } }).ConfigureAwait(false);
        var page = await context.NewPageAsync().ConfigureAwait(false);
        if (console is not null)
        {
            page.Console += (_, m) => console($"[{m.Type}] {m.Text}");
            page.PageError += (_, e) => console($"[pageerror] {e}");
        }
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Browser.CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            _playwright.Dispose();
        }
    }
}
