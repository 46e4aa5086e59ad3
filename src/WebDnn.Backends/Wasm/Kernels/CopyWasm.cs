using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// copy (Transpose, Slice, Concat, Split, Pad, Tile, Expand…) of f32, i32 (4 bytes) and bool (1 byte) elements: nested loops over the
/// outer axes and one row per innermost axis. Axes whose input coordinate never leaves the input are linear (adjacent
/// ones that stay contiguous are merged, so a concat is one <c>memory.copy</c> per block); an outer axis that can leave
/// it maps its coordinate at run time (edge: clamp, wrap: modulo, reflect: mirror; constant: the whole row is the pad
/// value). The row is one <c>memory.copy</c> when input and output are contiguous along it, a strided loop otherwise;
/// when its own coordinate can leave the input, the row is unrolled at compile time into runs (copies, fills, single
/// elements), at most <see cref="MaxRuns"/> of them. Threads share the outermost
/// axis, or the elements of a copy that is one linear row; a single unrolled row runs on thread 0.
/// </summary>
internal static class CopyWasm
{
    /// <summary>Most pieces an unrolled row (a padded innermost axis) may have.</summary>
    public const int MaxRuns = 48;

    /// <summary>One iteration axis: linear (input element stride <see cref="Lin"/>) or mapped (input axis J).</summary>
    private sealed record Axis(int Size, long OutStride, long Lin, int J = -1, int Start = 0, int Step = 0)
    {
        public bool Mapped => J >= 0;
    }

    private sealed record Plan(Axis[] Axes, long Base, int[] InShape, long[] InStrides, bool AllPad);

    public static bool Supports(CopyKernel k) => Analyse(k) is not null;

    private static Plan? Analyse(CopyKernel k)
    {
        var dt = k.Output.DataType;
        if (dt is not (DataType.Float32 or DataType.Int32 or DataType.Bool) || k.Inputs[0].DataType != dt)
        {
            return null;
        }
        int rank = k.Shape.Length, inRank = k.InShape.Length;
        if (k.InAxis.Length != rank || k.InStep.Length != rank || k.OutStrides.Length != rank || k.InStart.Length != inRank
            || Tensor.ElementCount(k.InShape) != k.Inputs[0].Length || k.InAxis.Any(j => j < -1 || j >= inRank) || k.OutStrides.Any(s => s < 0))
        {
            return null;
        }
        long total = Tensor.ElementCount(k.Shape);
        if (total == 0)
        {
            return new Plan([], 0, k.InShape, [], false);
        }
        // every output element written lies inside the output buffer
        long lo = k.OutOffset, hi = k.OutOffset;
        for (int a = 0; a < rank; a++)
        {
            long span = (long)(k.Shape[a] - 1) * k.OutStrides[a];
            lo += Math.Min(0, span);
            hi += Math.Max(0, span);
        }
        if (lo < 0 || hi >= k.Output.Length || hi * Size(dt) > int.MaxValue)
        {
            return null;
        }
        var inStrides = Tensor.Strides(k.InShape).Select(s => (long)s).ToArray();
        var refs = Enumerable.Range(0, inRank).Select(j => Enumerable.Range(0, rank).Where(a => k.InAxis[a] == j && k.Shape[a] > 1).ToArray()).ToArray();
        long baseIndex = 0;
        bool allPad = false;
        var mapped = new int[rank];
        Array.Fill(mapped, -1);
        for (int j = 0; j < inRank; j++)
        {
            long cLo = k.InStart[j], cHi = k.InStart[j];
            foreach (int a in refs[j])
            {
                long span = (long)k.InStep[a] * (k.Shape[a] - 1);
                cLo += Math.Min(0, span);
                cHi += Math.Max(0, span);
            }
            if (cLo >= 0 && cHi < k.InShape[j])
            {
                baseIndex += k.InStart[j] * inStrides[j];
                continue;
            }
            if (k.Mode == PadMode.None || refs[j].Length > 1)
            {
                return null;
            }
            if (refs[j].Length == 0)
            {
                long c = Map(k.Mode, k.InStart[j], k.InShape[j]);
                allPad |= c < 0;
                baseIndex += Math.Max(0, c) * inStrides[j];
                continue;
            }
            mapped[refs[j][0]] = j;
        }
        var axes = new List<Axis>();
        for (int a = 0; a < rank; a++)
        {
            if (k.Shape[a] == 1)
            {
                continue;
            }
            int j = mapped[a];
            if (j >= 0)
            {
                axes.Add(new Axis(k.Shape[a], k.OutStrides[a], 0, j, k.InStart[j], k.InStep[a]));
                continue;
            }
            long lin = k.InAxis[a] < 0 ? 0 : k.InStep[a] * inStrides[k.InAxis[a]];
            // merge with the previous linear axis when the pair stays one stride apart on both sides
            if (axes.Count > 0 && axes[^1] is { Mapped: false } p && p.Lin == lin * k.Shape[a] && p.OutStride == k.OutStrides[a] * k.Shape[a])
            {
                axes[^1] = new Axis(p.Size * k.Shape[a], k.OutStrides[a], lin);
                continue;
            }
            axes.Add(new Axis(k.Shape[a], k.OutStrides[a], lin));
        }
        if (axes.Count == 0)
        {
            axes.Add(new Axis(1, 0, 0));
        }
        if (axes[^1].Mapped && Runs(axes[^1], k, inStrides).Count > MaxRuns)
        {
            return null;
        }
        if (k.InShape.Any(d => d == 0) && !allPad && k.Mode != PadMode.Constant)
        {
            return null;
        }
        return new Plan([.. axes], baseIndex, k.InShape, inStrides, allPad);
    }

