using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// The matrices of a Winograd minimal filtering algorithm F(m×m, 3×3) (Lavin &amp; Gray 2016): an output tile of m×m from
/// an input tile of α×α (α = m + 2) is Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, a cross-correlation as a conv computes it.
/// F(2×2) interpolates at 0, ±1, ∞; F(4×4) at 0, ±1, ±2, ∞ (larger constants: more rounding error, 4× fewer multiplies
/// than the direct 9 per output instead of 2.25×).
/// </summary>
/// <param name="M">Output tile side.</param>
/// <param name="Bt">Input transform Bᵀ [α, α].</param>
/// <param name="G">Filter transform G [α, 3].</param>
/// <param name="At">Output transform Aᵀ [m, α].</param>
internal sealed record WinogradTile(int M, double[,] Bt, double[,] G, double[,] At)
{
    /// <summary>Input tile side α = m + 2.</summary>
    public int Alpha => M + 2;

    public static readonly WinogradTile F2 = new(2,
        new double[,] { { 1, 0, -1, 0 }, { 0, 1, 1, 0 }, { 0, -1, 1, 0 }, { 0, 1, 0, -1 } },
        new double[,] { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } },
        new double[,] { { 1, 1, 1, 0 }, { 0, 1, -1, -1 } });

    public static readonly WinogradTile F4 = new(4,
        new double[,]
        {
            { 4, 0, -5, 0, 1, 0 }, { 0, -4, -4, 1, 1, 0 }, { 0, 4, -4, -1, 1, 0 },
            { 0, -2, -1, 2, 1, 0 }, { 0, 2, -1, -2, 1, 0 }, { 0, 4, 0, -5, 0, 1 },
        },
        new double[,]
        {
            { 1 / 4.0, 0, 0 }, { -1 / 6.0, -1 / 6.0, -1 / 6.0 }, { -1 / 6.0, 1 / 6.0, -1 / 6.0 },
            { 1 / 24.0, 1 / 12.0, 1 / 6.0 }, { 1 / 24.0, -1 / 12.0, 1 / 6.0 }, { 0, 0, 1 },
        },
        new double[,] { { 1, 1, 1, 1, 1, 0 }, { 0, 1, -1, 2, -2, 0 }, { 0, 1, 1, 4, 4, 0 }, { 0, 1, -1, 8, -8, 1 } });

    /// <summary>The tile of a Winograd algorithm name, or null for any other algorithm.</summary>
    public static WinogradTile? Of(string? algorithm) => algorithm switch
    {
        KernelAlgorithms.WinogradF2 => F2,
        KernelAlgorithms.WinogradF4 => F4,
        _ => null,
    };

    /// <summary>U = G g Gᵀ of one 3×3 filter <paramref name="g"/> (row-major, 9 values), in double, row-major α×α.</summary>
    public double[] TransformFilter(ReadOnlySpan<float> g)
    {
        int a = Alpha;
        var gg = new double[a * 3];
        for (int i = 0; i < a; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                double s = 0;
                for (int r = 0; r < 3; r++)
                {
                    s += G[i, r] * g[r * 3 + c];
                }
                gg[i * 3 + c] = s;
            }
        }
        var u = new double[a * a];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < a; j++)
            {
                double s = 0;
                for (int c = 0; c < 3; c++)
                {
                    s += gg[i * 3 + c] * G[j, c];
                }
                u[i * a + j] = s;
            }
        }
        return u;
    }
}
