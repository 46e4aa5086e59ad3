using System.Runtime.InteropServices;
using WebDnn.Backends.Common;
using WebDnn.Backends.Wasm;
using WebDnn.Backends.WebGpu;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;
using WebDnn.Tooling.Oracle;
using Xunit.Abstractions;
using static WebDnn.Tests.Support.OnnxParts;

namespace WebDnn.Tests.Backends;

/// <summary>
/// Concat-in-place (<c>WriteConcatInPlace</c>) on a small Inception-like block: every branch's producer writes its slice of
/// the concat output (a 1×1 conv with its relu, a max pool, a split-K 3×3 conv, a sigmoid reading one slice and writing
/// another, and a nested concat of two convs that a pool also reads), at offsets that are not multiples of 256 bytes. On
/// webgpu no copy kernel is left; wasm keeps the copies of pieces not at 16-byte offsets (channels of 36 bytes here).
/// Compared with ONNX Runtime within <see cref="Tolerance.Fp32Fast"/>, on webgpu (Dawn on SwiftShader) and wasm.
/// </summary>
public sealed class ConcatInPlaceTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Model() => new OnnxBuilder()
        .Input("x", 1, 1, 64, 3, 3)
        .Initializer("wa", [6, 64, 1, 1], Values(6 * 64, 1))
        .Initializer("ba", [6], Values(6, 2))
        .Initializer("wc", [5, 64, 3, 3], Values(5 * 64 * 9, 3))
        .Initializer("we1", [4, 64, 1, 3], Values(4 * 64 * 3, 4))
        .Initializer("we2", [4, 64, 3, 1], Values(4 * 64 * 3, 5))
        .Node("Conv", ["x", "wa", "ba"], ["ca"], "conv_a")
        .Node("Relu", ["ca"], ["a"], "relu_a")
        .Node("MaxPool", ["x"], ["b"], "pool_b", "", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1))
        .Node("Conv", ["x", "wc"], ["c"], "conv_c", "", Ints("pads", 1, 1, 1, 1))
        .Node("Sigmoid", ["a"], ["d"], "sigmoid_d")
        .Node("Conv", ["x", "we1"], ["e1"], "conv_e1", "", Ints("pads", 0, 1, 0, 1))
        .Node("Conv", ["x", "we2"], ["e2"], "conv_e2", "", Ints("pads", 1, 0, 1, 0))
        .Node("Concat", ["e1", "e2"], ["e"], "concat_e", "", Int("axis", 1))
        .Node("Concat", ["a", "b", "c", "d", "e"], ["y"], "concat_y", "", Int("axis", 1))
        .Initializer("wz", [7, 89, 1, 1], Values(7 * 89, 6))
        .Node("Conv", ["y", "wz"], ["z"], "conv_z")
        .Node("GlobalAveragePool", ["e"], ["g"], "pool_g")
        .Output("z", 1, 1, 7, 3, 3)
        .Output("g", 1, 1, 8, 1, 1)
        .Save(_dir.File("concat.onnx"));

    [Theory]
    [InlineData("webgpu")]
    [InlineData("wasm")]
    public void Branches_write_their_slices_of_the_concat_output(string backend)
    {
        string model = Model();
        float[] x = Values(64 * 9, 42);
        var expected = OrtOracle.Run(model, new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["x"] = Tensor.FromFloats([1, 64, 3, 3], x) });

        var compiled = ModelCompiler.Compile(model, new CompileSettings());
        string pkg = _dir.File("pkg-" + backend);
        IBackend b = backend == "webgpu" ? new WebGpuBackend() : new WasmBackend();
        var manifest = PackageWriter.Write(compiled.Program!, pkg, [b]);
        var kernels = manifest.Backends[backend].Kernels;
        output.WriteLine(string.Join(", ", kernels.Select(k => k.Primitive)));
        if (backend == "webgpu")
        {
            Assert.DoesNotContain(kernels, k => k.Primitive == "copy");
        }

        var raw = new RawTensor("f32", [1, 64, 3, 3], MemoryMarshal.AsBytes(x.AsSpan()).ToArray());
        var result = backend == "webgpu"
            ? NodeRunner.Run(pkg, new Dictionary<string, RawTensor> { ["x"] = raw }, ["webgpu"], DawnNode.Setup, environment: DawnNode.Environment)
            : NodeRunner.Run(pkg, new Dictionary<string, RawTensor> { ["x"] = raw }, ["wasm"]);
        Assert.True(result.Ok, result.Error);
        Assert.Equal(backend, result.Backend);
        var actual = result.Outputs.ToDictionary(o => o.Key, o => Tensor.FromFloats(o.Value.Shape, MemoryMarshal.Cast<byte, float>(o.Value.Data).ToArray()), StringComparer.Ordinal);
        var report = TensorComparer.Compare(expected, actual, Tolerance.Fp32Fast);
        output.WriteLine(report.ToString());
        Assert.True(report.Passed, report.ToString());
    }
}
