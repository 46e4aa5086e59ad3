using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// Depthwise conv (group = C = M, one filter per channel), f32, 2-d, NCHW, stride 1 or 2: per channel the plane is
/// copied into a zero-padded scratch plane (no bounds checks in the inner loop), then four output columns at a time
/// accumulate the kh·kw taps (filter taps held in splat locals; stride 2 gathers even lanes with one shuffle).
/// Bias and the fused epilogue are applied before the store; the last columns of a row are stored lane by lane.
/// Threads share the planes, each padding into its own scratch plane.
/// </summary>
internal static class DepthwiseWasm
{
    private const int Slack = 8;

    /// <summary>Largest padded plane zeroed by an inline loop of v128 stores instead of <c>memory.fill</c>.</summary>
    private const int InlineFillBytes = 4096;

    /// <summary>Widest input row copied by inline v128 loads and stores instead of <c>memory.copy</c>.</summary>
    private const int InlineRowFloats = 32;

    public static bool Supports(ConvKernel k)
    {
        if (k.Algorithm != KernelAlgorithms.Depthwise || k.Layout != ActivationLayout.Nchw)
        {
            return false;
        }
        if (!ConvWasm.IsF32Conv2d(k))
        {
            return false;
        }
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        if (w[1] != 1 || w[0] != x[1] || y[1] != x[1] || k.Group != x[1] || !k.Strides.All(s => s is 1 or 2) || k.Strides[0] != k.Strides[1])
        {
            return false;
        }
        if (k.HasBias && k.Inputs[2].Length != y[1])
        {
            return false;
        }
        return k.Epilogue is not { } e || (WasmExpr.Supports(e) && k.Inputs.Skip(k.EpilogueFirstInput).All(b => b.Shape.AsSpan().SequenceEqual(y)));
    }

