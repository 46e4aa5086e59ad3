using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// gather_elements (f32, i32 or bool data, i32 indices): nested loops over the indices' shape with the data offset of
/// every axis but <c>Axis</c> advanced by its stride; each element loads its index (negative ones count from the end)
/// and copies one element. An index outside [−n, n) traps (<c>unreachable</c>), which the runtime reports as a failure of
/// this kernel and its node, as <see cref="GatherWasm"/> does. Threads share the first axis of the indices.
/// </summary>
internal static class GatherElementsWasm
{
    public static bool Supports(GatherElementsKernel k)
    {
        var data = k.Inputs[0];
        var idx = k.Inputs[1];
        if (data.DataType is not (DataType.Float32 or DataType.Int32 or DataType.Bool) || k.Output.DataType != data.DataType || idx.DataType != DataType.Int32
            || k.Axis < 0 || k.Axis >= data.Shape.Length || idx.Shape.Length != data.Shape.Length || !k.Output.Shape.SequenceEqual(idx.Shape)
            || data.ByteLength >= int.MaxValue / 2 || idx.ByteLength >= int.MaxValue / 2)
        {
            return false;
        }
        return idx.Shape.Select((d, a) => a == k.Axis || d <= data.Shape[a]).All(b => b) && (data.Shape[k.Axis] > 0 || idx.Length == 0);
    }

    public static void Emit(FunctionBody f, GatherElementsKernel k)
    {
        var ds = k.Inputs[0].Shape;
        var ishape = k.Inputs[1].Shape;
        if (k.Output.Length == 0)
        {
            return;
        }
        bool bytes = k.Output.DataType == DataType.Bool;
        int size = bytes ? 1 : 4;
        var strides = Tensor.Strides(ds);
        int n = ds[k.Axis], axisStride = strides[k.Axis] * size;
        const int data = 0, indices = 1, outP = 2;
        int pi = f.Local(ValType.I32), po = f.Local(ValType.I32), q = f.Local(ValType.I32), i0 = f.Local(ValType.I32), pd = f.Local(ValType.I32);
        // the indices' axes; the data pointer skips Axis (its offset comes from the index)
        var axes = ishape.Select((d, a) => (d, a == k.Axis ? 0 : strides[a] * size)).ToList();
        // threads: this thread's share of the first axis, with its pointers at its first element
        var range = WasmThreads.Range(f, ishape[0]);
        int inner = checked((int)Tensor.ElementCount(ishape.AsSpan(1)));
        f.LocalGet(indices).LocalGet(range.Start).I32Const(checked(inner * 4)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(pi);
        f.LocalGet(outP).LocalGet(range.Start).I32Const(checked(inner * size)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(po);
        f.LocalGet(data).LocalGet(range.Start).I32Const(axes[0].Item2).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(pd);
        WasmThreads.Loop(f, i0, range, ishape[0], 1, () =>
        {
            Elements();
            if (axes[0].Item2 != 0)
            {
                f.LocalGet(pd).I32Const(axes[0].Item2).Op(WasmOpcode.I32Add).LocalSet(pd);
            }
        });

        void Elements() => WasmLoops.Strided(f, axes.Skip(1).ToList(), pd, p =>
        {
            // q = indices[i], + n when negative; trap outside [0, n)
            f.LocalGet(pi).Mem(WasmOpcode.I32Load).LocalTee(q);
            f.I32Const(0).Op(WasmOpcode.I32LtS).If().LocalGet(q).I32Const(n).Op(WasmOpcode.I32Add).LocalSet(q).End();
            f.LocalGet(q).I32Const(n).Op(WasmOpcode.I32GeU).If().Op(WasmOpcode.Unreachable).End();
            f.LocalGet(po);
            f.LocalGet(p).LocalGet(q).I32Const(axisStride).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
            if (bytes)
            {
                f.Mem(WasmOpcode.I32Load8U).Mem(WasmOpcode.I32Store8);
            }
            else
            {
                f.Mem(WasmOpcode.I32Load).Mem(WasmOpcode.I32Store);
            }
            f.LocalGet(pi).I32Const(4).Op(WasmOpcode.I32Add).LocalSet(pi);
            f.LocalGet(po).I32Const(size).Op(WasmOpcode.I32Add).LocalSet(po);
        });
    }
}
