using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// pool, f32, 2-d, NCHW, max or average: per plane the input is copied into a scratch plane padded with the neutral value
/// (−∞ for max, 0 for average) wide and tall enough for every window (ceil_mode included), so the window loop has no
/// bounds checks; four output columns per step (stride 1: one load per tap, stride 2: two loads and a shuffle, other
/// strides: lane by lane). Average divides by the count of taps inside the input (or inside the padded extent with
/// count_include_pad): rows and columns count separately, the column counts computed on i32 lanes. Average with
/// dilation and Lp pooling stay on the js kernel. Threads share the planes.
/// </summary>
internal static class PoolWasm
{
    private const int Slack = 8;

    public static bool Supports(PoolKernel k)
    {
        var x = k.Inputs[0].Shape;
        var y = k.Output.Shape;
        if (k.Kind == PoolKind.Lp || k.Layout != ActivationLayout.Nchw || x.Length != 4 || y.Length != 4 || k.KernelShape.Length != 2
            || k.Inputs[0].DataType != DataType.Float32 || k.Output.DataType != DataType.Float32 || x[0] != y[0] || x[1] != y[1])
        {
            return false;
        }
        if (k.Kind == PoolKind.Average && k.Dilations.Any(d => d != 1))
        {
            return false;
        }
        var (hp, wp) = Padded(k);
        return (long)hp * wp * 4 < int.MaxValue / 2;
    }

    private static (int Hp, int Wp) Padded(PoolKernel k)
    {
        var x = k.Inputs[0].Shape;
        var y = k.Output.Shape;
        int ow4 = (y[3] + 3) / 4 * 4;
        int hp = Math.Max(k.Pads[0] + x[2] + k.Pads[2], (y[2] - 1) * k.Strides[0] + (k.KernelShape[0] - 1) * k.Dilations[0] + 1);
        int wp = Math.Max(k.Pads[1] + x[3] + k.Pads[3], (ow4 - 1) * k.Strides[1] + (k.KernelShape[1] - 1) * k.Dilations[1] + 1) + Slack;
        return (hp, wp);
    }

