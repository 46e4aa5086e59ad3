using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>
/// Shared semantics of the Reduce* family. Axes come from the <c>axes</c> attribute, or from input 1 for
/// ReduceSum from opset 13 and every Reduce* from opset 18 (<see cref="AxesFromInput"/>). Absent or empty axes
/// reduce every axis, unless noop_with_empty_axes=1 (input form only), which returns the input unchanged.
/// keepdims (default 1) keeps reduced axes as size 1. Reducing zero elements gives the identity: 0 (Sum, SumSquare,
/// L1, L2), 1 (Prod), -inf / the type minimum (Max), +inf / the type maximum (Min), -inf (LogSum, LogSumExp), NaN (Mean).
/// Values accumulate in double; NaN propagates (also through Max/Min).
/// </summary>
public abstract class ReduceOp : OpDef
{
    public override FusionKind Fusion => FusionKind.Reduce;

    protected abstract ReduceKind Kind { get; }

    /// <summary>The opset from which axes is an input instead of an attribute.</summary>
    protected virtual int AxesInputSince => 18;

    private bool AxesFromInput(NodeContext ctx) => ctx.Opset >= AxesInputSince;

    /// <summary>The normalized, sorted axes; null means "no-op" (empty axes with noop_with_empty_axes).</summary>
    private int[]? Axes(NodeContext ctx, int rank, Tensor? axesInput)
    {
        long[]? raw = AxesFromInput(ctx) ? axesInput?.ToLongs() : ctx.Ints("axes");
        if (raw is null || raw.Length == 0)
        {
            if (AxesFromInput(ctx) && ctx.Int("noop_with_empty_axes", 0) != 0)
            {
                return null;
            }
            return Enumerable.Range(0, rank).ToArray();
        }
        var axes = raw.Select(a => ctx.Axis(a, rank)).Distinct().Order().ToArray();
        if (axes.Length != raw.Length)
        {
            throw ctx.Error($"axes [{string.Join(",", raw)}] repeat an axis");
        }
        return axes;
    }