    /// <summary>Emits the kernel body; returns the scratch bytes (one padded plane).</summary>
    public static long Emit(FunctionBody f, ConvKernel k)
    {
        var x = k.Inputs[0].Shape;
        var w = k.Inputs[1].Shape;
        var y = k.Output.Shape;
        int n = x[0], c = x[1], h = x[2], wd = x[3], oh = y[2], ow = y[3], kh = w[2], kw = w[3];
        int s = k.Strides[0], dh = k.Dilations[0], dw = k.Dilations[1], pt = k.Pads[0], pl = k.Pads[1], pb = k.Pads[2], pr = k.Pads[3];
        int hp = pt + h + pb, wp = pl + wd + pr;
        long planeBytes = ((long)hp * wp + Slack + 3) / 4 * 16;
        int nEpi = k.Epilogue is null ? 0 : k.Inputs.Length - k.EpilogueFirstInput;
        int outP = k.Inputs.Length, scratch = outP + 1;

        int plane = f.Local(ValType.I32), xc = f.Local(ValType.I32), wc = f.Local(ValType.I32), yc = f.Local(ValType.I32);
        int r = f.Local(ValType.I32), row = f.Local(ValType.I32), col = f.Local(ValType.I32), src = f.Local(ValType.I32), cOff = f.Local(ValType.I32);
        int acc = f.Local(ValType.V128), bias = f.Local(ValType.V128);
        int taps = kh * kw;
        var tap = Enumerable.Range(0, taps).Select(_ => f.Local(ValType.V128)).ToArray();

        // one loop over this thread's N·C planes: xc, yc advance by a plane, wc by a filter, the channel is plane mod C
        var planes = WasmThreads.Range(f, checked(n * c));
        WasmThreads.Loop(f, plane, planes, checked(n * c), 1, () =>
        {
            f.LocalGet(0).LocalGet(plane).I32Const(checked(h * wd * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(xc);
            f.LocalGet(plane).I32Const(checked(oh * ow * 4)).Op(WasmOpcode.I32Mul).LocalSet(yc);
            f.LocalGet(1).LocalGet(plane).I32Const(c).Op(WasmOpcode.I32RemU).I32Const(taps * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(wc);
            for (int t = 0; t < taps; t++)
            {
                f.LocalGet(wc).Mem(WasmOpcode.V128Load32Splat, (uint)(t * 4)).LocalSet(tap[t]);
            }
            if (k.HasBias)
            {
                f.LocalGet(2).LocalGet(plane).I32Const(c).Op(WasmOpcode.I32RemU).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                    .Mem(WasmOpcode.V128Load32Splat).LocalSet(bias);
            }
            else
            {
                f.F32x4Const(0).LocalSet(bias);
            }
            // padded copy of the plane; small planes and rows inline (a memory.fill or memory.copy is a call: on 7×7 and
            // 14×14 maps, one per row cost more than the taps)
            if (pt + pb + pl + pr > 0)
            {
                if (planeBytes <= InlineFillBytes)
                {
                    f.LocalGet(scratch).LocalSet(src);
                    f.I32Const(checked((int)(planeBytes / 16))).LocalSet(r);
                    f.Loop();
                    f.LocalGet(src).F32x4Const(0).Mem(WasmOpcode.V128Store);
                    f.LocalGet(src).I32Const(16).Op(WasmOpcode.I32Add).LocalSet(src);
                    f.LocalGet(r).I32Const(1).Op(WasmOpcode.I32Sub).LocalTee(r).BrIf(0);
                    f.End();
                }
                else
                {
                    f.LocalGet(scratch).I32Const(0).I32Const(checked((int)planeBytes)).MemoryFill();
                }
            }
            // src walks the input rows, cOff the scratch rows
            f.LocalGet(xc).LocalSet(src);
            f.LocalGet(scratch).I32Const((pt * wp + pl) * 4).Op(WasmOpcode.I32Add).LocalSet(cOff);
            f.I32Const(h).LocalSet(r);
            f.Loop();
            if (wd <= InlineRowFloats)
            {
                for (int i = 0; i < wd; i += 4)
                {
                    int lanes = Math.Min(4, wd - i);
                    f.LocalGet(cOff).LocalGet(src);
                    WasmMem.Load(f, (uint)(i * 4), lanes);
                    WasmMem.Store(f, (uint)(i * 4), lanes);
                }
            }
            else
            {
                f.LocalGet(cOff).LocalGet(src).I32Const(wd * 4).MemoryCopy();
            }
            f.LocalGet(src).I32Const(wd * 4).Op(WasmOpcode.I32Add).LocalSet(src);
            f.LocalGet(cOff).I32Const(wp * 4).Op(WasmOpcode.I32Add).LocalSet(cOff);
            f.LocalGet(r).I32Const(1).Op(WasmOpcode.I32Sub).LocalTee(r).BrIf(0);
            f.End();

            void Group(int lanes)
            {
                // src = scratch + (row·s·wp + col·s)·4; cOff = yc + (row·ow + col)·4
                f.LocalGet(scratch).LocalGet(row).I32Const(s * wp * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                    .LocalGet(col).I32Const(s * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(src);
                f.LocalGet(yc).LocalGet(row).I32Const(ow * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                    .LocalGet(col).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(cOff);
                f.LocalGet(bias).LocalSet(acc);
                for (int a = 0; a < kh; a++)
                {
                    for (int b = 0; b < kw; b++)
                    {
                        uint off = (uint)(((a * dh) * wp + b * dw) * 4);
                        f.LocalGet(acc).LocalGet(tap[a * kw + b]);
                        if (s == 1)
                        {
                            f.LocalGet(src).Mem(WasmOpcode.V128Load, off);
                        }
                        else
                        {
                            f.LocalGet(src).Mem(WasmOpcode.V128Load, off).LocalGet(src).Mem(WasmOpcode.V128Load, off + 16).Shuffle32(0, 2, 4, 6);
                        }
                        f.Op(WasmOpcode.F32x4Mul).Op(WasmOpcode.F32x4Add).LocalSet(acc);
                    }
                }
                f.LocalGet(outP).LocalGet(cOff).Op(WasmOpcode.I32Add);
                if (k.Epilogue is { } e)
                {
                    WasmExpr.Emit(f, e, i =>
                    {
                        if (i == 0)
                        {
                            f.LocalGet(acc);
                            return;
                        }
                        f.LocalGet(k.EpilogueFirstInput + i - 1).LocalGet(cOff).Op(WasmOpcode.I32Add);
                        WasmMem.Load(f, 0, lanes);
                    });
                }
                else
                {
                    f.LocalGet(acc);
                }
                WasmMem.Store(f, 0, lanes);
            }

            int full = ow / 4 * 4;
            f.I32Const(0).LocalSet(row);
            f.Loop();
            if (full > 0)
            {
                f.I32Const(0).LocalSet(col);
                f.Loop();
                Group(4);
                f.LocalGet(col).I32Const(4).Op(WasmOpcode.I32Add).LocalTee(col).I32Const(full).Op(WasmOpcode.I32LtS).BrIf(0);
                f.End();
            }
            if (ow > full)
            {
                f.I32Const(full).LocalSet(col);
                Group(ow - full);
            }
            f.LocalGet(row).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(row).I32Const(oh).Op(WasmOpcode.I32LtS).BrIf(0);
            f.End();
        });
        _ = nEpi;
        return planeBytes;
    }
}
