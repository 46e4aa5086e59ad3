using WebDnn.Tooling.Conformance;
using Xunit.Abstractions;

namespace WebDnn.Tests.Browser;

/// <summary>
/// The ONNX node tests on one browser backend in headless Chromium: every case is compiled with its input shapes
/// fixed from its test inputs, all packages are served by one server and run in one page, and outputs are compared
/// with the suite's tolerance (rtol 1e-3, atol 1e-7; integers and booleans exactly). The checked-in list
/// (Conformance/BACKEND.passlist.txt) names the cases that must pass; it may only grow. The passing set and every
/// failure's reason are written to artifacts/conformance/BACKEND.passing.txt and BACKEND.failures.txt; the cases that
/// pass only with their parameter inputs (axes, pads, scales…) compiled in as constants are listed in BACKEND.frozen.txt.
/// </summary>
internal static class BackendNodeTests
{
    public static async Task RunListed(string backend, ITestOutputHelper output)
    {
        var listPath = Path.Combine(AppContext.BaseDirectory, "Conformance", $"{backend}.passlist.txt");
        var listed = File.ReadAllLines(listPath).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
        var cases = NodeTestSuite.Cases();
        var progress = new Progress<string>(m => output.WriteLine(m));
        var (results, timings) = await BrowserNodeTests.RunAsync(cases, backend, progress);

        var passing = results.Where(r => r.Passed).Select(r => r.Name).ToList();
        var failing = results.Where(r => !r.Passed).ToList();
        var dir = Path.Combine(Conformance.ReferenceNodeTests.FindRepoRoot(), "artifacts", "conformance");
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, $"{backend}.passing.txt"), passing);
        var byReason = failing.GroupBy(r => $"{r.Stage}: {(r.Error!.Length > 90 ? r.Error[..90] : r.Error)}")
            .OrderByDescending(g => g.Count()).Select(g => $"{g.Count()}\t{g.Key}");
        File.WriteAllLines(Path.Combine(dir, $"{backend}.failures.txt"),
            ["# failure reasons by count (first 90 characters)", .. byReason, "", "# per case", .. failing.Select(r => $"{r.Name}\t{r.Stage}: {r.Error}")]);

        var frozen = results.Where(r => r.Passed && r.Frozen.Count > 0).ToList();
        File.WriteAllLines(Path.Combine(dir, $"{backend}.frozen.txt"),
            ["# passing cases whose parameter inputs were compiled in as constants from the test data", .. frozen.Select(r => $"{r.Name}	{string.Join(",", r.Frozen)}")]);

        string summary = $"{backend} backend: {passing.Count} of {cases.Count} ONNX node tests pass ({frozen.Count} with parameter inputs frozen; {listed.Count} listed; "
            + $"{timings.Compiled} compiled in {timings.CompileSeconds:0} s, browser {timings.BrowserSeconds:0} s)";
        output.WriteLine(summary);
        Support.TestSummary.Add("[conformance] " + summary);

        var broken = failing.Where(r => listed.Contains(r.Name)).Select(r => $"{r.Name}: {r.Stage}: {r.Error}").ToList();
        var unknown = listed.Where(n => !results.Any(r => r.Name == n)).ToList();
        Assert.True(unknown.Count == 0, $"{backend}.passlist.txt names cases that do not exist: {string.Join(", ", unknown)}");
        Assert.True(broken.Count == 0, $"{broken.Count} listed node tests fail on {backend}:\n{string.Join("\n", broken.Take(50))}");
    }
}
