using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// elementwise, f32: the expression tree on four lanes per step (<see cref="WasmExpr"/>), the last n mod 4 elements one
/// at a time in lane 0. Each input has the output's shape (read at the same index) or one element (splat once).
/// Other broadcasts, and i32/bool kernels, are not native yet. Threads share the groups of four.
/// </summary>
internal static class ElementwiseWasm
{
    public static bool Supports(ElementwiseKernel k) =>
        k.Output.DataType == DataType.Float32 && WasmExpr.Supports(k.Body)
        && k.Inputs.All(b => b.DataType == DataType.Float32 && (b.Length == 1 || b.Shape.AsSpan().SequenceEqual(k.Output.Shape)));

    public static void Emit(FunctionBody f, ElementwiseKernel k)
    {
        int nIn = k.Inputs.Length, outP = nIn;
        long n = k.Output.Length;
        var splat = new int[nIn];
        for (int i = 0; i < nIn; i++)
        {
            splat[i] = -1;
            if (k.Inputs[i].Length == 1)
            {
                splat[i] = f.Local(ValType.V128);
                f.LocalGet(i).Mem(WasmOpcode.V128Load32Splat).LocalSet(splat[i]);
            }
        }
        int off = f.Local(ValType.I32);
        long n4 = n / 4 * 4;
        void Body(int lanes, uint imm)
        {
            f.LocalGet(outP).LocalGet(off).Op(WasmOpcode.I32Add);
            WasmExpr.Emit(f, k.Body, i =>
            {
                if (splat[i] >= 0)
                {
                    f.LocalGet(splat[i]);
                    return;
                }
                f.LocalGet(i).LocalGet(off).Op(WasmOpcode.I32Add);
                WasmMem.Load(f, imm, lanes);
            });
            WasmMem.Store(f, imm, lanes);
        }
        // threads share the groups of four (the last, partial group is unit n4 / 4)
        int groups = checked((int)((n + 3) / 4)), full = checked((int)(n4 / 4));
        var range = WasmThreads.Range(f, groups);
        WasmThreads.Loop(f, off, range, full, 16, () => Body(4, 0));
        if (n > n4)
        {
            WasmThreads.Owns(f, range, full);
            f.If();
            f.I32Const(checked((int)(n4 * 4))).LocalSet(off);
            Body((int)(n - n4), 0);
            f.End();
        }
    }
}
