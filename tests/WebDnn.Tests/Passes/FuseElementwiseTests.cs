using WebDnn.Passes;

namespace WebDnn.Tests.Passes;

public sealed class FuseElementwiseTests
{
    [Fact]
    public void Chain_BecomesOneNode()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[2,3]
            input %b: f32[3]
            const %two: f32[] = 2.0
            %a = Add(%x, %b)
            %r = Relu(%a)
            %y = Mul(%r, %two)
            output %y
            """,
            """
            input %x: f32[2,3]
            input %b: f32[3]
            %y = com.webdnn.Elementwise(%x, %b) {expr=Mul(Relu(Add(in0, in1)), 2)}
            output %y
            """,
            new FuseElementwise());
    }

    [Fact]
    public void Tree_FusesBothBranches()
    {
        PassAssert.Rewrites(
            """
            input %a: f32[4]
            input %b: f32[4]
            input %c: f32[4]
            input %d: f32[4]
            %p = Mul(%a, %b)
            %q = Mul(%c, %d)
            %y = Add(%p, %q)
            output %y
            """,
            """
            input %a: f32[4]
            input %b: f32[4]
            input %c: f32[4]
            input %d: f32[4]
            %y = com.webdnn.Elementwise(%a, %b, %c, %d) {expr=Add(Mul(in0, in1), Mul(in2, in3))}
            output %y
            """,
            new FuseElementwise());
    }

    [Fact]
    public void ValueReadOutsideTheRegion_EndsIt()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[4]
            %r = Relu(%x)
            %e = Exp(%r)
            %n = Neg(%e)
            %t = Tanh(%r)
            output %n
            output %t
            """,
            """
            input %x: f32[4]
            %r = Relu(%x)
            %n = com.webdnn.Elementwise(%r) {expr=Neg(Exp(in0))}
            %t = Tanh(%r)
            output %n
            output %t
            """,
            new FuseElementwise());
    }

    [Fact]
    public void OneElementConstantOfHigherRank_StaysAnInput()
    {
        // Inlining %c would lose the rank it adds to the result ([3] + [1,1] broadcasts to [1,3]).
        PassAssert.Rewrites(
            """
            input %x: f32[3]
            const %c: f32[1,1] = [2]
            %a = Add(%x, %c)
            %y = Relu(%a)
            output %y
            """,
            """
            input %x: f32[3]
            const %c: f32[1,1] = [2]
            %y = com.webdnn.Elementwise(%x, %c) {expr=Relu(Add(in0, in1))}
            output %y
            """,
            new FuseElementwise());
    }

    [Fact]
    public void InputLimit_SplitsLongSums()
    {
        var g = PassAssert.Rewrites(
            """
            input %a: f32[4]
            input %b: f32[4]
            input %c: f32[4]
            input %d: f32[4]
            input %e: f32[4]
            input %f: f32[4]
            input %g: f32[4]
            input %h: f32[4]
            input %i: f32[4]
            %s1 = Add(%a, %b)
            %s2 = Add(%s1, %c)
            %s3 = Add(%s2, %d)
            %s4 = Add(%s3, %e)
            %s5 = Add(%s4, %f)
            %s6 = Add(%s5, %g)
            %s7 = Add(%s6, %h)
            %s8 = Add(%s7, %i)
            output %s8
            """,
            """
            input %a: f32[4]
            input %b: f32[4]
            input %c: f32[4]
            input %d: f32[4]
            input %e: f32[4]
            input %f: f32[4]
            input %g: f32[4]
            input %h: f32[4]
            input %i: f32[4]
            %s6 = com.webdnn.Elementwise(%a, %b, %c, %d, %e, %f, %g) {expr=Add(Add(Add(Add(Add(Add(in0, in1), in2), in3), in4), in5), in6)}
            %s8 = com.webdnn.Elementwise(%s6, %h, %i) {expr=Add(Add(in0, in1), in2)}
            output %s8
            """,
            new FuseElementwise());
        Assert.All(g.Nodes, n => Assert.True(n.Inputs.Count <= 7));
    }

    [Fact]
    public void AnyElementwiseOp_FoldsIntoAPrecedingEpilogue()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[3,5]
            const %w: f32[5,8] = random
            %m = MatMul(%x, %w)
            %e = Exp(%m)
            %y = Neg(%e)
            output %y
            """,
            """
            input %x: f32[3,5]
            const %w: f32[5,8] = random
            %y = MatMul(%x, %w) {webdnn.epilogue=Neg(Exp(in0)), webdnn.epilogue_first=2}
            output %y
            """,
            new FuseElementwise());
    }

    [Fact]
    public void ExistingEpilogue_IsExtended()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[1,3,6,6]
            input %skip: f32[1,16,6,6]
            const %w: f32[16,3,3,3] = random
            %c = Conv(%x, %w) {pads=[1,1,1,1]}
            %r = Relu(%c)
            %s = Add(%r, %skip)
            %y = Tanh(%s)
            output %y
            """,
            """
            input %x: f32[1,3,6,6]
            input %skip: f32[1,16,6,6]
            const %w: f32[16,3,3,3] = random
            %y = Conv(%x, %w, _, %skip) {pads=[1,1,1,1], webdnn.epilogue=Tanh(Add(Relu(in0), in1)), webdnn.epilogue_first=3}
            output %y
            """,
            new FuseActivations(), new FuseElementwise());
    }
}
