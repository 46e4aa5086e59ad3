using WebDnn.Passes;

namespace WebDnn.Tests.Passes;

public sealed class RemoveDeadNodesTests
{
    [Fact]
    public void UnreadChain_IsRemoved_InputsStay()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[4]
            input %unused: f32[2]
            %a = Relu(%x)
            %b = Sigmoid(%a)
            %y = Tanh(%x)
            output %y
            """,
            """
            input %x: f32[4]
            input %unused: f32[2]
            %y = Tanh(%x)
            output %y
            """,
            new RemoveDeadNodes());
    }

    [Fact]
    public void NodeWithOneUsedOutput_Stays()
    {
        PassAssert.Unchanged(
            """
            input %x: f32[4,6]
            %a, %b = Split(%x) {axis=1, num_outputs=2}
            %y = Relu(%a)
            output %y
            """,
            new RemoveDeadNodes());
    }
}