    /// <summary>Bytes per element.</summary>
    private static int Size(DataType t) => t == DataType.Bool ? 1 : 4;

    /// <summary>The input coordinate c of an axis of size d reads (−1: the pad value).</summary>
    private static long Map(PadMode mode, long c, long d)
    {
        if (c >= 0 && c < d)
        {
            return c;
        }
        return mode switch
        {
            PadMode.Edge => Math.Clamp(c, 0, d - 1),
            PadMode.Wrap => ((c % d) + d) % d,
            PadMode.Reflect => WebDnn.Core.Kernels.Reference.CopyReference.Reflect(c, d),
            _ => -1,
        };
    }

    /// <summary>A piece of an unrolled row: Count output elements from T; Src the first input element (−1: pad), contiguous when Count &gt; 1.</summary>
    private readonly record struct Run(int T, int Count, long Src);

    private static List<Run> Runs(Axis ax, CopyKernel k, long[] inStrides)
    {
        var runs = new List<Run>();
        long stride = inStrides[ax.J];
        bool contiguous = ax.OutStride == 1 && stride == 1;
        for (int t = 0; t < ax.Size; t++)
        {
            long m = Map(k.Mode, ax.Start + (long)ax.Step * t, k.InShape[ax.J]);
            long src = m < 0 ? -1 : m * stride;
            if (runs.Count > 0 && runs[^1] is var last && (contiguous || src < 0) && ((src < 0 && last.Src < 0) || (src >= 0 && last.Src >= 0 && last.Src + last.Count == src)))
            {
                runs[^1] = last with { Count = last.Count + 1 };
                continue;
            }
            runs.Add(new Run(t, 1, src));
        }
        return runs;
    }

    public static void Emit(FunctionBody f, CopyKernel k)
    {
        var plan = Analyse(k)!;
        if (plan.Axes.Length == 0)
        {
            return;
        }
        int inP = 0, outP = 1;
        var dt = k.Output.DataType;
        int es = Size(dt);
        var (load, store) = dt == DataType.Bool ? (WasmOpcode.I32Load8U, WasmOpcode.I32Store8) : (WasmOpcode.I32Load, WasmOpcode.I32Store);
        int pad = dt switch
        {
            DataType.Float32 => BitConverter.SingleToInt32Bits((float)k.PadValue),
            DataType.Bool => k.PadValue != 0 ? 1 : 0,
            _ => (int)k.PadValue,
        };
        var axes = plan.Axes;
        int outer = axes.Length - 1;
        var idx = axes.Select(_ => f.Local(ValType.I32)).ToArray();
        int src = f.Local(ValType.I32), dst = f.Local(ValType.I32), t = f.Local(ValType.I32);
        var row = axes[^1];

        void Fill(long outOff, int count, long outStride)
        {
            // count pad values from dst + outOff, outStride elements apart
            if (count <= 8)
            {
                for (int e = 0; e < count; e++)
                {
                    f.LocalGet(dst).I32Const(pad).Mem(store, checked((uint)(outOff + e * outStride * es)));
                }
                return;
            }
            if (outStride == 1 && (pad == 0 || es == 1))
            {
                f.LocalGet(dst).I32Const(checked((int)outOff)).Op(WasmOpcode.I32Add).I32Const(pad).I32Const(checked(count * es)).MemoryFill();
                return;
            }
            WasmLoops.Counted(f, t, 0, count, 1, () =>
            {
                f.LocalGet(dst).LocalGet(t).I32Const(checked((int)(outStride * es))).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add)
                    .I32Const(pad).Mem(store, checked((uint)outOff));
            });
        }

