using System.Text.Json.Nodes;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Cli;

/// <summary>
/// `webdnn run --profile` on js and wasm: every kernel of the manifest appears once, the rows add up to the reported
/// total, each run's kernels fit inside that run's wall time, FLOPs are the convolution's and the matmul's, and node
/// names are escaped in the table. No timing thresholds: only how the numbers relate.
/// </summary>
[Collection(Browser.BrowserTests.Name)]
public sealed class RunProfileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("js")]
    [InlineData("wasm")]
    public void Profile_lists_each_kernel_once_and_the_rows_add_up(string backend)
    {
        string model = new OnnxBuilder()
            .Input("x", 1, 1, 2, 5, 5)
            .Initializer("w", [3, 2, 1, 1], [1, -2, 3, -4, 5, -6])
            .Initializer("m", [5, 4], [.. Enumerable.Range(0, 20).Select(i => (float)(i % 7 - 3))])
            .Node("Conv", ["x", "w"], ["c"], "conv\u001b[31m0")
            .Node("Relu", ["c"], ["r"], "relu0")
            .Node("MatMul", ["r", "m"], ["p"], "matmul0")
            .Node("Sigmoid", ["p"], ["y"], "sigmoid0")
            .Output("y", 1, 1, 3, 5, 4)
            .Save(_dir.File("m.onnx"));
        string pkg = _dir.File("pkg-" + backend);
        Assert.Equal(ExitCodes.Success, CliErrorTests.Run("compile", model, "-o", pkg, "--backends", backend).Code);
        string jsonFile = _dir.File("profile-" + backend + ".json");

        var (code, stdout, err) = CliErrorTests.Run("run", pkg, "--backend", backend, "--runs", "3", "--profile", "--json", jsonFile);

        Assert.True(code == ExitCodes.Success, err);
        var doc = JsonNode.Parse(File.ReadAllText(jsonFile))!;
        var p = doc["profile"]!;
        Assert.Null(p["unavailable"]);
        var manifest = PackageWriter.ReadManifest(pkg).Backends[backend];
        var rows = p["kernels"]!.AsArray().Select(r => r!).ToList();
        Assert.Equal(Enumerable.Range(0, manifest.Kernels.Count), rows.Select(r => r["kernel"]!.GetValue<int>()).Order());
        Assert.Equal(3, p["runs"]!.GetValue<int>());
        // Rounded to 1e-4 ms per row.
        Assert.Equal(p["kernelMs"]!.GetValue<double>(), rows.Sum(r => r["ms"]!.GetValue<double>()), 1e-3);
        var ms = rows.Select(r => r["ms"]!.GetValue<double>()).ToList();
        Assert.Equal(ms.OrderByDescending(x => x), ms);
        if (p["kernelMs"]!.GetValue<double>() > 0)
        {
            Assert.Equal(100, rows.Sum(r => r["percent"]!.GetValue<double>()), 0.1);
        }
        // Each run's kernels are timed inside that run's own wall time (performance.now() is monotonic).
        var runMs = doc["runMs"]!.AsArray().Select(x => x!.GetValue<double>()).ToList();
        var sums = p["kernelSumPerRunMs"]!.AsArray().Select(x => x!.GetValue<double>()).ToList();
        Assert.Equal(runMs.Count, sums.Count);
        Assert.All(sums.Zip(runMs), t => Assert.True(t.First <= t.Second + 1e-3, $"kernels {t.First} ms in a {t.Second} ms run"));
        // FLOPs: 1x1 conv 2·(3·5·5)·2, matmul 2·(3·5·4)·5.
        Assert.Equal(300, rows.Single(r => r["primitive"]!.GetValue<string>() == "conv")["flops"]!.GetValue<long>());
        Assert.Equal(600, rows.Single(r => r["primitive"]!.GetValue<string>() == "matmul")["flops"]!.GetValue<long>());
        Assert.Equal(manifest.Kernels.Count, p["byPrimitive"]!.AsArray().Sum(g => g!["count"]!.GetValue<int>()));
        Assert.Equal(manifest.Kernels.Count, p["byAlgorithm"]!.AsArray().Sum(g => g!["count"]!.GetValue<int>()));

        Assert.Contains("per primitive:", stdout, StringComparison.Ordinal);
        Assert.Contains("conv\\u001b[31m0", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', stdout);
    }
}
