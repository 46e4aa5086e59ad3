using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// reduce, f32 input (arg reductions write i32): the input's axes with size 1 dropped and neighbours of the same kind
/// (kept or reduced) merged. When the innermost merged axis is reduced ("rows"), each output element reduces its row four
/// lanes at a time (the tail masked with the kind's identity), the lanes combined at the end, an outer loop per other
/// reduced axis; otherwise ("columns") four outputs of the innermost kept axis at a time, each lane its own reduction
/// over every reduced axis. Sums accumulate in f32 (the js kernel in double); LogSumExp takes the max first and
/// returns it when infinite, as the js kernel does. ArgMax/ArgMin (one axis): rows take the max (or min) with SIMD,
/// then scan for its first (or last, SelectLastIndex) position; columns keep a best value and index per lane. NaN
/// counts as the extreme, the first NaN winning (the last with SelectLastIndex). A reduction over no elements writes
/// the identity (0, NaN for Mean, 1, −∞, +∞, −∞ for the logs; index 0).
/// i32 input (Sum, Mean, Max, Min, Prod, L1, SumSquare and the arg kinds): the same loops on i32x4 lanes, wrapping
/// modulo 2³² (the js kernel sums in double and wraps at the store: the same result while its partial sums stay exact,
/// below 2⁵³); Mean truncates the wrapped sum divided by the count; a reduction over no elements writes 0 (1 for Prod),
/// what the js kernel's ±∞ and NaN become in an Int32Array.
/// </summary>
internal static class ReduceWasm
{
    public static bool Supports(ReduceKernel k)
    {
        var x = k.Inputs[0];
        bool arg = k.Kind is ReduceKind.ArgMax or ReduceKind.ArgMin;
        bool isInt = x.DataType == DataType.Int32;
        if (x.DataType is not (DataType.Float32 or DataType.Int32) || k.Output.DataType != (arg ? DataType.Int32 : x.DataType) || arg && k.Axes.Length != 1
            || isInt && k.Kind is not (ReduceKind.Sum or ReduceKind.Mean or ReduceKind.Max or ReduceKind.Min or ReduceKind.Prod or ReduceKind.L1
                or ReduceKind.SumSquare or ReduceKind.ArgMax or ReduceKind.ArgMin)
            || k.Axes.Any(a => a < 0 || a >= x.Shape.Length) || k.Axes.Distinct().Count() != k.Axes.Length)
        {
            return false;
        }
        long kept = Tensor.ElementCount(x.Shape.Where((_, a) => !k.Axes.Contains(a)).ToArray());
        return kept == k.Output.Length && x.ByteLength < int.MaxValue / 2 && k.Output.ByteLength < int.MaxValue / 2;
    }

    /// <summary>A merged axis: its size, its input stride in bytes, whether it is reduced.</summary>
    private readonly record struct Axis(int Size, int Stride, bool Reduced);

    private static List<Axis> Merge(int[] shape, int[] axes)
    {
        var strides = Tensor.Strides(shape);
        var merged = new List<Axis>();
        for (int a = 0; a < shape.Length; a++)
        {
            if (shape[a] == 1)
            {
                continue;
            }
            bool r = axes.Contains(a);
            if (merged.Count > 0 && merged[^1].Reduced == r)
            {
                merged[^1] = new Axis(merged[^1].Size * shape[a], strides[a] * 4, r);
            }
            else
            {
                merged.Add(new Axis(shape[a], strides[a] * 4, r));
            }
        }
        return merged;
    }

    public static void Emit(FunctionBody f, ReduceKernel k)
    {
        var shape = k.Inputs[0].Shape;
        long outLen = k.Output.Length;
        long count = Tensor.ElementCount(k.Axes.Select(a => shape[a]).ToArray());
        if (outLen == 0)
        {
            return;
        }
        bool arg = k.Kind is ReduceKind.ArgMax or ReduceKind.ArgMin;
        if (count == 0 || arg && count == 1)
        {
            Fill(f, k, checked((int)outLen));
            return;
        }
        var axes = Merge(shape, k.Axes);
        if (axes.Count > 0 && axes[^1].Reduced)
        {
            Rows(f, k, axes);
        }
        else
        {
            Columns(f, k, axes);
        }
    }

