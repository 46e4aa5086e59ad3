using WebDnn.Backends.Common;
using WebDnn.Tests.Backends;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Runtime;

/// <summary>
/// run() input validation (issue 12, part 8), in Node through the bundled runtime: each malformed input of the
/// <see cref="TinyModel"/> (input 'x' f32[4]) is refused with a plain Error, not a TypeError from inside the runtime,
/// that names the input and says what was expected and what came instead.
/// </summary>
public sealed class InputValidationTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("{ data: new Float32Array(4), shape: 'abcd' }", "shape must be an array of non-negative integers, [4] for this model, got a string (\"abcd\")")]
    [InlineData("{ data: new Float32Array(4), shape: [2.5] }", "shape must be an array of non-negative integers, [4] for this model, got [2.5]")]
    [InlineData("{ data: new Float32Array(4), shape: [-4] }", "got [-4]")]
    [InlineData("{ data: new Float32Array(4), shape: ['4'] }", "got [\"4\"]")]
    [InlineData("{ data: new Float32Array(4), shape: 4 }", "got the number 4")]
    [InlineData("new DataView(new ArrayBuffer(16))", "expected Float32Array of 4 elements (f32[4]) or { data, shape }, got a DataView (wrap its bytes in a typed array")]
    [InlineData("new ArrayBuffer(16)", "got an ArrayBuffer (wrap it in a typed array")]
    [InlineData("'abcd'", "expected Float32Array of 4 elements (f32[4]) or { data, shape }, got a string (\"abcd\")")]
    [InlineData("42", "got the number 42")]
    [InlineData("{ data: new DataView(new ArrayBuffer(16)) }", "got data = a DataView")]
    [InlineData("{ data: 'abcd' }", "got data = a string (\"abcd\")")]
    [InlineData("{ shape: [4] }", "got data = an object without 'data' (keys: shape)")]
    [InlineData("['1', '2', '3', '4']", "input 'x'[0] is a string (\"1\"); expected numbers (Float32Array of 4 elements (f32[4]))")]
    [InlineData("[1, 2, {}, 4]", "input 'x'[2] is Object; expected numbers")]
    [InlineData("[1, 2, 3, null]", "input 'x'[3] is null; expected numbers")]
    public void A_malformed_input_is_refused_naming_the_input_and_what_was_expected(string input, string expected)
    {
        var pb = TinyModel.Build();
        string pkg = _dir.File("pkg");
        PackageWriter.Write(pb.Program, pkg, ["js"]);
        // The setup script throws (so the driver fails and the test with it) unless run() refuses the input as expected.
        string setup = $$"""
            {
              const probe = await load(pkg, { backendOrder: ['js'] });
              let error = null;
              try { await probe.run({ x: {{input}} }); } catch (e) { error = e; }
              probe.dispose();
              if (error === null) throw new Error('the input was accepted');
              if (error.constructor !== Error) throw new Error(`a ${error.constructor.name}, not an Error: ${error.message}`);
              if (!error.message.includes("input 'x'")) throw new Error(`the message does not name the input: ${error.message}`);
              const expected = {{System.Text.Json.JsonSerializer.Serialize(expected)}};
              if (!error.message.includes(expected)) throw new Error(`message: ${error.message}\nexpected it to contain: ${expected}`);
            }
            """;
        var r = NodeRunner.Run(pkg, pb.RawInputs(), setup: setup);
        Assert.True(r.Ok, r.Error);
    }
}
