using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// gather of f32, i32 or bool elements with i32 indices: data viewed as [outer, n, inner]; each index (negative ones
/// count from the end) copies one inner block (<c>memory.copy</c>, or one load and store when inner is 1). An index
/// outside [−n, n) traps (<c>unreachable</c>), which the runtime reports as a failure of this kernel and its node; the
/// js kernel's message also names the index.
/// </summary>
internal static class GatherWasm
{
    public static bool Supports(GatherKernel k)
    {
        var data = k.Inputs[0];
        if (data.DataType is not (DataType.Float32 or DataType.Int32 or DataType.Bool) || k.Output.DataType != data.DataType || k.Inputs[1].DataType != DataType.Int32
            || k.Axis < 0 || k.Axis >= data.Shape.Length)
        {
            return false;
        }
        var (outer, n, inner) = View(k);
        return outer * k.Inputs[1].Length * inner == k.Output.Length && k.Output.ByteLength < int.MaxValue / 2 && data.ByteLength < int.MaxValue / 2 && n > 0;
    }

    private static (long Outer, int N, long Inner) View(GatherKernel k)
    {
        var ds = k.Inputs[0].Shape;
        return (Tensor.ElementCount(ds.AsSpan(0, k.Axis)), ds[k.Axis], Tensor.ElementCount(ds.AsSpan(k.Axis + 1)));
    }

    public static void Emit(FunctionBody f, GatherKernel k)
    {
        var (outer, n, inner) = View(k);
        int count = checked((int)k.Inputs[1].Length);
        if (outer * count * inner == 0)
        {
            return;
        }
        const int data = 0, indices = 1, outP = 2;
        int o = f.Local(ValType.I32), q = f.Local(ValType.I32), i = f.Local(ValType.I32), dst = f.Local(ValType.I32);
        int size = k.Output.DataType == DataType.Bool ? 1 : 4;
        int block = checked((int)(inner * size));
        f.LocalGet(outP).LocalSet(dst);
        WasmLoops.Counted(f, o, 0, checked((int)outer), 1, () => WasmLoops.Counted(f, q, 0, count, 1, () =>
        {
            // i = indices[q], + n when negative; trap outside [0, n)
            f.LocalGet(indices).LocalGet(q).I32Const(4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).Mem(WasmOpcode.I32Load).LocalTee(i);
            f.I32Const(0).Op(WasmOpcode.I32LtS).If().LocalGet(i).I32Const(n).Op(WasmOpcode.I32Add).LocalSet(i).End();
            f.LocalGet(i).I32Const(n).Op(WasmOpcode.I32GeU).If().Op(WasmOpcode.Unreachable).End();
            // src = data + ((o·n + i)·inner)·4
            f.LocalGet(dst);
            f.LocalGet(data).LocalGet(o).I32Const(n).Op(WasmOpcode.I32Mul).LocalGet(i).Op(WasmOpcode.I32Add).I32Const(block).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
            if (inner == 1 && size == 1)
            {
                f.Mem(WasmOpcode.I32Load8U).Mem(WasmOpcode.I32Store8);
            }
            else if (inner == 1)
            {
                f.Mem(WasmOpcode.I32Load).Mem(WasmOpcode.I32Store);
            }
            else
            {
                f.I32Const(block).MemoryCopy();
            }
            f.LocalGet(dst).I32Const(block).Op(WasmOpcode.I32Add).LocalSet(dst);
        }));
    }
}
