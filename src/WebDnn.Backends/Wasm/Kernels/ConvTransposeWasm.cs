using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// conv_transpose, f32, 2-d, NCHW, group 1, as one GEMM per kernel tap: the weight [C, M, kh, kw] is transposed once per
/// run into per-tap [M, C] panels (scratch), then per image and tap (a, b) the <see cref="GemmEmitter"/> computes
/// col[M, H·W] = W_ab[M, C] · X[C, H·W] and col is added into the output at (i·s − pad + a·d, j·s − pad + b·d); the
/// row and column ranges that land inside the output are constants of the tap. The output starts as the bias (or 0);
/// the epilogue runs per image in a last pass over it (operands of the output's shape). Threads share the output
/// channels in MR-row blocks: each transposes, multiplies, adds and finishes only its own rows (its own scratch), so no
/// thread reads another's results.
/// </summary>
internal static class ConvTransposeWasm
{
    public static bool Supports(ConvTransposeKernel k)
    {
        if (k.Group != 1 || k.Layout != ActivationLayout.Nchw || k.WeightLayout is not null
            || k.Inputs.Any(b => b.DataType != DataType.Float32) || k.Output.DataType != DataType.Float32)
        {
            return false;
        }
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        if (x.Length != 4 || w.Length != 4 || y.Length != 4 || w[0] != x[1] || w[1] != y[1] || x[0] != y[0] || k.Strides.Length != 2)
        {
            return false;
        }
        if (k.HasBias && k.Inputs[2].Length != y[1])
        {
            return false;
        }
        long scratch = ((long)w[0] * w[1] * w[2] * w[3] + (long)y[1] * x[2] * x[3]) * 4;
        return scratch < int.MaxValue / 2 && k.Output.ByteLength < int.MaxValue / 2
            && (k.Epilogue is not { } e || (WasmExpr.Supports(e) && k.Inputs.Skip(k.EpilogueFirstInput).All(b => b.Shape.AsSpan().SequenceEqual(y))));
    }

    /// <summary>Emits the kernel body; returns the scratch bytes (the tap panels, then one col).</summary>
    public static long Emit(WasmModuleContext ctx, FunctionBody f, ConvTransposeKernel k)
    {
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        int n = x[0], c = x[1], h = x[2], wd = x[3], m = y[1], oh = y[2], ow = y[3], kh = w[2], kw = w[3];
        int sh = k.Strides[0], sw = k.Strides[1], dh = k.Dilations[0], dw = k.Dilations[1], pt = k.Pads[0], pl = k.Pads[1];
        int taps = kh * kw, hw = h * wd, plane = oh * ow;
        int outP = k.Inputs.Length, scratch = outP + 1;
        long panelBytes = (long)taps * m * c * 4;
        int gemm = ctx.Add(GemmEmitter.Emit(new GemmSpec(m, hw, c, APacked: false, Lda: c, BPacked: false, Ldb: hw, Ldc: hw, BiasMode.None, null, 0, Split: GemmSplit.Rows), ctx.Relaxed));

        int i = f.Local(ValType.I32), j = f.Local(ValType.I32), t = f.Local(ValType.I32), img = f.Local(ValType.I32), mm = f.Local(ValType.I32);
        int col = f.Local(ValType.I32), yImg = f.Local(ValType.I32), src = f.Local(ValType.I32), dst = f.Local(ValType.I32), off = f.Local(ValType.I32);
        int v = f.Local(ValType.V128), eo = f.Local(ValType.I32);
        f.LocalGet(scratch).I32Const(checked((int)panelBytes)).Op(WasmOpcode.I32Add).LocalSet(col);
        // threads: this thread's output channels, the rows its GEMMs compute
        var own = WasmThreads.GemmRows(f, m);

        // panels: P[t][mm][i] = W[i][mm][t] (this thread's rows mm)
        WasmLoops.Counted(f, i, 0, c, 1, () => WasmThreads.Each(f, mm, own, () => WasmLoops.Counted(f, t, 0, taps, 1, () =>
        {
            f.LocalGet(scratch).LocalGet(t).I32Const(m * c).Op(WasmOpcode.I32Mul).LocalGet(mm).I32Const(c).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                .LocalGet(i).Op(WasmOpcode.I32Add).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
            f.LocalGet(1).LocalGet(i).I32Const(m * taps).Op(WasmOpcode.I32Mul).LocalGet(mm).I32Const(taps).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                .LocalGet(t).Op(WasmOpcode.I32Add).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).Mem(WasmOpcode.F32Load);
            f.Mem(WasmOpcode.F32Store);
        })));

