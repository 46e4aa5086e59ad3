using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering;

namespace WebDnn.Tests.Backends;

/// <summary>
/// Runs a hand-built <see cref="ProgramBuilder"/> program on a backend and compares every output with
/// <see cref="KernelReference"/>. One runner per backend that can run outside a browser (js: Node through the
/// bundled webdnn.js; webgpu: the same with Dawn on SwiftShader); <see cref="Runners"/> is what the primitive meta-test requires of every registered backend.
/// </summary>
public static class BackendHarness
{
    /// <summary>
    /// f32 tolerance: the js kernels and the reference both accumulate in double and round once to f32 on store, so they
    /// differ only by summation order (matmul/conv/reduce) and by libm (JS Math.exp vs .NET): a few f32 ulps.
    /// </summary>
    public const double F32Rtol = 1e-5, F32Atol = 1e-6;

    /// <summary>
    /// wasm f32 tolerance: its kernels compute in f32 (GEMM accumulators, exp polynomial) where the reference uses
    /// double, so a K-term dot product differs by about √K·2⁻²⁴·Σ|terms| (≤ 1e-4 for the random shapes here).
    /// </summary>
    public const double WasmF32Rtol = 1e-4, WasmF32Atol = 1e-4;

    /// <summary>
    /// webgpu: f32 arithmetic on the GPU against the double reference: fma and summation order (a few ulps per term over
    /// a few hundred terms), WGSL exp/log/pow (spec: 3 + 2|x| ulp / 3 ulp, exp2-based) and our erf (|error| ≤ 3e-7).
    /// </summary>
    public const double WebGpuRtol = 2e-5, WebGpuAtol = 2e-6;

    /// <summary>Backend name → (rtol, atol) of f32 outputs.</summary>
    public static IReadOnlyDictionary<string, (double Rtol, double Atol)> Tolerances { get; } = new Dictionary<string, (double, double)>(StringComparer.Ordinal)
    {
        ["js"] = (F32Rtol, F32Atol),
        ["wasm"] = (WasmF32Rtol, WasmF32Atol),
        ["webgpu"] = (WebGpuRtol, WebGpuAtol),
    };

    /// <summary>Backend name → runner: writes the package into the folder and returns the outputs by name.</summary>
    public static IReadOnlyDictionary<string, Func<ProgramBuilder, string, Dictionary<string, RawTensor>>> Runners { get; } =
        new Dictionary<string, Func<ProgramBuilder, string, Dictionary<string, RawTensor>>>(StringComparer.Ordinal)
        {
            ["js"] = RunJs,
            ["wasm"] = RunWasm,
            ["webgpu"] = RunWebGpu,
        };

    private static Dictionary<string, RawTensor> RunWasm(ProgramBuilder pb, string pkg)
    {
        PackageWriter.Write(pb.Program, pkg, ["wasm"]);
        var result = NodeRunner.Run(pkg, pb.RawInputs(), ["wasm"]);
        Assert.True(result.Ok, result.Error);
        Assert.Equal("wasm", result.Backend);
        return result.Outputs;
    }

    // webgpu: Node with Dawn's navigator.gpu on SwiftShader (DawnNode), the same WebGPU implementation as Chromium's.
    private static Dictionary<string, RawTensor> RunWebGpu(ProgramBuilder pb, string pkg) => RunWebGpu(pb, pkg, new WebDnn.Backends.WebGpu.WebGpuBackend());

    /// <summary>Writes <paramref name="pb"/> for <paramref name="webgpu"/> (a webgpu backend, e.g. one with another target) and runs it with Dawn.</summary>
    public static Dictionary<string, RawTensor> RunWebGpu(ProgramBuilder pb, string pkg, IBackend webgpu)
    {
        PackageWriter.Write(pb.Program, pkg, [webgpu]);
        var result = NodeRunner.Run(pkg, pb.RawInputs(), ["webgpu"], DawnNode.Setup, environment: DawnNode.Environment);
        Assert.True(result.Ok, result.Error);
        Assert.Equal("webgpu", result.Backend);
        return result.Outputs;
    }

    private static Dictionary<string, RawTensor> RunJs(ProgramBuilder pb, string pkg)
    {
        PackageWriter.Write(pb.Program, pkg, ["js"]);
        var result = NodeRunner.Run(pkg, pb.RawInputs());
        Assert.True(result.Ok, result.Error);
        return result.Outputs;
    }

    /// <summary>Runs <paramref name="pb"/> on <paramref name="backend"/> (package in <paramref name="pkg"/>) and asserts it matches the reference.</summary>
    public static void AssertMatchesReference(string backend, ProgramBuilder pb, string pkg) => AssertMatchesReference(backend, pb, Runners[backend](pb, pkg));

    /// <summary>Asserts that <paramref name="outputs"/> (from a run of <paramref name="pb"/> on <paramref name="backend"/>) match the reference within the backend's tolerance.</summary>
    public static void AssertMatchesReference(string backend, ProgramBuilder pb, Dictionary<string, RawTensor> outputs)
    {
        var (rtol, atol) = Tolerances[backend];
        var expected = KernelReference.Run(pb.Program, pb.InputValues);
        foreach (var io in pb.Program.Outputs)
        {
            var got = outputs[io.Name];
            Assert.Equal(io.KernelBuffer.Shape, got.Shape);
            var g = got.ToDoubles();
            var e = expected[io.Name].ToDoubles();
            Assert.Equal(e.Length, g.Length);
            for (int i = 0; i < e.Length; i++)
            {
                bool ok = io.KernelBuffer.DataType == DataType.Float32
                    ? (double.IsNaN(e[i]) && double.IsNaN(g[i])) || e[i] == g[i] || Math.Abs(e[i] - g[i]) <= atol + rtol * Math.Abs(e[i])
                    : e[i] == g[i];
                Assert.True(ok, $"{backend}: output '{io.Name}'[{i}]: expected {e[i]:R}, got {g[i]:R}");
            }
        }
    }
}
