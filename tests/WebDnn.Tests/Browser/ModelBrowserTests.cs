using System.Diagnostics;
using System.Globalization;
using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Tooling;
using WebDnn.Tooling.Models;
using WebDnn.Tooling.Oracle;
using WebDnn.Tooling.Packages;
using Xunit.Abstractions;

namespace WebDnn.Tests.Browser;

/// <summary>One headless Chromium and one static server shared by the model tests (packages go under <see cref="Root"/>).</summary>
public sealed class BrowserModelFixture : IAsyncLifetime
{
    private readonly SortedDictionary<string, string> _lines = new(StringComparer.Ordinal);
    private BrowserBatchRunner? _runner;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "webdnn-models-" + Guid.NewGuid().ToString("N")[..12]);

    public BrowserBatchRunner Runner => _runner ?? throw new InvalidOperationException("the browser is not started");

    public async Task InitializeAsync() => _runner = await BrowserBatchRunner.StartAsync(Root);

    /// <summary>Records one model's line and rewrites artifacts/models/js-errors.txt with every line so far.</summary>
    public void Record(string model, string line)
    {
        lock (_lines)
        {
            _lines[model] = line;
            var dir = Path.Combine(Conformance.ReferenceNodeTests.FindRepoRoot(), "artifacts", "models");
            Directory.CreateDirectory(dir);
            File.WriteAllLines(Path.Combine(dir, "js-errors.txt"),
                [$"# js backend in headless Chromium vs ONNX Runtime, seeded inputs (seed 42), tolerance {Tolerance.Fp32Js}", .. _lines.Values]);
        }
    }

    public async Task DisposeAsync()
    {
        if (_runner is not null)
        {
            await _runner.DisposeAsync();
        }
        try
        {
            Directory.Delete(Root, true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>
/// Every model of the catalog (the seven zoo networks and the real trained ones) compiled for <c>js</c>, run once in
/// headless Chromium and compared with ONNX Runtime on the same seeded input within <see cref="Tolerance.Fp32Js"/>.
/// Per model: max abs error, compile, load and run time go to artifacts/models/js-errors.txt.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class ModelBrowserTests(BrowserModelFixture browser, ITestOutputHelper output) : IClassFixture<BrowserModelFixture>
{
    public static TheoryData<string> AllModels()
    {
        var d = new TheoryData<string>();
        foreach (var m in ModelZoo.Models)
        {
            d.Add(m.Name);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public async Task Js_in_the_browser_matches_onnxruntime(string name)
    {
        var info = ModelZoo.Get(name);
        var path = await ModelZoo.Default.GetPathAsync(info);
        var inputs = SeededInputs.Create(info.Inputs, seed: 42);
        var expected = OrtOracle.Run(path, inputs);

        var sw = Stopwatch.StartNew();
        var shapes = info.Inputs.ToDictionary(i => i.Name, i => i.Shape.Select(d => (long)d).ToArray(), StringComparer.Ordinal);
        string dir = Path.Combine(browser.Root, name);
        BatchResult result;
        double compileSeconds;
        try
        {
            CompiledModel compiled;
            try
            {
                compiled = ModelCompiler.Compile(path, new CompileSettings { Shapes = shapes });
                var manifest = PackageWriter.Write(compiled.Program!, dir, ["js"]);
                compileSeconds = sw.Elapsed.TotalSeconds;
                output.WriteLine($"{name}: compiled in {compileSeconds:0.0} s ({compiled.Program!.Kernels.Count} kernels, {manifest.WeightBytes / 1e6:0.0} MB of weights)");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                browser.Record(name, $"{name}\tFAIL\tcompile: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
                throw;
            }
            var item = BrowserBatchRunner.Prepare(browser.Root, name, dir, inputs);
            result = await browser.Runner.RunOneAsync(item, "js", TimeSpan.FromMinutes(30));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
        if (result.Outputs is null)
        {
            browser.Record(name, $"{name}\tFAIL\trun: {result.Error}");
            Assert.Fail($"{name} failed in the browser: {result.Error}");
        }
        Assert.Equal("js", result.Backend);
        var report = TensorComparer.Compare(expected, result.Outputs, Tolerance.Fp32Js);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{name}\t{(report.Passed ? "pass" : "FAIL")}\tmax|diff| {report.Outputs.Max(o => o.MaxAbsError):g3}\t(max|expected| {report.Outputs.Max(o => o.MaxAbsExpected):g3})\tcompile {compileSeconds:0.0} s\tload {result.LoadMs:0} ms\trun {result.RunMs:0} ms");
        output.WriteLine(line);
        output.WriteLine(report.ToString());
        browser.Record(name, line);
        Assert.True(report.Passed, $"{name} on js: {report}");
    }
}
