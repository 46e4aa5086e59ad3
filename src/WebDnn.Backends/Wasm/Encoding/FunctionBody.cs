namespace WebDnn.Backends.Wasm.Encoding;

/// <summary>
/// The instruction emitter of one function: a typed method per immediate kind (constants, locals, memory arguments,
/// lanes, blocks, calls), so an instruction cannot be written with the wrong immediates. Locals are numbered after the
/// parameters in the order they are declared. <see cref="Encode"/> closes the body with <c>end</c>.
/// </summary>
public sealed class FunctionBody
{
    private readonly List<byte> _code = [];
    private readonly List<ValType> _locals = [];
    private int _depth;

    public FunctionBody(ValType[] parameters, ValType[]? results = null)
    {
        Params = parameters;
        Results = results ?? [];
    }

    public ValType[] Params { get; }

    public ValType[] Results { get; }

    /// <summary>Features of the instructions written so far.</summary>
    public HashSet<WasmFeature> Features { get; } = [];

    /// <summary>Current nesting of blocks, loops and ifs.</summary>
    public int Depth => _depth;

    /// <summary>Declares a local and returns its index.</summary>
    public int Local(ValType t)
    {
        _locals.Add(t);
        return Params.Length + _locals.Count - 1;
    }

    /// <summary>An instruction without immediates.</summary>
    public FunctionBody Op(WasmOpcode op)
    {
        if (Immediates(op) != Imm.None)
        {
            throw new ArgumentException($"{op.TextName()} takes immediates; use its typed method", nameof(op));
        }
        Raw(op);
        return this;
    }

    public FunctionBody I32Const(int v)
    {
        Raw(WasmOpcode.I32Const);
        Leb128.WriteS32(_code, v);
        return this;
    }

    public FunctionBody F32Const(float v)
    {
        Raw(WasmOpcode.F32Const);
        _code.AddRange(BitConverter.GetBytes(v));
        return this;
    }

    public FunctionBody V128Const(float a, float b, float c, float d)
    {
        Raw(WasmOpcode.V128Const);
        foreach (var v in new[] { a, b, c, d })
        {
            _code.AddRange(BitConverter.GetBytes(v));
        }
        return this;
    }

    public FunctionBody V128Const(int a, int b, int c, int d)
    {
        Raw(WasmOpcode.V128Const);
        foreach (var v in new[] { a, b, c, d })
        {
            _code.AddRange(BitConverter.GetBytes(v));
        }
        return this;
    }

    public FunctionBody F32x4Const(float v) => V128Const(v, v, v, v);

    public FunctionBody LocalGet(int i) => Indexed(WasmOpcode.LocalGet, i);

    public FunctionBody LocalSet(int i) => Indexed(WasmOpcode.LocalSet, i);

    public FunctionBody LocalTee(int i) => Indexed(WasmOpcode.LocalTee, i);

    public FunctionBody GlobalGet(int i) => Indexed(WasmOpcode.GlobalGet, i);

    public FunctionBody Call(int function) => Indexed(WasmOpcode.Call, function);

    public FunctionBody Br(int depth) => Indexed(WasmOpcode.Br, depth);

    public FunctionBody BrIf(int depth) => Indexed(WasmOpcode.BrIf, depth);

    /// <summary>A load or store with its memory argument (natural alignment, constant byte offset).</summary>
    public FunctionBody Mem(WasmOpcode op, uint offset = 0)
    {
        if (Immediates(op) != Imm.Mem)
        {
            throw new ArgumentException($"{op.TextName()} is not a plain load/store", nameof(op));
        }
        Raw(op);
        Leb128.WriteU32(_code, NaturalAlign(op));
        Leb128.WriteU32(_code, offset);
        return this;
    }

    /// <summary>v128.load/store{32,64}_lane: memory argument, then the lane.</summary>
    public FunctionBody MemLane(WasmOpcode op, int lane, uint offset = 0)
    {
        if (Immediates(op) != Imm.MemLane)
        {
            throw new ArgumentException($"{op.TextName()} is not a lane load/store", nameof(op));
        }
        Raw(op);
        Leb128.WriteU32(_code, NaturalAlign(op));
        Leb128.WriteU32(_code, offset);
        _code.Add(checked((byte)lane));
        return this;
    }

    /// <summary>extract_lane / replace_lane.</summary>
    public FunctionBody Lane(WasmOpcode op, int lane)
    {
        if (Immediates(op) != Imm.Lane || lane is < 0 or > 3)
        {
            throw new ArgumentException($"{op.TextName()} with lane {lane}", nameof(op));
        }
        Raw(op);
        _code.Add((byte)lane);
        return this;
    }

    /// <summary>i8x16.shuffle with 16 byte-lane indices (0–31).</summary>
    public FunctionBody Shuffle(ReadOnlySpan<byte> lanes)
    {
        if (lanes.Length != 16)
        {
            throw new ArgumentException("i8x16.shuffle takes 16 lane indices", nameof(lanes));
        }
        Raw(WasmOpcode.I8x16Shuffle);
        _code.AddRange(lanes.ToArray());
        return this;
    }

    /// <summary>Shuffle of 32-bit lanes (each 0–7: 0–3 from the first operand, 4–7 from the second).</summary>
    public FunctionBody Shuffle32(int a, int b, int c, int d)
    {
        Span<byte> lanes = stackalloc byte[16];
        int[] l = [a, b, c, d];
        for (int i = 0; i < 16; i++)
        {
            lanes[i] = (byte)(l[i / 4] * 4 + i % 4);
        }
        return Shuffle(lanes);
    }

