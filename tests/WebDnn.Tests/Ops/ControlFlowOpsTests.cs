using WebDnn.Core;
using WebDnn.Ops.Reference;
using WebDnn.Passes;
using WebDnn.Tests.Passes;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>If, Loop and Scan on the reference interpreter, with bodies written in the graph text format.</summary>
public sealed class ControlFlowOpsTests
{
    private static Graph Outer(string inputs, string op, int outputs, params Attr[] attrs)
    {
        var g = GraphText.Parse(inputs);
        g.Opsets[""] = 16;
        var node = g.AddNode(op, g.Inputs, outputs, attributes: attrs);
        g.Outputs.AddRange(node.Outputs);
        new InferShapes().Run(g, new PassContext());
        return g;
    }

    private static Tensor[] Run(Graph g, params Tensor[] inputs)
    {
        var bound = new Dictionary<Value, Tensor>();
        for (int i = 0; i < inputs.Length; i++)
        {
            bound[g.Inputs[i]] = inputs[i];
        }
        return Interpreter.Run(g, bound);
    }

    [Fact]
    public void If_PicksTheBranch()
    {
        var then = GraphText.Parse("const %a: f32[2] = [1.0,2.0]\noutput %a");
        var other = GraphText.Parse("const %b: f32[2] = [3.0,4.0]\noutput %b");
        var g = Outer("input %c: bool[]", "If", 1, new Attr("then_branch", AttributeKind.Graph) { G = then }, new Attr("else_branch", AttributeKind.Graph) { G = other });
        Close([1, 2], Run(g, new Tensor(DataType.Bool, [], new[] { true }))[0]);
        Close([3, 4], Run(g, new Tensor(DataType.Bool, [], new[] { false }))[0]);
        Assert.Equal("f32[2]", g.Outputs[0].Type!.ToString());
    }

    [Fact]
    public void Loop_CarriesAndStacks()
    {
        // v ← v + 1 three times; the scan output records v before each step.
        var body = GraphText.Parse("""
            input %i: i64[]
            input %c: bool[]
            input %v: f32[1]
            const %one: f32[1] = [1.0]
            %w = Add(%v, %one)
            %keep = Identity(%c)
            %prev = Identity(%v)
            output %keep
            output %w
            output %prev
            """);
        var g = Outer("input %m: i64[]\ninput %c: bool[]\ninput %v: f32[1]", "Loop", 2, new Attr("body", AttributeKind.Graph) { G = body });
        var outs = Run(g, Tensor.ScalarLong(3), new Tensor(DataType.Bool, [], new[] { true }), F32(5));
        Close([8], outs[0]);
        Close([5, 6, 7], outs[1]);
        Assert.Equal([3, 1], outs[1].Shape);
    }

    [Fact]
    public void Scan_RunningSum()
    {
        var body = GraphText.Parse("""
            input %s: f32[2]
            input %x: f32[2]
            %t = Add(%s, %x)
            %o = Identity(%t)
            output %t
            output %o
            """);
        var g = Outer("input %s0: f32[2]\ninput %xs: f32[3,2]", "Scan", 2, new Attr("body", AttributeKind.Graph) { G = body }, Attr.Int("num_scan_inputs", 1));
        var outs = Run(g, F32(0, 0), F32([3, 2], 1, 2, 3, 4, 5, 6));
        Close([9, 12], outs[0]);
        Close([1, 2, 4, 6, 9, 12], outs[1]);
    }
}
