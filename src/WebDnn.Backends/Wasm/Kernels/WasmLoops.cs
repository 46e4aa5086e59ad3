using WebDnn.Backends.Wasm.Encoding;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>Loop skeletons with constant bounds and lane helpers shared by the row kernels (norm, softmax, pool, copy, reduce).</summary>
internal static class WasmLoops
{
    /// <summary>for (v = from; v &lt; to; v += step) body(); nothing when the range is empty.</summary>
    public static void Counted(FunctionBody f, int v, int from, int to, int step, Action body)
    {
        if (from >= to)
        {
            return;
        }
        f.I32Const(from).LocalSet(v);
        f.Loop();
        body();
        f.LocalGet(v).I32Const(step).Op(WasmOpcode.I32Add).LocalTee(v).I32Const(to).Op(WasmOpcode.I32LtS).BrIf(0);
        f.End();
    }

    /// <summary>
    /// Nested loops over <paramref name="axes"/> (outermost first), each with a pointer local that starts at its parent's
    /// (<paramref name="basePtr"/> for the outermost) and advances by the axis's stride in bytes; body(pointer) runs
    /// innermost. No axes: body(basePtr) once.
    /// </summary>
    public static void Strided(FunctionBody f, IReadOnlyList<(int Size, int Stride)> axes, int basePtr, Action<int> body)
    {
        void Level(int d, int parent)
        {
            if (d == axes.Count)
            {
                body(parent);
                return;
            }
            int p = f.Local(ValType.I32), i = f.Local(ValType.I32);
            f.LocalGet(parent).LocalSet(p);
            Counted(f, i, 0, axes[d].Size, 1, () =>
            {
                Level(d + 1, p);
                if (axes[d].Stride != 0)
                {
                    f.LocalGet(p).I32Const(axes[d].Stride).Op(WasmOpcode.I32Add).LocalSet(p);
                }
            });
        }
        Level(0, basePtr);
    }

    /// <summary>
    /// Walks n f32 elements four at a time: <paramref name="off"/> is the byte offset of the group, body(lanes) runs for
    /// each full group with lanes = 4 and once for the last n mod 4 elements with lanes = 1–3.
    /// </summary>
    public static void Lanes(FunctionBody f, int off, int n, Action<int> body)
    {
        int n4 = n / 4 * 4;
        Counted(f, off, 0, n4 * 4, 16, () => body(4));
        if (n > n4)
        {
            f.I32Const(n4 * 4).LocalSet(off);
            body(n - n4);
        }
    }

    /// <summary>Pushes a mask with the first <paramref name="lanes"/> lanes all ones.</summary>
    public static void Mask(FunctionBody f, int lanes) =>
        f.V128Const(lanes > 0 ? -1 : 0, lanes > 1 ? -1 : 0, lanes > 2 ? -1 : 0, lanes > 3 ? -1 : 0);

    /// <summary>v128 on the stack → the sum (or max) of its four lanes, splat to every lane.</summary>
    public static void Horizontal(FunctionBody f, WasmOpcode op)
    {
        int v = f.Local(ValType.V128);
        f.LocalTee(v).LocalGet(v).LocalGet(v).Shuffle32(2, 3, 0, 1).Op(op).LocalTee(v).LocalGet(v).LocalGet(v).Shuffle32(1, 0, 3, 2).Op(op);
    }
}
