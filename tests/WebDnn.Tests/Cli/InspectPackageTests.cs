using System.Text.Json.Nodes;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Cli;

/// <summary>`webdnn inspect DIR`: per backend the code a page downloads (runtime + kernels, gzip) against the 100 KiB goal, and wasm memory.</summary>
public sealed class InspectPackageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Code_size_counts_the_runtime_and_one_of_the_two_wasm_modules()
    {
        string model = new OnnxBuilder()
            .Input("x", 1, 1, 2, 5, 5)
            .Initializer("w", [3, 2, 1, 1], [1, -2, 3, -4, 5, -6])
            .Node("Conv", ["x", "w"], ["y"], "conv0")
            .Output("y", 1, 1, 3, 5, 5)
            .Save(_dir.File("m.onnx"));
        string pkg = _dir.File("pkg");
        Assert.Equal(ExitCodes.Success, CliErrorTests.Run("compile", model, "-o", pkg, "--backends", "wasm,js").Code);

        var (code, stdout, err) = CliErrorTests.Run("inspect", pkg, "--json");

        Assert.True(code == ExitCodes.Success, err);
        var backends = JsonNode.Parse(stdout)!["backends"]!.AsObject();
        foreach (var (name, b) in backends)
        {
            var files = b!["kernelFiles"]!.AsArray().Select(f => f!).ToList();
            Assert.Equal(PackageWriter.ReadManifest(pkg).Backends[name].Files.Count, files.Count);
            var counted = files.Where(f => f["counted"]!.GetValue<bool>()).ToList();
            Assert.Equal(b["kernelGzip"]!.GetValue<long>(), counted.Sum(f => f["gzip"]!.GetValue<long>()));
            Assert.Equal(b["codeGzip"]!.GetValue<long>(), b["runtimeGzip"]!.GetValue<long>() + b["kernelGzip"]!.GetValue<long>());
            Assert.Equal(100 * 1024, b["codeGoalGzip"]!.GetValue<long>());
            Assert.All(files, f => Assert.True(f["gzip"]!.GetValue<long>() > 0));
        }
        var wasm = backends["wasm"]!["kernelFiles"]!.AsArray().Select(f => f!).ToList();
        var modules = wasm.Where(f => PackageWriter.LogicalName(f["file"]!.GetValue<string>()) is "kernels.wasm" or "kernels-relaxed.wasm").ToList();
        Assert.Equal(2, modules.Count);
        var larger = modules.MaxBy(f => f["gzip"]!.GetValue<long>())!;
        Assert.Equal([larger], modules.Where(f => f["counted"]!.GetValue<bool>()));
        Assert.True(backends["wasm"]!["memoryBytes"]!.GetValue<long>() >= backends["wasm"]!["arenaBytes"]!.GetValue<long>());

        var text = CliErrorTests.Run("inspect", pkg).Out;
        Assert.Contains("within the 100.0 KiB goal", text, StringComparison.Ordinal);
    }
}
