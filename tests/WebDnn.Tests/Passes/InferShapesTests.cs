using WebDnn.Core;
using WebDnn.Passes;

namespace WebDnn.Tests.Passes;

public sealed class InferShapesTests
{
    private const string Model =
        """
        input %x: f32[N,3]
        const %w: f32[3,5] = random
        %m = MatMul(%x, %w)
        %y = Relu(%m)
        output %y
        """;

    [Fact]
    public void SymbolicDims_Propagate()
    {
        var g = PassAssert.Load(Model);
        Assert.Equal("f32[N,5]", g.Outputs[0].Type!.ToString());
    }

    [Fact]
    public void ShapeOverride_FixesTheSymbol()
    {
        var g = GraphText.Parse(Model);
        var ctx = new PassContext();
        ctx.InputShapes["x"] = [4, 3];
        new InferShapes().Run(g, ctx);
        Assert.Equal("f32[4,5]", g.Outputs[0].Type!.ToString());
    }

    [Fact]
    public void ShapeOverride_OfTheWrongRank_IsAUsageError()
    {
        var g = GraphText.Parse(Model);
        var ctx = new PassContext();
        ctx.InputShapes["x"] = [4, 3, 1];
        var e = Assert.Throws<UsageException>(() => new InferShapes().Run(g, ctx));
        Assert.Contains("rank 2", e.Message, StringComparison.Ordinal);
    }
}