        WasmLoops.Counted(f, img, 0, n, 1, () =>
        {
            f.LocalGet(img).I32Const(checked(m * plane * 4)).Op(WasmOpcode.I32Mul).LocalGet(outP).Op(WasmOpcode.I32Add).LocalSet(yImg);
            // the output planes start as the bias
            WasmThreads.Each(f, mm, own, () =>
            {
                if (k.HasBias)
                {
                    f.LocalGet(2).LocalGet(mm).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).Mem(WasmOpcode.V128Load32Splat).LocalSet(v);
                }
                else
                {
                    f.F32x4Const(0).LocalSet(v);
                }
                f.LocalGet(yImg).LocalGet(mm).I32Const(plane * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(dst);
                WasmLoops.Lanes(f, off, plane, lanes =>
                {
                    f.LocalGet(dst).LocalGet(off).Op(WasmOpcode.I32Add).LocalGet(v);
                    WasmMem.Store(f, 0, lanes);
                });
            });
            for (int a = 0; a < kh; a++)
            {
                // rows i with 0 ≤ i·sh − pt + a·dh < oh
                int i0 = Math.Max(0, CeilDiv(pt - a * dh, sh)), i1 = Math.Min(h, FloorDiv(oh - 1 + pt - a * dh, sh) + 1);
                for (int b = 0; b < kw; b++)
                {
                    int j0 = Math.Max(0, CeilDiv(pl - b * dw, sw)), j1 = Math.Min(wd, FloorDiv(ow - 1 + pl - b * dw, sw) + 1);
                    if (i0 >= i1 || j0 >= j1)
                    {
                        continue;
                    }
                    int tap = a * kw + b;
                    f.LocalGet(scratch).I32Const(checked(tap * m * c * 4)).Op(WasmOpcode.I32Add);
                    f.LocalGet(0).LocalGet(img).I32Const(checked(c * hw * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
                    f.LocalGet(col).I32Const(0).Call(gemm);
                    int rowOff = a * dh - pt, colOff = b * dw - pl, len = j1 - j0;
                    WasmThreads.Each(f, mm, own, () => WasmLoops.Counted(f, i, i0, i1, 1, () =>
                    {
                        // src = col + ((mm·h + i)·w + j0)·4; dst = y + ((mm·oh + i·sh + rowOff)·ow + j0·sw + colOff)·4
                        f.LocalGet(col).LocalGet(mm).I32Const(h).Op(WasmOpcode.I32Mul).LocalGet(i).Op(WasmOpcode.I32Add).I32Const(wd * 4).Op(WasmOpcode.I32Mul)
                            .Op(WasmOpcode.I32Add).I32Const(j0 * 4).Op(WasmOpcode.I32Add).LocalSet(src);
                        f.LocalGet(yImg).LocalGet(mm).I32Const(oh).Op(WasmOpcode.I32Mul).LocalGet(i).I32Const(sh).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                            .I32Const(rowOff).Op(WasmOpcode.I32Add).I32Const(ow * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                            .I32Const(checked((j0 * sw + colOff) * 4)).Op(WasmOpcode.I32Add).LocalSet(dst);
                        if (sw == 1)
                        {
                            WasmLoops.Lanes(f, off, len, lanes =>
                            {
                                f.LocalGet(dst).LocalGet(off).Op(WasmOpcode.I32Add);
                                f.LocalGet(dst).LocalGet(off).Op(WasmOpcode.I32Add);
                                WasmMem.Load(f, 0, lanes);
                                f.LocalGet(src).LocalGet(off).Op(WasmOpcode.I32Add);
                                WasmMem.Load(f, 0, lanes);
                                f.Op(WasmOpcode.F32x4Add);
                                WasmMem.Store(f, 0, lanes);
                            });
                        }
                        else
                        {
                            WasmLoops.Counted(f, j, 0, len, 1, () =>
                            {
                                f.LocalGet(dst).LocalGet(j).I32Const(sw * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalTee(off);
                                f.LocalGet(off).Mem(WasmOpcode.F32Load);
                                f.LocalGet(src).LocalGet(j).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).Mem(WasmOpcode.F32Load);
                                f.Op(WasmOpcode.F32Add).Mem(WasmOpcode.F32Store);
                            });
                        }
                    }));
                }
            }
            if (k.Epilogue is { } e)
            {
                // the epilogue over this thread's planes of the image (eo: their byte offset in the output and operands)
                WasmThreads.Each(f, mm, own, () =>
                {
                    f.LocalGet(img).I32Const(m).Op(WasmOpcode.I32Mul).LocalGet(mm).Op(WasmOpcode.I32Add).I32Const(plane * 4).Op(WasmOpcode.I32Mul).LocalSet(eo);
                    WasmLoops.Lanes(f, off, plane, lanes =>
                    {
                        f.LocalGet(outP).LocalGet(eo).Op(WasmOpcode.I32Add).LocalGet(off).Op(WasmOpcode.I32Add);
                        WasmExpr.Emit(f, e, q =>
                        {
                            f.LocalGet(q == 0 ? outP : k.EpilogueFirstInput + q - 1).LocalGet(eo).Op(WasmOpcode.I32Add).LocalGet(off).Op(WasmOpcode.I32Add);
                            WasmMem.Load(f, 0, lanes);
                        });
                        WasmMem.Store(f, 0, lanes);
                    });
                });
            }
        });
        return panelBytes + (long)m * hw * 4;
    }

    private static int FloorDiv(int a, int b) => (int)Math.Floor((double)a / b);

    private static int CeilDiv(int a, int b) => (int)Math.Ceiling((double)a / b);
}
