using WebDnn.Core;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>
/// The parametrized activations (written as Expr trees) against values computed in double precision from the ONNX
/// formulas, plus Clip, PRelu, Dropout, Cast, CastLike and Identity.
/// </summary>
public sealed class ElementwiseActivationTests
{
    private static readonly Tensor s_x = F32(-2f, -0.5f, 0f, 0.5f, 2f);

    private static Tensor Act(string op, string attrs = "", int opset = 20, Tensor? x = null) =>
        Eval($"""
            opset {opset}
            input %x: {(x ?? s_x).DataType.ShortName()}[{(x ?? s_x).Length}]
            %y = {op}(%x) {attrs}
            output %y
            """, x ?? s_x);

    [Fact]
    public void Activations_MatchFormulas()
    {
        Close([-0.04, -0.01, 0, 0.5, 2], Act("LeakyRelu", "{alpha=0.02}"));
        Close([-0.02, -0.005, 0, 0.5, 2], Act("LeakyRelu"));
        Close([-1.7293294335267746, -0.7869386805747332, 0, 0.5, 2], Act("Elu", "{alpha=2.0}"));
        Close([-1.5201664733475926, -0.6917581899652426, 0, 0.5253505110740662, 2.1014020442962646], Act("Selu"));
        Close([-0.4908421805556329, -0.31606027941427883, 0, 0.5, 2], Act("Celu", "{alpha=0.5}"));
        Close([0, 0, 0, 0, 2], Act("ThresholdedRelu", "{alpha=0.5}"));
        Close([0.1, 0.4, 0.5, 0.6, 0.9], Act("HardSigmoid"));
        Close([-1.0 / 3, -0.20833333333333334, 0, 0.2916666666666667, 1.6666666666666665], Act("HardSwish"));
        Close([-0.2525014826957089, -0.22074377465173, 0, 0.3752452113048951, 1.9439589595339946], Act("Mish"));
    }

    [Fact]
    public void Gelu_ExactAndTanh()
    {
        Close([-0.04550026389635842, -0.15426876936299344, 0, 0.34573123063700656, 1.9544997361036416], Act("Gelu"));
        Close([-0.04540230591222494, -0.15428599017485606, 0, 0.34571400982514394, 1.954597694087775], Act("Gelu", "{approximate=\"tanh\"}"));
        Assert.Throws<InvalidModelException>(() => Act("Gelu", "{approximate=\"fast\"}"));
    }

    [Fact]
    public void Activations_PropagateNaN()
    {
        var nan = F32(float.NaN);
        foreach (var op in new[] { "LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Gelu", "Mish" })
        {
            Assert.True(float.IsNaN(Act(op, x: nan).Floats[0]), op);
        }
    }

    [Fact]
    public void Shrink_FloatAndInteger()
    {
        Close([-1.5, 0, 0, 0, 1.5], Act("Shrink", "{lambd=0.5, bias=0.5}"));
        Close([-2, 0, 0, 0, 2], Act("Shrink", "{lambd=1.0}"));
        // Integers: x < -1.5 ⇔ x ≤ -2 (then x + 1); x > 1.5 ⇔ x ≥ 2 (then x - 1); 0 between.
        Exact([-4, 0, 0, 0, 1, 4], Act("Shrink", "{lambd=1.5, bias=1.0}", x: Of(DataType.Int32, -5, -1, 0, 1, 2, 5)));
    }

    [Fact]
    public void PRelu_BroadcastsSlopePerChannel()
    {
        var y = Eval("""
            input %x: f32[1,2,2]
            const %s: f32[2,1] = [0.1,0.5]
            %y = PRelu(%x, %s)
            output %y
            """, F32([1, 2, 2], -1f, 2f, -4f, 3f));
        Assert.Equal([1, 2, 2], y.Shape);
        Close([-0.1, 2, -2, 3], y);
    }

