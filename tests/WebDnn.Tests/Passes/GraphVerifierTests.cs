using WebDnn.Core;
using WebDnn.Core.Verification;

namespace WebDnn.Tests.Passes;

public sealed class GraphVerifierTests
{
    private const string Chain =
        """
        input %x: f32[4]
        %a = Relu(%x)
        %b = Neg(%a)
        output %b
        """;

    [Fact]
    public void WellFormedGraph_Passes() => GraphVerifier.Verify(PassAssert.Load(Chain));

    [Fact]
    public void NodesOutOfOrder_AreReported()
    {
        var g = PassAssert.Load(Chain);
        g.Nodes.Reverse();
        var e = Assert.Throws<InvalidOperationException>(() => GraphVerifier.Verify(g));
        Assert.Contains("before its producer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValueProducedTwice_IsReported()
    {
        var g = PassAssert.Load(Chain);
        var a = g.Nodes[0].Outputs[0];
        var dup = new Node("Relu", "dup");
        g.AddNode(dup, [g.Inputs[0]], [a]);
        var e = Assert.Throws<InvalidOperationException>(() => GraphVerifier.Verify(g));
        Assert.Contains("'a'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StaleConsumerLink_IsReported()
    {
        var g = PassAssert.Load(Chain);
        g.Nodes[1].Inputs[0] = g.Inputs[0];   // bypassing Graph.SetInput leaves %a listing the Neg as consumer
        var e = Assert.Throws<InvalidOperationException>(() => GraphVerifier.Verify(g));
        Assert.Contains("consumer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingType_IsReported()
    {
        var g = PassAssert.Load(Chain);
        g.Nodes[0].Outputs[0].Type = null;
        var e = Assert.Throws<InvalidOperationException>(() => GraphVerifier.Verify(g));
        Assert.Contains("has no type", e.Message, StringComparison.Ordinal);
        GraphVerifier.Verify(g, requireTypes: false);
    }

    [Fact]
    public void GraphOutputOfARemovedNode_IsReported()
    {
        var g = PassAssert.Load(Chain);
        g.RemoveNode(g.Nodes[1]);
        var e = Assert.Throws<InvalidOperationException>(() => GraphVerifier.Verify(g));
        Assert.Contains("graph output 0 'b' is not computed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UndefinedInput_IsReported()
    {
        var g = PassAssert.Load(Chain);
        Graph.SetInput(g.Nodes[0], 0, new Value("ghost", TensorType.Of(DataType.Float32, 4)));
        var e = Assert.Throws<InvalidOperationException>(() => GraphVerifier.Verify(g));
        Assert.Contains("'ghost' is not defined", e.Message, StringComparison.Ordinal);
    }
}