    /// <summary>Every output the reduction of nothing: the kind's identity (index 0 for the arg kinds).</summary>
    private static void Fill(FunctionBody f, ReduceKernel k, int n)
    {
        int off = f.Local(ValType.I32);
        WasmLoops.Lanes(f, off, n, lanes =>
        {
            f.LocalGet(1).LocalGet(off).Op(WasmOpcode.I32Add);
            if (k.Kind is ReduceKind.ArgMax or ReduceKind.ArgMin)
            {
                f.V128Const(0, 0, 0, 0);
            }
            else if (IsInt(k))
            {
                int v = k.Kind == ReduceKind.Prod ? 1 : 0;
                f.V128Const(v, v, v, v);
            }
            else
            {
                f.F32x4Const(Identity(k.Kind));
                Finish(f, k.Kind, 0, false);
            }
            WasmMem.Store(f, 0, lanes);
        });
    }

    private static float Identity(ReduceKind kind) => kind switch
    {
        ReduceKind.Max or ReduceKind.ArgMax or ReduceKind.LogSumExp => float.NegativeInfinity,
        ReduceKind.Min or ReduceKind.ArgMin => float.PositiveInfinity,
        ReduceKind.Prod => 1,
        _ => 0,
    };

    private static bool IsInt(ReduceKernel k) => k.Inputs[0].DataType == DataType.Int32;

    /// <summary>Pushes the identity of the kind, splat (i32: the extreme values for Max and Min).</summary>
    private static void PushIdentity(FunctionBody f, ReduceKind kind, bool isInt)
    {
        if (!isInt)
        {
            f.F32x4Const(Identity(kind));
            return;
        }
        int v = kind switch
        {
            ReduceKind.Max or ReduceKind.ArgMax => int.MinValue,
            ReduceKind.Min or ReduceKind.ArgMin => int.MaxValue,
            ReduceKind.Prod => 1,
            _ => 0,
        };
        f.V128Const(v, v, v, v);
    }

    /// <summary>The lane-wise combination of the kind, and the one that merges two partial accumulators.</summary>
    private static WasmOpcode Combine(ReduceKind kind, bool isInt) => isInt ? kind switch
    {
        ReduceKind.Max or ReduceKind.ArgMax => WasmOpcode.I32x4MaxS,
        ReduceKind.Min or ReduceKind.ArgMin => WasmOpcode.I32x4MinS,
        ReduceKind.Prod => WasmOpcode.I32x4Mul,
        _ => WasmOpcode.I32x4Add,
    } : kind switch
    {
        ReduceKind.Max or ReduceKind.ArgMax or ReduceKind.LogSumExp => WasmOpcode.F32x4Max,
        ReduceKind.Min or ReduceKind.ArgMin => WasmOpcode.F32x4Min,
        ReduceKind.Prod => WasmOpcode.F32x4Mul,
        _ => WasmOpcode.F32x4Add,
    };

    /// <summary>acc (on the stack), then v → acc ⊕ term(v); v's masked-out lanes become the identity first.</summary>
    private static void Accumulate(FunctionBody f, ReduceKind kind, int v, int lanes, bool isInt)
    {
        f.LocalGet(v);
        switch (kind)
        {
            case ReduceKind.SumSquare or ReduceKind.L2:
                f.LocalGet(v).Op(isInt ? WasmOpcode.I32x4Mul : WasmOpcode.F32x4Mul);
                break;
            case ReduceKind.L1:
                f.Op(isInt ? WasmOpcode.I32x4Abs : WasmOpcode.F32x4Abs);
                break;
        }
        if (lanes < 4)
        {
            PushIdentity(f, kind, isInt);
            f.Op(WasmOpcode.V128Xor);
            WasmLoops.Mask(f, lanes);
            f.Op(WasmOpcode.V128And);
            PushIdentity(f, kind, isInt);
            f.Op(WasmOpcode.V128Xor);
        }
        f.Op(Combine(kind, isInt));
    }