    [Fact]
    public void Clip_Opset6AttributesAndOpset13Inputs()
    {
        var x = F32(-3f, 0.5f, 3f, float.NaN);
        Close([-1, 0.5, 2, double.NaN], Eval("""
            opset 7
            input %x: f32[4]
            %y = Clip(%x) {min=-1.0, max=2.0}
            output %y
            """, x));
        // Constant bounds fold into the expression; omitted bounds mean no bound.
        Close([-1, 0.5, 3, double.NaN], Eval("""
            opset 13
            input %x: f32[4]
            const %lo: f32[] = -1
            %y = Clip(%x, %lo)
            output %y
            """, x));
        Close([-3, 0.5, 2, double.NaN], Eval("""
            opset 13
            input %x: f32[4]
            const %hi: f32[] = 2
            %y = Clip(%x, _, %hi)
            output %y
            """, x));
        // Runtime bounds are extra inputs; min > max gives max everywhere (numpy.clip).
        Close([0, 0, 0, double.NaN], Eval("""
            opset 13
            input %x: f32[4]
            input %lo: f32[]
            input %hi: f32[]
            %y = Clip(%x, %lo, %hi)
            output %y
            """, x, Tensor.Scalar(1f), Tensor.Scalar(0f)));
        Exact([-128, 0, 5], Eval("""
            opset 13
            input %x: i8[3]
            const %hi: i8[] = 5
            %y = Clip(%x, _, %hi)
            output %y
            """, Of(DataType.Int8, -128, 0, 100)));
    }

    [Fact]
    public void Dropout_IsIdentityWithTrueMask()
    {
        var x = F32(1f, -2f);
        var r = EvalAll("""
            opset 13
            input %x: f32[2]
            const %ratio: f32[] = 0.3
            const %train: bool[] = 0
            %y, %mask = Dropout(%x, %ratio, %train)
            output %y
            output %mask
            """, x);
        Close([1, -2], r[0]);
        Bools([true, true], r[1]);
        var old = EvalAll("""
            opset 7
            input %x: f32[2]
            %y, %mask = Dropout(%x) {ratio=0.2}
            output %y
            output %mask
            """, x);
        Assert.Equal(DataType.Float32, old[1].DataType);
        Close([1, 1], old[1]);
        Assert.Throws<UnsupportedModelException>(() => EvalAll("""
            opset 13
            input %x: f32[2]
            const %ratio: f32[] = 0.3
            const %train: bool[] = 1
            %y = Dropout(%x, %ratio, %train)
            output %y
            """, x));
    }

    [Fact]
    public void Cast_TruncatesWrapsAndRounds()
    {
        static Tensor CastTo(Tensor x, DataType to) => Eval($$"""
            input %x: {{x.DataType.ShortName()}}[{{x.Length}}]
            %y = Cast(%x) {to={{(int)to}}}
            output %y
            """, x);
        var x = F32(-1.7f, 0.5f, 300.9f, float.NaN);
        Exact([-1, 0, 300, 0], CastTo(x, DataType.Int32));
        Exact([255, 0, 44, 0], CastTo(x, DataType.UInt8));
        Bools([true, true, true, true], CastTo(x, DataType.Bool));
        Bools([false, true], CastTo(I64(0, -3), DataType.Bool));
        var h = CastTo(F32(1.0009766f, 65520f), DataType.Float16);
        Assert.Equal(new[] { (Half)1.0009766f, Half.PositiveInfinity }, (Half[])h.Data);
        var big = CastTo(I64(long.MaxValue), DataType.Int32);
        Exact([-1], big);
        Assert.Throws<UnsupportedModelException>(() => CastTo(x, DataType.String));
        Assert.Throws<UnsupportedModelException>(() => CastTo(x, (DataType)17));
    }

    [Fact]
    public void CastLike_TakesTypeOfSecondInput()
    {
        var y = Eval("""
            opset 15
            input %x: f32[3]
            input %like: i64[5]
            %y = CastLike(%x, %like)
            output %y
            """, F32(1.5f, -2.5f, 7f), I64(0, 0, 0, 0, 0));
        Assert.Equal(DataType.Int64, y.DataType);
        Assert.Equal([3], y.Shape);
        Exact([1, -2, 7], y);
    }

    [Fact]
    public void Identity_PassesAnyTypeThrough()
    {
        var s = new Tensor(DataType.String, [2], new[] { "a", "b" });
        var y = Eval("""
            input %x: string[2]
            %y = Identity(%x)
            output %y
            """, s);
        Assert.Same(s, y);
    }
}
