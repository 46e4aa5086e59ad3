using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// conv, f32, 2-d, group 1, NCHW, as GEMMs of the weight [M, C·kh·kw] (packed into MR-row panels at compile time) by
/// column tiles of the input: gemm-1x1 reads the input itself ([C, H·W], row stride H·W), or, for large K and M
/// (<see cref="PackMinK"/>), first copies the tile into the microkernel's NR-column panels in scratch; implicit-gemm first writes
/// the tile's im2col rows into scratch (whole output rows per tile, contiguous runs copied, padding as zeros), sized so
/// the tile stays in L2. Bias per output channel and the fused epilogue are applied in the GEMM's store. Threads share
/// the output channels (the GEMM's MR-row blocks); each writes the tile's im2col rows into its own scratch.
/// </summary>
internal static class ConvWasm
{
    /// <summary>Bytes of B one tile may take (about half of a 512 KiB L2).</summary>
    public const int TileBytes = 256 << 10;

    /// <summary>
    /// Fewest GEMM rows K (input channels) for which a 1×1 conv with at least <see cref="PackMinM"/> output channels first
    /// copies each column tile into the microkernel's NR-column panels. In place, every MR-row block walks the tile's
    /// panels down K rows H·W·4 bytes apart; from about 256 rows the lines a panel shares with the next one are gone from
    /// L1 when it comes, so each line is fetched twice, strided. Packed, each block streams one contiguous K·NR panel; the
    /// copy costs about one row block's pass, so it pays only over many of them. Measured (profile, same run):
    /// squeezenet's 512→1000 classifier and mobilenet_v2's 960→320/160, 576→160 and 320→1280 gain 1.4–2×; 64–96
    /// output channels (K 384–512) break even; 16–48 lose 15–30%.
    /// </summary>
    public const int PackMinK = 256;

    /// <summary>Fewest output channels (GEMM rows M) for which a 1×1 conv packs its tile (<see cref="PackMinK"/>).</summary>
    public const int PackMinM = 128;

    /// <summary>A 2-d convolution on 4-d f32 buffers (the shapes every wasm conv kernel is written for).</summary>
    internal static bool IsF32Conv2d(ConvKernel k) =>
        k.Inputs[0].Shape.Length == 4 && k.Inputs[1].Shape.Length == 4 && k.Output.Shape.Length == 4
        && k.Inputs.All(b => b.DataType == DataType.Float32) && k.Output.DataType == DataType.Float32;

    public static bool Supports(ConvKernel k)
    {
        if (k.Algorithm is not (KernelAlgorithms.Gemm1x1 or KernelAlgorithms.ImplicitGemm) || k.Group != 1 || k.Layout != ActivationLayout.Nchw)
        {
            return false;
        }
        if (!IsF32Conv2d(k))
        {
            return false;
        }
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        int m = y[1];
        bool packed = k.WeightLayout == WasmPackWeights.PanelsA;
        if (w[1] != x[1] || (packed ? w[0] != RoundUp(m, GemmEmitter.MR) : w[0] != m) || x[0] != y[0])
        {
            return false;
        }
        if (k.HasBias && k.Inputs[2].Length != m)
        {
            return false;
        }
        if (k.Epilogue is { } e && (!WasmExpr.Supports(e) || k.Inputs.Skip(k.EpilogueFirstInput).Any(b => !b.Shape.AsSpan().SequenceEqual(y))))
        {
            return false;
        }
        return true;
    }

    public static int RoundUp(int v, int m) => (v + m - 1) / m * m;

    private static bool IsUnit(ConvKernel k, int[] w) => w[2] == 1 && w[3] == 1 && k.Strides.All(s => s == 1) && k.Pads.All(p => p == 0);

