using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;
using WebDnn.Tooling.Oracle;
using static WebDnn.Tests.Support.OnnxParts;

namespace WebDnn.Tests.Backends;

/// <summary>
/// ConvTranspose on webgpu (Dawn for Node.js on SwiftShader) against ONNX Runtime on tiny shapes: the stride-phase GEMM
/// form (strides 1–3, pads begin ≠ end, output_padding, kernels shorter than the stride so that some phases have no
/// taps, outputs not a multiple of the stride so that some phases have fewer positions, groups, batch 2, 1-d, a fused
/// Relu; the vector-matrix, tiled and split-K forms of the GEMM core) and the gather form it keeps for dilation &gt; 1.
/// </summary>
public sealed class WebGpuConvTransposeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static float[] Values(long n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, (int)n).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
    }

    public static TheoryData<string, long[], int, long[], long[], long[], long[], int, bool, bool> Cases() => new()
    {
        // name, x shape, M, kernel, strides, pads, output_padding, group, bias, relu
        { "style-transfer-like s2 p1 op1", [1, 3, 5, 5], 4, [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 1, true, true },
        { "s3 no pads", [1, 3, 5, 5], 4, [3, 3], [3, 3], [0, 0, 0, 0], [0, 0], 1, false, false },
        { "s3 uneven pads op 2,1", [1, 3, 5, 5], 4, [3, 3], [3, 3], [1, 2, 0, 1], [2, 1], 1, true, false },
        { "k2 < s3: phases without taps", [1, 3, 5, 5], 4, [2, 2], [3, 3], [0, 0, 0, 0], [2, 2], 1, true, false },
        { "s1 p1: one phase", [1, 3, 5, 5], 4, [3, 3], [1, 1], [1, 1, 1, 1], [0, 0], 1, true, false },
        { "s(2,3) group 2 batch 2", [2, 4, 5, 4], 6, [3, 2], [2, 3], [2, 0, 1, 1], [1, 0], 2, true, true },
        { "1-d s2", [1, 3, 7], 4, [3], [2], [1, 0], [1], 1, false, false },
        // more than 4 output channels: the tiled GEMM; 64 input channels on a 4×4 map: K split in slices
        { "20 channels tiled", [1, 5, 9, 9], 20, [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 1, true, true },
        { "64 channels split K", [1, 64, 4, 4], 20, [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], 1, true, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Undilated_conv_transpose_runs_as_a_phase_gemm_and_matches_onnxruntime(string name, long[] xs, int m, long[] k, long[] s, long[] pads, long[] op, int group, bool bias, bool relu)
    {
        _ = name;
        string shader = Run(xs, m, k, s, pads, op, [.. k.Select(_ => 1L)], group, bias, relu);
        Assert.Contains("fn load_a(", shader, StringComparison.Ordinal);
    }

    [Fact]
    public void Dilated_conv_transpose_keeps_the_gather_form_and_matches_onnxruntime()
    {
        string shader = Run([1, 3, 5, 5], 4, [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], [2, 2], 1, true, false);
        Assert.DoesNotContain("fn load_a(", shader, StringComparison.Ordinal);
    }

    /// <summary>Builds, checks against ONNX Runtime and returns the package's webgpu kernels file.</summary>
    private string Run(long[] xs, int m, long[] k, long[] s, long[] pads, long[] op, long[] d, int group, bool bias, bool relu)
    {
        int r = k.Length;
        long[] ws = [xs[1], m / group, .. k];
        long[] ys = [xs[0], m, .. Enumerable.Range(0, r).Select(a => s[a] * (xs[2 + a] - 1) + op[a] + (k[a] - 1) * d[a] + 1 - pads[a] - pads[r + a])];
        var b = new OnnxBuilder().Input("x", 1, xs).Initializer("w", ws, Values(ws.Aggregate(1L, (p, v) => p * v), 1));
        string[] ins = ["x", "w"];
        if (bias)
        {
            b.Initializer("b", [m], Values(m, 2));
            ins = [.. ins, "b"];
        }
        b.Node("ConvTranspose", ins, [relu ? "t" : "y"], "convt", "", Ints("kernel_shape", k), Ints("strides", s), Ints("pads", pads),
            Ints("output_padding", op), Ints("dilations", d), Int("group", group));
        if (relu)
        {
            b.Node("Relu", ["t"], ["y"], "relu");
        }
        string model = b.Output("y", 1, ys).Save(_dir.File("convt.onnx"));
        var x = Tensor.FromFloats([.. xs.Select(v => (int)v)], Values(xs.Aggregate(1L, (p, v) => p * v), 3));
        var expected = OrtOracle.Run(model, new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["x"] = x })["y"];

        string pkg = _dir.File("pkg");
        PackageWriter.Write(ModelCompiler.Compile(model, new CompileSettings()).Program!, pkg, ["webgpu"]);
        var raw = new RawTensor("f32", [.. xs.Select(v => (int)v)], x.ToBytes());
        var result = NodeRunner.Run(pkg, new Dictionary<string, RawTensor> { ["x"] = raw }, ["webgpu"], DawnNode.Setup, environment: DawnNode.Environment);
        Assert.True(result.Ok, result.Error);
        Assert.Equal("webgpu", result.Backend);
        var got = result.Outputs["y"];
        Assert.Equal(expected.Shape, got.Shape);
        var e = expected.ToFloats();
        var g = got.ToDoubles();
        double bound = Tolerance.Fp32Fast.Bound(e.Max(v => Math.Abs((double)v)));
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(Math.Abs(e[i] - g[i]) <= bound, $"y[{i}]: expected {e[i]:R}, got {g[i]:R} ({Tolerance.Fp32Fast})");
        }
        return string.Concat(Directory.GetFiles(pkg, "*.wgsl*", SearchOption.AllDirectories).Select(File.ReadAllText));
    }
}
