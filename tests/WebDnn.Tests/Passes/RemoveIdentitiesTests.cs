using WebDnn.Passes;

namespace WebDnn.Tests.Passes;

public sealed class RemoveIdentitiesTests
{
    [Fact]
    public void NoOps_AreBypassed()
    {
        PassAssert.Rewrites(
            """
            input %x: f32[2,3]
            const %shape: i64[2] = [2,3]
            const %one: f32[] = 1.0
            %a = Identity(%x)
            %b = Dropout(%a)
            %c = Cast(%b) {to=1}
            %d = Transpose(%c) {perm=[0,1]}
            %e = Reshape(%d, %shape)
            %f = Expand(%e, %shape)
            %g = Mul(%f, %one)
            %h = Relu(%g)
            output %h
            """,
            """
            input %x: f32[2,3]
            %h = Relu(%x)
            output %h
            """,
            new RemoveIdentities());
    }

    [Fact]
    public void GraphOutputName_IsKept()
    {
        var g = PassAssert.Rewrites(
            """
            input %x: f32[2,3]
            %r = Relu(%x)
            %y = Identity(%r)
            output %y
            """,
            """
            input %x: f32[2,3]
            %y = Relu(%x)
            output %y
            """,
            new RemoveIdentities());
        Assert.Equal("y", g.Outputs[0].Name);
    }

    [Fact]
    public void IdentityFromInputToOutput_Stays()
    {
        PassAssert.Unchanged(
            """
            input %x: f32[2,3]
            %y = Identity(%x)
            output %y
            """,
            new RemoveIdentities());
    }

    [Fact]
    public void ShapeChangingOps_Stay()
    {
        PassAssert.Unchanged(
            """
            input %x: f32[2,3]
            const %shape: i64[2] = [3,2]
            const %big: i64[3] = [4,2,3]
            %a = Reshape(%x, %shape)
            %b = Transpose(%a) {perm=[1,0]}
            %c = Expand(%b, %big)
            %d = Cast(%c) {to=11}
            output %d
            """,
            new RemoveIdentities());
    }
}
