using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// elementwise, f32, i32 and bool inputs and output: the expression tree on four lanes per step (<see cref="WasmExpr"/>),
/// the last n mod 4 elements in the first lanes of the same code. f32 and i32 elements are loaded and stored four bytes
/// each, bools one byte each (lane masks in between). Each input has the output's shape (read at the same index) or one
/// element (splat once); other broadcasts are not native yet. Threads share the groups of four.
/// </summary>
internal static class ElementwiseWasm
{
    public static bool Supports(ElementwiseKernel k) =>
        IsLane(k.Output.DataType) && k.Output.Length < int.MaxValue / 4 && k.Body.Type == k.Output.DataType && WasmExpr.SupportsTyped(k.Body) && InputsMatch(k.Body, k.Inputs)
        && k.Inputs.All(b => IsLane(b.DataType) && (b.Length == 1 || b.Shape.AsSpan().SequenceEqual(k.Output.Shape)));

    private static bool IsLane(DataType t) => t is DataType.Float32 or DataType.Int32 or DataType.Bool;

    /// <summary>Whether every input the body reads exists with the element type the body reads it as.</summary>
    private static bool InputsMatch(Expr e, KernelBuffer[] inputs) => e switch
    {
        InputExpr i => i.Index >= 0 && i.Index < inputs.Length && inputs[i.Index].DataType == i.InputType,
        UnaryExpr u => InputsMatch(u.A, inputs),
        BinaryExpr b => InputsMatch(b.A, inputs) && InputsMatch(b.B, inputs),
        SelectExpr s => InputsMatch(s.Cond, inputs) && InputsMatch(s.A, inputs) && InputsMatch(s.B, inputs),
        CastExpr c => InputsMatch(c.A, inputs),
        _ => true,
    };

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
                if (k.Inputs[i].DataType == DataType.Bool)
                {
                    f.LocalGet(i).Mem(WasmOpcode.V128Load8Splat).V128Const(0, 0, 0, 0).Op(WasmOpcode.I32x4Ne).LocalSet(splat[i]);
                }
                else
                {
                    f.LocalGet(i).Mem(WasmOpcode.V128Load32Splat).LocalSet(splat[i]);
                }
            }
        }
        // off: byte offset of the group in 4-byte elements; bools are at off / 4
        int off = f.Local(ValType.I32);
        void Address(int param, DataType t)
        {
            f.LocalGet(param).LocalGet(off);
            if (t == DataType.Bool)
            {
                f.I32Const(2).Op(WasmOpcode.I32ShrU);
            }
            f.Op(WasmOpcode.I32Add);
        }
        long n4 = n / 4 * 4;
        void Body(int lanes)
        {
            Address(outP, k.Output.DataType);
            WasmExpr.Emit(f, k.Body, i =>
            {
                if (splat[i] >= 0)
                {
                    f.LocalGet(splat[i]);
                    return;
                }
                Address(i, k.Inputs[i].DataType);
                if (k.Inputs[i].DataType == DataType.Bool)
                {
                    WasmMem.LoadBool(f, lanes);
                }
                else
                {
                    WasmMem.Load(f, 0, lanes);
                }
            });
            if (k.Output.DataType == DataType.Bool)
            {
                WasmMem.StoreBool(f, lanes);
            }
            else
            {
                WasmMem.Store(f, 0, lanes);
            }
        }
        // threads share the groups of four (the last, partial group is unit n4 / 4)
        int groups = checked((int)((n + 3) / 4)), full = checked((int)(n4 / 4));
        var range = WasmThreads.Range(f, groups);
        WasmThreads.Loop(f, off, range, full, 16, () => Body(4));
        if (n > n4)
        {
            WasmThreads.Owns(f, range, full);
            f.If();
            f.I32Const(checked((int)(n4 * 4))).LocalSet(off);
            Body((int)(n - n4));
            f.End();
        }
    }
}
