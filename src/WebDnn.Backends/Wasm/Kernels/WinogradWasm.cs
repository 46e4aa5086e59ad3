using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// conv, f32, 3×3, stride 1, dilation 1, group 1, NCHW, by Winograd F(m×m, 3×3) (<see cref="WinogradTile"/>): the
/// weight is transformed at compile time (U = G g Gᵀ, stored as α² GEMM A-matrices in the microkernel's MR-row panels,
/// <see cref="PackWeight"/>). At run time, per band of tile rows sized so one GEMM's B stays in L2: (1) the band's input
/// rows are copied into scratch with the padding as zeros; (2) the input transform V = Bᵀ d B writes α² matrices
/// [C, tiles]; (3) α² GEMMs M_ξ = U_ξ · V_ξ (<see cref="GemmEmitter"/>); (4) the output transform Y = Aᵀ M A adds the
/// bias, applies the fused epilogue and stores. The transforms are f32x4 with one tile per lane (4 horizontally
/// adjacent tiles; a row of tiles is rounded up to a multiple of 4, the extra tiles computed on zeros and not stored).
/// Threads (<see cref="WasmThreads"/>) share the output channels in MR-row blocks: each thread pads and transforms the
/// whole band into its own scratch (steps 1–2, repeated on every thread: O(C·tiles), small next to the GEMMs'
/// O(M·C·tiles)), then runs the GEMMs on its row blocks of U and the output transform on the same channels, so no
/// stage reads another thread's results and the kernel needs no barrier inside.
/// </summary>
internal static class WinogradWasm
{
    /// <summary>Weight form of F(2×2, 3×3): [α²][⌈M/MR⌉][C][MR], stored with the shape [⌈M/MR⌉·MR, C, 4, 4].</summary>
    public const string FormF2 = "wasm-winograd-f2-a4";

    /// <summary>Weight form of F(4×4, 3×3): as <see cref="FormF2"/> with α = 6.</summary>
    public const string FormF4 = "wasm-winograd-f4-a4";

    private const int Lanes = 4;

    private static string Form(WinogradTile t) => t.M == 2 ? FormF2 : FormF4;

    /// <summary>Whether <paramref name="k"/> is a Winograd conv this kernel computes, before or after its weight is packed.</summary>
    public static bool Fits(ConvKernel k)
    {
        if (WinogradTile.Of(k.Algorithm) is not { } t || k.Group != 1 || k.Layout != ActivationLayout.Nchw || !ConvWasm.IsF32Conv2d(k)
            || k.Strides.Any(s => s != 1) || k.Dilations.Any(d => d != 1) || k.Pads.Length != 4)
        {
            return false;
        }
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        int m = y[1];
        bool shapeOk = k.WeightLayout == Form(t)
            ? w[0] == ConvWasm.RoundUp(m, GemmEmitter.MR) && w[2] == t.Alpha && w[3] == t.Alpha
            : k.WeightLayout is null && w[0] == m && w[2] == 3 && w[3] == 3;
        if (!shapeOk || w[1] != x[1] || x[0] != y[0] || y[2] != x[2] + k.Pads[0] + k.Pads[2] - 2 || y[3] != x[3] + k.Pads[1] + k.Pads[3] - 2)
        {
            return false;
        }
        if (k.HasBias && k.Inputs[2].Length != m)
        {
            return false;
        }
        return k.Epilogue is not { } e
            || (WasmExpr.Supports(e) && k.Inputs.Skip(k.EpilogueFirstInput).All(b => b.Shape.AsSpan().SequenceEqual(y)));
    }

    /// <summary>Whether the kernel runs natively: it fits and its weight was transformed at compile time.</summary>
    public static bool Supports(ConvKernel k) => Fits(k) && k.WeightLayout is not null;

