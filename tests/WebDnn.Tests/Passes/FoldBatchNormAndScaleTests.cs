using WebDnn.Passes;

namespace WebDnn.Tests.Passes;

public sealed class FoldBatchNormAndScaleTests
{
    private static readonly IGraphPass[] s_passes = [new FoldBatchNormAndScale(), new RemoveDeadNodes()];

    [Fact]
    public void ConvBatchNorm_FoldsIntoWeightsAndBias()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            const %b: f32[16] = random
            const %scale: f32[16] = uniform(0.5,1.5)
            const %bias: f32[16] = random
            const %mean: f32[16] = random
            const %var: f32[16] = uniform(0.5,2)
            %c = Conv(%x, %w, %b) {pads=[1,1,1,1]}
            %y = BatchNormalization(%c, %scale, %bias, %mean, %var) {epsilon=0.001}
            output %y
            """,
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            const %b: f32[16] = random
            %y = Conv(%x, %w, %b) {pads=[1,1,1,1]}
            output %y
            """,
            s_passes);
    }

    [Fact]
    public void ConvMulAdd_PerChannel_FoldIntoNewBias()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            const %s: f32[16,1,1] = random
            const %t: f32[1,16,1,1] = random
            %c = Conv(%x, %w) {pads=[1,1,1,1], group=1}
            %m = Mul(%s, %c)
            %y = Add(%m, %t)
            output %y
            """,
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            const %b: f32[16] = random
            %y = Conv(%x, %w, %b) {group=1, pads=[1,1,1,1]}
            output %y
            """,
            s_passes);
    }

    [Fact]
    public void ScaleVaryingOverSpace_IsNotFolded()
    {
        PassAssert.Unchanged(
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            const %s: f32[6,6] = random
            %c = Conv(%x, %w) {pads=[1,1,1,1]}
            %y = Mul(%c, %s)
            output %y
            """,
            s_passes);
    }

    [Fact]
    public void ConvWithTwoReaders_IsNotFolded()
    {
        PassAssert.Unchanged(
            """
            input %x: f32[1,3,6,6]
            const %w: f32[16,3,3,3] = random
            const %s: f32[] = 2.0
            %c = Conv(%x, %w) {pads=[1,1,1,1]}
            %y = Mul(%c, %s)
            %z = Relu(%c)
            output %y
            output %z
            """,
            s_passes);
    }

    [Fact]
    public void GroupedConvTransposeBatchNorm_ScalesTheRightColumns()
    {
        // ConvTranspose weights are [C, M/group, k, k]: C = 4 (2 per group), M = 2 groups × 6 = 12 output channels.
        PassAssert.Rewrites(
            """
            input %x: f32[1,4,5,5]
            const %w: f32[4,6,3,3] = random
            const %scale: f32[12] = uniform(0.5,1.5)
            const %bias: f32[12] = random
            const %mean: f32[12] = random
            const %var: f32[12] = uniform(0.5,2)
            %c = ConvTranspose(%x, %w) {group=2, strides=[2,2]}
            %y = BatchNormalization(%c, %scale, %bias, %mean, %var)
            output %y
            """,
            """
            input %x: f32[1,4,5,5]
            const %w: f32[4,6,3,3] = random
            const %b: f32[12] = random
            %y = ConvTranspose(%x, %w, %b) {group=2, strides=[2,2]}
            output %y
            """,
            s_passes);
    }

    [Fact]
    public void GemmTransB_BatchNorm_FoldsIntoBAndC()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[2,5]
            const %w: f32[12,5] = random
            const %c: f32[12] = random
            const %scale: f32[12] = uniform(0.5,1.5)
            const %bias: f32[12] = random
            const %mean: f32[12] = random
            const %var: f32[12] = uniform(0.5,2)
            %g = Gemm(%x, %w, %c) {transB=1, beta=0.5}
            %y = BatchNormalization(%g, %scale, %bias, %mean, %var)
            output %y
            """,
            """
            input %x: f32[2,5]
            const %w: f32[12,5] = random
            const %c: f32[12] = random
            %y = Gemm(%x, %w, %c) {beta=1.0, transB=1}
            output %y
            """,
            s_passes);
    }

    [Fact]
    public void MatMul2D_MulAdd_BecomesGemm()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[3,5]
            const %w: f32[5,12] = random
            const %s: f32[12] = random
            const %t: f32[1,12] = random
            %m = MatMul(%x, %w)
            %p = Mul(%m, %s)
            %y = Add(%t, %p)
            output %y
            """,
            """
            input %x: f32[3,5]
            const %w: f32[5,12] = random
            const %c: f32[12] = random
            %y = Gemm(%x, %w, %c) {beta=1.0}
            output %y
            """,
            s_passes);
    }

    [Fact]
    public void MatMul3D_ScaleFolds_BiasAddStays()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[2,3,5]
            const %w: f32[5,12] = random
            const %s: f32[12] = random
            const %t: f32[12] = random
            %m = MatMul(%x, %w)
            %p = Div(%m, %s)
            %y = Add(%p, %t)
            output %y
            """,
            """
            input %x: f32[2,3,5]
            const %w: f32[5,12] = random
            const %t: f32[12] = random
            %m = MatMul(%x, %w)
            %y = Add(%m, %t)
            output %y
            """,
            s_passes);
    }

    [Fact]
    public void StandaloneBatchNorm_BecomesMulAdd()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[2,16,3,3]
            const %scale: f32[16] = uniform(0.5,1.5)
            const %bias: f32[16] = random
            const %mean: f32[16] = random
            const %var: f32[16] = uniform(0.5,2)
            %r = Relu(%x)
            %y = BatchNormalization(%r, %scale, %bias, %mean, %var)
            output %y
            """,
            """
            input %x: f32[2,16,3,3]
            const %s: f32[16,1,1] = random
            const %t: f32[16,1,1] = random
            %r = Relu(%x)
            %m = Mul(%r, %s)
            %y = Add(%m, %t)
            output %y
            """,
            s_passes);
    }
}
