using WebDnn.Backends.Wasm.Kernels;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu.Kernels;

/// <summary>
/// conv, f32, 3×3, stride 1, dilation 1, group 1, 2-d, by Winograd F(2×2, 3×3) (<see cref="WinogradTile.F2"/>) in two
/// dispatches. The weight is transformed at compile time (U = G g Gᵀ, <see cref="PackWeight"/>), stored as 16 matrices
/// U_ξ [M, C]. (1) 16 batched GEMMs M_ξ = U_ξ · V_ξ [M, tiles] through <see cref="GemmCore"/> (z = ξ), whose B element
/// V_ξ[c, tile] = (Bᵀ d B)_ξ is formed in load_b from the 4 input values it combines (Bᵀ's rows have two ±1 entries), so
/// no transformed input is stored; the products (split K's partial sums) go to the scratch buffer. (2) The output
/// transform Y = Aᵀ M A, one invocation per 2×2 output tile and channel, adds the slices, the bias and the fused epilogue
/// and writes NCHW.
/// </summary>
internal static class WinogradWgsl
{
    /// <summary>Weight form: [16][M][C] (ξ = 4·row + column of the 4×4 tile), stored with the shape [M, C, 4, 4].</summary>
    public const string FormF2 = "webgpu-winograd-f2";

    /// <summary>Whether <paramref name="k"/> is a Winograd conv this kernel computes, before or after its weight is packed.</summary>
    public static bool Fits(ConvKernel k)
    {
        if (k.Algorithm != KernelAlgorithms.WinogradF2 || k.Group != 1 || k.Layout != ActivationLayout.Nchw || k.Pads.Length != 4
            || k.Strides.Any(s => s != 1) || k.Dilations.Any(d => d != 1) || k.Inputs.Length + k.Outputs.Length >= 8
            || k.Inputs.Take(k.HasBias ? 3 : 2).Concat(k.Outputs).Any(b => b.DataType != DataType.Float32))
        {
            return false;
        }
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        if (x.Length != 4 || w.Length != 4 || y.Length != 4)
        {
            return false;
        }
        int m = y[1];
        bool shapeOk = k.WeightLayout == FormF2 ? w[2] == 4 && w[3] == 4 : k.WeightLayout is null && w[2] == 3 && w[3] == 3;
        if (!shapeOk || w[0] != m || w[1] != x[1] || x[0] != y[0] || y[2] != x[2] + k.Pads[0] + k.Pads[2] - 2 || y[3] != x[3] + k.Pads[1] + k.Pads[3] - 2)
        {
            return false;
        }
        if (k.HasBias && k.Inputs[2].Length != m)
        {
            return false;
        }
        // The products of all 16 matrices stay in the scratch buffer (at least one K slice).
        return 16L * m * Tiles(y) * 4 <= GemmCore.MaxScratchBytes;
    }

    /// <summary>Whether the kernel runs in this form: it fits and its weight was transformed at compile time.</summary>
    public static bool Supports(ConvKernel k) => Fits(k) && k.WeightLayout == FormF2;

    /// <summary>Output tiles of 2×2 (batch included): the GEMMs' N.</summary>
    private static long Tiles(int[] y) => (long)y[0] * ((y[2] + 1) / 2) * ((y[3] + 1) / 2);

    /// <summary>U = G g Gᵀ per (output, input) channel in double, rounded once to f32, as 16 matrices [M, C].</summary>
    public static (Tensor Packed, string Form) PackWeight(Tensor weight)
    {
        var t = WinogradTile.F2;
        var s = weight.Shape;
        int m = s[0], c = s[1];
        var src = weight.ToFloats();
        var dst = new float[16L * m * c];
        for (int oc = 0; oc < m; oc++)
        {
            for (int ic = 0; ic < c; ic++)
            {
                var u = t.TransformFilter(src.AsSpan((oc * c + ic) * 9, 9));
                for (int xi = 0; xi < 16; xi++)
                {
                    dst[((long)xi * m + oc) * c + ic] = (float)u[xi];
                }
            }
        }
        return (Tensor.FromFloats([m, c, 4, 4], dst), FormF2);
    }

    private static string I(long v) => WgslWriter.I32(v);

