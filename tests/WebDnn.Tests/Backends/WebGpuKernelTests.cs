using System.Diagnostics;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Tooling;

namespace WebDnn.Tests.Backends;

/// <summary>
/// Hand-picked webgpu cases the random shapes rarely reach (<see cref="PrimitiveRandomShapeTests"/> runs every primitive
/// on webgpu too): GEMMs with few output tiles and long K, which split K into partial sums and a second reduce dispatch,
/// products of at most 4 rows, which take their own kernel, convolutions to few channels on a large map (one invocation
/// per position), and norms of few long rows (chunked, two dispatches).
/// </summary>
public sealed class WebGpuKernelTests : IDisposable
{
    private static readonly DataType F = DataType.Float32;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-webgpu-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Vector_matrix_product_with_long_k_splits_k_and_keeps_bias_and_epilogue()
    {
        var pb = new ProgramBuilder();
        var v = pb.Input("v", F, [1, 1000]);
        var w = pb.Weight(F, [1000, 70]);
        var b = pb.Weight(F, [70]);
        var o = pb.Act(F, 1, 70);
        pb.Add(new MatMulKernel(true, Expr.Un(UnaryOp.Tanh, Expr.In(0, F)), 3) { Inputs = [v, w, b], Outputs = [o] });
        pb.Output("gemv", o);
        BackendHarness.AssertMatchesReference("webgpu", pb, Path.Combine(_dir, "pkg"));
    }

    [Fact]
    public void Batched_vector_matrix_product_with_short_k_stores_directly()
    {
        // M = 1 takes the vector-matrix kernel; K = 43 is too short to split and leaves a tail of 3 after the steps of 4.
        var pb = new ProgramBuilder();
        var v = pb.Input("v", F, [2, 1, 43]);
        var w = pb.Input("w", F, [2, 43, 300]);
        var o = pb.Act(F, 2, 1, 300);
        pb.Add(new MatMulKernel(false, null, 2) { Inputs = [v, w], Outputs = [o] });
        pb.Output("bmv", o);
        BackendHarness.AssertMatchesReference("webgpu", pb, Path.Combine(_dir, "pkg"));
    }