    /// <summary>Emits the kernel body; returns the scratch bytes it needs.</summary>
    public static long Emit(WasmModuleContext ctx, FunctionBody f, ConvKernel k)
    {
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        int n = x[0], c = x[1], h = x[2], wd = x[3], m = y[1], oh = y[2], ow = y[3], kh = w[2], kw = w[3];
        int p = oh * ow, kk = c * kh * kw;
        bool unit = IsUnit(k, w);
        bool packB = unit && kk >= PackMinK && m >= PackMinM;
        bool packed = k.WeightLayout == WasmPackWeights.PanelsA;
        int nEpi = k.Epilogue is null ? 0 : k.Inputs.Length - k.EpilogueFirstInput;
        int outP = k.Inputs.Length, scratchP = outP + 1;

        // tile: unit → a multiple of NR columns; im2col → whole output rows
        int cols, rowsPerTile = 0;
        if (unit)
        {
            cols = Math.Max(GemmEmitter.NR, TileBytes / (kk * 4) / GemmEmitter.NR * GemmEmitter.NR);
            cols = Math.Min(cols, p);
        }
        else
        {
            rowsPerTile = Math.Clamp(TileBytes / (kk * ow * 4), 1, oh);
            cols = rowsPerTile * ow;
        }
        int fullTiles = p / cols, lastCols = p % cols;
        var spec = new GemmSpec(m, cols, kk, packed, kk, BPacked: packB, Ldb: unit ? p : cols, Ldc: p,
            k.HasBias ? BiasMode.PerRow : BiasMode.None, k.Epilogue, nEpi, Split: GemmSplit.Rows);
        int gemmFull = ctx.Add(GemmEmitter.Emit(spec, ctx.Relaxed));
        int gemmLast = lastCols > 0 ? ctx.Add(GemmEmitter.Emit(spec with { N = lastCols }, ctx.Relaxed)) : -1;
        int im2col = unit ? -1 : ctx.Add(Im2Col(k, x, w, y, cols));
        int packFull = packB ? ctx.Add(PackB(kk, p, cols)) : -1;
        int packLast = packB && lastCols > 0 ? ctx.Add(PackB(kk, p, lastCols)) : -1;

        int bn = f.Local(ValType.I32), t = f.Local(ValType.I32), xn = f.Local(ValType.I32), yOff = f.Local(ValType.I32);
        f.I32Const(0).LocalSet(bn);
        f.Loop();
        // xn = x + bn·C·H·W·4; yOff = bn·M·P·4 (output and epilogue operands)
        f.LocalGet(0).LocalGet(bn).I32Const(checked(c * h * wd * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(xn);
        f.LocalGet(bn).I32Const(checked(m * p * 4)).Op(WasmOpcode.I32Mul).LocalSet(yOff);

        void Tile(int gemm, Action colOffset)
        {
            if (!unit)
            {
                f.LocalGet(xn).LocalGet(scratchP).LocalGet(t).I32Const(rowsPerTile).Op(WasmOpcode.I32Mul);
                f.I32Const(gemm == gemmFull ? rowsPerTile : lastCols / ow);
                f.Call(im2col);
            }
            if (packB)
            {
                f.LocalGet(xn);
                colOffset();
                f.Op(WasmOpcode.I32Add).LocalGet(scratchP).Call(gemm == gemmFull ? packFull : packLast);
            }
            f.LocalGet(1);
            if (unit && !packB)
            {
                f.LocalGet(xn);
                colOffset();
                f.Op(WasmOpcode.I32Add);
            }
            else
            {
                f.LocalGet(scratchP);
            }
            f.LocalGet(outP).LocalGet(yOff).Op(WasmOpcode.I32Add);
            colOffset();
            f.Op(WasmOpcode.I32Add);
            BiasAndOperands(f, k, nEpi, () =>
            {
                f.LocalGet(yOff).Op(WasmOpcode.I32Add);
                colOffset();
                f.Op(WasmOpcode.I32Add);
            });
            f.Call(gemm);
        }
        // column byte offset of tile t: t·cols·4
        void ColOff() => f.LocalGet(t).I32Const(cols * 4).Op(WasmOpcode.I32Mul);
        if (fullTiles > 0)
        {
            f.I32Const(0).LocalSet(t);
            f.Loop();
            Tile(gemmFull, ColOff);
            f.LocalGet(t).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(t).I32Const(fullTiles).Op(WasmOpcode.I32LtS).BrIf(0);
            f.End();
        }
        if (lastCols > 0)
        {
            f.I32Const(fullTiles).LocalSet(t);
            Tile(gemmLast, ColOff);
        }
        f.LocalGet(bn).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(bn).I32Const(n).Op(WasmOpcode.I32LtS).BrIf(0);
        f.End();
        return packB ? (long)kk * RoundUp(cols, GemmEmitter.NR) * 4 : unit ? 0 : (long)kk * cols * 4;
    }

    /// <summary>
    /// packB(src, dst): copies the K×cols block at src (row stride <paramref name="ldb"/> floats) into the GEMM's packed B,
    /// panels [⌈cols/NR⌉][K][NR] at dst, the last panel's missing columns zero. Panel by panel, so the writes are sequential
    /// (row by row they would go to one line per panel, K·NR·4 bytes apart: the same L1 set when K is a power of two).
    /// </summary>
    private static FunctionBody PackB(int kk, int ldb, int cols)
    {
        const int NR = GemmEmitter.NR;
        var f = new FunctionBody([ValType.I32, ValType.I32]);
        const int Src = 0, Dst = 1;
        int row = f.Local(ValType.I32), s = f.Local(ValType.I32), q = f.Local(ValType.I32);
        int full = cols / NR, tail = cols % NR;
        void Panel(int lanes)
        {
            // for each of the K rows: NR floats (lanes of them from src, the rest zero) to dst, then dst += NR·4, s += ldb·4
            f.LocalGet(Src).LocalSet(s);
            f.I32Const(kk).LocalSet(row);
            f.Loop();
            for (int g = 0; g < NR / 4; g++)
            {
                int l = Math.Clamp(lanes - g * 4, 0, 4);
                f.LocalGet(Dst);
                if (l == 0)
                {
                    f.F32x4Const(0);
                }
                else
                {
                    f.LocalGet(s);
                    WasmMem.Load(f, (uint)(g * 16), l);
                }
                f.Mem(WasmOpcode.V128Store, (uint)(g * 16));
            }
            f.LocalGet(s).I32Const(checked(ldb * 4)).Op(WasmOpcode.I32Add).LocalSet(s);
            f.LocalGet(Dst).I32Const(NR * 4).Op(WasmOpcode.I32Add).LocalSet(Dst);
            f.LocalGet(row).I32Const(1).Op(WasmOpcode.I32Sub).LocalTee(row).BrIf(0);
            f.End();
            f.LocalGet(Src).I32Const(NR * 4).Op(WasmOpcode.I32Add).LocalSet(Src);
        }
        if (full > 0)
        {
            f.I32Const(full).LocalSet(q);
            f.Loop();
            Panel(NR);
            f.LocalGet(q).I32Const(1).Op(WasmOpcode.I32Sub).LocalTee(q).BrIf(0);
            f.End();
        }
        if (tail > 0)
        {
            Panel(tail);
        }
        return f;
    }

    /// <summary>
    /// Pushes the bias argument of a conv's helper (param 2, or 0 without bias) and the address of each epilogue operand,
    /// to which <paramref name="addOffset"/> adds the offset of the block.
    /// </summary>
    internal static void BiasAndOperands(FunctionBody f, ConvKernel k, int nEpi, Action addOffset)
    {
        if (k.HasBias)
        {
            f.LocalGet(2);
        }
        else
        {
            f.I32Const(0);
        }
        for (int e = 0; e < nEpi; e++)
        {
            f.LocalGet(k.EpilogueFirstInput + e);
            addOffset();
        }
    }

    /// <summary>
    /// im2col(x, dst, oh0, rows): for each (c, kh, kw) row of the GEMM's B and each output row r &lt; rows, writes the
    /// OW input values that output row reads (zeros where the window is in the padding) at dst + (k·cols + r·OW)·4.
    /// </summary>
    private static FunctionBody Im2Col(ConvKernel k, int[] x, int[] w, int[] y, int cols)
    {
        var f = new FunctionBody([ValType.I32, ValType.I32, ValType.I32, ValType.I32]);
        const int X = 0, Dst = 1, Oh0 = 2, Rows = 3;
        int c = x[1], h = x[2], wd = x[3], oh = y[2], ow = y[3], kh = w[2], kw = w[3];
        int sh = k.Strides[0], sw = k.Strides[1], dh = k.Dilations[0], dw = k.Dilations[1], ph = k.Pads[0], pw = k.Pads[1];
        _ = oh;
        int ch = f.Local(ValType.I32), r = f.Local(ValType.I32), ih = f.Local(ValType.I32), src = f.Local(ValType.I32), dst = f.Local(ValType.I32);
        int xc = f.Local(ValType.I32), dc = f.Local(ValType.I32), o = f.Local(ValType.I32);
        f.I32Const(0).LocalSet(ch);
        f.Loop();
        f.LocalGet(X).LocalGet(ch).I32Const(checked(h * wd * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(xc);
        f.LocalGet(Dst).LocalGet(ch).I32Const(checked(kh * kw * cols * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(dc);
        for (int a = 0; a < kh; a++)
        {
            for (int b = 0; b < kw; b++)
            {
                int rowOff = (a * kw + b) * cols * 4;
                // output columns whose input column is inside the image: iw = ow·sw + b·dw − pw ∈ [0, W)
                int lo = 0, hi = ow;
                while (lo < ow && lo * sw + b * dw - pw < 0)
                {
                    lo++;
                }
                while (hi > lo && (hi - 1) * sw + b * dw - pw >= wd)
                {
                    hi--;
                }
                f.I32Const(0).LocalSet(r);
                f.Block();
                f.LocalGet(Rows).Op(WasmOpcode.I32Eqz).BrIf(0);
                f.Loop();
                // dst = dc + rowOff + r·OW·4; ih = (oh0 + r)·sh + a·dh − ph
                f.LocalGet(dc).LocalGet(r).I32Const(ow * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).I32Const(rowOff).Op(WasmOpcode.I32Add).LocalSet(dst);
                f.LocalGet(Oh0).LocalGet(r).Op(WasmOpcode.I32Add).I32Const(sh).Op(WasmOpcode.I32Mul).I32Const(a * dh - ph).Op(WasmOpcode.I32Add).LocalSet(ih);
                f.LocalGet(ih).I32Const(h).Op(WasmOpcode.I32GeU);
                f.If();
                Fill(f, dst, 0, ow);
                f.Else();
                f.LocalGet(xc).LocalGet(ih).I32Const(wd * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(src);
                Fill(f, dst, 0, lo);
                Fill(f, dst, hi, ow - hi);
                if (hi > lo)
                {
                    int first = lo * sw + b * dw - pw;
                    if (sw == 1)
                    {
                        Copy(f, dst, lo * 4, src, first * 4, hi - lo, o);
                    }
                    else
                    {
                        // strided: one element per output column
                        f.I32Const(0).LocalSet(o);
                        f.Loop();
                        f.LocalGet(dst).LocalGet(o).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
                        f.LocalGet(src).LocalGet(o).I32Const(sw * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).Mem(WasmOpcode.F32Load, (uint)(first * 4));
                        f.Mem(WasmOpcode.F32Store, (uint)(lo * 4));
                        f.LocalGet(o).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(o).I32Const(hi - lo).Op(WasmOpcode.I32LtS).BrIf(0);
                        f.End();
                    }
                }
                f.End();
                f.LocalGet(r).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(r).LocalGet(Rows).Op(WasmOpcode.I32LtS).BrIf(0);
                f.End();
                f.End();
            }
        }
        f.LocalGet(ch).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(ch).I32Const(c).Op(WasmOpcode.I32LtS).BrIf(0);
        f.End();
        return f;
    }

    /// <summary>Zeros <paramref name="count"/> floats at dst + first·4.</summary>
    private static void Fill(FunctionBody f, int dst, int first, int count)
    {
        if (count <= 0)
        {
            return;
        }
        if (count > 16)
        {
            f.LocalGet(dst).I32Const(first * 4).Op(WasmOpcode.I32Add).I32Const(0).I32Const(count * 4).MemoryFill();
            return;
        }
        int i = 0;
        for (; i + 4 <= count; i += 4)
        {
            f.LocalGet(dst).F32x4Const(0).Mem(WasmOpcode.V128Store, (uint)((first + i) * 4));
        }
        for (; i < count; i++)
        {
            f.LocalGet(dst).F32Const(0).Mem(WasmOpcode.F32Store, (uint)((first + i) * 4));
        }
    }

    /// <summary>Copies <paramref name="count"/> floats from src + srcOff to dst + dstOff (byte offsets).</summary>
    private static void Copy(FunctionBody f, int dst, int dstOff, int src, int srcOff, int count, int tmp)
    {
        if (count > 32)
        {
            f.LocalGet(dst).I32Const(dstOff).Op(WasmOpcode.I32Add).LocalGet(src).I32Const(srcOff).Op(WasmOpcode.I32Add).I32Const(count * 4).MemoryCopy();
            return;
        }
        _ = tmp;
        int i = 0;
        for (; i + 4 <= count; i += 4)
        {
            f.LocalGet(dst).LocalGet(src).Mem(WasmOpcode.V128Load, (uint)(srcOff + i * 4)).Mem(WasmOpcode.V128Store, (uint)(dstOff + i * 4));
        }
        for (; i < count; i++)
        {
            f.LocalGet(dst).LocalGet(src).Mem(WasmOpcode.F32Load, (uint)(srcOff + i * 4)).Mem(WasmOpcode.F32Store, (uint)(dstOff + i * 4));
        }
    }
}