    /// <summary>U = G g Gᵀ per (output, input) channel in double, rounded once to f32, laid out as α² packed A panels.</summary>
    public static (Tensor Packed, string Form) PackWeight(ConvKernel k, Tensor weight)
    {
        var t = WinogradTile.Of(k.Algorithm)!;
        var s = weight.Shape;
        int m = s[0], c = s[1], a = t.Alpha, mp = ConvWasm.RoundUp(m, GemmEmitter.MR), panels = mp / GemmEmitter.MR;
        var src = weight.ToFloats();
        var dst = new float[(long)a * a * mp * c];
        for (int oc = 0; oc < m; oc++)
        {
            for (int ic = 0; ic < c; ic++)
            {
                var u = t.TransformFilter(src.AsSpan((oc * c + ic) * 9, 9));
                for (int xi = 0; xi < a * a; xi++)
                {
                    dst[(((long)xi * panels + oc / GemmEmitter.MR) * c + ic) * GemmEmitter.MR + oc % GemmEmitter.MR] = (float)u[xi];
                }
            }
        }
        return (Tensor.FromFloats([mp, c, a, a], dst), Form(t));
    }

    /// <summary>Sizes of one kernel's tiling, all compile-time constants.</summary>
    private sealed class Plan
    {
        public Plan(ConvKernel k)
        {
            T = WinogradTile.Of(k.Algorithm)!;
            var x = k.Inputs[0].Shape;
            var y = k.Output.Shape;
            (N, C, H, W, M, OH, OW, Ph, Pw) = (x[0], x[1], x[2], x[3], y[1], y[2], y[3], k.Pads[0], k.Pads[1]);
            int m = T.M;
            Th = (OH + m - 1) / m;
            Twp = ConvWasm.RoundUp((OW + m - 1) / m, Lanes);
            Groups = Twp / Lanes;
            R = Math.Clamp(ConvWasm.TileBytes / (C * Twp * 4), 1, Th);
            Tb = R * Twp;
            Pr = R * m + 2;
            // a group of 4 tiles reads 4m + 2 columns; F(4×4)'s loads reach 4 past them (F(2×2)'s exactly to the end)
            Wp = Twp * m + (m == 4 ? 4 : 2);
            A2 = T.Alpha * T.Alpha;
            PBytes = ConvWasm.RoundUp(checked(C * Pr * Wp * 4), 64);
            VBytes = ConvWasm.RoundUp(checked(A2 * C * Tb * 4), 64);
            MBytes = checked(A2 * M * Tb * 4);
        }

        public WinogradTile T { get; }
        public int N { get; }
        public int C { get; }
        public int H { get; }
        public int W { get; }
        public int M { get; }
        public int OH { get; }
        public int OW { get; }
        public int Ph { get; }
        public int Pw { get; }

        /// <summary>Tile rows of the output.</summary>
        public int Th { get; }

        /// <summary>Tiles per row, rounded up to the lanes.</summary>
        public int Twp { get; }

        /// <summary>Groups of 4 tiles per row.</summary>
        public int Groups { get; }

        /// <summary>Tile rows per band.</summary>
        public int R { get; }

        /// <summary>Tiles per band: the GEMMs' N and the row stride of V and M.</summary>
        public int Tb { get; }

        /// <summary>Rows and row pitch (floats) of the padded input band.</summary>
        public int Pr { get; }

        public int Wp { get; }

        public int A2 { get; }
        public int PBytes { get; }
        public int VBytes { get; }
        public int MBytes { get; }
    }