    public static void Emit(WgslKernel c, ConvKernel k)
    {
        var x = k.Inputs[0].Shape;
        var y = k.Output.Shape;
        long cin = x[1], h = x[2], wd = x[3], m = y[1], oh = y[2], ow = y[3];
        long th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = Tiles(y), plane = th * tw;
        long pt = k.Pads[0], pl = k.Pads[1];
        void Functions(WgslKernel c)
        {
            var w = c.W;
            w.Function("fn load_a(z: i32, m: i32, k: i32) -> f32", () => w.Line($"return {c.Load(1, $"(z * {I(m)} + m) * {I(cin)} + k")};"));
            w.Function("fn px(base: i32, i: i32, j: i32) -> f32", () =>
            {
                w.Line($"if (i < 0i || i >= {I(h)} || j < 0i || j >= {I(wd)}) {{ return 0f; }}");
                w.Line($"return {c.Load(0, $"base + i * {I(wd)} + j")};");
            });
            // (Bᵀ d B)_ξ for ξ = (r, s): Bᵀ's row r is d[i0] + sr · d[i1] (rows 0..3: d0 − d2, d1 + d2, d2 − d1, d1 − d3).
            w.Function("fn load_b(z: i32, k: i32, p: i32) -> f32", () =>
            {
                w.Line($"let n = p / {I(plane)};");
                w.Line($"let q = p % {I(plane)};");
                w.Line($"let y0 = (q / {I(tw)}) * 2i - {I(pt)};");
                w.Line($"let x0 = (q % {I(tw)}) * 2i - {I(pl)};");
                w.Line("let r = z / 4i;");
                w.Line("let s = z % 4i;");
                w.Line("let i0 = y0 + select(r, 1i, r == 3i);");
                w.Line("let i1 = y0 + select(select(2i, 1i, r == 2i), 3i, r == 3i);");
                w.Line("let j0 = x0 + select(s, 1i, s == 3i);");
                w.Line("let j1 = x0 + select(select(2i, 1i, s == 2i), 3i, s == 3i);");
                w.Line("let sr = select(-1f, 1f, r == 1i);");
                w.Line("let sc = select(-1f, 1f, s == 1i);");
                w.Line($"let base = (n * {I(cin)} + k) * {I(h * wd)};");
                w.Line("return fma(sc, px(base, i0, j1), px(base, i0, j0)) + sr * fma(sc, px(base, i1, j1), px(base, i1, j0));");
            });
        }
        void OutputTransform(WgslKernel r, long splits)
        {
            var w = r.W;
            var epi = new WgslEpilogue(r, k.Epilogue, k.EpilogueFirstInput, y);
            r.Each(tiles * m, () =>
            {
                w.Line($"let q = o % {I(plane)};");
                w.Line($"let ma = (o / {I(plane)}) % {I(m)};");
                w.Line($"let n = o / {I(plane * m)};");
                w.Line($"let p = n * {I(plane)} + q;");
                for (int xi = 0; xi < 16; xi++)
                {
                    string At(string s) => $"scratch[(({I(xi * splits)} + {s}) * {I(m)} + ma) * {I(tiles)} + p]";
                    if (splits == 1)
                    {
                        w.Line($"let m{xi} = {At("0i")};");
                        continue;
                    }
                    w.Line($"var m{xi} = 0f;");
                    w.Line($"for (var s: i32 = 0; s < {I(splits)}; s++) {{ m{xi} += {At("s")}; }}");
                }
                // Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]: rows first (t = Aᵀ M), then columns (Y = t A).
                for (int j = 0; j < 4; j++)
                {
                    w.Line($"let t0{j} = m{j} + m{4 + j} + m{8 + j};");
                    w.Line($"let t1{j} = m{4 + j} - m{8 + j} - m{12 + j};");
                }
                w.Line(k.HasBias ? $"let bias = {r.Load(2, "ma")};" : "let bias = 0f;");
                w.Line($"let oy = (q / {I(tw)}) * 2i;");
                w.Line($"let ox = (q % {I(tw)}) * 2i;");
                for (int dy = 0; dy < 2; dy++)
                {
                    for (int dx = 0; dx < 2; dx++)
                    {
                        string yv = dx == 0 ? $"t{dy}0 + t{dy}1 + t{dy}2" : $"t{dy}1 - t{dy}2 - t{dy}3";
                        var conds = new List<string>();
                        if (dy == 1 && oh % 2 == 1)
                        {
                            conds.Add($"oy + 1i < {I(oh)}");
                        }
                        if (dx == 1 && ow % 2 == 1)
                        {
                            conds.Add($"ox + 1i < {I(ow)}");
                        }
                        w.Open(conds.Count == 0 ? "" : $"if ({string.Join(" && ", conds)})");
                        w.Line($"let o = ((n * {I(m)} + ma) * {I(oh)} + oy + {I(dy)}) * {I(ow)} + ox + {I(dx)};");
                        epi.Store($"({yv}) + bias");
                        w.Close();
                    }
                }
            });
        }
        GemmCore.Emit(c, Functions, m, tiles, cin, 16, OutputTransform);
    }
}
