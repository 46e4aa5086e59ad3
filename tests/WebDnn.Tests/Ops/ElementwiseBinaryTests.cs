using WebDnn.Core;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>Reference numerics of the two-input and variadic elementwise ops, integer exactness included.</summary>
public sealed class ElementwiseBinaryTests
{
    private static Tensor Binary(string op, Tensor a, Tensor b, string attrs = "", int opset = 18) =>
        Eval($"""
            opset {opset}
            input %a: {a.DataType.ShortName()}[{string.Join(",", a.Shape)}]
            input %b: {b.DataType.ShortName()}[{string.Join(",", b.Shape)}]
            %y = {op}(%a, %b) {attrs}
            output %y
            """, a, b);

    private static Tensor U64(params ulong[] v) => new(DataType.UInt64, [v.Length], v);

    [Fact]
    public void Int64_IsExactBeyond2Pow53()
    {
        long big = (1L << 62) + 1;
        Exact([big / 3, -(big / 3)], Binary("Div", I64(big, -big), I64(3, 3)));
        Exact([big % 1000, 1000 - big % 1000], Binary("Mod", I64(big, -big), I64(1000, 1000)));
        Exact([big & 0xFF, big | 2], Binary("BitwiseAnd", I64(big, big | 2), I64(0xFF, -1)));
        Exact([big + 1, big], Binary("Max", I64(big, big), I64(big + 1, big - 1)));
        Bools([true, false], Binary("Less", I64(big - 1, big), I64(big, big - 1)));
        Bools([false], Binary("Equal", I64(big), I64(big - 1)));
    }

    [Fact]
    public void UInt64_DividesAndComparesUnsigned()
    {
        var a = U64(ulong.MaxValue, ulong.MaxValue - 1);
        var q = Binary("Div", a, U64(2, 3));
        Assert.Equal(new[] { ulong.MaxValue / 2, (ulong.MaxValue - 1) / 3 }, (ulong[])q.Data);
        var m = Binary("Mod", a, U64(10, 7));
        Assert.Equal(new[] { ulong.MaxValue % 10, (ulong.MaxValue - 1) % 7 }, (ulong[])m.Data);
        Bools([true, false], Binary("Greater", a, U64(1, ulong.MaxValue)));
        var mx = Binary("Max", a, U64(1, ulong.MaxValue));
        Assert.Equal(new[] { ulong.MaxValue, ulong.MaxValue }, (ulong[])mx.Data);
    }

    [Fact]
    public void IntegerDivision_TruncatesTowardZero()
    {
        Exact([-2, -2, 2, 0], Binary("Div", Of(DataType.Int32, -7, 7, -7, 5), Of(DataType.Int32, 3, -3, -3, 0)));
    }

    [Fact]
    public void Mod_SignFollowsDivisorOrDividend()
    {
        var a = Of(DataType.Int32, -4, 7, 5, -5);
        var b = Of(DataType.Int32, 3, -3, 3, -3);
        Exact([2, -2, 2, -2], Binary("Mod", a, b));
        Exact([-1, 1, 2, -2], Binary("Mod", a, b, "{fmod=1}"));
        Close([-1, 1, 2, -2], Binary("Mod", F32(-4f, 7f, 5f, -5f), F32(3f, -3f, 3f, -3f), "{fmod=1}"));
    }

    [Fact]
    public void Pow_ResultHasBaseType()
    {
        var y = Binary("Pow", Of(DataType.Int32, 2, 3, -2), F32(0.5f, 2f, 3f));
        Assert.Equal(DataType.Int32, y.DataType);
        Exact([1, 9, -8], y);
        var f = Binary("Pow", F32(2f, 4f), I64(3, -1));
        Assert.Equal(DataType.Float32, f.DataType);
        Close([8, 0.25], f);
        Exact([1L << 62, 1], Binary("Pow", I64(2, 7), I64(62, 0)));
        Close([double.NaN, 1], Binary("Pow", F32(-8f, 0f), F32(1f / 3, 0f)));
    }

    [Fact]
    public void BitShift_ByDirection()
    {
        var x = Of(DataType.UInt8, 1, 0x81, 16);
        var s = Of(DataType.UInt8, 3, 1, 2);
        Exact([8, 2, 64], Binary("BitShift", x, s, "{direction=\"LEFT\"}"));
        Exact([0, 0x40, 4], Binary("BitShift", x, s, "{direction=\"RIGHT\"}"));
        var r = Binary("BitShift", U64(ulong.MaxValue), U64(60), "{direction=\"RIGHT\"}");
        Assert.Equal(15UL, ((ulong[])r.Data)[0]);
    }

    [Fact]
    public void LogicAndComparisons_Broadcast()
    {
        var a = Tensor.FromDoubles(DataType.Bool, [2, 1], [1, 0]);
        var b = Tensor.FromDoubles(DataType.Bool, [2], [1, 0]);
        var y = Binary("Xor", a, b);
        Assert.Equal([2, 2], y.Shape);
        Bools([false, true, true, false], y);
        Bools([true, false, false, false], Binary("And", a, b));
        Bools([true, true, true, false], Binary("Or", a, b));
        Bools([false, true, false], Binary("GreaterOrEqual", F32(1f, 2f, float.NaN), F32(2f)));
        Bools([true, false, false], Binary("LessOrEqual", F32(1f, 2f, float.NaN), F32(1.5f)));
    }

    [Fact]
    public void MaxMin_PropagateNaN_AndFoldManyInputs()
    {
        var r = EvalAll("""
            input %a: f32[3]
            input %b: f32[1]
            input %c: f32[2,1]
            %y = Max(%a, %b, %c)
            %z = Min(%a, %b, %c)
            output %y
            output %z
            """, F32(1f, float.NaN, 5f), F32(2f), F32([2, 1], 0f, 3f));
        Assert.Equal([2, 3], r[0].Shape);
        Close([2, double.NaN, 5, 3, double.NaN, 5], r[0]);
        Close([0, double.NaN, 0, 1, double.NaN, 2], r[1]);
    }

    [Fact]
    public void SumMean_Variadic()
    {
        const string Text = """
            input %a: f32[2]
            input %b: f32[1]
            input %c: f32[2]
            %s = Sum(%a, %b, %c)
            %m = Mean(%a, %b, %c)
            %one = Mean(%a)
            output %s
            output %m
            output %one
            """;
        var r = EvalAll(Text, F32(1f, 2f), F32(10f), F32(100f, 200f));
        Close([111, 212], r[0]);
        Close([37, 212.0 / 3], r[1]);
        Close([1, 2], r[2]);
    }

    [Fact]
    public void Where_SelectsWithBroadcast()
    {
        var y = Eval("""
            input %c: bool[2,1]
            input %x: i64[2]
            input %y: i64[1]
            %r = Where(%c, %x, %y)
            output %r
            """, Tensor.FromDoubles(DataType.Bool, [2, 1], [1, 0]), I64(long.MaxValue, 2), I64(-1));
        Assert.Equal([2, 2], y.Shape);
        Exact([long.MaxValue, 2, -1, -1], y);
    }
}