    private bool KeepDims(NodeContext ctx) => ctx.Int("keepdims", 1) != 0;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        bool keep = KeepDims(ctx);
        if (AxesFromInput(ctx) && ctx.HasInput(1) && ctx.ConstInput(1) is null)
        {
            // Axes only known at run time: with keepdims the rank is known, the sizes are not.
            ctx.SetOutput(0, x.DataType, keep ? x.Shape.Select(_ => Dim.Unknown).ToArray() : null);
            return;
        }
        var axes = Axes(ctx, x.Rank, ctx.ConstInput(1));
        if (axes is null)
        {
            ctx.SetOutput(0, x);
            return;
        }
        var dims = new List<Dim>();
        for (int i = 0; i < x.Rank; i++)
        {
            if (!axes.Contains(i))
            {
                dims.Add(x.Shape[i]);
            }
            else if (keep)
            {
                dims.Add(1);
            }
        }
        ctx.SetOutput(0, x.DataType, [.. dims]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var axes = Axes(ctx, x.Rank, AxesFromInput(ctx) ? ctx.OptionalInput(1) : null);
        if (axes is null)
        {
            ctx.SetOutput(0, x);
            return;
        }
        bool keep = KeepDims(ctx);
        int rank = x.Rank;
        var keptShape = x.Shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var outShape = keep ? keptShape : x.Shape.Where((_, i) => !axes.Contains(i)).ToArray();
        int outLen = (int)Tensor.ElementCount(keptShape);
        var outStrides = Shapes.BroadcastStrides(keptShape, x.Shape);
        var map = new int[x.Length];
        var idx = new int[rank];
        int off = 0;
        for (int i = 0; i < x.Length; i++)
        {
            map[i] = off;
            for (int d = rank - 1; d >= 0; d--)
            {
                idx[d]++;
                off += outStrides[d];
                if (idx[d] < x.Shape[d])
                {
                    break;
                }
                off -= outStrides[d] * x.Shape[d];
                idx[d] = 0;
            }
        }
        int count = outLen == 0 ? 0 : x.Length / outLen;
        var acc = new double[outLen];
        var max = new double[outLen];
        var kind = Kind;
        var dt = x.DataType;
        double init = kind switch
        {
            ReduceKind.Prod => 1,
            ReduceKind.Max => dt.IsFloat() ? double.NegativeInfinity : dt == DataType.Bool ? 0 : MinOf(dt),
            ReduceKind.Min => dt.IsFloat() ? double.PositiveInfinity : dt == DataType.Bool ? 1 : MaxOf(dt),
            _ => 0,
        };
        Array.Fill(acc, init);
        if (kind == ReduceKind.LogSumExp)
        {
            Array.Fill(max, double.NegativeInfinity);
            for (int i = 0; i < x.Length; i++)
            {
                double v = x.GetDouble(i);
                ref double m = ref max[map[i]];
                m = double.IsNaN(v) || v > m ? v : m;
            }
        }
        for (int i = 0; i < x.Length; i++)
        {
            double v = x.GetDouble(i);
            ref double a = ref acc[map[i]];
            switch (kind)
            {
                case ReduceKind.Sum:
                case ReduceKind.Mean:
                case ReduceKind.LogSum:
                    a += v;
                    break;
                case ReduceKind.Prod:
                    a *= v;
                    break;
                case ReduceKind.Max:
                    a = double.IsNaN(v) || v > a ? v : a;
                    break;
                case ReduceKind.Min:
                    a = double.IsNaN(v) || v < a ? v : a;
                    break;
                case ReduceKind.SumSquare:
                case ReduceKind.L2:
                    a += v * v;
                    break;
                case ReduceKind.L1:
                    a += Math.Abs(v);
                    break;
                case ReduceKind.LogSumExp:
                    double m = max[map[i]];
                    a += double.IsInfinity(m) ? Math.Exp(v) : Math.Exp(v - m);
                    break;
                default:
                    throw new InvalidOperationException($"{kind} is not a Reduce* op");
            }
        }
        var y = Tensor.Zeros(dt, outShape);
        for (int o = 0; o < outLen; o++)
        {
            double a = acc[o];
            double r = kind switch
            {
                ReduceKind.Mean => a / count,
                ReduceKind.L2 => Math.Sqrt(a),
                ReduceKind.LogSum => Math.Log(a),
                ReduceKind.LogSumExp => Math.Log(a) + (double.IsInfinity(max[o]) ? 0 : max[o]),
                _ => a,
            };
            if (dt.IsInteger() && kind is ReduceKind.Mean or ReduceKind.L2)
            {
                r = Math.Floor(r);
            }
            y.SetDouble(o, r);
        }
        ctx.SetOutput(0, y);
    }

    private static double MinOf(DataType t) => t switch
    {
        DataType.Int8 => sbyte.MinValue,
        DataType.Int16 => short.MinValue,
        DataType.Int32 => int.MinValue,
        DataType.Int64 => long.MinValue,
        _ => 0,
    };

    private static double MaxOf(DataType t) => t switch
    {
        DataType.Int8 => sbyte.MaxValue,
        DataType.UInt8 => byte.MaxValue,
        DataType.Int16 => short.MaxValue,
        DataType.UInt16 => ushort.MaxValue,
        DataType.Int32 => int.MaxValue,
        DataType.UInt32 => uint.MaxValue,
        DataType.Int64 => long.MaxValue,
        _ => ulong.MaxValue,
    };

    public override bool Lower(LowerContext ctx)
    {
        var xs = ctx.InputShape(0);
        if (AxesFromInput(ctx) && ctx.HasInput(1) && ctx.ConstInput(1) is null)
        {
            ctx.Unsupported("reduction axes must be constant to compile");
            return false;
        }
        var axes = Axes(ctx, xs.Length, AxesFromInput(ctx) ? ctx.ConstInput(1) : null);
        if (axes is null)
        {
            ctx.Alias(0, ctx.Input(0));
            return true;
        }
        ctx.Emit(new ReduceKernel(Kind, axes, false) { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
