using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// softmax, f32, over the middle axis of [Outer, N, Inner]: the max, Σ exp(x − max) with the exponentials stored, then
/// a multiply by 1/Σ. Inner = 1 (the last axis): four lanes along N, the tail masked (−∞ for the max, 0 for the sum),
/// lanes combined at the end; Inner &gt; 1: four lanes along Inner, each lane its own softmax. LogSoftmax sums the
/// exponentials without storing them and writes (x − max) − log Σ (<see cref="WasmExpr.Log"/>). Threads share the
/// Outer slices.
/// </summary>
internal static class SoftmaxWasm
{
    public static bool Supports(SoftmaxKernel k) =>
        k.Inputs[0].DataType == DataType.Float32 && k.Output.DataType == DataType.Float32 && k.N >= 1
        && k.Inputs[0].Length == (long)k.Outer * k.N * k.Inner;

    public static void Emit(FunctionBody f, SoftmaxKernel k)
    {
        if (k.Inner == 1)
        {
            Rows(f, k);
        }
        else
        {
            Columns(f, k);
        }
    }

    private static void Rows(FunctionBody f, SoftmaxKernel k)
    {
        int n = k.N, outP = 1;
        int row = f.Local(ValType.I32), px = f.Local(ValType.I32), po = f.Local(ValType.I32), off = f.Local(ValType.I32);
        int acc = f.Local(ValType.V128), max = f.Local(ValType.V128), e = f.Local(ValType.V128);
        WasmThreads.Loop(f, row, WasmThreads.Range(f, k.Outer), k.Outer, 1, () =>
        {
            f.LocalGet(row).I32Const(checked(n * 4)).Op(WasmOpcode.I32Mul).LocalTee(px).LocalGet(outP).Op(WasmOpcode.I32Add).LocalSet(po);
            f.LocalGet(px).LocalGet(0).Op(WasmOpcode.I32Add).LocalSet(px);
            f.F32x4Const(float.NegativeInfinity).LocalSet(acc);
            WasmLoops.Lanes(f, off, n, lanes =>
            {
                f.LocalGet(acc).LocalGet(px).LocalGet(off).Op(WasmOpcode.I32Add);
                WasmMem.Load(f, 0, lanes);
                if (lanes < 4)
                {
                    f.F32x4Const(float.NegativeInfinity);
                    WasmLoops.Mask(f, lanes);
                    f.Op(WasmOpcode.V128Bitselect);
                }
                f.Op(WasmOpcode.F32x4Max).LocalSet(acc);
            });
            f.LocalGet(acc);
            WasmLoops.Horizontal(f, WasmOpcode.F32x4Max);
            f.LocalSet(max);
            f.F32x4Const(0).LocalSet(acc);
            WasmLoops.Lanes(f, off, n, lanes =>
            {
                if (!k.Log)
                {
                    f.LocalGet(po).LocalGet(off).Op(WasmOpcode.I32Add);
                }
                f.LocalGet(px).LocalGet(off).Op(WasmOpcode.I32Add);
                WasmMem.Load(f, 0, lanes);
                f.LocalGet(max).Op(WasmOpcode.F32x4Sub);
                WasmExpr.Exp(f);
                f.LocalSet(e);
                if (!k.Log)
                {
                    f.LocalGet(e);
                    WasmMem.Store(f, 0, lanes);
                }
                f.LocalGet(acc).LocalGet(e);
                if (lanes < 4)
                {
                    WasmLoops.Mask(f, lanes);
                    f.Op(WasmOpcode.V128And);
                }
                f.Op(WasmOpcode.F32x4Add).LocalSet(acc);
            });
            if (k.Log)
            {
                f.LocalGet(acc);
                WasmLoops.Horizontal(f, WasmOpcode.F32x4Add);
                WasmExpr.Log(f);
                f.LocalSet(acc);
                WasmLoops.Lanes(f, off, n, lanes =>
                {
                    f.LocalGet(po).LocalGet(off).Op(WasmOpcode.I32Add);
                    f.LocalGet(px).LocalGet(off).Op(WasmOpcode.I32Add);
                    WasmMem.Load(f, 0, lanes);
                    f.LocalGet(max).Op(WasmOpcode.F32x4Sub).LocalGet(acc).Op(WasmOpcode.F32x4Sub);
                    WasmMem.Store(f, 0, lanes);
                });
                return;
            }
            f.F32x4Const(1).LocalGet(acc);
            WasmLoops.Horizontal(f, WasmOpcode.F32x4Add);
            f.Op(WasmOpcode.F32x4Div).LocalSet(acc);
            WasmLoops.Lanes(f, off, n, lanes =>
            {
                f.LocalGet(po).LocalGet(off).Op(WasmOpcode.I32Add);
                f.LocalGet(po).LocalGet(off).Op(WasmOpcode.I32Add);
                WasmMem.Load(f, 0, lanes);
                f.LocalGet(acc).Op(WasmOpcode.F32x4Mul);
                WasmMem.Store(f, 0, lanes);
            });
        });
    }