    /// <summary>The reduced accumulator on the stack → the result (Mean divides by <paramref name="count"/>).</summary>
    private static void Finish(FunctionBody f, ReduceKind kind, long count, bool isInt)
    {
        if (isInt)
        {
            if (kind == ReduceKind.Mean)
            {
                // lane by lane: i32 sum / count, truncated (count ≥ 1)
                int v = f.Local(ValType.V128);
                f.LocalSet(v);
                f.LocalGet(v);
                for (int lane = 0; lane < 4; lane++)
                {
                    f.LocalGet(v).Lane(WasmOpcode.I32x4ExtractLane, lane).I32Const(checked((int)count)).Op(WasmOpcode.I32DivS).Lane(WasmOpcode.I32x4ReplaceLane, lane);
                }
            }
            return;
        }
        switch (kind)
        {
            case ReduceKind.Mean:
                f.F32x4Const(count).Op(WasmOpcode.F32x4Div);
                break;
            case ReduceKind.L2:
                f.Op(WasmOpcode.F32x4Sqrt);
                break;
            case ReduceKind.LogSum:
                WasmExpr.Log(f);
                break;
        }
    }

    private static void Nest(FunctionBody f, IReadOnlyList<Axis> axes, int basePtr, Action<int> body) =>
        WasmLoops.Strided(f, [.. axes.Select(a => (a.Size, a.Stride))], basePtr, body);

    private static void Rows(FunctionBody f, ReduceKernel k, List<Axis> axes)
    {
        var kind = k.Kind;
        int n = axes[^1].Size;
        var kept = axes.Where(a => !a.Reduced).ToList();
        var outer = axes.Take(axes.Count - 1).Where(a => a.Reduced).ToList();
        long count = (long)n * outer.Aggregate(1L, (c, a) => c * a.Size);
        bool isInt = IsInt(k);
        int po = f.Local(ValType.I32), off = f.Local(ValType.I32), v = f.Local(ValType.V128), acc = f.Local(ValType.V128), max = f.Local(ValType.V128);
        f.LocalGet(1).LocalSet(po);
        void Pass(int row, ReduceKind pass, Action<int>? term)
        {
            PushIdentity(f, pass, isInt);
            f.LocalSet(acc);
            Nest(f, outer, row, q => WasmLoops.Lanes(f, off, n, lanes =>
            {
                f.LocalGet(q).LocalGet(off).Op(WasmOpcode.I32Add);
                WasmMem.Load(f, 0, lanes);
                term?.Invoke(lanes);
                f.LocalSet(v);
                f.LocalGet(acc);
                Accumulate(f, pass, v, lanes, isInt);
                f.LocalSet(acc);
            }));
            f.LocalGet(acc);
            WasmLoops.Horizontal(f, Combine(pass, isInt));
            f.LocalSet(acc);
        }
        Nest(f, kept, 0, row =>
        {
            f.LocalGet(po);
            switch (kind)
            {
                case ReduceKind.LogSumExp:
                    Pass(row, ReduceKind.Max, null);
                    f.LocalGet(acc).LocalSet(max);
                    Pass(row, ReduceKind.Sum, _ =>
                    {
                        f.LocalGet(max).Op(WasmOpcode.F32x4Sub);
                        WasmExpr.Exp(f);
                    });
                    MaxPlusLog(f, max, acc);
                    WasmMem.Store(f, 0, 1);
                    break;
                case ReduceKind.ArgMax or ReduceKind.ArgMin:
                    Pass(row, kind, null);
                    f.LocalGet(acc).Lane(isInt ? WasmOpcode.I32x4ExtractLane : WasmOpcode.F32x4ExtractLane, 0);
                    Scan(f, row, n, axes[^1].Stride, k.SelectLastIndex, isInt);
                    f.Mem(WasmOpcode.I32Store);
                    break;
                default:
                    Pass(row, kind, null);
                    f.LocalGet(acc);
                    Finish(f, kind, count, isInt);
                    WasmMem.Store(f, 0, 1);
                    break;
            }
            f.LocalGet(po).I32Const(4).Op(WasmOpcode.I32Add).LocalSet(po);
        });
    }

