using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// resize, f32 (i32 too when every axis is a one-tap gather): the kernel's tap tables become one passive data segment
/// — per axis the taps' input offsets in bytes (i32, −1 where the coordinate lies outside) and their weights (f32) —
/// which the kernel copies into its scratch with <c>memory.init</c> on every run. The leading axes that are not
/// resized merge into planes. Per output row (every axis but the last fixed) the taps of the outer axes are combined
/// once into offsets and weight products; each output element then sums, per combination, its last-axis taps
/// (unrolled: nearest is one load, linear two, cubic four). A row or element marked outside writes the extrapolation
/// value. Sums are in f32 (the reference's in double). Threads share the planes (each copies the tables into its own
/// scratch).
/// </summary>
internal static class ResizeWasm
{
    /// <summary>Most tap combinations unrolled per output element (antialiased downscales beyond it stay on the js kernel).</summary>
    private const int MaxUnrolled = 256;

    public static bool Supports(ResizeKernel k)
    {
        var x = k.Inputs[0];
        var y = k.Output;
        if (x.DataType != y.DataType || x.DataType is not (DataType.Float32 or DataType.Int32) || k.Axes.Length != x.Shape.Length
            || y.Shape.Length != x.Shape.Length || x.ByteLength >= int.MaxValue / 2 || y.ByteLength >= int.MaxValue / 2)
        {
            return false;
        }
        for (int a = 0; a < k.Axes.Length; a++)
        {
            var ax = k.Axes[a];
            if (ax.Taps < 1 || ax.Index.Length != ax.Weight.Length || ax.Index.Length != (long)y.Shape[a] * ax.Taps)
            {
                return false;
            }
            for (int o = 0; o < ax.OutLength; o++)
            {
                // every tap inside the input, or every tap of the coordinate outside
                bool outside = ax.Index[o * ax.Taps] == ResizeAxis.Outside;
                for (int t = 0; t < ax.Taps; t++)
                {
                    int i = ax.Index[o * ax.Taps + t];
                    if (outside ? i != ResizeAxis.Outside : i < 0 || i >= x.Shape[a])
                    {
                        return false;
                    }
                }
            }
        }
        if (x.DataType == DataType.Int32 && !k.Axes.All(ax => ax.Taps == 1 && ax.Weight.All(w => w == 1)))
        {
            return false;
        }
        var (_, axes) = Plan(k);
        long combos = axes.Take(Math.Max(0, axes.Count - 1)).Aggregate(1L, (c, a) => c * a.Taps);
        return axes.Count == 0 || combos * axes[^1].Taps <= MaxUnrolled;
    }

    /// <summary>The number of leading identity axes merged into planes, and the resized axes after them.</summary>
    private static (int Lead, List<ResizeAxis> Axes) Plan(ResizeKernel k)
    {
        var xs = k.Inputs[0].Shape;
        int lead = 0;
        while (lead < xs.Length && k.Axes[lead].IsIdentity(xs[lead]))
        {
            lead++;
        }
        return (lead, k.Axes.Skip(lead).ToList());
    }