    /// <summary>Emits the kernel body; returns the scratch bytes (one padded plane).</summary>
    public static long Emit(FunctionBody f, PoolKernel k)
    {
        var x = k.Inputs[0].Shape;
        var y = k.Output.Shape;
        int h = x[2], w = x[3], oh = y[2], ow = y[3], kh = k.KernelShape[0], kw = k.KernelShape[1];
        int sh = k.Strides[0], sw = k.Strides[1], dh = k.Dilations[0], dw = k.Dilations[1], pt = k.Pads[0], pl = k.Pads[1];
        var (hp, wp) = Padded(k);
        int planeLen = (hp * wp + 3) / 4 * 4;
        bool max = k.Kind == PoolKind.Max;
        const int outP = 1, scratch = 2;
        int plane = f.Local(ValType.I32), xc = f.Local(ValType.I32), yc = f.Local(ValType.I32), r = f.Local(ValType.I32), row = f.Local(ValType.I32);
        int col = f.Local(ValType.I32), src = f.Local(ValType.I32), off = f.Local(ValType.I32), start = f.Local(ValType.I32);
        int acc = f.Local(ValType.V128), rowCount = f.Local(ValType.V128), gathered = f.Local(ValType.V128);
        float neutral = max ? float.NegativeInfinity : 0f;
        // counted extent: the input, or the padded extent with count_include_pad
        int hLo = k.CountIncludePad ? -pt : 0, hHi = k.CountIncludePad ? h + k.Pads[2] : h;
        int wLo = k.CountIncludePad ? -pl : 0, wHi = k.CountIncludePad ? w + k.Pads[3] : w;

        // threads share the planes, each padding into its own scratch plane
        var planes = WasmThreads.Range(f, checked(x[0] * x[1]));
        WasmThreads.Loop(f, plane, planes, checked(x[0] * x[1]), 1, () =>
        {
            f.LocalGet(0).LocalGet(plane).I32Const(checked(h * w * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(xc);
            f.LocalGet(outP).LocalGet(plane).I32Const(checked(oh * ow * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(yc);
            WasmLoops.Counted(f, off, 0, planeLen * 4, 16, () => f.LocalGet(scratch).LocalGet(off).Op(WasmOpcode.I32Add).F32x4Const(neutral).Mem(WasmOpcode.V128Store));
            WasmLoops.Counted(f, r, 0, h, 1, () =>
            {
                f.LocalGet(scratch).LocalGet(r).I32Const(pt).Op(WasmOpcode.I32Add).I32Const(wp * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).I32Const(pl * 4).Op(WasmOpcode.I32Add);
                f.LocalGet(xc).LocalGet(r).I32Const(w * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
                f.I32Const(w * 4).MemoryCopy();
            });
            WasmLoops.Counted(f, row, 0, oh, 1, () =>
            {
                if (!max)
                {
                    // taps of this row inside [hLo, hHi): min(hHi, start + kh) - max(hLo, start), start = row·sh - pt
                    f.LocalGet(row).I32Const(sh).Op(WasmOpcode.I32Mul).I32Const(pt).Op(WasmOpcode.I32Sub).LocalSet(start);
                    MinMaxCount(f, start, kh, hLo, hHi);
                    f.Op(WasmOpcode.F32ConvertI32S).Op(WasmOpcode.F32x4Splat).LocalSet(rowCount);
                }
                WasmLoops.Lanes(f, col, ow, lanes =>
                {
                    // col is a byte offset: output column = col / 4
                    f.LocalGet(scratch).LocalGet(row).I32Const(sh * wp * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                        .LocalGet(col).I32Const(sw).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(src);
                    f.F32x4Const(neutral).LocalSet(acc);
                    for (int a = 0; a < kh; a++)
                    {
                        for (int b = 0; b < kw; b++)
                        {
                            uint o = (uint)((a * dh * wp + b * dw) * 4);
                            f.LocalGet(acc);
                            Taps(f, src, o, sw, gathered);
                            f.Op(max ? WasmOpcode.F32x4Max : WasmOpcode.F32x4Add).LocalSet(acc);
                        }
                    }
                    f.LocalGet(yc).LocalGet(row).I32Const(ow * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalGet(col).Op(WasmOpcode.I32Add);
                    f.LocalGet(acc);
                    if (!max)
                    {
                        // column counts on i32 lanes: start = (col/4 + lane)·sw - pl
                        int s4 = f.Local(ValType.V128);
                        f.LocalGet(col).I32Const(2).Op(WasmOpcode.I32ShrU).Op(WasmOpcode.I32x4Splat).V128Const(0, 1, 2, 3).Op(WasmOpcode.I32x4Add)
                            .I32Const(sw).Op(WasmOpcode.I32x4Splat).Op(WasmOpcode.I32x4Mul).I32Const(pl).Op(WasmOpcode.I32x4Splat).Op(WasmOpcode.I32x4Sub).LocalSet(s4);
                        f.LocalGet(s4).I32Const(kw).Op(WasmOpcode.I32x4Splat).Op(WasmOpcode.I32x4Add).I32Const(wHi).Op(WasmOpcode.I32x4Splat).Op(WasmOpcode.I32x4MinS);
                        f.LocalGet(s4).I32Const(wLo).Op(WasmOpcode.I32x4Splat).Op(WasmOpcode.I32x4MaxS);
                        f.Op(WasmOpcode.I32x4Sub).Op(WasmOpcode.F32x4ConvertI32x4S).LocalGet(rowCount).Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Div);
                    }
                    WasmMem.Store(f, 0, lanes);
                });
            });
        });
        return (long)planeLen * 4;
    }

    /// <summary>Pushes min(hi, start + k) − max(lo, start) (an i32).</summary>
    private static void MinMaxCount(FunctionBody f, int start, int k, int lo, int hi)
    {
        f.LocalGet(start).I32Const(k).Op(WasmOpcode.I32Add).I32Const(hi).LocalGet(start).I32Const(k).Op(WasmOpcode.I32Add).I32Const(hi).Op(WasmOpcode.I32LtS).Op(WasmOpcode.Select);
        f.LocalGet(start).I32Const(lo).LocalGet(start).I32Const(lo).Op(WasmOpcode.I32GtS).Op(WasmOpcode.Select);
        f.Op(WasmOpcode.I32Sub);
    }

    /// <summary>Pushes the four window taps at src + o of four output columns sw apart.</summary>
    private static void Taps(FunctionBody f, int src, uint o, int sw, int tmp)
    {
        switch (sw)
        {
            case 1:
                f.LocalGet(src).Mem(WasmOpcode.V128Load, o);
                break;
            case 2:
                f.LocalGet(src).Mem(WasmOpcode.V128Load, o).LocalGet(src).Mem(WasmOpcode.V128Load, o + 16).Shuffle32(0, 2, 4, 6);
                break;
            default:
                f.LocalGet(src).Mem(WasmOpcode.V128Load32Zero, o).LocalSet(tmp);
                for (int l = 1; l < 4; l++)
                {
                    f.LocalGet(tmp).LocalGet(src).Mem(WasmOpcode.F32Load, checked((uint)(o + l * sw * 4))).Lane(WasmOpcode.F32x4ReplaceLane, l).LocalSet(tmp);
                }
                f.LocalGet(tmp);
                break;
        }
    }
}
