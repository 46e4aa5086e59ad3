using WebDnn.Core;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>Reference numerics of the one-input elementwise ops on values whose results are known exactly.</summary>
public sealed class ElementwiseUnaryTests
{
    private static Tensor Unary(string op, Tensor x, string attrs = "", int opset = 17) =>
        Eval($"""
            opset {opset}
            input %x: {x.DataType.ShortName()}[{x.Length}]
            %y = {op}(%x) {attrs}
            output %y
            """, x);

    [Fact]
    public void Round_IsHalfToEven()
    {
        Close([-2, -2, -0.0, 0, 0, 2, 2, 3, double.NaN, double.PositiveInfinity],
            Unary("Round", F32(-2.5f, -1.5f, -0.5f, 0.4f, 0.5f, 1.5f, 2.5f, 2.6f, float.NaN, float.PositiveInfinity)));
    }

    [Fact]
    public void FloorCeilSign_KeepSpecialValues()
    {
        var x = F32(-1.5f, -0f, 1.2f, float.NaN, float.NegativeInfinity);
        Close([-2, -0.0, 1, double.NaN, double.NegativeInfinity], Unary("Floor", x));
        Close([-1, -0.0, 2, double.NaN, double.NegativeInfinity], Unary("Ceil", x));
        Close([-1, 0, 1, double.NaN, -1], Unary("Sign", x));
        Exact([-1, 0, 1], Unary("Sign", Of(DataType.Int32, -7, 0, 3)));
    }

    [Fact]
    public void Transcendentals_MatchDouble()
    {
        var x = F32(-2f, -0.5f, 0f, 0.5f, 2f);
        Close([0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.8807970779778823], Unary("Sigmoid", x));
        Close([0.1269280110429725, 0.4740769841801067, 0.6931471805599453, 0.9740769841801067, 2.1269280110429727], Unary("Softplus", x));
        Close([-2.0 / 3, -1.0 / 3, 0, 1.0 / 3, 2.0 / 3], Unary("Softsign", x));
        Close([-0.9953222650189527, -0.5204998778130465, 0, 0.5204998778130465, 0.9953222650189527], Unary("Erf", x));
        Close([Math.Sinh(-2), Math.Sinh(-0.5), 0, Math.Sinh(0.5), Math.Sinh(2)], Unary("Sinh", x));
        Close([double.NaN, Math.Acos(-0.5), Math.PI / 2, Math.Acos(0.5), double.NaN], Unary("Acos", x));
        Close([Math.Exp(-2), Math.Exp(-0.5), 1, Math.Exp(0.5), Math.Exp(2)], Unary("Exp", x));
        Close([double.NaN, double.NaN, double.NegativeInfinity, Math.Log(0.5), Math.Log(2)], Unary("Log", x));
        Close([-0.5, -2, double.PositiveInfinity, 2, 0.5], Unary("Reciprocal", x));
    }

    [Fact]
    public void Sigmoid_DoesNotOverflow()
    {
        Close([0, 1, double.NaN], Unary("Sigmoid", F32(-1000f, 1000f, float.NaN)));
    }

    [Fact]
    public void IntegerNegAbs_Wrap()
    {
        var x = Of(DataType.Int8, -128, -3, 0, 127);
        Exact([-128, 3, 0, -127], Unary("Neg", x));
        Exact([-128, 3, 0, 127], Unary("Abs", x));
        Exact([long.MinValue + 1, 5], Unary("Neg", I64(long.MaxValue, -5)));
    }

    [Fact]
    public void IsInf_HonoursDetectAttributes()
    {
        var x = F32(float.NegativeInfinity, -1f, float.NaN, float.PositiveInfinity);
        Bools([true, false, false, true], Unary("IsInf", x));
        Bools([false, false, false, true], Unary("IsInf", x, "{detect_negative=0}"));
        Bools([true, false, false, false], Unary("IsInf", x, "{detect_positive=0}"));
        Bools([false, false, false, false], Unary("IsInf", x, "{detect_positive=0, detect_negative=0}"));
        Bools([false, false, true, false], Unary("IsNaN", x));
    }

    [Fact]
    public void NotAndBitwiseNot()
    {
        Bools([false, true], Unary("Not", Of(DataType.Bool, 1, 0)));
        Exact([250, 255, 0], Unary("BitwiseNot", Of(DataType.UInt8, 5, 0, 255), opset: 18));
        Exact([-6, -1], Unary("BitwiseNot", Of(DataType.Int32, 5, 0), opset: 18));
        var u = Unary("BitwiseNot", new Tensor(DataType.UInt64, [1], new ulong[] { 1 }), opset: 18);
        Assert.Equal(ulong.MaxValue - 1, ((ulong[])u.Data)[0]);
    }

    [Fact]
    public void Float16_IsRoundedToHalf()
    {
        var y = Unary("Exp", Of(DataType.Float16, 1));
        Assert.Equal(DataType.Float16, y.DataType);
        Assert.Equal((Half)Math.E, ((Half[])y.Data)[0]);
    }
}