        void Row()
        {
            // dst = out + es·(OutOffset + Σ idx·OutStride); src = in + es·(Base + Σ linear idx·Lin + Σ mapped coordinate·InStride)
            f.I32Const(checked((int)k.OutOffset));
            for (int a = 0; a < outer; a++)
            {
                f.LocalGet(idx[a]).I32Const(checked((int)axes[a].OutStride)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
            }
            f.I32Const(es).Op(WasmOpcode.I32Mul).LocalGet(outP).Op(WasmOpcode.I32Add).LocalSet(dst);
            if (plan.AllPad)
            {
                Fill(0, row.Size, row.OutStride);
                return;
            }
            var guards = new List<(int C, int D)>();
            f.I32Const(checked((int)plan.Base));
            for (int a = 0; a < outer; a++)
            {
                var ax = axes[a];
                if (!ax.Mapped)
                {
                    f.LocalGet(idx[a]).I32Const(checked((int)ax.Lin)).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
                    continue;
                }
                int c = f.Local(ValType.I32);
                f.LocalGet(idx[a]).I32Const(ax.Step).Op(WasmOpcode.I32Mul).I32Const(ax.Start).Op(WasmOpcode.I32Add).LocalSet(c);
                MapAtRunTime(f, k.Mode, c, plan.InShape[ax.J]);
                if (k.Mode == PadMode.Constant)
                {
                    guards.Add((c, plan.InShape[ax.J]));
                }
                f.LocalGet(c).I32Const(checked((int)plan.InStrides[ax.J])).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
            }
            f.I32Const(es).Op(WasmOpcode.I32Mul).LocalGet(inP).Op(WasmOpcode.I32Add).LocalSet(src);
            if (guards.Count == 0)
            {
                RowBody();
                return;
            }
            // constant mode: a row whose outer coordinate lies outside the input is all pad
            f.I32Const(1);
            foreach (var (c, d) in guards)
            {
                f.LocalGet(c).I32Const(d).Op(WasmOpcode.I32LtU).Op(WasmOpcode.I32And);
            }
            f.If();
            RowBody();
            f.Else();
            Fill(0, row.Size, row.OutStride);
            f.End();
        }

        void RowBody()
        {
            if (row.Mapped)
            {
                foreach (var r in Runs(row, k, plan.InStrides))
                {
                    long outOff = r.T * row.OutStride * es;
                    if (r.Src < 0)
                    {
                        Fill(outOff, r.Count, row.OutStride);
                    }
                    else if (r.Count == 1)
                    {
                        f.LocalGet(dst).LocalGet(src).Mem(load, checked((uint)(r.Src * es))).Mem(store, checked((uint)outOff));
                    }
                    else
                    {
                        f.LocalGet(dst).I32Const((int)outOff).Op(WasmOpcode.I32Add).LocalGet(src).I32Const(checked((int)(r.Src * es))).Op(WasmOpcode.I32Add)
                            .I32Const(checked(r.Count * es)).MemoryCopy();
                    }
                }
                return;
            }
            if (row.Lin == 1 && row.OutStride == 1)
            {
                f.LocalGet(dst).LocalGet(src).I32Const(checked(row.Size * es)).MemoryCopy();
                return;
            }
            WasmLoops.Counted(f, t, 0, row.Size, 1, () =>
            {
                f.LocalGet(dst).LocalGet(t).I32Const(checked((int)(row.OutStride * es))).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
                f.LocalGet(src).LocalGet(t).I32Const(checked((int)(row.Lin * es))).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).Mem(load);
                f.Mem(store);
            });
        }

        void Nest(int a)
        {
            if (a == outer)
            {
                Row();
                return;
            }
            if (a == 0 && Injective(axes))
            {
                // threads: this thread's share of the outermost axis
                WasmThreads.Loop(f, idx[0], WasmThreads.Range(f, axes[0].Size), axes[0].Size, 1, () => Nest(1));
                return;
            }
            WasmLoops.Counted(f, idx[a], 0, axes[a].Size, 1, () => Nest(a + 1));
        }
        if (!Injective(axes) || (outer == 0 && (row.Mapped || plan.AllPad)))
        {
            WasmThreads.OnlyThreadZero(f);
        }
        else if (outer == 0)
        {
            SplitRow();
            return;
        }
        Nest(0);

