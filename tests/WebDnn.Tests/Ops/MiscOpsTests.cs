using WebDnn.Core;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>NonMaxSuppression, Det, CenterCropPad, LpNormalization, GridSample, AffineGrid, Col2Im and MaxUnpool.</summary>
public sealed class MiscOpsTests
{
    [Fact]
    public void NonMaxSuppression_SuppressesOverlaps()
    {
        const string text = """
            opset 11
            input %b: f32[1,3,4]
            input %s: f32[1,1,3]
            input %m: i64[1]
            input %iou: f32[1]
            %y = NonMaxSuppression(%b, %s, %m, %iou)
            output %y
            """;
        // Boxes 0 and 1 overlap with IoU 0.81/1.19 ≈ 0.68; box 2 is disjoint.
        var boxes = F32([1, 3, 4], 0, 0, 1, 1, 0.1f, 0.1f, 1.1f, 1.1f, 5, 5, 6, 6);
        var y = Eval(text, boxes, F32([1, 1, 3], 0.9f, 0.95f, 0.5f), I64(10), F32(0.5f));
        Assert.Equal([2, 3], y.Shape);
        Exact([0, 0, 1, 0, 0, 2], y);
    }

    [Fact]
    public void Det_OfBatch()
    {
        const string text = "opset 11\ninput %x: f32[2,2,2]\n%y = Det(%x)\noutput %y";
        Close([-2, -6], Eval(text, F32([2, 2, 2], 1, 2, 3, 4, 0, 2, 3, 0)));
    }

    [Fact]
    public void CenterCropPad_CropsAndPads()
    {
        const string text = """
            opset 18
            input %x: f32[2,3]
            const %s: i64[2] = [4,1]
            %y = CenterCropPad(%x, %s)
            output %y
            """;
        Assert.Equal("f32[4,1]", Infer(text).Outputs[0].Type!.ToString());
        Close([0, 2, 5, 0], Eval(text, F32([2, 3], 1, 2, 3, 4, 5, 6)));
    }

    [Fact]
    public void LpNormalization_L1AndL2()
    {
        Close([0.6, 0.8], Eval("opset 11\ninput %x: f32[1,2]\n%y = LpNormalization(%x)\noutput %y", F32([1, 2], 3, 4)));
        Close([3.0 / 7, -4.0 / 7], Eval("opset 11\ninput %x: f32[1,2]\n%y = LpNormalization(%x) {p=1}\noutput %y", F32([1, 2], 3, -4)));
    }

    [Fact]
    public void GridSample_IdentityGridReproducesInput()
    {
        // align_corners=1: grid points -1 and 1 hit the corner pixels exactly.
        const string text = """
            opset 16
            input %x: f32[1,1,2,2]
            input %g: f32[1,1,2,2]
            %y = GridSample(%x, %g) {align_corners=1}
            output %y
            """;
        Close([1, 4], Eval(text, F32([1, 1, 2, 2], 1, 2, 3, 4), F32([1, 1, 2, 2], -1, -1, 1, 1)));
        // Centre of the image: the mean of the four pixels.
        const string centre = """
            opset 16
            input %x: f32[1,1,2,2]
            input %g: f32[1,1,1,2]
            %y = GridSample(%x, %g)
            output %y
            """;
        Close([2.5], Eval(centre, F32([1, 1, 2, 2], 1, 2, 3, 4), F32([1, 1, 1, 2], 0, 0)));
    }

    [Fact]
    public void AffineGrid_IdentityTheta()
    {
        const string text = """
            opset 20
            input %t: f32[1,2,3]
            const %s: i64[4] = [1,1,1,2]
            %y = AffineGrid(%t, %s) {align_corners=1}
            output %y
            """;
        Close([-1, 0, 1, 0], Eval(text, F32([1, 2, 3], 1, 0, 0, 0, 1, 0)));
    }

    [Fact]
    public void Col2Im_SumsOverlaps()
    {
        // 1×3 image, blocks of 1×2 with stride 1: two columns [a, b] and [c, d] → [a, b + c, d].
        const string text = """
            opset 18
            input %x: f32[1,2,2]
            const %img: i64[2] = [1,3]
            const %blk: i64[2] = [1,2]
            %y = Col2Im(%x, %img, %blk)
            output %y
            """;
        Close([1, 5, 4], Eval(text, F32([1, 2, 2], 1, 3, 2, 4)));
    }

    [Fact]
    public void MaxUnpool_ScattersByIndex()
    {
        const string text = """
            opset 11
            input %x: f32[1,1,1,1]
            input %i: i64[1,1,1,1]
            %y = MaxUnpool(%x, %i) {kernel_shape=[2,2], strides=[2,2]}
            output %y
            """;
        Close([0, 0, 0, 7], Eval(text, F32([1, 1, 1, 1], 7), Tensor.FromLongs([1, 1, 1, 1], [3])));
    }
}