    /// <summary>Emits the kernel; returns its scratch bytes (the tables).</summary>
    public static long Emit(WasmModuleContext ctx, FunctionBody f, ResizeKernel k)
    {
        var xs = k.Inputs[0].Shape;
        var ys = k.Output.Shape;
        if (k.Output.Length == 0)
        {
            return 0;
        }
        var (lead, axes) = Plan(k);
        const int inP = 0, outP = 1, scratch = 2;
        if (axes.Count == 0)
        {
            WasmThreads.OnlyThreadZero(f);
            f.LocalGet(outP).LocalGet(inP).I32Const(checked((int)k.Output.ByteLength)).MemoryCopy();
            return 0;
        }
        var inStrides = Tensor.Strides(xs);
        int planes = checked((int)Tensor.ElementCount(xs.AsSpan(0, lead)));
        int planeIn = checked((int)Tensor.ElementCount(xs.AsSpan(lead)) * 4);

        // tables: per axis, offsets (i32 bytes, −1 outside) then weights (f32)
        var table = new List<byte>();
        var tabIdx = new int[axes.Count];
        var tabW = new int[axes.Count];
        for (int a = 0; a < axes.Count; a++)
        {
            var ax = axes[a];
            int stride = inStrides[lead + a] * 4;
            tabIdx[a] = table.Count;
            foreach (int i in ax.Index)
            {
                table.AddRange(BitConverter.GetBytes(i == ResizeAxis.Outside ? -1 : checked(i * stride)));
            }
            tabW[a] = table.Count;
            foreach (float w in ax.Weight)
            {
                table.AddRange(BitConverter.GetBytes(w));
            }
        }
        int segment = ctx.Module.AddPassiveData([.. table]);
        f.LocalGet(scratch).I32Const(0).I32Const(table.Count).MemoryInit(segment);

        bool isInt = k.Output.DataType == DataType.Int32;
        var outerAxes = axes.Take(axes.Count - 1).ToList();
        var last = axes[^1];
        int nOuter = outerAxes.Count, lastA = axes.Count - 1, tl = last.Taps, ow = last.OutLength;
        bool Ones(ResizeAxis ax) => ax.Weight.All(w => w == 1);
        float ext = k.ExtrapolationValue;
        int xb = f.Local(ValType.I32), po = f.Local(ValType.I32), plane = f.Local(ValType.I32), j = f.Local(ValType.I32), at = f.Local(ValType.I32);
        var o = Enumerable.Range(0, nOuter).Select(_ => f.Local(ValType.I32)).ToArray();
        // per outer axis and tap: offset and weight of this row
        var offs = outerAxes.Select(ax => Enumerable.Range(0, ax.Taps).Select(_ => f.Local(ValType.I32)).ToArray()).ToArray();
        var ws = outerAxes.Select(ax => Enumerable.Range(0, ax.Taps).Select(_ => f.Local(ValType.F32)).ToArray()).ToArray();
        // tap combinations of the outer axes: base offset and weight product
        var combos = new List<int[]> { Array.Empty<int>() };
        foreach (var ax in outerAxes)
        {
            combos = [.. combos.SelectMany(c => Enumerable.Range(0, ax.Taps).Select(t => (int[])[.. c, t]))];
        }
        bool outerOnes = outerAxes.All(Ones);
        var cOff = combos.Select(_ => f.Local(ValType.I32)).ToArray();
        var cW = combos.Select(_ => f.Local(ValType.F32)).ToArray();
        var lOff = Enumerable.Range(0, tl).Select(_ => f.Local(ValType.I32)).ToArray();
        var lW = Enumerable.Range(0, tl).Select(_ => f.Local(ValType.F32)).ToArray();

        void StoreExt()
        {
            f.LocalGet(po);
            if (isInt)
            {
                f.I32Const((int)ext).Mem(WasmOpcode.I32Store);
            }
            else
            {
                f.F32Const(ext).Mem(WasmOpcode.F32Store);
            }
        }
        void Advance() => f.LocalGet(po).I32Const(4).Op(WasmOpcode.I32Add).LocalSet(po);

        void Row()
        {
            // this row's taps on every outer axis
            for (int a = 0; a < nOuter; a++)
            {
                int taps = outerAxes[a].Taps;
                f.LocalGet(o[a]).I32Const(taps * 4).Op(WasmOpcode.I32Mul).LocalSet(at);
                for (int t = 0; t < taps; t++)
                {
                    f.LocalGet(scratch).LocalGet(at).Op(WasmOpcode.I32Add).Mem(WasmOpcode.I32Load, checked((uint)(tabIdx[a] + t * 4))).LocalSet(offs[a][t]);
                    if (!Ones(outerAxes[a]))
                    {
                        f.LocalGet(scratch).LocalGet(at).Op(WasmOpcode.I32Add).Mem(WasmOpcode.F32Load, checked((uint)(tabW[a] + t * 4))).LocalSet(ws[a][t]);
                    }
                }
            }
            for (int c = 0; c < combos.Count; c++)
            {
                f.LocalGet(xb);
                for (int a = 0; a < nOuter; a++)
                {
                    f.LocalGet(offs[a][combos[c][a]]).Op(WasmOpcode.I32Add);
                }
                f.LocalSet(cOff[c]);
                if (!outerOnes)
                {
                    f.F32Const(1);
                    for (int a = 0; a < nOuter; a++)
                    {
                        if (!Ones(outerAxes[a]))
                        {
                            f.LocalGet(ws[a][combos[c][a]]).Op(WasmOpcode.F32Mul);
                        }
                    }
                    f.LocalSet(cW[c]);
                }
            }
            // the elements of the row
            WasmLoops.Counted(f, j, 0, ow, 1, () =>
            {
                f.LocalGet(j).I32Const(tl * 4).Op(WasmOpcode.I32Mul).LocalSet(at);
                for (int t = 0; t < tl; t++)
                {
                    f.LocalGet(scratch).LocalGet(at).Op(WasmOpcode.I32Add).Mem(WasmOpcode.I32Load, checked((uint)(tabIdx[lastA] + t * 4))).LocalSet(lOff[t]);
                    if (!Ones(last))
                    {
                        f.LocalGet(scratch).LocalGet(at).Op(WasmOpcode.I32Add).Mem(WasmOpcode.F32Load, checked((uint)(tabW[lastA] + t * 4))).LocalSet(lW[t]);
                    }
                }
                if (last.HasOutside)
                {
                    f.LocalGet(lOff[0]).I32Const(0).Op(WasmOpcode.I32LtS).If();
                    StoreExt();
                    f.Else();
                }
                f.LocalGet(po);
                if (isInt)
                {
                    // one tap of weight 1 everywhere: a copy
                    f.LocalGet(cOff[0]).LocalGet(lOff[0]).Op(WasmOpcode.I32Add).Mem(WasmOpcode.I32Load).Mem(WasmOpcode.I32Store);
                }
                else
                {
                    for (int c = 0; c < combos.Count; c++)
                    {
                        for (int t = 0; t < tl; t++)
                        {
                            f.LocalGet(cOff[c]).LocalGet(lOff[t]).Op(WasmOpcode.I32Add).Mem(WasmOpcode.F32Load);
                            if (!Ones(last))
                            {
                                f.LocalGet(lW[t]).Op(WasmOpcode.F32Mul);
                            }
                            if (t > 0)
                            {
                                f.Op(WasmOpcode.F32Add);
                            }
                        }
                        if (!outerOnes)
                        {
                            f.LocalGet(cW[c]).Op(WasmOpcode.F32Mul);
                        }
                        if (c > 0)
                        {
                            f.Op(WasmOpcode.F32Add);
                        }
                    }
                    f.Mem(WasmOpcode.F32Store);
                }
                if (last.HasOutside)
                {
                    f.End();
                }
                Advance();
            });
        }

        void Outer(int a)
        {
            if (a == nOuter)
            {
                var outside = Enumerable.Range(0, nOuter).Where(i => outerAxes[i].HasOutside).ToList();
                if (outside.Count == 0)
                {
                    Row();
                    return;
                }
                // some outer axis outside: the whole row is the extrapolation value
                for (int i = 0; i < outside.Count; i++)
                {
                    int q = outside[i];
                    f.LocalGet(scratch).LocalGet(o[q]).I32Const(outerAxes[q].Taps * 4).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                        .Mem(WasmOpcode.I32Load, checked((uint)tabIdx[q])).I32Const(0).Op(WasmOpcode.I32LtS);
                    if (i > 0)
                    {
                        f.Op(WasmOpcode.I32Or);
                    }
                }
                f.If();
                WasmLoops.Counted(f, j, 0, ow, 1, () =>
                {
                    StoreExt();
                    Advance();
                });
                f.Else();
                Row();
                f.End();
                return;
            }
            WasmLoops.Counted(f, o[a], 0, ys[lead + a], 1, () => Outer(a + 1));
        }

        // threads: this thread's planes
        int planeOut = checked((int)Tensor.ElementCount(ys.AsSpan(lead)) * 4);
        WasmThreads.Loop(f, plane, WasmThreads.Range(f, planes), planes, 1, () =>
        {
            f.LocalGet(inP).LocalGet(plane).I32Const(planeIn).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(xb);
            f.LocalGet(outP).LocalGet(plane).I32Const(planeOut).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalSet(po);
            Outer(0);
        });
        return (table.Count + 15) / 16 * 16;
    }
}
