using WebDnn.Passes;

namespace WebDnn.Tests.Passes;

public sealed class RecognizeLayerNormTests
{
    [Fact]
    public void Opset13Spelling_WithPowDivGammaBeta_BecomesLayerNormalization()
    {
        var g = PassAssert.Rewrites(
            """
            opset 13
            input %x: f32[2,5,8]
            const %two: f32[] = 2.0
            const %eps: f32[] = 1e-5
            const %gamma: f32[8] = uniform(0.5,1.5)
            const %beta: f32[8] = random
            %mean = ReduceMean(%x) {axes=[-1]}
            %d = Sub(%x, %mean)
            %sq = Pow(%d, %two)
            %var = ReduceMean(%sq) {axes=[-1]}
            %ve = Add(%var, %eps)
            %std = Sqrt(%ve)
            %n = Div(%d, %std)
            %m = Mul(%n, %gamma)
            %y = Add(%m, %beta)
            output %y
            """,
            """
            input %x: f32[2,5,8]
            const %gamma: f32[8] = uniform(0.5,1.5)
            const %beta: f32[8] = random
            %y = LayerNormalization(%x, %gamma, %beta) {axis=2, epsilon=1E-05}
            output %y
            """,
            new RecognizeLayerNorm());
        Assert.Equal(17, g.Nodes.Single().Opset);
    }

    [Fact]
    public void Opset18Spelling_MulSquareReciprocal_NoAffine_GetsUnitScale()
    {
        PassAssert.Rewrites(
            """
            opset 18
            input %x: f32[3,2,4]
            const %axes: i64[2] = [1,2]
            const %eps: f32[] = 0.001
            %mean = ReduceMean(%x, %axes)
            %d = Sub(%x, %mean)
            %sq = Mul(%d, %d)
            %var = ReduceMean(%sq, %axes)
            %ve = Add(%eps, %var)
            %std = Sqrt(%ve)
            %inv = Reciprocal(%std)
            %y = Mul(%d, %inv)
            output %y
            """,
            """
            input %x: f32[3,2,4]
            const %ones: f32[2,4] = 1.0
            %y = LayerNormalization(%x, %ones) {axis=1, epsilon=0.001}
            output %y
            """,
            new RecognizeLayerNorm());
    }

    [Fact]
    public void ReductionOverALeadingAxis_IsNotLayerNorm()
    {
        PassAssert.Unchanged(
            """
            opset 13
            input %x: f32[2,5,8]
            const %two: f32[] = 2.0
            const %eps: f32[] = 1e-5
            %mean = ReduceMean(%x) {axes=[1]}
            %d = Sub(%x, %mean)
            %sq = Pow(%d, %two)
            %var = ReduceMean(%sq) {axes=[1]}
            %ve = Add(%var, %eps)
            %std = Sqrt(%ve)
            %y = Div(%d, %std)
            output %y
            """,
            new RecognizeLayerNorm());
    }

    [Fact]
    public void IntermediateReadElsewhere_IsNotRewritten()
    {
        PassAssert.Unchanged(
            """
            opset 13
            input %x: f32[2,8]
            const %two: f32[] = 2.0
            const %eps: f32[] = 1e-5
            %mean = ReduceMean(%x) {axes=[-1]}
            %d = Sub(%x, %mean)
            %sq = Pow(%d, %two)
            %var = ReduceMean(%sq) {axes=[-1]}
            %ve = Add(%var, %eps)
            %std = Sqrt(%ve)
            %y = Div(%d, %std)
            output %y
            output %var
            """,
            new RecognizeLayerNorm());
    }
}