    /// <summary>Emits the kernel body; returns the scratch bytes it needs.</summary>
    public static long Emit(WasmModuleContext ctx, FunctionBody f, ConvKernel k)
    {
        var p = new Plan(k);
        int nEpi = k.Epilogue is null ? 0 : k.Inputs.Length - k.EpilogueFirstInput;
        int outP = k.Inputs.Length, scratchP = outP + 1;
        int mp = ConvWasm.RoundUp(p.M, GemmEmitter.MR);
        int fullBands = p.Th / p.R, rem = p.Th % p.R;
        var spec = new GemmSpec(p.M, p.Tb, p.C, APacked: true, p.C, BPacked: false, Ldb: p.Tb, Ldc: p.Tb, BiasMode.None, null, 0, Split: GemmSplit.Rows);
        int gemmFull = ctx.Add(GemmEmitter.Emit(spec, ctx.Relaxed));
        int gemmLast = rem > 0 ? ctx.Add(GemmEmitter.Emit(spec with { N = rem * p.Twp }, ctx.Relaxed)) : -1;
        int pad = ctx.Add(PadBand(p));
        int inT = ctx.Add(InputTransform(p, ctx.Relaxed));
        int outT = ctx.Add(OutputTransform(p, k, nEpi, ctx.Relaxed));

        int bn = f.Local(ValType.I32), b = f.Local(ValType.I32), ty0 = f.Local(ValType.I32), xi = f.Local(ValType.I32);
        int xn = f.Local(ValType.I32), yOff = f.Local(ValType.I32);
        int vAt = p.PBytes, mAt = p.PBytes + p.VBytes;

        void Band(int rows, int gemm)
        {
            f.LocalGet(xn).LocalGet(scratchP).LocalGet(ty0).I32Const(rows * p.T.M + 2).Call(pad);
            f.LocalGet(scratchP).LocalGet(scratchP).I32Const(vAt).Op(WasmOpcode.I32Add).I32Const(rows).Call(inT);
            f.I32Const(0).LocalSet(xi);
            f.Loop();
            // gemm(U_ξ, V_ξ, M_ξ, no bias)
            f.LocalGet(1).LocalGet(xi).I32Const(checked(mp * p.C * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
            f.LocalGet(scratchP).LocalGet(xi).I32Const(checked(p.C * p.Tb * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).I32Const(vAt).Op(WasmOpcode.I32Add);
            f.LocalGet(scratchP).LocalGet(xi).I32Const(checked(p.M * p.Tb * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).I32Const(mAt).Op(WasmOpcode.I32Add);
            f.I32Const(0).Call(gemm);
            Next(f, xi, () => f.I32Const(p.A2));
            f.LocalGet(scratchP).I32Const(mAt).Op(WasmOpcode.I32Add);
            f.LocalGet(outP).LocalGet(yOff).Op(WasmOpcode.I32Add);
            ConvWasm.BiasAndOperands(f, k, nEpi, () => f.LocalGet(yOff).Op(WasmOpcode.I32Add));
            f.LocalGet(ty0).I32Const(rows).Call(outT);
        }

        f.I32Const(0).LocalSet(bn);
        f.Loop();
        f.LocalGet(0).LocalGet(bn).I32Const(checked(p.C * p.H * p.W * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(xn);
        f.LocalGet(bn).I32Const(checked(p.M * p.OH * p.OW * 4)).Op(WasmOpcode.I32Mul).LocalSet(yOff);
        if (fullBands > 0)
        {
            f.I32Const(0).LocalSet(b);
            f.Loop();
            f.LocalGet(b).I32Const(p.R).Op(WasmOpcode.I32Mul).LocalSet(ty0);
            Band(p.R, gemmFull);
            Next(f, b, () => f.I32Const(fullBands));
        }
        if (rem > 0)
        {
            f.I32Const(fullBands * p.R).LocalSet(ty0);
            Band(rem, gemmLast);
        }
        Next(f, bn, () => f.I32Const(p.N));
        return (long)p.PBytes + p.VBytes + p.MBytes;
    }

    /// <summary>
    /// pad(x, dst, ty0, rows): for every channel, the <c>rows</c> input rows from (ty0·m − pad top) on, each as Wp floats
    /// from input column −pad left on, zeros outside the image.
    /// </summary>
    private static FunctionBody PadBand(Plan p)
    {
        var f = new FunctionBody([ValType.I32, ValType.I32, ValType.I32, ValType.I32]);
        const int X = 0, Dst = 1, Ty0 = 2, Rows = 3;
        int ch = f.Local(ValType.I32), r = f.Local(ValType.I32), xc = f.Local(ValType.I32), dc = f.Local(ValType.I32), d = f.Local(ValType.I32), ih = f.Local(ValType.I32);
        int lo = Math.Min(p.Pw, p.Wp), hi = Math.Clamp(p.Pw + p.W, lo, p.Wp);
        f.I32Const(0).LocalSet(ch);
        f.Loop();
        f.LocalGet(X).LocalGet(ch).I32Const(checked(p.H * p.W * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(xc);
        f.LocalGet(Dst).LocalGet(ch).I32Const(checked(p.Pr * p.Wp * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(dc);
        f.I32Const(0).LocalSet(r);
        f.Loop();
        f.LocalGet(dc).LocalGet(r).I32Const(p.Wp * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(d);
        f.LocalGet(Ty0).I32Const(p.T.M).Op(WasmOpcode.I32Mul).LocalGet(r).Op(WasmOpcode.I32Add).I32Const(p.Ph).Op(WasmOpcode.I32Sub).LocalTee(ih);
        f.I32Const(p.H).Op(WasmOpcode.I32GeU);
        f.If();
        f.LocalGet(d).I32Const(0).I32Const(p.Wp * 4).MemoryFill();
        f.Else();
        if (lo > 0)
        {
            f.LocalGet(d).I32Const(0).I32Const(lo * 4).MemoryFill();
        }
        if (hi > lo)
        {
            f.LocalGet(d).I32Const(lo * 4).Op(WasmOpcode.I32Add);
            f.LocalGet(xc).LocalGet(ih).I32Const(p.W * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).I32Const((lo - p.Pw) * 4).Op(WasmOpcode.I32Add);
            f.I32Const((hi - lo) * 4).MemoryCopy();
        }
        if (p.Wp > hi)
        {
            f.LocalGet(d).I32Const(hi * 4).Op(WasmOpcode.I32Add).I32Const(0).I32Const((p.Wp - hi) * 4).MemoryFill();
        }
        f.End();
        Next(f, r, () => f.LocalGet(Rows));
        Next(f, ch, () => f.I32Const(p.C));
        return f;
    }

    /// <summary>
    /// inT(padded, v, rows): for each channel c, tile row r &lt; rows and group of 4 tiles, V_ξ[c][t] (ξ = i·α + j) of
    /// the 4 tiles t at v + ((ξ·C + c)·Tb + t)·4, one tile per lane.
    /// </summary>
    private static FunctionBody InputTransform(Plan p, bool relaxed)
    {
        var f = new FunctionBody([ValType.I32, ValType.I32, ValType.I32]);
        const int Src = 0, Dst = 1, Rows = 2;
        var t = p.T;
        int a = t.Alpha, m = t.M;
        int c = f.Local(ValType.I32), r = f.Local(ValType.I32), g = f.Local(ValType.I32), pb = f.Local(ValType.I32), vb = f.Local(ValType.I32);
        int[] q = Locals(f, 5), d = Locals(f, a), tmp = Locals(f, 4);
        int[,] e = new int[a, a];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < a; j++)
            {
                e[i, j] = f.Local(ValType.V128);
            }
        }
        f.I32Const(0).LocalSet(c);
        f.Loop();
        f.I32Const(0).LocalSet(r);
        f.Loop();
        // pb = src + (c·Pr + r·m)·Wp·4; vb = dst + (c·Tb + r·Twp)·4
        f.LocalGet(Src).LocalGet(c).I32Const(checked(p.Pr * p.Wp * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
            .LocalGet(r).I32Const(m * p.Wp * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(pb);
        f.LocalGet(Dst).LocalGet(c).I32Const(checked(p.Tb * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
            .LocalGet(r).I32Const(p.Twp * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(vb);
        f.I32Const(p.Groups).LocalSet(g);
        f.Loop();
        for (int rho = 0; rho < a; rho++)
        {
            // d[c'] = column c' of input row ρ for the 4 tiles (lane l: column l·m + c')
            uint row = (uint)(rho * p.Wp * 4);
            if (m == 4)
            {
                for (int i = 0; i < 5; i++)
                {
                    f.LocalGet(pb).Mem(WasmOpcode.V128Load, row + (uint)(i * 16)).LocalSet(q[i]);
                }
                Transpose(f, q.AsSpan(0, 4), d.AsSpan(0, 4), tmp);
                f.LocalGet(d[0]).LocalGet(q[4]).Shuffle32(1, 2, 3, 4).LocalSet(d[4]);
                f.LocalGet(d[1]).LocalGet(q[4]).Shuffle32(1, 2, 3, 5).LocalSet(d[5]);
            }
            else
            {
                for (int h = 0; h < 2; h++)
                {
                    f.LocalGet(pb).Mem(WasmOpcode.V128Load, row + (uint)(h * 8)).LocalSet(q[0]);
                    f.LocalGet(pb).Mem(WasmOpcode.V128Load, row + (uint)(h * 8 + 16)).LocalSet(q[1]);
                    f.LocalGet(q[0]).LocalGet(q[1]).Shuffle32(0, 2, 4, 6).LocalSet(d[2 * h]);
                    f.LocalGet(q[0]).LocalGet(q[1]).Shuffle32(1, 3, 5, 7).LocalSet(d[2 * h + 1]);
                }
            }
            // e[ρ][j] = Σ_c' d[c']·Bᵀ[j][c']  (d B)
            for (int j = 0; j < a; j++)
            {
                Combine(f, Terms(a, cc => t.Bt[j, cc], cc => d[cc]), relaxed);
                f.LocalSet(e[rho, j]);
            }
        }
        // V[i][j] = Σ_ρ Bᵀ[i][ρ]·e[ρ][j]
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < a; j++)
            {
                f.LocalGet(vb);
                Combine(f, Terms(a, rho => t.Bt[i, rho], rho => e[rho, j]), relaxed);
                f.Mem(WasmOpcode.V128Store, (uint)checked((i * a + j) * p.C * p.Tb * 4));
            }
        }
        f.LocalGet(pb).I32Const(m * Lanes * 4).Op(WasmOpcode.I32Add).LocalSet(pb);
        f.LocalGet(vb).I32Const(Lanes * 4).Op(WasmOpcode.I32Add).LocalSet(vb);
        f.LocalGet(g).I32Const(1).Op(WasmOpcode.I32Sub).LocalTee(g).BrIf(0);
        f.End();
        Next(f, r, () => f.LocalGet(Rows));
        Next(f, c, () => f.I32Const(p.C));
        return f;
    }

    /// <summary>
    /// outT(mbuf, y, bias, epilogue operands…, ty0, rows): for each output channel, tile row and group of 4 tiles,
    /// Y = Aᵀ M A, + bias, the epilogue, stored in the output rows and columns inside the map (y and the operands at
    /// the batch's origin).
    /// </summary>
    private static FunctionBody OutputTransform(Plan p, ConvKernel k, int nEpi, bool relaxed)
    {
        var f = new FunctionBody([.. Enumerable.Repeat(ValType.I32, 3 + nEpi + 2)]);
        const int Mb = 0, Y = 1, Bias = 2;
        int ty0P = 3 + nEpi, rowsP = ty0P + 1;
        var t = p.T;
        int a = t.Alpha, m = t.M;
        int oc = f.Local(ValType.I32), r = f.Local(ValType.I32), ty = f.Local(ValType.I32), g = f.Local(ValType.I32);
        int mg = f.Local(ValType.I32), go = f.Local(ValType.I32), bv = f.Local(ValType.V128), v = f.Local(ValType.V128);
        int[] mv = Locals(f, a), o = Locals(f, m), y = Locals(f, m), tmp = Locals(f, 4);
        int[,] e = new int[a, m];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < m; j++)
            {
                e[i, j] = f.Local(ValType.V128);
            }
        }
        int fullGroups = p.OW / (m * Lanes), lastCols = p.OW - fullGroups * m * Lanes;
        int lastRows = p.OH - (p.Th - 1) * m;

        // one group of 4 tiles at mg (M) and go (byte offset of its first output in y and the operands)
        void Group(int rowsValid, int colsValid)
        {
            for (int rho = 0; rho < a; rho++)
            {
                for (int cc = 0; cc < a; cc++)
                {
                    f.LocalGet(mg).Mem(WasmOpcode.V128Load, (uint)checked((rho * a + cc) * p.M * p.Tb * 4)).LocalSet(mv[cc]);
                }
                // e[ρ][j] = Σ_c M[ρ][c]·Aᵀ[j][c]
                for (int j = 0; j < m; j++)
                {
                    Combine(f, Terms(a, cc => t.At[j, cc], cc => mv[cc]), relaxed);
                    f.LocalSet(e[rho, j]);
                }
            }
            for (int i = 0; i < rowsValid; i++)
            {
                // o[j] = Σ_ρ Aᵀ[i][ρ]·e[ρ][j], lane l = tile l; then y[q] = output columns 4q..4q+3 of the group
                for (int j = 0; j < m; j++)
                {
                    Combine(f, Terms(a, rho => t.At[i, rho], rho => e[rho, j]), relaxed);
                    f.LocalSet(o[j]);
                }
                if (m == 4)
                {
                    Transpose(f, o, y, tmp);
                }
                else
                {
                    f.LocalGet(o[0]).LocalGet(o[1]).Shuffle32(0, 4, 1, 5).LocalSet(y[0]);
                    f.LocalGet(o[0]).LocalGet(o[1]).Shuffle32(2, 6, 3, 7).LocalSet(y[1]);
                }
                for (int qv = 0; qv < m; qv++)
                {
                    int lanes = Math.Clamp(colsValid - qv * 4, 0, 4);
                    if (lanes == 0)
                    {
                        continue;
                    }
                    uint off = (uint)checked((i * p.OW + qv * 4) * 4);
                    f.LocalGet(Y).LocalGet(go).Op(WasmOpcode.I32Add);
                    f.LocalGet(y[qv]);
                    if (k.HasBias)
                    {
                        f.LocalGet(bv).Op(WasmOpcode.F32x4Add);
                    }
                    if (k.Epilogue is { } epi)
                    {
                        WasmExpr.Epilogue(f, epi, v, Bias + 1, go, off, lanes);
                    }
                    WasmMem.Store(f, off, lanes);
                }
            }
        }

        // one tile row: full groups in a loop, then the last (partial) group
        void Row(int rowsValid)
        {
            if (fullGroups > 0)
            {
                f.I32Const(fullGroups).LocalSet(g);
                f.Loop();
                Group(rowsValid, m * Lanes);
                f.LocalGet(mg).I32Const(Lanes * 4).Op(WasmOpcode.I32Add).LocalSet(mg);
                f.LocalGet(go).I32Const(m * Lanes * 4).Op(WasmOpcode.I32Add).LocalSet(go);
                f.LocalGet(g).I32Const(1).Op(WasmOpcode.I32Sub).LocalTee(g).BrIf(0);
                f.End();
            }
            if (lastCols > 0)
            {
                Group(rowsValid, lastCols);
            }
        }

        // this thread's output channels: the MR-row blocks its GEMMs computed (the same split, see Emit)
        WasmThreads.Each(f, oc, WasmThreads.GemmRows(f, p.M), () =>
        {
            if (k.HasBias)
            {
                f.LocalGet(Bias).LocalGet(oc).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).Mem(WasmOpcode.V128Load32Splat).LocalSet(bv);
            }
            f.I32Const(0).LocalSet(r);
            f.Loop();
            f.LocalGet(ty0P).LocalGet(r).Op(WasmOpcode.I32Add).LocalSet(ty);
            // mg = mbuf + (oc·Tb + r·Twp)·4; go = (oc·OH·OW + ty·m·OW)·4
            f.LocalGet(Mb).LocalGet(oc).I32Const(checked(p.Tb * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                .LocalGet(r).I32Const(p.Twp * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(mg);
            f.LocalGet(oc).I32Const(checked(p.OH * p.OW * 4)).Op(WasmOpcode.I32Mul)
                .LocalGet(ty).I32Const(checked(m * p.OW * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(go);
            if (lastRows < m)
            {
                f.LocalGet(ty).I32Const(p.Th - 1).Op(WasmOpcode.I32Eq);
                f.If();
                Row(lastRows);
                f.Else();
                Row(m);
                f.End();
            }
            else
            {
                Row(m);
            }
            Next(f, r, () => f.LocalGet(rowsP));
        });
        return f;
    }

    /// <summary>Ends a counted loop: v += 1, back to its start while v &lt; the limit <paramref name="limit"/> pushes.</summary>
    private static void Next(FunctionBody f, int v, Action limit)
    {
        f.LocalGet(v).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(v);
        limit();
        f.Op(WasmOpcode.I32LtS).BrIf(0).End();
    }

    private static int[] Locals(FunctionBody f, int n) => [.. Enumerable.Range(0, n).Select(_ => f.Local(ValType.V128))];

    /// <summary>The nonzero (coefficient, local) terms of Σ_i coef(i)·x(i), i &lt; n, with a +1 term first where there is one.</summary>
    private static List<(double Coef, int Local)> Terms(int n, Func<int, double> coef, Func<int, int> local)
    {
        var terms = Enumerable.Range(0, n).Where(i => coef(i) != 0).Select(i => (coef(i), local(i))).ToList();
        int one = terms.FindIndex(x => x.Item1 == 1);
        if (one > 0)
        {
            (terms[0], terms[one]) = (terms[one], terms[0]);
        }
        return terms;
    }

    /// <summary>Pushes Σ coef·local as a v128 (±1 as add/sub; other constants by mul+add, relaxed_madd in the relaxed variant).</summary>
    private static void Combine(FunctionBody f, List<(double Coef, int Local)> terms, bool relaxed)
    {
        void Upto(int n)
        {
            var (c, x) = terms[n];
            if (n == 0)
            {
                f.LocalGet(x);
                if (c == -1)
                {
                    f.Op(WasmOpcode.F32x4Neg);
                }
                else if (c != 1)
                {
                    f.F32x4Const((float)c).Op(WasmOpcode.F32x4Mul);
                }
                return;
            }
            if (c is 1 or -1)
            {
                Upto(n - 1);
                f.LocalGet(x).Op(c == 1 ? WasmOpcode.F32x4Add : WasmOpcode.F32x4Sub);
            }
            else if (relaxed)
            {
                f.LocalGet(x).F32x4Const((float)c);
                Upto(n - 1);
                f.Op(WasmOpcode.F32x4RelaxedMadd);
            }
            else
            {
                Upto(n - 1);
                f.LocalGet(x).F32x4Const((float)c).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Add);
            }
        }
        if (terms.Count == 0)
        {
            f.F32x4Const(0);
            return;
        }
        Upto(terms.Count - 1);
    }

    /// <summary>dst[l] = lane l of src[0..3] (a 4×4 transpose in 8 shuffles).</summary>
    private static void Transpose(FunctionBody f, ReadOnlySpan<int> src, ReadOnlySpan<int> dst, int[] tmp)
    {
        f.LocalGet(src[0]).LocalGet(src[1]).Shuffle32(0, 4, 1, 5).LocalSet(tmp[0]);
        f.LocalGet(src[0]).LocalGet(src[1]).Shuffle32(2, 6, 3, 7).LocalSet(tmp[1]);
        f.LocalGet(src[2]).LocalGet(src[3]).Shuffle32(0, 4, 1, 5).LocalSet(tmp[2]);
        f.LocalGet(src[2]).LocalGet(src[3]).Shuffle32(2, 6, 3, 7).LocalSet(tmp[3]);
        f.LocalGet(tmp[0]).LocalGet(tmp[2]).Shuffle32(0, 1, 4, 5).LocalSet(dst[0]);
        f.LocalGet(tmp[0]).LocalGet(tmp[2]).Shuffle32(2, 3, 6, 7).LocalSet(dst[1]);
        f.LocalGet(tmp[1]).LocalGet(tmp[3]).Shuffle32(0, 1, 4, 5).LocalSet(dst[2]);
        f.LocalGet(tmp[1]).LocalGet(tmp[3]).Shuffle32(2, 3, 6, 7).LocalSet(dst[3]);
    }
}