    private static void Columns(FunctionBody f, SoftmaxKernel k)
    {
        int n = k.N, inner = k.Inner, outP = 1, stride = checked(inner * 4);
        int outer = f.Local(ValType.I32), j = f.Local(ValType.I32), off = f.Local(ValType.I32), px = f.Local(ValType.I32), po = f.Local(ValType.I32);
        int acc = f.Local(ValType.V128), max = f.Local(ValType.V128), e = f.Local(ValType.V128);
        WasmThreads.Loop(f, outer, WasmThreads.Range(f, k.Outer), k.Outer, 1, () =>
        {
            WasmLoops.Lanes(f, off, inner, lanes =>
            {
                // px, po: the group's first element in this slice of N·Inner
                f.LocalGet(outer).I32Const(checked(n * inner * 4)).Op(WasmOpcode.I32Mul).LocalGet(off).Op(WasmOpcode.I32Add).LocalTee(px)
                    .LocalGet(outP).Op(WasmOpcode.I32Add).LocalSet(po);
                f.LocalGet(px).LocalGet(0).Op(WasmOpcode.I32Add).LocalSet(px);
                void At(int ptr)
                {
                    f.LocalGet(ptr).LocalGet(j).I32Const(stride).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
                }
                f.F32x4Const(float.NegativeInfinity).LocalSet(max);
                WasmLoops.Counted(f, j, 0, n, 1, () =>
                {
                    f.LocalGet(max);
                    At(px);
                    WasmMem.Load(f, 0, lanes);
                    f.Op(WasmOpcode.F32x4Max).LocalSet(max);
                });
                f.F32x4Const(0).LocalSet(acc);
                WasmLoops.Counted(f, j, 0, n, 1, () =>
                {
                    if (!k.Log)
                    {
                        At(po);
                    }
                    At(px);
                    WasmMem.Load(f, 0, lanes);
                    f.LocalGet(max).Op(WasmOpcode.F32x4Sub);
                    WasmExpr.Exp(f);
                    f.LocalSet(e);
                    if (!k.Log)
                    {
                        f.LocalGet(e);
                        WasmMem.Store(f, 0, lanes);
                    }
                    f.LocalGet(acc).LocalGet(e).Op(WasmOpcode.F32x4Add).LocalSet(acc);
                });
                if (k.Log)
                {
                    f.LocalGet(acc);
                    WasmExpr.Log(f);
                    f.LocalSet(acc);
                    WasmLoops.Counted(f, j, 0, n, 1, () =>
                    {
                        At(po);
                        At(px);
                        WasmMem.Load(f, 0, lanes);
                        f.LocalGet(max).Op(WasmOpcode.F32x4Sub).LocalGet(acc).Op(WasmOpcode.F32x4Sub);
                        WasmMem.Store(f, 0, lanes);
                    });
                    return;
                }
                f.F32x4Const(1).LocalGet(acc).Op(WasmOpcode.F32x4Div).LocalSet(acc);
                WasmLoops.Counted(f, j, 0, n, 1, () =>
                {
                    At(po);
                    At(po);
                    WasmMem.Load(f, 0, lanes);
                    f.LocalGet(acc).Op(WasmOpcode.F32x4Mul);
                    WasmMem.Store(f, 0, lanes);
                });
            });
        });
    }
}
