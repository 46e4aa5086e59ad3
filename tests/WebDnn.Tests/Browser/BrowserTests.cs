namespace WebDnn.Tests.Browser;

/// <summary>
/// The browser tests share one xunit collection so that at most one of them drives a headless Chromium at a time
/// (the suites are CPU-bound; two at once would only slow each other down).
/// </summary>
[CollectionDefinition(Name)]
public sealed class BrowserTests
{
    public const string Name = "browser";
}
