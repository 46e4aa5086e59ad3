using WebDnn.Passes;

namespace WebDnn.Tests.Passes;

public sealed class FuseActivationsTests
{
    [Fact]
    public void ConvRelu_BecomesEpilogue()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            const %b: f32[16] = random
            %c = Conv(%x, %w, %b) {pads=[1,1,1,1]}
            %y = Relu(%c)
            output %y
            """,
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            const %b: f32[16] = random
            %y = Conv(%x, %w, %b) {pads=[1,1,1,1], webdnn.epilogue=Relu(in0), webdnn.epilogue_first=3}
            output %y
            """,
            new FuseActivations());
    }

    [Fact]
    public void ResidualAddThenRelu_JoinTheConvBeforeIt()
    {
        // ResNet's bottleneck end: conv3 and the downsample conv meet in Add → Relu. conv3's result is read only by
        // the Add, so conv3 takes Add and Relu, the downsample result becoming its extra input: Relu(in0 + in1).
        PassAssert.Rewrites(
            """
            input %x: f32[1,4,6,6]
            const %w3: f32[8,4,1,1] = random
            const %wd: f32[8,4,1,1] = random
            %c3 = Conv(%x, %w3)
            %r3 = Relu(%c3)
            const %w4: f32[8,8,1,1] = random
            %c4 = Conv(%r3, %w4)
            %d = Conv(%x, %wd)
            %s = Add(%c4, %d)
            %y = Relu(%s)
            output %y
            """,
            """
            input %x: f32[1,4,6,6]
            const %w3: f32[8,4,1,1] = random
            const %w4: f32[8,8,1,1] = random
            const %wd: f32[8,4,1,1] = random
            %r3 = Conv(%x, %w3, _) {webdnn.epilogue=Relu(in0), webdnn.epilogue_first=3}
            %d = Conv(%x, %wd)
            %y = Conv(%r3, %w4, _, %d) {webdnn.epilogue=Relu(Add(in0, in1)), webdnn.epilogue_first=3}
            output %y
            """,
            new FuseActivations());
    }

    [Fact]
    public void ErfGelu_AfterMatMulAndBias_BecomesEpilogue()
    {
        // BERT's intermediate layer as the PyTorch exporter writes it: (x * (erf(x / sqrt 2) + 1)) * 0.5.
        PassAssert.Rewrites(
            """
            input %x: f32[2,4,8]
            const %w: f32[8,16] = random
            const %bias: f32[16] = random
            const %sq: f32[] = 1.4142135
            const %one: f32[] = 1.0
            const %half: f32[] = 0.5
            %m = MatMul(%x, %w)
            %h = Add(%bias, %m)
            %d = Div(%h, %sq)
            %e = Erf(%d)
            %a = Add(%e, %one)
            %p = Mul(%h, %a)
            %y = Mul(%p, %half)
            output %y
            """,
            """
            input %x: f32[2,4,8]
            const %w: f32[8,16] = random
            const %bias: f32[16] = random
            %y = MatMul(%x, %w, %bias) {webdnn.epilogue=Mul(Mul(Add(in1, in0), Add(Erf(Div(Add(in1, in0), 1.4142135381698608)), 1)), 0.5), webdnn.epilogue_first=2}
            output %y
            """,
            new FuseActivations());
    }

    [Fact]
    public void OtherGeluSpelling_HalfFirst_Fuses()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[3,8]
            const %w: f32[16,8] = random
            const %r: f32[] = 0.70710677
            const %one: f32[] = 1.0
            const %half: f32[] = 0.5
            %g = Gemm(%x, %w) {transB=1}
            %hx = Mul(%half, %g)
            %d = Mul(%g, %r)
            %e = Erf(%d)
            %a = Add(%one, %e)
            %y = Mul(%hx, %a)
            output %y
            """,
            """
            input %x: f32[3,8]
            const %w: f32[16,8] = random
            %y = Gemm(%x, %w, _) {transB=1, webdnn.epilogue=Mul(Mul(0.5, in0), Add(1, Erf(Mul(in0, 0.7071067690849304)))), webdnn.epilogue_first=3}
            output %y
            """,
            new FuseActivations());
    }

    [Fact]
    public void Silu_Fuses()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            %c = Conv(%x, %w)
            %s = Sigmoid(%c)
            %y = Mul(%c, %s)
            output %y
            """,
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            %y = Conv(%x, %w, _) {webdnn.epilogue=Mul(in0, Sigmoid(in0)), webdnn.epilogue_first=3}
            output %y
            """,
            new FuseActivations());
    }

    [Fact]
    public void ClipWithConstantBounds_Fuses()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            const %lo: f32[] = 0.0
            const %hi: f32[] = 6.0
            %c = Conv(%x, %w)
            %y = Clip(%c, %lo, %hi)
            output %y
            """,
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            %y = Conv(%x, %w, _) {webdnn.epilogue=CLIP, webdnn.epilogue_first=3}
            output %y
            """.Replace("CLIP", ClipExpr(), StringComparison.Ordinal),
            new FuseActivations());
    }

    private static string ClipExpr()
    {
        var g = PassAssert.Load(
            """
            input %x: f32[4]
            const %lo: f32[] = 0.0
            const %hi: f32[] = 6.0
            %y = Clip(%x, %lo, %hi)
            output %y
            """);
        var n = g.Nodes[0];
        return ((WebDnn.Ops.ElementwiseOp)WebDnn.Ops.OpRegistry.Find(n)!).ScalarExpr(n).Expr.ToString();
    }

    [Fact]
    public void ResultReadTwice_IsNotFused()
    {
        PassAssert.Unchanged(
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            %c = Conv(%x, %w)
            %y = Relu(%c)
            output %y
            output %c
            """,
            new FuseActivations());
    }

    [Fact]
    public void BroadcastingAdd_ThatGrowsTheResult_IsNotFused()
    {
        PassAssert.Unchanged(
            """
            input %x: f32[3,5]
            input %big: f32[2,3,8]
            const %w: f32[5,8] = random
            %m = MatMul(%x, %w)
            %y = Add(%m, %big)
            output %y
            """,
            new FuseActivations());
    }

    [Fact]
    public void OpsOutsideTheActivationList_AreLeftToFuseElementwise()
    {
        PassAssert.Unchanged(
            """
            input %x: f32[3,5]
            const %w: f32[5,8] = random
            %m = MatMul(%x, %w)
            %y = Exp(%m)
            output %y
            """,
            new FuseActivations());
    }
}
