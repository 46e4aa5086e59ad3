using WebDnn.Core.Kernels;

namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// Picks an algorithm per conv and matmul kernel among those the target implements (<see cref="Target.Algorithms"/>),
/// most specific first: depthwise, 1×1 GEMM, Winograd (stride 1, dilation 1, 3×3, enough channels to pay for the
/// transforms), implicit GEMM; then the target's fallback. Other primitives keep "direct".
/// </summary>
public sealed class ChooseAlgorithms : IKernelPass
{
    /// <summary>Fewest input and output channels for which Winograd's transforms pay (XNNPACK and NNPACK use similar bounds).</summary>
    public const int WinogradMinChannels = 16;

    public string Name => "choose-algorithms";

    public void Run(TargetProgram tp)
    {
        var kernels = tp.Program.Kernels;
        for (int i = 0; i < kernels.Count; i++)
        {
            var k = kernels[i];
            var available = tp.Target.AlgorithmsOf(k.Primitive);
            string? pick = k switch
            {
                ConvKernel c => Candidates(c).FirstOrDefault(available.Contains),
                MatMulKernel => available.Contains(KernelAlgorithms.Gemm) ? KernelAlgorithms.Gemm : null,
                _ => null,
            };
            kernels[i] = k with { Algorithm = pick ?? available[0] };
        }
    }

    /// <summary>The algorithms that can compute <paramref name="c"/>, best first.</summary>
    public static IEnumerable<string> Candidates(ConvKernel c)
    {
        var w = c.Inputs[1].Shape;
        int m = w[0], cPerGroup = w[1], channels = cPerGroup * c.Group;
        var kernel = w[2..];
        if (c.Group > 1 && cPerGroup == 1 && m == c.Group)
        {
            yield return KernelAlgorithms.Depthwise;
        }
        if (c.Group == 1)
        {
            bool unit = kernel.All(d => d == 1) && c.Strides.All(s => s == 1) && c.Pads.All(p => p == 0);
            if (unit)
            {
                yield return KernelAlgorithms.Gemm1x1;
            }
            if (kernel.Length == 2 && kernel.All(d => d == 3) && c.Strides.All(s => s == 1) && c.Dilations.All(d => d == 1)
                && channels >= WinogradMinChannels && m >= WinogradMinChannels)
            {
                yield return KernelAlgorithms.WinogradF4;
                yield return KernelAlgorithms.WinogradF2;
            }
            yield return KernelAlgorithms.ImplicitGemm;
        }
        yield return KernelAlgorithms.Direct;
    }
}
