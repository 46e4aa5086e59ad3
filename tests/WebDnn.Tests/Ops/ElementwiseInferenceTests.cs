using WebDnn.Core;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>Shape and type inference of the elementwise ops: broadcasting of symbolic dims, result types, errors.</summary>
public sealed class ElementwiseInferenceTests
{
    private static TensorType Out(string text, int i = 0) => Infer(text).Outputs[i].Type!;

    [Fact]
    public void Broadcast_KeepsSymbolicDims()
    {
        var t = Out("""
            input %a: f32[N,1,8]
            input %b: f32[3,1]
            %y = Sub(%a, %b)
            output %y
            """);
        Assert.Equal("f32[N,3,8]", t.ToString());
        var w = Out("""
            input %c: bool[N,1]
            input %x: f16[1,M]
            input %y: f16[]
            %r = Where(%c, %x, %y)
            output %r
            """);
        Assert.Equal("f16[N,M]", w.ToString());
    }

    [Fact]
    public void ResultTypes()
    {
        Assert.Equal("bool[B,4]", Out("""
            input %a: i32[B,4]
            input %b: i32[4]
            %y = GreaterOrEqual(%a, %b)
            output %y
            """).ToString());
        Assert.Equal("i64[B]", Out("""
            input %a: i64[B]
            input %b: f32[B]
            %y = Pow(%a, %b)
            output %y
            """).ToString());
        Assert.Equal("u8[B,2]", Out("""
            input %a: f32[B,2]
            %y = Cast(%a) {to=2}
            output %y
            """).ToString());
        Assert.Equal("bool[B]", Out("""
            opset 13
            input %x: f32[B]
            %y, %m = Dropout(%x)
            output %y
            output %m
            """, 1).ToString());
        Assert.Equal("f32[B,3]", Out("""
            input %a: f32[B,3]
            input %b: f32[1]
            input %c: f32[3]
            %y = Mean(%a, %b, %c)
            output %y
            """).ToString());
        Assert.Equal("f32[N,C]", Out("""
            opset 13
            input %x: f32[N,C]
            input %lo: f32[]
            %y = Clip(%x, %lo)
            output %y
            """).ToString());
    }

    [Fact]
    public void Errors_NameTheProblem()
    {
        var e = Assert.Throws<InvalidModelException>(() => Infer("""
            input %a: f32[2,3]
            input %b: f32[4]
            %y = Mul(%a, %b)
            output %y
            """));
        Assert.Contains("cannot be broadcast", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidModelException>(() => Infer("""
            input %a: f32[2]
            input %b: i64[2]
            %y = Div(%a, %b)
            output %y
            """));
        Assert.Contains("input types differ", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidModelException>(() => Infer("""
            input %c: f32[2]
            input %x: f32[2]
            %y = Where(%c, %x, %x)
            output %y
            """));
        Assert.Contains("condition must be bool", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidModelException>(() => Infer("""
            input %x: f32[2,3]
            input %s: f32[4,1,1]
            %y = PRelu(%x, %s)
            output %y
            """));
        Assert.Contains("slope", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InvalidModelException>(() => Infer("""
            input %x: f32[2]
            const %s: f32[2] = 1
            %y = Mod(%x, %s) {fmod=2}
            output %y
            """));
        Assert.Contains("fmod", e.Message, StringComparison.Ordinal);
    }
}