    [Fact]
    public void Conv_on_a_small_image_with_many_channels_splits_k_and_adds_the_residual()
    {
        // 3x3 over 64 channels on a 3x3 image: K = 576, N = 9 (a skinny tile, K split in slices).
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [1, 64, 3, 3]);
        var w = pb.Weight(F, [40, 64, 3, 3]);
        var bias = pb.Weight(F, [40]);
        var res = pb.Input("res", F, [1, 40, 3, 3]);
        var o = pb.Act(F, 1, 40, 3, 3);
        var epi = Expr.Un(UnaryOp.Relu, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)));
        pb.Add(new ConvKernel(1, [1, 1], [1, 1, 1, 1], [1, 1], true, epi, 3) { Inputs = [x, w, bias, res], Outputs = [o] });
        pb.Output("y", o);
        BackendHarness.AssertMatchesReference("webgpu", pb, Path.Combine(_dir, "pkg"));
    }

    [Theory]
    [InlineData(2, 43)]
    [InlineData(3, 700)]
    [InlineData(4, 130)]
    public void Products_of_few_rows_take_the_vector_matrix_kernel(int rows, int k)
    {
        // K = 700 splits (scratch of rows × N per slice); 43 and 130 leave tails after the steps of 4.
        var pb = new ProgramBuilder();
        var v = pb.Input("v", F, [rows, k]);
        var w = pb.Weight(F, [k, 70]);
        var b = pb.Weight(F, [70]);
        var o = pb.Act(F, rows, 70);
        pb.Add(new MatMulKernel(true, Expr.Un(UnaryOp.Tanh, Expr.In(0, F)), 3) { Inputs = [v, w, b], Outputs = [o] });
        pb.Output("few", o);
        BackendHarness.AssertMatchesReference("webgpu", pb, Path.Combine(_dir, "pkg"));
    }

    [Fact]
    public void Conv_to_few_channels_on_a_large_map_runs_per_position_with_bias_and_residual()
    {
        // 2 output channels on 130×130 positions (≥ 16384): one invocation per position for both channels, pads checked.
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [1, 5, 130, 130]);
        var w = pb.Weight(F, [2, 5, 3, 3]);
        var bias = pb.Weight(F, [2]);
        var res = pb.Input("res", F, [1, 2, 130, 130]);
        var o = pb.Act(F, 1, 2, 130, 130);
        var epi = Expr.Un(UnaryOp.Relu, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)));
        pb.Add(new ConvKernel(1, [1, 1], [1, 1, 1, 1], [1, 1], true, epi, 3) { Inputs = [x, w, bias, res], Outputs = [o], Algorithm = KernelAlgorithms.ImplicitGemm });
        pb.Output("y", o);
        BackendHarness.AssertMatchesReference("webgpu", pb, Path.Combine(_dir, "pkg"));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Norm_of_few_long_rows_runs_in_chunks(bool scale, bool bias)
    {
        // 6 rows of 5000 (instance norm of 2 images × 3 channels): chunks of ≥ 1024, the last one shorter; the offset
        // keeps the mean away from 0 (a larger one loses more to f32 rounding of x − mean than the reference allows).
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 3, 50, 100]);
        var shifted = pb.Act(F, 2, 3, 50, 100);
        pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.Const(3, F))) { Inputs = [x], Outputs = [shifted] });
        var ins = new List<KernelBuffer> { shifted };
        if (scale)
        {
            ins.Add(pb.Weight(F, [3]));
        }
        if (bias)
        {
            ins.Add(pb.Weight(F, [3]));
        }
        var o = pb.Act(F, 2, 3, 50, 100);
        pb.Add(new NormKernel(6, 5000, 1e-5f, scale, bias, true, 3) { Inputs = [.. ins], Outputs = [o] });
        pb.Output("inorm", o);
        BackendHarness.AssertMatchesReference("webgpu", pb, Path.Combine(_dir, "pkg"));
    }

    [Fact]
    public void A_buffer_read_twice_is_bound_once()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [3, 5]);
        var o = pb.Act(F, 3, 5);
        pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Mul, Expr.In(0, F), Expr.In(1, F))) { Inputs = [x, x], Outputs = [o] });
        pb.Output("sq", o);
        BackendHarness.AssertMatchesReference("webgpu", pb, Path.Combine(_dir, "pkg"));
    }
}

/// <summary>Dawn for Node.js (npm <c>webgpu</c>, pinned) installed once into the cache, running on Chromium's SwiftShader Vulkan.</summary>
internal static class DawnNode
{
    public const string Version = "0.6.2";

    /// <summary>Debian's chromium package ships SwiftShader as a Vulkan ICD next to its own loader.</summary>
    private const string ChromiumLib = "/usr/lib/chromium";

    private static readonly Lazy<string> s_dir = new(Install);

    /// <summary>Installs Dawn's navigator.gpu in the Node driver of <see cref="NodeRunner"/>.</summary>
    public static string Setup => $$"""
        {
          const dawn = await import({{System.Text.Json.JsonSerializer.Serialize(new Uri(Path.Combine(s_dir.Value, "node_modules", "webgpu", "index.js")).AbsoluteUri)}});
          Object.assign(globalThis, dawn.globals);
          Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]) }, configurable: true });
        }
        """;

    public static IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["VK_ICD_FILENAMES"] = Path.Combine(ChromiumLib, "vk_swiftshader_icd.json"),
        ["LD_LIBRARY_PATH"] = ChromiumLib,
    };

    private static string Install()
    {
        if (!File.Exists(Path.Combine(ChromiumLib, "vk_swiftshader_icd.json")))
        {
            throw new InvalidOperationException($"SwiftShader's Vulkan ICD is missing ({ChromiumLib}/vk_swiftshader_icd.json): apt-get install chromium");
        }
        string dir = Path.Combine(SharedData.CacheDir, $"dawn-node-{Version}");
        if (File.Exists(Path.Combine(dir, "node_modules", "webgpu", "index.js")))
        {
            return dir;
        }
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "package.json"), """{ "name": "webdnn-dawn-node", "private": true }""");
        var psi = new ProcessStartInfo("npm", $"install --no-audit --no-fund --ignore-scripts --loglevel=error webgpu@{Version}") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start npm");
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm install webgpu@{Version} failed: {err}");
        }
        return dir;
    }
}
