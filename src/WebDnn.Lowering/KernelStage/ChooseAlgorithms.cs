using WebDnn.Core.Kernels;

namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// Picks an algorithm per conv and matmul kernel among those the target implements (<see cref="Target.Algorithms"/>),
/// most specific first: depthwise, 1×1 GEMM, Winograd (stride 1, dilation 1, 3×3, a constant weight, enough channels
/// and a map large enough to pay for the transforms, at least the target's <see cref="Target.WinogradMinMacs"/>; F(4×4)
/// or F(2×2), whichever needs fewer multiplies on this map),
/// implicit GEMM; then the target's fallback. Other primitives keep "direct".
/// </summary>
public sealed class ChooseAlgorithms : IKernelPass
{
    /// <summary>Fewest input and output channels for which Winograd's transforms pay (XNNPACK and NNPACK use similar bounds).</summary>
    public const int WinogradMinChannels = 16;

    /// <summary>
    /// Most multiplies per output (direct: 9) for which Winograd is chosen: its input and output transforms and the
    /// scratch traffic between them cost about as much as the multiplies it saves below a 1.5× cut.
    /// </summary>
    public const double WinogradMaxMultiplies = 6;

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
                ConvKernel c => Candidates(c, tp.Target.VectorWidth, tp.Target.WinogradMinMacs).FirstOrDefault(available.Contains),
                MatMulKernel => available.Contains(KernelAlgorithms.Gemm) ? KernelAlgorithms.Gemm : null,
                _ => null,
            };
            kernels[i] = k with { Algorithm = pick ?? available[0] };
        }
    }

    /// <summary>
    /// The algorithms that can compute <paramref name="c"/>, best first (<paramref name="lanes"/>: the target's vector
    /// width; <paramref name="winogradMinMacs"/>: <see cref="Target.WinogradMinMacs"/>).
    /// </summary>
    public static IEnumerable<string> Candidates(ConvKernel c, int lanes = 1, long winogradMinMacs = 0)
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
                && channels >= WinogradMinChannels && m >= WinogradMinChannels && c.Inputs[1].Kind == BufferKind.Weight && c.Output.Shape.Length == 4
                && c.Output.Length * channels * 9 >= winogradMinMacs)
            {
                var y = c.Output.Shape;
                var costs = new[] { (KernelAlgorithms.WinogradF4, WinogradMultiplies(4, y[2], y[3], lanes)), (KernelAlgorithms.WinogradF2, WinogradMultiplies(2, y[2], y[3], lanes)) };
                foreach (var (algorithm, cost) in costs.OrderBy(x => x.Item2))
                {
                    if (cost <= WinogradMaxMultiplies)
                    {
                        yield return algorithm;
                    }
                }
            }
            yield return KernelAlgorithms.ImplicitGemm;
        }
        yield return KernelAlgorithms.Direct;
    }

    /// <summary>
    /// Multiplies per output of Winograd F(m×m, 3×3) on an oh×ow map: (m + 2)² per tile, counting the tiles a row is
    /// rounded up to when <paramref name="lanes"/> adjacent tiles share a vector.
    /// </summary>
    public static double WinogradMultiplies(int m, int oh, int ow, int lanes)
    {
        long rows = (oh + m - 1) / m, cols = ((ow + m - 1) / m + lanes - 1) / lanes * lanes;
        return (double)(m + 2) * (m + 2) * rows * cols / ((double)oh * ow);
    }
}
