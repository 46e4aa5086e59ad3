using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Tests.Backends;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Security;

/// <summary>
/// The runtime's result object takes output names from the model: names that are special in JavaScript must come back
/// as ordinary entries (run in Node through the bundled webdnn.mjs), and a run() argument that is not an object of
/// inputs is refused with a message.
/// </summary>
public sealed class RuntimeResultTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Outputs_named_like_object_internals_are_plain_entries()
    {
        var f = DataType.Float32;
        var pb = new ProgramBuilder();
        var x = pb.Input("x", f, [4]);
        string[] names = ["__proto__", "hasOwnProperty", "constructor", "toString"];
        foreach (var (name, k) in names.Select((n, k) => (n, k)))
        {
            var o = pb.Act(f, 4);
            pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Add, Expr.In(0, f), Expr.Const(k, f))) { Inputs = [x], Outputs = [o] });
            pb.Output(name, o);
        }
        // Compares every output, by name, with the reference: a name lost to the prototype chain fails here.
        BackendHarness.AssertMatchesReference("js", pb, _dir.File("pkg"));
        var r = NodeRunner.Run(_dir.File("pkg"), pb.RawInputs());
        Assert.True(r.Ok, r.Error);
        Assert.Equal(names.Order(StringComparer.Ordinal), r.Outputs.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_run_argument_that_is_not_an_object_of_inputs_is_refused()
    {
        var f = DataType.Float32;
        var pb = new ProgramBuilder();
        var x = pb.Input("x", f, [4]);
        var o = pb.Act(f, 4);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Neg, Expr.In(0, f))) { Inputs = [x], Outputs = [o] });
        pb.Output("y", o);
        BackendHarness.AssertMatchesReference("js", pb, _dir.File("pkg"));
        // The setup script throws (and the run fails) unless each bad argument is refused with the message.
        const string setup = """
            for (const bad of ['abcd', 42, null, new Float32Array(4), [new Float32Array(4)]]) {
              const probe = await load(pkg);
              let message = 'accepted';
              try { await probe.run(bad); } catch (e) { message = String(e.message); }
              if (!message.includes('takes an object of inputs')) throw new Error(`run(${String(bad)}): ${message}`);
              probe.dispose();
            }
            """;
        var r = NodeRunner.Run(_dir.File("pkg"), pb.RawInputs(), setup: setup);
        Assert.True(r.Ok, r.Error);
    }
}
