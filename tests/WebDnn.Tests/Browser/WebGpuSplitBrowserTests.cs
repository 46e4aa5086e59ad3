using WebDnn.Backends.Common;
using WebDnn.Backends.WebGpu;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;
using WebDnn.Tooling.Oracle;
using WebDnn.Tooling.Packages;
using Xunit.Abstractions;
using static WebDnn.Tests.Support.OnnxParts;

namespace WebDnn.Tests.Browser;

/// <summary>
/// A small Conv → Relu → Flatten → Gemm → MatMul model compiled for webgpu with a 4 KiB binding limit, so that every
/// weight is split (<c>SplitLargeWeights</c>), run in headless Chromium (WebGPU on SwiftShader) and compared with ONNX
/// Runtime within <see cref="Tolerance.Fp32Fast"/> (what <c>webdnn verify --backends webgpu</c> uses).
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class WebGpuSplitBrowserTests(ITestOutputHelper output) : IDisposable
{
    private const long Limit = 4096;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Model()
    {
        // Weights: conv [48, 4, 3, 3] 6,912 bytes; Gemm B [40, 432] (transB) 69,120; MatMul [40, 64] 10,240.
        return new OnnxBuilder()
            .Input("x", 1, 1, 4, 6, 6)
            .Initializer("w", [48, 4, 3, 3], Values(48 * 36, 1))
            .Initializer("wb", [48], Values(48, 2))
            .Initializer("g", [40, 432], Values(40 * 432, 3))
            .Initializer("gb", [40], Values(40, 4))
            .Initializer("m", [40, 64], Values(40 * 64, 5))
            .Node("Conv", ["x", "w", "wb"], ["c"], "conv", "", Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2))
            .Node("Relu", ["c"], ["r"], "relu")
            .Node("Flatten", ["r"], ["f"], "flatten")
            .Node("Gemm", ["f", "g", "gb"], ["h"], "fc", "", new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 })
            .Node("MatMul", ["h", "m"], ["y"], "proj")
            .Output("y", 1, 1, 64)
            .Save(_dir.File("split.onnx"));
    }

    [Fact]
    public async Task A_model_split_for_a_tiny_binding_limit_matches_onnxruntime_on_webgpu()
    {
        string model = Model();
        var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["x"] = Tensor.FromFloats([1, 4, 6, 6], Values(144, 42)) };
        var expected = OrtOracle.Run(model, inputs);

        var compiled = ModelCompiler.Compile(model, new CompileSettings());
        string root = _dir.File("site");
        string pkg = Path.Combine(root, "pkg");
        var manifest = PackageWriter.Write(compiled.Program!, pkg, [new WebGpuBackend(WebGpuBackend.WebGpuTarget with { MaxBindingBytes = Limit })]);
        var webgpu = manifest.Backends["webgpu"];
        var weights = webgpu.Buffers.Where(b => b.Region == MemoryRegion.Weights).ToList();
        Assert.All(weights, b => Assert.True(b.Shape.Aggregate(4L, (n, d) => n * d) <= Limit, $"weight b{b.Id} [{string.Join(",", b.Shape)}]"));
        foreach (var node in new[] { "conv", "fc", "proj" })
        {
            Assert.Contains(webgpu.Kernels, k => k.Origin?.StartsWith(node, StringComparison.Ordinal) == true && k.Origin.Contains("(part 2/", StringComparison.Ordinal));
        }
        output.WriteLine($"{webgpu.Kernels.Count} kernels, {weights.Count} weight buffers");

        await using var runner = await BrowserBatchRunner.StartAsync(root);
        var result = await runner.RunOneAsync(BrowserBatchRunner.Prepare(root, "split", pkg, inputs), "webgpu", TimeSpan.FromMinutes(5));
        Assert.True(result.Outputs is not null, result.Error);
        Assert.Equal("webgpu", result.Backend);
        var report = TensorComparer.Compare(expected, result.Outputs, Tolerance.Fp32Fast);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
    }
}