    /// <summary>max + log(sum), or max itself when it is ±∞ (the js kernel's LogSumExp); pushes the v128.</summary>
    private static void MaxPlusLog(FunctionBody f, int max, int sum)
    {
        f.LocalGet(max);
        f.LocalGet(sum);
        WasmExpr.Log(f);
        f.LocalGet(max).Op(WasmOpcode.F32x4Add);
        f.LocalGet(max).Op(WasmOpcode.F32x4Abs).F32x4Const(float.PositiveInfinity).Op(WasmOpcode.F32x4Eq);
        f.Op(WasmOpcode.V128Bitselect);
    }

    /// <summary>
    /// The f32 (or i32) extreme on the stack → the i32 position of its first (or last) occurrence in the row of n at
    /// <paramref name="row"/> (stride bytes apart); a NaN extreme matches the first (or last) NaN.
    /// </summary>
    private static void Scan(FunctionBody f, int row, int n, int stride, bool last, bool isInt)
    {
        var t = isInt ? ValType.I32 : ValType.F32;
        int m = f.Local(t), r = f.Local(ValType.I32), x = f.Local(t);
        f.LocalSet(m);
        f.I32Const(last ? n - 1 : 0).LocalSet(r);
        f.Block().Loop();
        f.LocalGet(row).LocalGet(r).I32Const(stride).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add);
        if (isInt)
        {
            f.Mem(WasmOpcode.I32Load).LocalGet(m).Op(WasmOpcode.I32Eq).BrIf(1);
        }
        else
        {
            // x == m, or x is NaN (only when m is: a NaN in the row makes the extreme NaN)
            f.Mem(WasmOpcode.F32Load).LocalTee(x).LocalGet(m).Op(WasmOpcode.F32Eq).LocalGet(x).LocalGet(x).Op(WasmOpcode.F32Ne).Op(WasmOpcode.I32Or).BrIf(1);
        }
        if (last)
        {
            f.LocalGet(r).I32Const(1).Op(WasmOpcode.I32Sub).LocalTee(r).I32Const(0).Op(WasmOpcode.I32GeS).BrIf(0);
        }
        else
        {
            f.LocalGet(r).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(r).I32Const(n).Op(WasmOpcode.I32LtS).BrIf(0);
        }
        f.End().End();
        f.LocalGet(r);
    }

    private static void Columns(FunctionBody f, ReduceKernel k, List<Axis> axes)
    {
        var kind = k.Kind;
        int m = axes.Count > 0 ? axes[^1].Size : 1;
        var outer = axes.Take(Math.Max(0, axes.Count - 1)).Where(a => !a.Reduced).ToList();
        var reduced = axes.Where(a => a.Reduced).ToList();
        long count = reduced.Aggregate(1L, (c, a) => c * a.Size);
        bool isInt = IsInt(k);
        int po = f.Local(ValType.I32), off = f.Local(ValType.I32), col = f.Local(ValType.I32);
        int v = f.Local(ValType.V128), acc = f.Local(ValType.V128), max = f.Local(ValType.V128), best = f.Local(ValType.V128), r = f.Local(ValType.V128);
        f.LocalGet(1).LocalSet(po);
        void Pass(ReduceKind pass, int lanes, Action? term)
        {
            PushIdentity(f, pass, isInt);
            f.LocalSet(acc);
            Nest(f, reduced, col, q =>
            {
                f.LocalGet(q);
                WasmMem.Load(f, 0, lanes);
                term?.Invoke();
                f.LocalSet(v);
                f.LocalGet(acc);
                Accumulate(f, pass, v, 4, isInt);
                f.LocalSet(acc);
            });
        }
        Nest(f, outer, 0, row =>
        {
            WasmLoops.Lanes(f, off, m, lanes =>
            {
                f.LocalGet(row).LocalGet(off).Op(WasmOpcode.I32Add).LocalSet(col);
                f.LocalGet(po).LocalGet(off).Op(WasmOpcode.I32Add);
                switch (kind)
                {
                    case ReduceKind.LogSumExp:
                        Pass(ReduceKind.Max, lanes, null);
                        f.LocalGet(acc).LocalSet(max);
                        Pass(ReduceKind.Sum, lanes, () =>
                        {
                            f.LocalGet(max).Op(WasmOpcode.F32x4Sub);
                            WasmExpr.Exp(f);
                        });
                        MaxPlusLog(f, max, acc);
                        break;
                    case ReduceKind.ArgMax or ReduceKind.ArgMin:
                        ArgColumns(f, k, reduced[0], col, lanes, (v, best, r, acc));
                        break;
                    default:
                        Pass(kind, lanes, null);
                        f.LocalGet(acc);
                        Finish(f, kind, count, isInt);
                        break;
                }
                WasmMem.Store(f, 0, lanes);
            });
            f.LocalGet(po).I32Const(checked(m * 4)).Op(WasmOpcode.I32Add).LocalSet(po);
        });
    }

    /// <summary>
    /// Per lane the best value (starting with position 0) and its index over the reduced axis; a later position replaces
    /// it when better (or as good, SelectLastIndex), or when it is NaN and the best is not (any NaN, SelectLastIndex).
    /// Pushes the i32x4 indices.
    /// </summary>
    private static void ArgColumns(FunctionBody f, ReduceKernel k, Axis axis, int col, int lanes, (int V, int Best, int Index, int Cond) l)
    {
        bool isInt = IsInt(k);
        var better = (k.Kind, k.SelectLastIndex) switch
        {
            (ReduceKind.ArgMax, false) when isInt => WasmOpcode.I32x4GtS,
            (ReduceKind.ArgMax, true) when isInt => WasmOpcode.I32x4GeS,
            (_, false) when isInt => WasmOpcode.I32x4LtS,
            (_, true) when isInt => WasmOpcode.I32x4LeS,
            (ReduceKind.ArgMax, false) => WasmOpcode.F32x4Gt,
            (ReduceKind.ArgMax, true) => WasmOpcode.F32x4Ge,
            (_, false) => WasmOpcode.F32x4Lt,
            _ => WasmOpcode.F32x4Le,
        };
        int q = f.Local(ValType.I32), i = f.Local(ValType.I32), ri = f.Local(ValType.V128);
        f.LocalGet(col);
        WasmMem.Load(f, 0, lanes);
        f.LocalSet(l.Best);
        f.V128Const(0, 0, 0, 0).LocalSet(l.Index);
        f.V128Const(0, 0, 0, 0).LocalSet(ri);
        f.LocalGet(col).LocalSet(q);
        WasmLoops.Counted(f, i, 1, axis.Size, 1, () =>
        {
            f.LocalGet(q).I32Const(axis.Stride).Op(WasmOpcode.I32Add).LocalTee(q);
            WasmMem.Load(f, 0, lanes);
            f.LocalSet(l.V);
            f.LocalGet(ri).V128Const(1, 1, 1, 1).Op(WasmOpcode.I32x4Add).LocalSet(ri);
            f.LocalGet(l.V).LocalGet(l.Best).Op(better);
            if (!isInt)
            {
                f.LocalGet(l.V).LocalGet(l.V).Op(WasmOpcode.F32x4Ne);
                if (!k.SelectLastIndex)
                {
                    f.LocalGet(l.Best).LocalGet(l.Best).Op(WasmOpcode.F32x4Eq).Op(WasmOpcode.V128And);
                }
                f.Op(WasmOpcode.V128Or);
            }
            f.LocalSet(l.Cond);
            f.LocalGet(l.V).LocalGet(l.Best).LocalGet(l.Cond).Op(WasmOpcode.V128Bitselect).LocalSet(l.Best);
            f.LocalGet(ri).LocalGet(l.Index).LocalGet(l.Cond).Op(WasmOpcode.V128Bitselect).LocalSet(l.Index);
        });
        f.LocalGet(l.Index);
    }
}
