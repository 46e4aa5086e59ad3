using WebDnn.Core.Kernels;
using static WebDnn.Tests.Ops.TensorTestGraphs;

namespace WebDnn.Tests.Ops;

/// <summary>
/// Resize and Upsample lower to a <see cref="ResizeKernel"/> whose tap tables hold all the coordinate math: every ONNX
/// node test of the two ops (every coordinate transformation mode, nearest mode, cubic coefficient, exclude_outside,
/// antialias, tf_crop_and_resize with extrapolation, keep_aspect_ratio_policy) is lowered with its roi/scales/sizes
/// frozen as constants, run by the primitive reference and compared with the expected output (rtol 1e-3 / atol 1e-7).
/// </summary>
public sealed class ResizeLoweringTests
{
    [Fact]
    public void NodeTests_LowerToTapTablesThatMatchExpectedOutputs()
    {
        var (lowered, failures) = RunLoweredNodeTests(["test_resize_", "test_upsample_"], freezeParameters: true,
            p => Assert.IsType<ResizeKernel>(Assert.Single(p.Kernels)));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // ONNX 1.23 has 40 Resize/Upsample node tests; fewer means the filter (or the suite) went wrong.
        Assert.True(lowered >= 40, $"only {lowered} cases were checked");
    }
}
