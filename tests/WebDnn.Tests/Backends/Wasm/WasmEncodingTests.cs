using WebDnn.Backends.Wasm.Encoding;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>
/// The WebAssembly binary writer: LEB128 against the spec's examples, the opcode table, and per instruction family a
/// small module that must validate in Node and compute a checked result (inputs at address 0, results at 1024).
/// </summary>
public sealed class WasmEncodingTests
{
    private const int Out = 1024;

    private static readonly float[] s_in = [1.5f, -2.25f, 3f, -0.5f, 4f, 9f, -7.75f, 0.125f];

    [Theory]
    [InlineData(0u, new byte[] { 0x00 })]
    [InlineData(127u, new byte[] { 0x7F })]
    [InlineData(128u, new byte[] { 0x80, 0x01 })]
    [InlineData(624485u, new byte[] { 0xE5, 0x8E, 0x26 })]
    [InlineData(uint.MaxValue, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    public void Unsigned_leb128(uint v, byte[] expected)
    {
        var o = new List<byte>();
        Leb128.WriteU32(o, v);
        Assert.Equal(expected, o);
    }

    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(-1, new byte[] { 0x7F })]
    [InlineData(63, new byte[] { 0x3F })]
    [InlineData(64, new byte[] { 0xC0, 0x00 })]
    [InlineData(-64, new byte[] { 0x40 })]
    [InlineData(-65, new byte[] { 0xBF, 0x7F })]
    [InlineData(-123456, new byte[] { 0xC0, 0xBB, 0x78 })]
    [InlineData(int.MinValue, new byte[] { 0x80, 0x80, 0x80, 0x80, 0x78 })]
    public void Signed_leb128(int v, byte[] expected)
    {
        var o = new List<byte>();
        Leb128.WriteS32(o, v);
        Assert.Equal(expected, o);
    }

    [Fact]
    public void Opcodes_have_unique_encodings_and_text_names()
    {
        var all = WasmOpcodes.All;
        Assert.Equal(all.Count, all.Values.Distinct().Count());
        Assert.Equal(all.Count, Enum.GetValues<WasmOpcode>().Distinct().Count());
        Assert.Equal("f32x4.relaxed_madd", WasmOpcode.F32x4RelaxedMadd.TextName());
        Assert.Equal(WasmFeature.RelaxedSimd, WasmOpcode.F32x4RelaxedMadd.Feature());
        Assert.Equal(WasmFeature.Simd128, WasmOpcode.F32x4Add.Feature());
        Assert.Equal(WasmFeature.BulkMemory, WasmOpcode.MemoryCopy.Feature());
        Assert.All(all, kv => Assert.Matches(@"^[a-z0-9_]+(\.[a-z0-9_]+)?$", kv.Value));
    }

    [Fact]
    public void Immediates_are_checked()
    {
        var f = new FunctionBody([]);
        Assert.Throws<ArgumentException>(() => f.Op(WasmOpcode.I32Const));
        Assert.Throws<ArgumentException>(() => f.Op(WasmOpcode.V128Load));
        Assert.Throws<ArgumentException>(() => f.Lane(WasmOpcode.F32x4ExtractLane, 4));
        Assert.Throws<InvalidOperationException>(() => f.End());
        f.Block();
        Assert.Throws<InvalidOperationException>(() => f.Encode());
    }

    private static byte[] Module(Action<FunctionBody> body, ModuleWriter? m = null)
    {
        m ??= new ModuleWriter();
        var f = new FunctionBody([]);
        body(f);
        m.Export("run", m.AddFunction(f));
        return m.ToBytes();
    }

    private static WasmNode.Result Run(byte[] module, int outLen, bool relaxed = false)
    {
        var r = WasmNode.Run(module, "run", s_in, [], Out, outLen, relaxed);
        Assert.True(r.Valid, $"module does not validate: {r.Error}");
        return r;
    }

    [Fact]
    public void Empty_module_validates()
    {
        Assert.True(WasmNode.Run(new ModuleWriter().ToBytes()).Valid);
    }

    [Fact]
    public void Mvp_control_flow_and_i32_arithmetic()
    {
        var bytes = Module(f =>
        {
            int i = f.Local(ValType.I32), s = f.Local(ValType.I32);
            // s = Σ_{i<100} i·3 − (i mod 7), then a branch out of a block when s is even
            f.Loop();
            f.LocalGet(s).LocalGet(i).I32Const(3).Op(WasmOpcode.I32Mul).Op(WasmOpcode.I32Add).LocalGet(i).I32Const(7).Op(WasmOpcode.I32RemU).Op(WasmOpcode.I32Sub).LocalSet(s);
            f.LocalGet(i).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(i).I32Const(100).Op(WasmOpcode.I32LtS).BrIf(0);
            f.End();
            f.I32Const(Out).LocalGet(s).Mem(WasmOpcode.I32Store);
            f.Block();
            f.LocalGet(s).I32Const(1).Op(WasmOpcode.I32And).BrIf(0);
            f.I32Const(Out).I32Const(-5).I32Const(3).Op(WasmOpcode.I32DivS).Mem(WasmOpcode.I32Store, 4);
            f.End();
            f.I32Const(Out).I32Const(1).I32Const(31).Op(WasmOpcode.I32Shl).I32Const(28).Op(WasmOpcode.I32ShrS).Mem(WasmOpcode.I32Store, 8);
            f.I32Const(Out).LocalGet(s).I32Const(1000).Op(WasmOpcode.I32GtS);
            f.If(ValType.I32);
            f.I32Const(7);
            f.Else();
            f.I32Const(8);
            f.End();
            f.Mem(WasmOpcode.I32Store, 16);
            f.I32Const(Out).I32Const(0xF0).I32Const(0x3C).Op(WasmOpcode.I32Xor).Mem(WasmOpcode.I32Store, 12);
        });
        var r = Run(bytes, 5);
        int s = 0;
        for (int i = 0; i < 100; i++)
        {
            s += i * 3 - i % 7;
        }
        Assert.Equal(s, r.I32[0]);
        Assert.Equal(s % 2 == 0 ? -1 : 0, r.I32[1]);
        Assert.Equal(int.MinValue >> 28, r.I32[2]);
        Assert.Equal(0xF0 ^ 0x3C, r.I32[3]);
        Assert.Equal(s > 1000 ? 7 : 8, r.I32[4]);
    }

    [Fact]
    public void Calls_pass_parameters()
    {
        var m = new ModuleWriter();
        var add = new FunctionBody([ValType.I32, ValType.F32], [ValType.F32]);
        add.LocalGet(1).LocalGet(0).Op(WasmOpcode.F32ConvertI32S).Op(WasmOpcode.F32Mul);
        int addIndex = m.AddFunction(add);
        var bytes = Module(f => f.I32Const(Out).I32Const(6).F32Const(2.5f).Call(addIndex).Mem(WasmOpcode.F32Store), m);
        Assert.Equal(15f, Run(bytes, 1).F32[0]);
    }

    [Fact]
    public void Scalar_f32_arithmetic_and_conversions()
    {
        WasmOpcode[] unary = [WasmOpcode.F32Abs, WasmOpcode.F32Neg, WasmOpcode.F32Ceil, WasmOpcode.F32Floor, WasmOpcode.F32Nearest, WasmOpcode.F32Sqrt];
        WasmOpcode[] binary = [WasmOpcode.F32Add, WasmOpcode.F32Sub, WasmOpcode.F32Mul, WasmOpcode.F32Div, WasmOpcode.F32Min, WasmOpcode.F32Max];
        var bytes = Module(f =>
        {
            int o = 0;
            foreach (var op in unary)
            {
                f.I32Const(Out).I32Const(20).Mem(WasmOpcode.F32Load).Op(op).Mem(WasmOpcode.F32Store, (uint)(o++ * 4));
            }
            foreach (var op in binary)
            {
                f.I32Const(Out).I32Const(0).Mem(WasmOpcode.F32Load).I32Const(4).Mem(WasmOpcode.F32Load).Op(op).Mem(WasmOpcode.F32Store, (uint)(o++ * 4));
            }
            f.I32Const(Out).I32Const(24).Mem(WasmOpcode.F32Load).Op(WasmOpcode.I32TruncF32S).Mem(WasmOpcode.I32Store, (uint)(o++ * 4));
            f.I32Const(Out).I32Const(0).Mem(WasmOpcode.F32Load).F32Const(1f).Op(WasmOpcode.F32Lt).Mem(WasmOpcode.I32Store, (uint)(o++ * 4));
        });
        var r = Run(bytes, 14);
        float x = s_in[5], a = s_in[0], b = s_in[1];
        float[] expect = [MathF.Abs(x), -x, MathF.Ceiling(x), MathF.Floor(x), MathF.Round(x, MidpointRounding.ToEven), MathF.Sqrt(x),
            a + b, a - b, a * b, a / b, MathF.Min(a, b), MathF.Max(a, b)];
        Assert.Equal(expect, r.F32[..12]);
        Assert.Equal((int)s_in[6], r.I32[12]);
        Assert.Equal(0, r.I32[13]);
    }

    /// <summary>Writes op(v0, v1) of the two input vectors (lanes 0–3 and 4–7) at Out + 16·slot.</summary>
    private static void Binary(FunctionBody f, WasmOpcode op, int slot) =>
        f.I32Const(Out).I32Const(0).Mem(WasmOpcode.V128Load).I32Const(16).Mem(WasmOpcode.V128Load).Op(op).Mem(WasmOpcode.V128Store, (uint)(slot * 16));

    private static void Unary(FunctionBody f, WasmOpcode op, int slot) =>
        f.I32Const(Out).I32Const(16).Mem(WasmOpcode.V128Load).Op(op).Mem(WasmOpcode.V128Store, (uint)(slot * 16));

    [Fact]
    public void Simd128_f32x4_arithmetic()
    {
        (WasmOpcode Op, Func<float, float, float> F)[] binary =
        [
            (WasmOpcode.F32x4Add, (a, b) => a + b), (WasmOpcode.F32x4Sub, (a, b) => a - b), (WasmOpcode.F32x4Mul, (a, b) => a * b),
            (WasmOpcode.F32x4Div, (a, b) => a / b), (WasmOpcode.F32x4Min, MathF.Min), (WasmOpcode.F32x4Max, MathF.Max),
            (WasmOpcode.F32x4PMin, (a, b) => b < a ? b : a), (WasmOpcode.F32x4PMax, (a, b) => a < b ? b : a),
        ];
        (WasmOpcode Op, Func<float, float> F)[] unary =
        [
            (WasmOpcode.F32x4Abs, MathF.Abs), (WasmOpcode.F32x4Neg, v => -v), (WasmOpcode.F32x4Sqrt, v => MathF.Sqrt(MathF.Abs(v))),
            (WasmOpcode.F32x4Ceil, MathF.Ceiling), (WasmOpcode.F32x4Floor, MathF.Floor), (WasmOpcode.F32x4Trunc, MathF.Truncate),
            (WasmOpcode.F32x4Nearest, v => MathF.Round(v, MidpointRounding.ToEven)),
        ];
        var bytes = Module(f =>
        {
            for (int i = 0; i < binary.Length; i++)
            {
                Binary(f, binary[i].Op, i);
            }
            for (int i = 0; i < unary.Length; i++)
            {
                if (unary[i].Op == WasmOpcode.F32x4Sqrt)
                {
                    f.I32Const(Out).I32Const(16).Mem(WasmOpcode.V128Load).Op(WasmOpcode.F32x4Abs).Op(WasmOpcode.F32x4Sqrt).Mem(WasmOpcode.V128Store, (uint)((binary.Length + i) * 16));
                }
                else
                {
                    Unary(f, unary[i].Op, binary.Length + i);
                }
            }
        });
        var r = Run(bytes, (binary.Length + unary.Length) * 4);
        for (int i = 0; i < binary.Length; i++)
        {
            for (int l = 0; l < 4; l++)
            {
                Assert.True(binary[i].F(s_in[l], s_in[4 + l]) == r.F32[i * 4 + l], $"{binary[i].Op.TextName()} lane {l}");
            }
        }
        for (int i = 0; i < unary.Length; i++)
        {
            for (int l = 0; l < 4; l++)
            {
                Assert.True(unary[i].F(s_in[4 + l]) == r.F32[(binary.Length + i) * 4 + l], $"{unary[i].Op.TextName()} lane {l}");
            }
        }
    }

    [Fact]
    public void Simd128_lanes_splats_shuffles_and_constants()
    {
        var bytes = Module(f =>
        {
            f.I32Const(Out).I32Const(8).Mem(WasmOpcode.F32Load).Op(WasmOpcode.F32x4Splat).Mem(WasmOpcode.V128Store, 0);
            f.I32Const(Out).I32Const(0).Mem(WasmOpcode.V128Load).F32Const(42f).Lane(WasmOpcode.F32x4ReplaceLane, 2).Mem(WasmOpcode.V128Store, 16);
            f.I32Const(Out).I32Const(0).Mem(WasmOpcode.V128Load).Lane(WasmOpcode.F32x4ExtractLane, 3).Mem(WasmOpcode.F32Store, 32);
            f.I32Const(Out).I32Const(0).Mem(WasmOpcode.V128Load).I32Const(16).Mem(WasmOpcode.V128Load).Shuffle32(3, 4, 1, 6).Mem(WasmOpcode.V128Store, 48);
            f.I32Const(Out).V128Const(1f, 2f, 3f, 4f).Mem(WasmOpcode.V128Store, 64);
            f.I32Const(Out).I32Const(-3).Op(WasmOpcode.I32x4Splat).Lane(WasmOpcode.I32x4ExtractLane, 1).Mem(WasmOpcode.I32Store, 80);
        });
        var r = Run(bytes, 21);
        Assert.Equal([s_in[2], s_in[2], s_in[2], s_in[2]], r.F32[0..4]);
        Assert.Equal([s_in[0], s_in[1], 42f, s_in[3]], r.F32[4..8]);
        Assert.Equal(s_in[3], r.F32[8]);
        Assert.Equal([s_in[3], s_in[4], s_in[1], s_in[6]], r.F32[12..16]);
        Assert.Equal([1f, 2f, 3f, 4f], r.F32[16..20]);
        Assert.Equal(-3, r.I32[20]);
    }

    [Fact]
    public void Simd128_memory_and_lane_memory()
    {
        var bytes = Module(f =>
        {
            f.I32Const(Out).I32Const(4).Mem(WasmOpcode.V128Load32Splat).Mem(WasmOpcode.V128Store, 0);
            f.I32Const(Out).I32Const(0).Mem(WasmOpcode.V128Load32Zero, 8).Mem(WasmOpcode.V128Store, 16);
            f.I32Const(Out).I32Const(0).Mem(WasmOpcode.V128Load64Zero, 16).Mem(WasmOpcode.V128Store, 32);
            f.I32Const(Out).I32Const(0).I32Const(0).Mem(WasmOpcode.V128Load).MemLane(WasmOpcode.V128Load32Lane, 1, 28).Mem(WasmOpcode.V128Store, 48);
            f.I32Const(Out).I32Const(0).I32Const(0).Mem(WasmOpcode.V128Load).MemLane(WasmOpcode.V128Load64Lane, 1, 16).Mem(WasmOpcode.V128Store, 64);
            // partial stores into a zeroed row
            f.I32Const(Out).F32x4Const(0).Mem(WasmOpcode.V128Store, 80);
            f.I32Const(Out).I32Const(16).Mem(WasmOpcode.V128Load).MemLane(WasmOpcode.V128Store32Lane, 2, 80);
            f.I32Const(Out).I32Const(16).Mem(WasmOpcode.V128Load).MemLane(WasmOpcode.V128Store64Lane, 1, 88);
        });
        var r = Run(bytes, 24);
        Assert.Equal([s_in[1], s_in[1], s_in[1], s_in[1]], r.F32[0..4]);
        Assert.Equal([s_in[2], 0, 0, 0], r.F32[4..8]);
        Assert.Equal([s_in[4], s_in[5], 0, 0], r.F32[8..12]);
        Assert.Equal([s_in[0], s_in[7], s_in[2], s_in[3]], r.F32[12..16]);
        Assert.Equal([s_in[0], s_in[1], s_in[4], s_in[5]], r.F32[16..20]);
        Assert.Equal([s_in[6], 0, s_in[6], s_in[7]], r.F32[20..24]);
    }

    [Fact]
    public void Simd128_integer_bitwise_comparisons_and_conversions()
    {
        var bytes = Module(f =>
        {
            // trunc_sat, i32x4 arithmetic on the truncated values, convert back
            int v = f.Local(ValType.V128);
            f.I32Const(0).Mem(WasmOpcode.V128Load).Op(WasmOpcode.I32x4TruncSatF32x4S).LocalSet(v);
            f.I32Const(Out).LocalGet(v).Mem(WasmOpcode.V128Store, 0);
            f.I32Const(Out).LocalGet(v).LocalGet(v).Op(WasmOpcode.I32x4Mul).V128Const(10, 20, 30, 40).Op(WasmOpcode.I32x4Add).Mem(WasmOpcode.V128Store, 16);
            f.I32Const(Out).LocalGet(v).I32Const(3).Op(WasmOpcode.I32x4Shl).Op(WasmOpcode.I32x4Neg).Mem(WasmOpcode.V128Store, 32);
            f.I32Const(Out).LocalGet(v).I32Const(1).Op(WasmOpcode.I32x4ShrS).Op(WasmOpcode.F32x4ConvertI32x4S).Mem(WasmOpcode.V128Store, 48);
            // compare → mask; bitselect picks lanes of a where a < b
            f.I32Const(Out).I32Const(0).Mem(WasmOpcode.V128Load).I32Const(16).Mem(WasmOpcode.V128Load)
                .I32Const(0).Mem(WasmOpcode.V128Load).I32Const(16).Mem(WasmOpcode.V128Load).Op(WasmOpcode.F32x4Lt)
                .Op(WasmOpcode.V128Bitselect).Mem(WasmOpcode.V128Store, 64);
            f.I32Const(Out).V128Const(0x0F0F, 0xFF, -1, 0).V128Const(0x00FF, 0x0F, 5, 7).Op(WasmOpcode.V128And)
                .V128Const(0x100, 0, 0, 1).Op(WasmOpcode.V128Or).V128Const(1, 1, 1, 1).Op(WasmOpcode.V128Xor).Mem(WasmOpcode.V128Store, 80);
            f.I32Const(Out).V128Const(6, 6, 6, 6).V128Const(3, 5, 0, 6).Op(WasmOpcode.V128AndNot).Op(WasmOpcode.V128Not).Mem(WasmOpcode.V128Store, 96);
            f.I32Const(Out).V128Const(0, 0, 0, 0).Op(WasmOpcode.V128AnyTrue).Mem(WasmOpcode.I32Store, 112);
        });
        var r = Run(bytes, 29);
        int[] t = [.. s_in[..4].Select(x => (int)x)];
        Assert.Equal(t, r.I32[0..4]);
        Assert.Equal([t[0] * t[0] + 10, t[1] * t[1] + 20, t[2] * t[2] + 30, t[3] * t[3] + 40], r.I32[4..8]);
        Assert.Equal([.. t.Select(x => -(x << 3))], r.I32[8..12]);
        Assert.Equal([.. t.Select(x => (float)(x >> 1))], r.F32[12..16]);
        Assert.Equal([.. Enumerable.Range(0, 4).Select(l => s_in[l] < s_in[4 + l] ? s_in[l] : s_in[4 + l])], r.F32[16..20]);
        Assert.Equal([((0x0F0F & 0xFF) | 0x100) ^ 1, (0xFF & 0x0F) ^ 1, (-1 & 5) ^ 1, 1 ^ 1], r.I32[20..24]);
        Assert.Equal([~(6 & ~3), ~(6 & ~5), ~6, ~0], r.I32[24..28]);
        Assert.Equal(0, r.I32[28]);
    }

    [Fact]
    public void Bulk_memory_copy_and_fill()
    {
        var bytes = Module(f =>
        {
            f.I32Const(Out).I32Const(4).I32Const(20).MemoryCopy();
            f.I32Const(Out + 20).I32Const(0x7F).I32Const(8).MemoryFill();
        });
        var r = Run(bytes, 7);
        Assert.Equal(s_in[1..6], r.F32[0..5]);
        Assert.Equal([0x7F7F7F7F, 0x7F7F7F7F], r.I32[5..7]);
    }

    [Fact]
    public void Passive_data_segments_and_memory_init()
    {
        var m = new ModuleWriter();
        int a = m.AddPassiveData([1, 2, 3, 4, 5, 6, 7, 8]);
        int b = m.AddPassiveData([.. BitConverter.GetBytes(-7), .. BitConverter.GetBytes(2.5f)]);
        var bytes = Module(f =>
        {
            // segment 1 whole, then bytes 2..7 of segment 0 after it (twice: a segment stays usable)
            f.I32Const(Out).I32Const(0).I32Const(8).MemoryInit(b);
            f.I32Const(Out + 8).I32Const(2).I32Const(4).MemoryInit(a);
            f.I32Const(Out + 12).I32Const(4).I32Const(4).MemoryInit(a);
        }, m);
        var r = Run(bytes, 4);
        Assert.Equal(-7, r.I32[0]);
        Assert.Equal(2.5f, r.F32[1]);
        Assert.Equal(BitConverter.ToInt32([3, 4, 5, 6]), r.I32[2]);
        Assert.Equal(BitConverter.ToInt32([5, 6, 7, 8]), r.I32[3]);
    }

    [Fact]
    public void Relaxed_simd_madd_and_min_max()
    {
        var bytes = Module(f =>
        {
            f.I32Const(Out).I32Const(0).Mem(WasmOpcode.V128Load).I32Const(16).Mem(WasmOpcode.V128Load).F32x4Const(0.5f)
                .Op(WasmOpcode.F32x4RelaxedMadd).Mem(WasmOpcode.V128Store, 0);
            f.I32Const(Out).I32Const(0).Mem(WasmOpcode.V128Load).I32Const(16).Mem(WasmOpcode.V128Load).F32x4Const(0.5f)
                .Op(WasmOpcode.F32x4RelaxedNmadd).Mem(WasmOpcode.V128Store, 16);
            Binary(f, WasmOpcode.F32x4RelaxedMin, 2);
            Binary(f, WasmOpcode.F32x4RelaxedMax, 3);
        });
        Assert.False(WasmNode.Run(bytes).Valid, "without the flag Node 20 must refuse relaxed SIMD (so the runtime's probe matters)");
        var r = Run(bytes, 16, relaxed: true);
        for (int l = 0; l < 4; l++)
        {
            float a = s_in[l], b = s_in[4 + l];
            // relaxed madd may or may not fuse: either rounding is allowed
            Assert.Contains(r.F32[l], new[] { MathF.FusedMultiplyAdd(a, b, 0.5f), a * b + 0.5f });
            Assert.Contains(r.F32[4 + l], new[] { MathF.FusedMultiplyAdd(-a, b, 0.5f), -(a * b) + 0.5f });
            Assert.Equal(MathF.Min(a, b), r.F32[8 + l]);
            Assert.Equal(MathF.Max(a, b), r.F32[12 + l]);
        }
    }

    [Fact]
    public void Globals_are_read_by_functions_and_the_shared_variant_differs_only_in_the_import()
    {
        var m = new ModuleWriter();
        int a = m.AddGlobal(mutable: true, 7), b = m.AddGlobal(mutable: false, -3);
        m.ExportGlobal("a", a);
        Assert.Throws<InvalidOperationException>(() => m.ExportGlobal("a", b));
        var bytes = Module(f => f.I32Const(Out).GlobalGet(a).I32Const(10).Op(WasmOpcode.I32Mul).GlobalGet(b).Op(WasmOpcode.I32Add).Mem(WasmOpcode.I32Store), m);
        Assert.Equal(67, Run(bytes, 1).I32[0]);
        var shared = m.ToSharedBytes(65536);
        Assert.True(WasmNode.Run(shared).Valid);
        // the import's limits: flags 0 (min only) → 3 (shared, with a maximum), then LEB128(65536) = 80 80 04 after min
        Assert.Equal(bytes.Length + 3, shared.Length);
        int at = bytes.AsSpan().IndexOf("memory"u8) + "memory".Length;
        Assert.Equal([0x02, 0x00, 0x01], bytes[at..(at + 3)]);
        Assert.Equal([0x02, 0x03, 0x01, 0x80, 0x80, 0x04], shared[at..(at + 6)]);
        Assert.Equal(bytes[(at + 3)..], shared[(at + 6)..]);
    }

    [Fact]
    public void Shared_memory_import_needs_a_maximum()
    {
        Assert.Throws<ArgumentException>(() => new ModuleWriter(1, null, shared: true));
        var bytes = new ModuleWriter(1, 16, shared: true).ToBytes();
        Assert.True(WasmNode.Run(bytes).Valid);
    }
}
