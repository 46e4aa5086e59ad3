using static WebDnn.Tests.Ops.TensorTestGraphs;

namespace WebDnn.Tests.Ops;

/// <summary>
/// RMSNormalization and LpNormalization (test_lpnormalization*, test_l2normalization*: a zero norm gives 0) lowerings (reduce + elementwise), run by the naive
/// <see cref="WebDnn.Core.Kernels.Reference.KernelReference"/> on the ONNX node tests of both ops and compared with their expected outputs.
/// </summary>
public sealed class NormLoweringExtraTests
{
    [Fact]
    public void RmsAndLpNormalization_LoweredProgramsMatchNodeTests()
    {
        var (checkedCases, failures) = RunLoweredNodeTests(["test_rms_normalization", "test_lpnormalization", "test_l2normalization"], freezeParameters: false);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(checkedCases >= 18, $"only {checkedCases} cases were checked");
    }
}