    public FunctionBody Block(ValType? result = null) => Open(WasmOpcode.Block, result);

    public FunctionBody Loop(ValType? result = null) => Open(WasmOpcode.Loop, result);

    public FunctionBody If(ValType? result = null) => Open(WasmOpcode.If, result);

    public FunctionBody Else()
    {
        Raw(WasmOpcode.Else);
        return this;
    }

    public FunctionBody End()
    {
        if (_depth == 0)
        {
            throw new InvalidOperationException("end without an open block");
        }
        _depth--;
        Raw(WasmOpcode.End);
        return this;
    }

    public FunctionBody MemoryCopy()
    {
        Raw(WasmOpcode.MemoryCopy);
        _code.Add(0);
        _code.Add(0);
        return this;
    }

    /// <summary>memory.init of passive data segment <paramref name="segment"/> (stack: destination, offset in the segment, length).</summary>
    public FunctionBody MemoryInit(int segment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(segment);
        Raw(WasmOpcode.MemoryInit);
        Leb128.WriteU32(_code, (uint)segment);
        _code.Add(0);
        return this;
    }

    public FunctionBody MemoryFill()
    {
        Raw(WasmOpcode.MemoryFill);
        _code.Add(0);
        return this;
    }

    /// <summary>The body as the code section stores it: local declarations, instructions, <c>end</c>.</summary>
    public List<byte> Encode()
    {
        if (_depth != 0)
        {
            throw new InvalidOperationException($"{_depth} block(s) left open");
        }
        var o = new List<byte>();
        var runs = new List<(int Count, ValType Type)>();
        foreach (var t in _locals)
        {
            if (runs.Count > 0 && runs[^1].Type == t)
            {
                runs[^1] = (runs[^1].Count + 1, t);
            }
            else
            {
                runs.Add((1, t));
            }
        }
        Leb128.WriteU32(o, (uint)runs.Count);
        foreach (var (n, t) in runs)
        {
            Leb128.WriteU32(o, (uint)n);
            o.Add((byte)t);
        }
        o.AddRange(_code);
        o.Add((byte)WasmOpcode.End);
        return o;
    }

    private FunctionBody Open(WasmOpcode op, ValType? result)
    {
        Raw(op);
        _code.Add(result is { } r ? (byte)r : (byte)0x40);
        _depth++;
        return this;
    }

    private FunctionBody Indexed(WasmOpcode op, int i)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(i);
        Raw(op);
        Leb128.WriteU32(_code, (uint)i);
        return this;
    }

    private void Raw(WasmOpcode op)
    {
        Features.Add(op.Feature());
        if (op.Prefix() == 0)
        {
            _code.Add((byte)op.Code());
        }
        else
        {
            _code.Add(op.Prefix());
            Leb128.WriteU32(_code, (uint)op.Code());
        }
    }

    private enum Imm
    {
        None,
        Special,
        Mem,
        MemLane,
        Lane,
    }

    private static Imm Immediates(WasmOpcode op) => op switch
    {
        WasmOpcode.Block or WasmOpcode.Loop or WasmOpcode.If or WasmOpcode.Br or WasmOpcode.BrIf or WasmOpcode.Call
            or WasmOpcode.LocalGet or WasmOpcode.LocalSet or WasmOpcode.LocalTee or WasmOpcode.GlobalGet or WasmOpcode.GlobalSet or WasmOpcode.I32Const or WasmOpcode.F32Const
            or WasmOpcode.V128Const or WasmOpcode.I8x16Shuffle or WasmOpcode.MemoryCopy or WasmOpcode.MemoryFill or WasmOpcode.MemoryInit
            or WasmOpcode.MemorySize or WasmOpcode.Else or WasmOpcode.End => Imm.Special,
        WasmOpcode.I32Load or WasmOpcode.F32Load or WasmOpcode.I32Load8U or WasmOpcode.I32Store or WasmOpcode.F32Store or WasmOpcode.I32Store8
            or WasmOpcode.V128Load or WasmOpcode.V128Load8Splat or WasmOpcode.V128Load32Splat or WasmOpcode.V128Store or WasmOpcode.V128Load32Zero or WasmOpcode.V128Load64Zero => Imm.Mem,
        WasmOpcode.V128Load8Lane or WasmOpcode.V128Store8Lane or WasmOpcode.V128Load32Lane or WasmOpcode.V128Load64Lane or WasmOpcode.V128Store32Lane or WasmOpcode.V128Store64Lane => Imm.MemLane,
        WasmOpcode.I32x4ExtractLane or WasmOpcode.I32x4ReplaceLane or WasmOpcode.F32x4ExtractLane or WasmOpcode.F32x4ReplaceLane => Imm.Lane,
        _ => Imm.None,
    };

    private static uint NaturalAlign(WasmOpcode op) => op switch
    {
        WasmOpcode.I32Load8U or WasmOpcode.I32Store8 or WasmOpcode.V128Load8Splat or WasmOpcode.V128Load8Lane or WasmOpcode.V128Store8Lane => 0,
        WasmOpcode.V128Load or WasmOpcode.V128Store => 4,
        WasmOpcode.V128Load64Zero or WasmOpcode.V128Load64Lane or WasmOpcode.V128Store64Lane => 3,
        _ => 2,
    };
}
