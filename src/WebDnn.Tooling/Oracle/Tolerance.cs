namespace WebDnn.Tooling.Oracle;

/// <summary>
/// A named numeric tolerance: an output passes when max|actual - expected| &lt;= <see cref="Scale"/> ·
/// max(1, max|expected|). Scaling by the output's magnitude (not per element) keeps the rule
/// stable for outputs whose elements cross zero (logits, hidden states), where a per-element
/// relative error would be meaningless. Integer and bool outputs must match exactly.
/// </summary>
/// <param name="Name">Shown in reports.</param>
/// <param name="Scale">The bound on the largest absolute error, relative to max(1, max|expected|).</param>
public sealed record Tolerance(string Name, double Scale)
{
    /// <summary>
    /// f32 results from our reference evaluator or any exact f32 backend against ONNX Runtime:
    /// max|diff| &lt;= 1e-4 · max(1, max|expected|), the rule fixed by the project's issue.
    /// Summation order differs from ORT's MLAS (blocked GEMM, FMA), which alone costs ~1e-6 relative per
    /// reduction of a few thousand terms, so 1e-4 leaves room for deep networks without hiding bugs.
    /// </summary>
    public static readonly Tolerance Fp32Reference = new(nameof(Fp32Reference), 1e-4);

    /// <summary>The JS backend: plain f32 arithmetic (Math.fround) in a different order; same bound as the reference.</summary>
    public static readonly Tolerance Fp32Js = new(nameof(Fp32Js), 1e-4);

    /// <summary>
    /// Wasm SIMD, WebGPU and WebGL f32 kernels: FMA (relaxed SIMD), Winograd transforms and GPU
    /// transcendental approximations (WGSL exp/tanh are not correctly rounded) add error, so 1e-3.
    /// </summary>
    public static readonly Tolerance Fp32Fast = new(nameof(Fp32Fast), 1e-3);

    /// <summary>
    /// f16 weights or arithmetic: f16 has an 11-bit significand (unit roundoff 4.9e-4), and errors
    /// accumulate over layers, so 1e-2 of the output magnitude.
    /// </summary>
    public static readonly Tolerance Fp16 = new(nameof(Fp16), 1e-2);

    /// <summary>Absolute error allowed for an output whose largest |expected| is <paramref name="maxAbsExpected"/>.</summary>
    public double Bound(double maxAbsExpected) => Scale * Math.Max(1.0, maxAbsExpected);

    public override string ToString() => $"{Name} ({Scale:g3} x max(1, max|expected|))";
}