        // one linear row (no outer axis): threads share its elements, in blocks of RowBlock
        void SplitRow()
        {
            int blocks = (row.Size + RowBlock - 1) / RowBlock;
            var range = WasmThreads.Range(f, blocks);
            int first = f.Local(ValType.I32), count = f.Local(ValType.I32);
            // first = start·RowBlock; count = min(end·RowBlock, Size) − first (≤ 0: nothing)
            f.LocalGet(range.Start).I32Const(RowBlock).Op(WasmOpcode.I32Mul).LocalSet(first);
            f.LocalGet(range.End).I32Const(RowBlock).Op(WasmOpcode.I32Mul).LocalTee(count);
            f.I32Const(row.Size).LocalGet(count).I32Const(row.Size).Op(WasmOpcode.I32LtU).Op(WasmOpcode.Select);
            f.LocalGet(first).Op(WasmOpcode.I32Sub).LocalSet(count);
            f.LocalGet(count).I32Const(0).Op(WasmOpcode.I32GtS);
            f.If();
            f.LocalGet(first).I32Const(checked((int)(row.OutStride * 4))).Op(WasmOpcode.I32Mul).I32Const(checked((int)(k.OutOffset * 4))).Op(WasmOpcode.I32Add)
                .LocalGet(outP).Op(WasmOpcode.I32Add).LocalSet(dst);
            f.LocalGet(first).I32Const(checked((int)(row.Lin * 4))).Op(WasmOpcode.I32Mul).I32Const(checked((int)(plan.Base * 4))).Op(WasmOpcode.I32Add)
                .LocalGet(inP).Op(WasmOpcode.I32Add).LocalSet(src);
            if (row.Lin == 1 && row.OutStride == 1)
            {
                f.LocalGet(dst).LocalGet(src).LocalGet(count).I32Const(4).Op(WasmOpcode.I32Mul).MemoryCopy();
            }
            else
            {
                f.I32Const(0).LocalSet(t);
                f.Loop();
                f.LocalGet(dst).LocalGet(t).I32Const(checked((int)(row.OutStride * 4))).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
                f.LocalGet(src).LocalGet(t).I32Const(checked((int)(row.Lin * 4))).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).Mem(WasmOpcode.I32Load);
                f.Mem(WasmOpcode.I32Store);
                f.LocalGet(t).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(t).LocalGet(count).Op(WasmOpcode.I32LtS).BrIf(0);
                f.End();
            }
            f.End();
        }
    }

    /// <summary>
    /// Whether no two iterations write the same output element (the axes' output strides, in increasing order, each
    /// at least the span of the ones below): then threads that share the iterations never write the same byte.
    /// </summary>
    private static bool Injective(Axis[] axes)
    {
        long span = 1;
        foreach (var ax in axes.Where(a => a.Size > 1).OrderBy(a => a.OutStride))
        {
            if (ax.OutStride < span)
            {
                return false;
            }
            span = ax.OutStride * ax.Size;
        }
        return true;
    }

    /// <summary>Elements per thread work unit of a copy that is a single row.</summary>
    private const int RowBlock = 1024;

    /// <summary>Replaces local c (an input coordinate of an axis of size d) by the coordinate it reads; constant mode leaves it (the row is guarded).</summary>
    private static void MapAtRunTime(FunctionBody f, PadMode mode, int c, int d)
    {
        switch (mode)
        {
            case PadMode.Edge:
                // max(c, 0), then min(c, d - 1)
                f.LocalGet(c).I32Const(0).LocalGet(c).I32Const(0).Op(WasmOpcode.I32GtS).Op(WasmOpcode.Select).LocalSet(c);
                f.LocalGet(c).I32Const(d - 1).LocalGet(c).I32Const(d - 1).Op(WasmOpcode.I32LtS).Op(WasmOpcode.Select).LocalSet(c);
                break;
            case PadMode.Wrap:
                f.LocalGet(c).I32Const(d).Op(WasmOpcode.I32RemS).I32Const(d).Op(WasmOpcode.I32Add).I32Const(d).Op(WasmOpcode.I32RemS).LocalSet(c);
                break;
            case PadMode.Reflect when d == 1:
                f.I32Const(0).LocalSet(c);
                break;
            case PadMode.Reflect:
                {
                    int p = 2 * (d - 1);
                    f.LocalGet(c).I32Const(p).Op(WasmOpcode.I32RemS).I32Const(p).Op(WasmOpcode.I32Add).I32Const(p).Op(WasmOpcode.I32RemS).LocalSet(c);
                    // c < d ? c : p - c
                    f.LocalGet(c).I32Const(p).LocalGet(c).Op(WasmOpcode.I32Sub).LocalGet(c).I32Const(d).Op(WasmOpcode.I32LtS).Op(WasmOpcode.Select).LocalSet(c);
                    break;
                }
        }
    }
}
